"""The ledger's FilterSet: the list page, the XLSX export and the API read the same filters."""

import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from propwatch.accounts import scoping
from propwatch.campaigns.choices import Focus
from propwatch.regions.models import Level as RegionLevel
from propwatch.regions.models import Region

from . import selectors
from .choices import Level, Source, State
from .models import Problem

YES_NO = [("yes", "是"), ("no", "否")]
# Long enough for a quarter's planning, short enough that a typo does not mean "everything".
MAX_DUE_WITHIN_DAYS = 366


def _regions_in_scope(request, level: str):
    qs = Region.objects.filter(level=level)
    if request is None or request.user.is_superuser:
        return qs
    path = scoping.region_path(request.user)
    return qs.filter(path__startswith=path) if path is not None else qs.none()


def _counties(request):
    return _regions_in_scope(request, RegionLevel.COUNTY)


def _streets(request):
    qs = _regions_in_scope(request, RegionLevel.STREET)
    # With a county chosen, offer only its streets: the city has over a hundred.
    county = request.GET.get("county", "") if request is not None else ""
    return qs.filter(parent__code=county) if county.isdigit() else qs


class ProblemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", help_text="小区名称、问题编号或问题描述")
    county = django_filters.ModelChoiceFilter(
        label="县（市、区）", queryset=_counties, method="in_region", empty_label="全部", to_field_name="code",
    )
    street = django_filters.ModelChoiceFilter(
        label="街道（乡镇）", queryset=_streets, method="in_region", empty_label="全部", to_field_name="code",
    )
    state = django_filters.ChoiceFilter(label="状态", choices=[("open", "未销号（全部）"), *State.choices],
                                        method="in_state", empty_label="全部")
    focus = django_filters.ChoiceFilter(label="整治重点", choices=Focus.choices, empty_label="全部")
    level = django_filters.ChoiceFilter(label="办理层级", choices=Level.choices, empty_label="全部")
    source = django_filters.ChoiceFilter(label="问题来源", choices=Source.choices, empty_label="全部")
    # Not "company": a company is picked by its code or name here, not by its internal id.
    company_q = django_filters.CharFilter(label="物业企业", method="company_search", help_text="企业名称或信用代码")
    overdue = django_filters.ChoiceFilter(label="已逾期", choices=YES_NO, method="is_overdue", empty_label="全部")
    due_within = django_filters.NumberFilter(
        label="几天内到期", method="is_due_within", min_value=0, max_value=MAX_DUE_WITHIN_DAYS, help_text="天数",
    )
    supervised = django_filters.ChoiceFilter(label="挂牌督办", choices=YES_NO, method="is_supervised",
                                             empty_label="全部")
    escalation = django_filters.ChoiceFilter(label="建议升级", choices=YES_NO, method="offered_for_escalation",
                                             empty_label="全部")

    class Meta:
        model = Problem
        fields = ["q", "county", "street", "state", "focus", "level", "source", "company_q", "overdue",
                  "due_within", "supervised", "escalation"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Filters that can only ever offer "全部" to this user are left off the form.
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated or user.is_superuser:
            return
        dept = user.department
        if scoping.company_id(user) is not None or dept is None:
            for name in ("county", "street", "company_q", "escalation"):
                self.filters.pop(name, None)
        elif dept.region.level in (RegionLevel.STREET, RegionLevel.COMMUNITY):
            self.filters.pop("county", None)
            if dept.region.level == RegionLevel.COMMUNITY:
                self.filters.pop("street", None)

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(
            Q(project__name__icontains=value) | Q(number__icontains=value) | Q(description__icontains=value)
        ) if value else qs

    def in_state(self, qs, name, value):
        return qs.exclude(state=State.CLOSED) if value == "open" else qs.filter(state=value)

    def company_search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(company__name__icontains=value) | Q(company__credit_code=value.upper())) if value else qs

    @extend_schema_field(OpenApiTypes.STR)
    def in_region(self, qs, name, region):
        return qs.filter(project__community__path__startswith=region.path)

    def is_overdue(self, qs, name, value):
        return qs.filter(selectors.overdue_q()) if value == "yes" else qs.exclude(selectors.overdue_q())

    def is_due_within(self, qs, name, value):
        return qs.filter(selectors.due_within_q(int(value)))

    def is_supervised(self, qs, name, value):
        return qs.filter(supervised=value == "yes")

    def offered_for_escalation(self, qs, name, value):
        # The list page annotates the flag already (it shows it as a badge); reuse it when present.
        if "offer_escalation" in qs.query.annotations:
            return qs.filter(offer_escalation=value == "yes")
        q = selectors.escalation_q()
        return qs.filter(q) if value == "yes" else qs.exclude(q)
