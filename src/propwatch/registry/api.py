"""Companies and projects over the API: the same scope, filters and services as the pages."""

from django.db.models import Count
from rest_framework import serializers, viewsets

from propwatch.accounts.permissions import Action
from propwatch.regions.models import Level, Region
from propwatch.web.api_permissions import ActionPermission

from . import services
from .filters import CompanyFilter, ProjectFilter
from .models import DISCLOSURE_FIELDS, Company, Project
from .selectors import companies_for, projects_for

_ACTIONS = {"GET": Action.VIEW_REGISTRY, "POST": Action.EDIT_REGISTRY, "PUT": Action.EDIT_REGISTRY,
            "PATCH": Action.EDIT_REGISTRY}


class CompanySerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.filter(level__in=[Level.CITY, Level.COUNTY]),
        required=False, allow_null=True,
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
        # Uniqueness is checked by the service with a Chinese message naming the code.
        extra_kwargs = {"credit_code": {"validators": []}}

    def create(self, validated):
        reason = validated.pop("override_reason", "")
        return services.create_company(actor=self.context["request"].user, data=validated, override_reason=reason)

    def update(self, instance, validated):
        reason = validated.pop("override_reason", "")
        return services.update_company(actor=self.context["request"].user, company=instance, data=validated,
                                       override_reason=reason)


class CompanyViewSet(viewsets.ModelViewSet):
    serializer_class = CompanySerializer
    permission_classes = [ActionPermission]
    actions_by_method = _ACTIONS
    filterset_class = CompanyFilter
    ordering_fields = ["name", "credit_code", "updated_at", "project_count"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return companies_for(self.request.user).annotate(project_count=Count("projects")).order_by("name", "pk")


class ProjectSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.filter(level=Level.COMMUNITY))
    company = serializers.SlugRelatedField(slug_field="credit_code", queryset=Company.objects.all(),
                                           required=False, allow_null=True)
    company_name = serializers.CharField(source="company.name", read_only=True, default=None)
    county = serializers.CharField(source="community.parent.parent.code", read_only=True)
    is_managed = serializers.BooleanField(read_only=True)
    is_disclosed = serializers.BooleanField(read_only=True)

    class Meta:
        model = Project
        fields = ["id", "code", "name", "address", "county", "community", "company", "company_name",
                  "contract_start", "contract_end", "households", "is_managed", "is_disclosed",
                  *DISCLOSURE_FIELDS, "disclosure_first_complete_on", "created_at", "updated_at"]
        read_only_fields = ["disclosure_first_complete_on"]
        extra_kwargs = {"code": {"required": False, "validators": []}}

    def validate_community(self, community):
        from propwatch.accounts import scoping

        user = self.context["request"].user
        path = scoping.region_path(user)
        if not user.is_superuser and (path is None or not community.path.startswith(path)):
            raise serializers.ValidationError("该社区不在您的管辖范围内")
        return community

    def create(self, validated):
        return services.create_project(actor=self.context["request"].user, data=validated)

    def update(self, instance, validated):
        return services.update_project(actor=self.context["request"].user, project=instance, data=validated)


class ProjectViewSet(viewsets.ModelViewSet):
    serializer_class = ProjectSerializer
    permission_classes = [ActionPermission]
    actions_by_method = _ACTIONS
    filterset_class = ProjectFilter
    ordering_fields = ["code", "name", "households", "contract_end"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return projects_for(self.request.user).order_by("code")
