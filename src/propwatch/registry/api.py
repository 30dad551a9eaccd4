"""Companies and projects over the API: the same scope, filters, sorting and services as the pages.

- Rows come from the selectors (`companies_for`, `projects_for`): out of scope is a 404.
- Filters are the list pages' FilterSets; `?ordering=` takes the keys of the pages' `?sort=`.
- Every write goes through `services`, which validates, writes the audit row and raises
  Django ValidationErrors that `propwatch.web.api.exception_handler` turns into 400s.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from propwatch.accounts import scoping
from propwatch.accounts.permissions import Action
from propwatch.regions.models import Level, Region
from propwatch.web.api_permissions import ActionPermission

from . import credit_code, services
from .filters import CompanyFilter, ProjectFilter
from .models import DISCLOSURE_FIELDS, DISCLOSURE_ITEMS, Company, Project
from .selectors import companies_for, project_count_in_scope, projects_for
from .views import CompanyList, ProjectList

_ACTIONS = {"GET": Action.VIEW_REGISTRY, "POST": Action.EDIT_REGISTRY, "PUT": Action.EDIT_REGISTRY,
            "PATCH": Action.EDIT_REGISTRY}


class CompanySerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.filter(level__in=[Level.CITY, Level.COUNTY]),
        required=False, allow_null=True, error_messages={"does_not_exist": "未找到代码为 {value} 的市或县（市、区）"},
    )
    project_count = serializers.IntegerField(read_only=True)
    override_reason = serializers.CharField(write_only=True, required=False, allow_blank=True,
                                            help_text="代码未通过校验位检查但确认真实时的说明（仅市级管理员）")

    class Meta:
        model = Company
        fields = ["id", "name", "credit_code", "filing_no", "legal_representative", "contact_phone", "address",
                  "region", "credit_code_override_reason", "project_count", "override_reason",
                  "created_at", "updated_at"]
        read_only_fields = ["credit_code_override_reason"]
        # The service checks the code (length, characters, check digit) and its uniqueness, with
        # Chinese messages naming what is wrong; a length check here would pre-empt them.
        extra_kwargs = {"credit_code": {"validators": [], "max_length": None}}

    def create(self, validated):
        reason = validated.pop("override_reason", "")
        return services.create_company(actor=self.context["request"].user, data=validated, override_reason=reason)

    def update(self, instance, validated):
        reason = validated.pop("override_reason", "")
        return services.update_company(actor=self.context["request"].user, company=instance, data=validated,
                                       override_reason=reason)


class CompanyViewSet(viewsets.ModelViewSet):
    """物业服务企业. Writes: county and city housing bureaus; check-digit exceptions: city leaders and admins."""

    serializer_class = CompanySerializer
    permission_classes = [ActionPermission]
    actions_by_method = _ACTIONS
    filterset_class = CompanyFilter
    sort_fields = CompanyList.sort_fields
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        return companies_for(user).annotate(project_count=project_count_in_scope(user)).order_by("name", "pk")

    def _reload(self, serializer) -> None:
        # Answer with the row as a list would show it (project_count included). Not re-scoped:
        # a county may register a company seated elsewhere, as on the page.
        serializer.instance = (Company.objects.select_related("region")
                               .annotate(project_count=project_count_in_scope(self.request.user))
                               .get(pk=serializer.instance.pk))

    def perform_create(self, serializer):
        serializer.save()
        self._reload(serializer)

    def perform_update(self, serializer):
        serializer.save()
        self._reload(serializer)


class CompanyByCodeField(serializers.SlugRelatedField):
    """A company picked by its credit code, typed as people type it (spaces, lower case)."""

    default_error_messages = {
        "does_not_exist": "未找到统一社会信用代码为 {value} 的企业，请先登记该企业",
        "invalid": "请填写统一社会信用代码",
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="credit_code", queryset=Company.objects.all(), **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(credit_code.clean(data))


class ProjectSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.filter(level=Level.COMMUNITY),
        error_messages={"does_not_exist": "未找到区划代码为 {value} 的社区"},
    )
    company = CompanyByCodeField(required=False, allow_null=True, help_text="物业服务企业的统一社会信用代码")
    company_name = serializers.CharField(source="company.name", read_only=True, default=None)
    county = serializers.CharField(source="community.parent.parent.code", read_only=True)
    is_managed = serializers.BooleanField(read_only=True)
    is_disclosed = serializers.BooleanField(read_only=True)

    class Meta:
        model = Project
        fields = ["id", "code", "name", "address", "county", "community", "company", "company_name",
                  "contract_start", "contract_end", "households", "is_managed", "is_disclosed",
                  *DISCLOSURE_FIELDS, "disclosure_first_complete_on", "created_at", "updated_at"]
        # The disclosure checklist is recorded after a visit, through `…/disclosure/` (its own
        # permission and checks), as on the pages.
        read_only_fields = [*DISCLOSURE_FIELDS, "disclosure_first_complete_on"]
        extra_kwargs = {"code": {"required": False, "validators": [], "help_text": "留空则自动生成"}}

    def validate_community(self, community):
        user = self.context["request"].user
        path = scoping.region_path(user)
        if not user.is_superuser and (path is None or not community.path.startswith(path)):
            raise serializers.ValidationError("该社区不在您的管辖范围内")
        return community

    def create(self, validated):
        return services.create_project(actor=self.context["request"].user, data=validated)

    def update(self, instance, validated):
        return services.update_project(actor=self.context["request"].user, project=instance, data=validated)


class DisclosureSerializer(serializers.Serializer):
    """The focus-5 checklist: for each item the date it became complete; null when not displayed.
    Items left out are left as they are."""

    def get_fields(self):
        return {
            field: serializers.DateField(label=label, required=False, allow_null=True,
                                         help_text="在小区显著位置公示完成的日期；未公示为 null")
            for field, label in DISCLOSURE_ITEMS
        }


class ProjectViewSet(viewsets.ModelViewSet):
    """物业项目. Writes: county and city housing bureaus, within their territory; the disclosure
    checklist also street offices and community committees."""

    serializer_class = ProjectSerializer
    permission_classes = [ActionPermission]
    actions_by_method = _ACTIONS
    filterset_class = ProjectFilter
    sort_fields = ProjectList.sort_fields
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return projects_for(self.request.user).order_by("code")

    @extend_schema(request=DisclosureSerializer, responses=ProjectSerializer, summary="登记公示情况")
    @action(detail=True, methods=["patch"], serializer_class=DisclosureSerializer,
            actions_by_method={"PATCH": Action.EDIT_DISCLOSURE}, filterset_class=None)
    def disclosure(self, request, pk=None):
        project = self.get_object()
        serializer = DisclosureSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.update_disclosure(actor=request.user, project=project, items=serializer.validated_data)
        project = projects_for(request.user).get(pk=project.pk)
        return Response(ProjectSerializer(project, context=self.get_serializer_context()).data)
