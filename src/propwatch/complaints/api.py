"""Complaints over the staff API: the same scope, filters, rules and services as the pages.

Contact data is masked in every response; `POST /api/v1/complaints/<id>/reveal/` returns it in
full to handling staff and is audited like the page's reveal button.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from propwatch.accounts.models import Department
from propwatch.accounts.permissions import Action
from propwatch.ledger.api import LedgerAPIError
from propwatch.ledger.models import Problem
from propwatch.registry.models import Project
from propwatch.web.api_permissions import ActionPermission

from . import selectors, services
from .choices import STAFF_CHANNEL_CHOICES, CallbackMethod, Route, Satisfaction
from .errors import ComplaintError, LedgerError
from .filters import ComplaintFilter
from .models import Callback, Complaint, ComplaintEvent


class ComplaintEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintEvent
        fields = ["kind", "at", "actor_name", "actor_department", "note", "public"]


class CallbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Callback
        fields = ["satisfaction", "method", "note", "at"]


class ComplaintSerializer(serializers.ModelSerializer):
    tracking_code = serializers.CharField(source="display_code", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    complainant_name = serializers.CharField(source="masked_name", read_only=True, help_text="脱敏显示")
    complainant_phone = serializers.CharField(source="masked_phone", read_only=True, help_text="脱敏显示")
    progress = serializers.SerializerMethodField()
    problem_number = serializers.SerializerMethodField()
    handling_department_name = serializers.CharField(source="handling_department.name", read_only=True,
                                                     default=None)

    class Meta:
        model = Complaint
        fields = ["id", "tracking_code", "channel", "received_at", "work_order_no", "project", "project_name",
                  "text", "address", "complainant_name", "complainant_phone", "confidential", "wants_reply",
                  "suggested_focus", "suggested_route", "suggestion_confidence", "suggestion_keywords", "focus",
                  "route", "classification_corrected", "state", "progress", "version", "handling_department",
                  "handling_department_name", "problem", "problem_number", "duplicate_of", "decided_at",
                  "decision_note", "reply_deadline", "reply_deadline_provisional", "replied_at"]
        read_only_fields = fields

    def get_progress(self, complaint) -> str:
        return complaint.progress().value

    def get_problem_number(self, complaint) -> str | None:
        problem = complaint.followed_problem
        return problem.number if problem else None


class ComplaintDetailSerializer(ComplaintSerializer):
    events = ComplaintEventSerializer(many=True, read_only=True)
    callbacks = CallbackSerializer(many=True, read_only=True)

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "events", "callbacks"]
        read_only_fields = fields


class ComplaintCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=STAFF_CHANNEL_CHOICES)
    received_at = serializers.DateTimeField()
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.none())
    text = serializers.CharField()
    name = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    confidential = serializers.BooleanField(required=False, default=False)
    wants_reply = serializers.BooleanField(required=False, default=True)
    address = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if (request := self.context.get("request")) is not None:
            self.fields["project"].queryset = Project.objects.visible_to(request.user)


class AcceptSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="客户端看到的投诉版本号；已被他人处理时返回 409")
    focus = serializers.IntegerField(min_value=1, max_value=6)
    route = serializers.ChoiceField(choices=Route.choices)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(), required=False,
                                                    allow_null=True, default=None)
    join_problem = serializers.PrimaryKeyRelatedField(queryset=Problem.objects.none(), required=False,
                                                      allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if (request := self.context.get("request")) is not None:
            self.fields["department"].queryset = Department.objects.filter(is_active=True)
            self.fields["join_problem"].queryset = Problem.objects.visible_to(request.user)


class RejectSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    reason = serializers.CharField()
    focus = serializers.IntegerField(min_value=0, max_value=6, required=False, allow_null=True, default=None)


class DuplicateSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    original = serializers.IntegerField(help_text="原投诉的 id")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField()
    public = serializers.BooleanField(required=False, default=True)


class CallbackRequestSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    method = serializers.ChoiceField(choices=CallbackMethod.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       viewsets.GenericViewSet):
    permission_classes = [ActionPermission]
    actions_by_method = {"GET": Action.VIEW_COMPLAINTS, "POST": Action.VIEW_COMPLAINTS}
    filterset_class = ComplaintFilter  # the same filters as the list page
    ordering_fields = ["received_at", "reply_deadline"]

    def get_queryset(self):
        qs = (Complaint.objects.visible_to(self.request.user)
              .select_related("project", "problem", "duplicate_of__problem", "handling_department")
              .prefetch_related("callbacks").order_by("-received_at", "-id"))
        if self.action == "retrieve":
            qs = qs.prefetch_related(Prefetch("events", queryset=ComplaintEvent.objects.order_by("at", "id")))
        return qs

    def get_serializer_class(self):
        return {
            "create": ComplaintCreateSerializer, "accept": AcceptSerializer, "reject": RejectSerializer,
            "duplicate": DuplicateSerializer, "reply": ReplySerializer, "callback": CallbackRequestSerializer,
            "retrieve": ComplaintDetailSerializer,
        }.get(self.action, ComplaintSerializer)

    def _detail(self, complaint, code=status.HTTP_200_OK):
        complaint = self.get_queryset().prefetch_related("events").get(pk=complaint.pk)
        return Response(ComplaintDetailSerializer(complaint, context={"request": self.request}).data, status=code)

    def _run(self, fn):
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        try:
            return fn(serializer.validated_data)
        except LedgerError as exc:
            raise LedgerAPIError(exc) from exc

    @extend_schema(request=ComplaintCreateSerializer, responses=ComplaintDetailSerializer)
    def create(self, request, *args, **kwargs):
        complaint = self._run(lambda d: services.register_complaint(actor=request.user, **d))
        return self._detail(complaint, status.HTTP_201_CREATED)

    @extend_schema(request=AcceptSerializer, responses=ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        complaint = self.get_object()
        return self._detail(self._run(lambda d: services.accept_complaint(actor=request.user, complaint=complaint, **d)))

    @extend_schema(request=RejectSerializer, responses=ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        complaint = self.get_object()

        def run(d):
            route = Route.NONE if d["focus"] == 0 else ""
            return services.reject_complaint(actor=request.user, complaint=complaint, version=d["version"],
                                             reason=d["reason"], focus=d["focus"], route=route)

        return self._detail(self._run(run))

    @extend_schema(request=DuplicateSerializer, responses=ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        complaint = self.get_object()

        def run(d):
            original = Complaint.objects.visible_to(request.user).filter(pk=d["original"]).first()
            if original is None:
                raise ComplaintError("原投诉不存在或不在您的管辖范围内")
            return services.mark_duplicate(actor=request.user, complaint=complaint, version=d["version"],
                                           original=original, note=d["note"])

        return self._detail(self._run(run))

    @extend_schema(request=ReplySerializer, responses=ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        complaint = self.get_object()
        self._run(lambda d: services.reply_complaint(actor=request.user, complaint=complaint, **d))
        return self._detail(complaint)

    @extend_schema(request=CallbackRequestSerializer, responses=ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def callback(self, request, pk=None):
        complaint = self.get_object()
        self._run(lambda d: services.record_callback(actor=request.user, complaint=complaint, **d))
        return self._detail(complaint)

    @extend_schema(request=None, responses=inline_serializer("Complainant", {
        "name": serializers.CharField(), "phone": serializers.CharField()}))
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The complainant's full name and phone, for handling staff; every call is audited."""
        complaint = self.get_object()
        try:
            name, phone = services.reveal_complainant(actor=request.user, complaint=complaint)
        except LedgerError as exc:
            raise LedgerAPIError(exc) from exc
        return Response({"name": name, "phone": phone}, headers={"Cache-Control": "no-store"})

    @extend_schema(responses=inline_serializer("LikelyDuplicate", {
        "id": serializers.IntegerField(), "tracking_code": serializers.CharField(),
        "channel": serializers.CharField(), "received_at": serializers.DateTimeField(),
        "similarity": serializers.FloatField()}, many=True))
    @action(detail=True, methods=["get"])
    def duplicates(self, request, pk=None):
        """Complaints on the same project within 30 days with similar text, most similar first."""
        complaint = self.get_object()
        return Response([
            {"id": c.pk, "tracking_code": c.display_code, "channel": c.channel, "received_at": c.received_at,
             "similarity": score}
            for c, score in selectors.likely_duplicates(complaint, request.user)
        ])
