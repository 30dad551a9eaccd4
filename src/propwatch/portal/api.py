"""The public complaint API (no login): file a complaint, read its progress by tracking code.

No authentication classes, so no session and no CSRF: any client may call it, and each call is
counted against its address (limits.py; the same buckets as the public pages). Bodies carry no
personal data back: a filed complaint answers with its tracking code only, a lookup with the
project, the progress and the public replies.
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import parsers, renderers, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from propwatch.complaints.choices import Progress
from propwatch.complaints.errors import ComplaintError
from propwatch.complaints.services import MAX_TEXT, clean_contact

from . import intake, limits, selectors
from .forms import TEXT_REQUIRED

NOT_FOUND = "未找到该查询码"
NO_PROJECT = "小区不存在"

_ErrorBody = inline_serializer("PublicError", {"detail": serializers.CharField()})
_TOO_MANY = OpenApiResponse(response=_ErrorBody, description="同一地址请求过于频繁，请稍后再试")


def _contact_error(name: str = "", phone: str = "") -> tuple[str, str]:
    try:
        return clean_contact(name, phone)
    except ComplaintError as exc:
        raise serializers.ValidationError(exc.message) from exc


class PublicComplaintSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="小区（物业项目）ID", error_messages={
        "required": "请选择小区", "null": "请选择小区", "invalid": NO_PROJECT})
    text = serializers.CharField(help_text="发生了什么、在哪里、持续多久", max_length=MAX_TEXT, error_messages={
        "required": TEXT_REQUIRED, "blank": TEXT_REQUIRED, "null": TEXT_REQUIRED,
        "max_length": f"投诉内容过长，请控制在 {MAX_TEXT} 字以内"})
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=50,
                                 error_messages={"max_length": "姓名过长（最多 50 个字）"})
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=30,
                                  help_text="手机号或带区号的座机号")
    confidential = serializers.BooleanField(required=False, default=False, help_text="对投诉人身份保密")

    def validate_project(self, value):
        project = selectors.public_projects().filter(pk=value).first()
        if project is None:
            raise serializers.ValidationError(NO_PROJECT)
        return project

    def validate_name(self, value):
        return _contact_error(name=value)[0]

    def validate_phone(self, value):
        return _contact_error(phone=value)[1]


class PublicComplaintReceiptSerializer(serializers.Serializer):
    tracking_code = serializers.CharField(help_text="查询码，按四位分组，如 K7QX-3MPD-…")
    status_url = serializers.URLField(help_text="查询办理进度的网页地址")


class PublicReplySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField()


class PublicComplaintStatusSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    project = serializers.CharField(help_text="小区名称")
    received_at = serializers.DateTimeField()
    progress = serializers.ChoiceField(choices=Progress.choices)
    progress_label = serializers.CharField()
    replies = PublicReplySerializer(many=True, help_text="公开答复，按时间先后")


class _PublicView(APIView):
    authentication_classes = []  # anonymous by design: no session, so no CSRF
    permission_classes = [AllowAny]
    throttle_classes = []  # limits.py counts per address, together with the pages
    renderer_classes = [renderers.JSONRenderer]
    parser_classes = [parsers.JSONParser]


class PublicComplaintCreateView(_PublicView):
    serializer_class = PublicComplaintSerializer

    @extend_schema(
        summary="提交投诉（公众）",
        request=PublicComplaintSerializer,
        parameters=[OpenApiParameter(
            "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
            description="同一投诉重复提交（网络重试、重复点击）时带相同的值，只登记一次，返回同一查询码")],
        responses={
            201: PublicComplaintReceiptSerializer,
            200: OpenApiResponse(PublicComplaintReceiptSerializer, description="相同 Idempotency-Key 的重复提交"),
            400: OpenApiResponse(description="输入有误，按字段给出中文说明"),
            429: _TOO_MANY,
        },
        auth=[], tags=["public"],
    )
    def post(self, request, *args, **kwargs):
        if limits.over_limit(request._request, limits.SUBMIT):
            return Response({"detail": limits.refusal_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        serializer = PublicComplaintSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            complaint, created = intake.submit(
                source="api", project=data["project"], text=data["text"], name=data["name"], phone=data["phone"],
                confidential=data["confidential"], client_key=request.headers.get("Idempotency-Key", ""))
        except ComplaintError as exc:
            raise serializers.ValidationError({"non_field_errors": [exc.message]}) from exc
        url = request.build_absolute_uri(reverse("portal:status", kwargs={"code": complaint.display_code}))
        body = PublicComplaintReceiptSerializer({"tracking_code": complaint.display_code, "status_url": url}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PublicComplaintStatusView(_PublicView):
    serializer_class = PublicComplaintStatusSerializer

    @extend_schema(
        summary="查询投诉办理进度（公众）",
        parameters=[OpenApiParameter("tracking_code", str, OpenApiParameter.PATH,
                                     description="查询码，不区分大小写，可带空格或短横线")],
        responses={200: PublicComplaintStatusSerializer,
                   404: OpenApiResponse(_ErrorBody, description=NOT_FOUND), 429: _TOO_MANY},
        auth=[], tags=["public"],
    )
    def get(self, request, tracking_code: str, *args, **kwargs):
        if limits.over_limit(request._request, limits.LOOKUP):
            return Response({"detail": limits.refusal_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        complaint = selectors.complaint_by_code(tracking_code)
        if complaint is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        progress = complaint.progress()
        body = PublicComplaintStatusSerializer({
            "tracking_code": complaint.display_code,
            "project": complaint.project.name,
            "received_at": complaint.received_at,
            "progress": progress.value,
            "progress_label": progress.label,
            "replies": [{"at": e.at, "text": e.note} for e in selectors.public_events(complaint)],
        }).data
        return Response(body)
