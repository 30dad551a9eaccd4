"""Problems and their transitions over the API: the same scope, rules and services as the pages.

`POST /api/v1/problems/<id>/transitions/` with `{"target": "<state>", "version": n, "note": …}`
(multipart when files are attached). An illegal move or a stale version is a 409 with the reason.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from propwatch.accounts.models import Department
from propwatch.accounts.permissions import Action
from propwatch.registry.models import Project
from propwatch.web.api_permissions import ActionPermission

from . import services
from .choices import State
from .errors import LedgerError
from .filters import ProblemFilter
from .models import Problem, ProblemEvent


class LedgerAPIError(APIException):
    def __init__(self, error: LedgerError):
        self.status_code = error.status
        super().__init__({"detail": error.message, "code": type(error).__name__})


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProblemEvent
        fields = ["kind", "from_state", "to_state", "actor_name", "actor_department", "at", "note"]


class ProblemSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    company_name = serializers.CharField(source="company.name", read_only=True, default=None)
    responsible_department_name = serializers.CharField(source="responsible_department.name", read_only=True,
                                                        default=None)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Problem
        fields = ["id", "number", "source", "project", "project_name", "company", "company_name", "focus",
                  "description", "found_on", "responsible_department", "responsible_department_name",
                  "responsible_person", "level", "supervised", "deadline", "deadline_provisional", "is_overdue",
                  "state", "version", "rectification_note", "closed_at", "created_at", "updated_at"]
        read_only_fields = fields


class ProblemDetailSerializer(ProblemSerializer):
    events = EventSerializer(many=True, read_only=True)
    allowed_next_states = serializers.SerializerMethodField()

    class Meta(ProblemSerializer.Meta):
        fields = [*ProblemSerializer.Meta.fields, "events", "allowed_next_states"]
        read_only_fields = fields

    def get_allowed_next_states(self, problem) -> list[str]:
        return sorted(problem.allowed_next_states())


class ProblemCreateSerializer(serializers.Serializer):
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.none())
    focus = serializers.IntegerField(min_value=1, max_value=6)
    description = serializers.CharField()
    source = serializers.ChoiceField(choices=Problem._meta.get_field("source").choices)
    found_on = serializers.DateField()
    level = serializers.ChoiceField(choices=Problem._meta.get_field("level").choices, default="street")
    responsible_department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(), required=False,
                                                                allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent when the schema generator instantiates it
        if request is not None:
            self.fields["project"].queryset = Project.objects.visible_to(request.user)
            self.fields["responsible_department"].queryset = Department.objects.visible_to(request.user)


class TransitionSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=State.choices)
    version = serializers.IntegerField(help_text="客户端看到的问题版本号；已被他人修改时返回 409")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(), required=False,
                                                    allow_null=True, help_text="交办时的整改责任单位")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if (request := self.context.get("request")) is not None:
            self.fields["department"].queryset = Department.objects.visible_to(request.user)


class ProblemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):
    permission_classes = [ActionPermission]
    actions_by_method = {"GET": Action.VIEW_LEDGER, "POST": Action.VIEW_LEDGER}
    filterset_class = ProblemFilter  # the same filters as the ledger page
    ordering_fields = ["number", "found_on", "deadline", "state"]
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]

    def get_queryset(self):
        qs = Problem.objects.visible_to(self.request.user).select_related(
            "project", "company", "responsible_department").order_by("-found_on", "-id")
        if self.action == "retrieve":
            qs = qs.prefetch_related(Prefetch("events", queryset=ProblemEvent.objects.order_by("at", "id")))
        return qs

    def get_serializer_class(self):
        if self.action == "create":
            return ProblemCreateSerializer
        if self.action == "transitions":
            return TransitionSerializer
        return ProblemDetailSerializer if self.action == "retrieve" else ProblemSerializer

    @extend_schema(request=ProblemCreateSerializer, responses=ProblemDetailSerializer)
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            problem = services.register_problem(actor=request.user, **serializer.validated_data)
        except LedgerError as exc:
            raise LedgerAPIError(exc) from exc
        problem = self.get_queryset().prefetch_related("events").get(pk=problem.pk)
        return Response(ProblemDetailSerializer(problem, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses=ProblemDetailSerializer)
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None):
        problem = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            problem = services.transition(actor=request.user, problem=problem, target=data["target"],
                                          version=data["version"], note=data["note"], files=data["files"],
                                          department=data.get("department"))
        except LedgerError as exc:
            raise LedgerAPIError(exc) from exc
        problem = self.get_queryset().prefetch_related("events").get(pk=problem.pk)
        return Response(ProblemDetailSerializer(problem, context={"request": request}).data)
