"""One FilterSet per model: the list page, the export and the API all use these."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from propwatch.accounts import scoping
from propwatch.regions.models import Level, Region

from .models import Company, Project, disclosed_q, managed_q, today

YES_NO = [("yes", "是"), ("no", "否")]


def _regions_in_scope(request, level: str):
    qs = Region.objects.filter(level=level)
    if request is None:
        return qs
    user = request.user
    if user.is_superuser:
        return qs
    if (cid := scoping.company_id(user)) is not None:
        # A company's "territory" is wherever its projects are: offer those counties and streets.
        communities = Project.objects.filter(company_id=cid).values("community__parent")
        streets = Region.objects.filter(pk__in=communities)
        return qs.filter(pk__in=streets.values("parent") if level == Level.COUNTY else streets.values("pk"))
    path = scoping.region_path(user)
    if path is None:
        return qs.none()
    # Both the user's own subtree and, for a street user, nothing above it.
    return qs.filter(path__startswith=path)


def _counties(request):
    return _regions_in_scope(request, Level.COUNTY)


def _streets(request):
    return _regions_in_scope(request, Level.STREET)


class CompanyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", help_text="企业名称、信用代码、法定代表人或备案编号")
    county = django_filters.ModelChoiceFilter(
        label="县（市、区）", queryset=_counties, method="in_county", empty_label="全部", to_field_name="code",
    )
    override = django_filters.ChoiceFilter(
        label="代码校验例外", choices=YES_NO, method="has_override", empty_label="全部"
    )

    class Meta:
        model = Company
        fields = ["q", "county", "override"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(
            Q(name__icontains=value) | Q(credit_code__icontains=value.upper())
            | Q(legal_representative__icontains=value) | Q(filing_no__icontains=value)
        ) if value else qs

    @extend_schema_field(OpenApiTypes.STR)
    def in_county(self, qs, name, county):
        here = Project.objects.filter(company=OuterRef("pk"), community__path__startswith=county.path)
        return qs.filter(Q(region__path__startswith=county.path) | Exists(here))

    def has_override(self, qs, name, value):
        return qs.exclude(credit_code_override_reason="") if value == "yes" else qs.filter(credit_code_override_reason="")


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", help_text="项目名称、编号、地址或物业企业名称")
    county = django_filters.ModelChoiceFilter(
        label="县（市、区）", queryset=_counties, method="in_region", empty_label="全部", to_field_name="code",
    )
    street = django_filters.ModelChoiceFilter(
        label="街道（乡镇）", queryset=_streets, method="in_region", empty_label="全部", to_field_name="code",
    )
    company = django_filters.NumberFilter(label="物业企业编号", field_name="company_id")
    managed = django_filters.ChoiceFilter(label="专业化物业管理", choices=YES_NO, method="is_managed", empty_label="全部")
    disclosed = django_filters.ChoiceFilter(label="已全部公示", choices=YES_NO, method="is_disclosed", empty_label="全部")
    households_min = django_filters.NumberFilter(label="户数不少于", field_name="households", lookup_expr="gte")

    class Meta:
        model = Project
        fields = ["q", "county", "street", "company", "managed", "disclosed", "households_min"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(
            Q(name__icontains=value) | Q(code__icontains=value) | Q(address__icontains=value)
            | Q(company__name__icontains=value)
        ) if value else qs

    @extend_schema_field(OpenApiTypes.STR)
    def in_region(self, qs, name, region):
        return qs.filter(community__path__startswith=region.path)

    def is_managed(self, qs, name, value):
        q = managed_q(today())
        return qs.filter(q) if value == "yes" else qs.exclude(q)

    def is_disclosed(self, qs, name, value):
        q = disclosed_q(today())
        return qs.filter(q) if value == "yes" else qs.exclude(q)
