"""Departments over the API, and the token endpoint (a sign-in like the login page)."""

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import parsers, renderers, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from propwatch.web.api_permissions import ActionPermission

from .forms import LoginForm
from .models import Department
from .permissions import Action


class DepartmentSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "kind", "region", "region_name", "company", "is_active"]


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DepartmentSerializer
    permission_classes = [ActionPermission]
    actions_by_method = {"GET": Action.VIEW_REGISTRY}
    filterset_fields = ["kind"]
    ordering_fields = ["name", "kind"]

    def get_queryset(self):
        return (Department.objects.visible_to(self.request.user).select_related("region")
                .order_by("region__path", "kind", "name", "pk"))


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名", error_messages={"required": "请填写用户名",
                                                                   "blank": "请填写用户名"})
    password = serializers.CharField(label="密码", trim_whitespace=False, style={"input_type": "password"},
                                     error_messages={"required": "请填写密码", "blank": "请填写密码"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="在请求头中发送：Authorization: Token <token>")


LOCKED_OUT_MESSAGE = "连续多次输入错误的密码，为保护账号安全，该账号在本机的登录已锁定 15 分钟。请稍后再试，或联系本单位管理员。"


class ObtainTokenView(APIView):
    """`POST {username, password}` → `{"token": …}`.

    It goes through `authenticate()` exactly as the login page does, so django-axes counts and
    locks out failures here and there together, and the audit trail records each failure (the
    `user_login_failed` signal). Axes needs the Django request itself: its lockout flag must land
    where its middleware and this view can read it, not on DRF's wrapper.
    """

    authentication_classes = []  # a password is the credential here; no session, no CSRF
    permission_classes = []
    throttle_classes = []
    parser_classes = [parsers.JSONParser, parsers.FormParser, parsers.MultiPartParser]
    renderer_classes = [renderers.JSONRenderer]
    serializer_class = TokenRequestSerializer

    @extend_schema(
        summary="获取 API 令牌",
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="用户名或密码不正确"),
            429: OpenApiResponse(
                response=inline_serializer("LockedOut", {"detail": serializers.CharField()}),
                description="连续输错密码，暂时锁定",
            ),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        http_request = request._request
        user = authenticate(http_request, **serializer.validated_data)
        if getattr(http_request, "axes_locked_out", False):
            # Answer in JSON ourselves; left set, the flag makes AxesMiddleware swap this
            # response for the HTML lockout page meant for browsers.
            http_request.axes_locked_out = False
            return Response({"detail": LOCKED_OUT_MESSAGE}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None:
            # Unknown user, wrong password and disabled account get the same answer.
            raise serializers.ValidationError({"non_field_errors": [LoginForm.error_messages["invalid_login"]]})
        # Getting a token is a sign-in: the audit trail records it, last_login is updated and
        # axes starts the failure count again (AXES_RESET_ON_SUCCESS), as after the login page.
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
