from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from config.api import error_responses
from config.security.twofactor import (
    VerifyOutcome,
    otp_required_for,
    otp_token_check,
    user_has_confirmed_device,
)

from ..selectors import organization_list_taking_claims


class TokenObtainApi(APIView):
    """Exchange a staff username, password and two-factor code for an API token (the same token on every call
    until revoked). The code is what the staff pages ask for too: a token must not be a way around it."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(
            style={"input_type": "password"}, trim_whitespace=False, write_only=True
        )
        otp = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=64,
            help_text="A code from the account's authenticator, or one of its recovery codes (staff accounts).",
        )

        class Meta:
            ref_name = "TokenObtain"

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")

        class Meta:
            ref_name = "Token"

    @extend_schema(
        operation_id="auth_token_obtain",
        tags=["auth"],
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            **error_responses(
                400, 403, 415, 429, s400="用户名或密码错误，或缺少字段", s403="需要双重验证码，或验证码错误"
            ),
        },
        auth=[],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            # The Django request, not DRF's wrapper: django-axes marks a locked-out attempt on it, and its
            # middleware answers 429 from that mark (config/security/lockout.py).
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            # One message for an unknown name and a wrong password: the answer must not confirm that an
            # account exists.
            raise serializers.ValidationError(_("用户名或密码错误。"), code="authorization")
        if otp_required_for(user):
            self._second_factor(user, serializer.validated_data.get("otp", ""))
        token, _created = Token.objects.get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)

    @staticmethod
    def _second_factor(user, code: str) -> None:
        if not user_has_confirmed_device(user):
            raise PermissionDenied(_("请先登录工作台绑定身份验证器，再申请接口令牌。"))
        if not code:
            raise PermissionDenied(_("请填写身份验证器上的6位验证码（otp）。"))
        outcome = otp_token_check(user=user, token=code)
        if outcome == VerifyOutcome.THROTTLED:
            raise Throttled(detail=_("验证码错误次数过多，请稍后再试。"))
        if outcome != VerifyOutcome.VERIFIED:
            raise PermissionDenied(_("验证码不正确或已使用。"))


class OrganizationListApi(ListAPIView):
    """Public list of the organizations that take claims (what the intake form and QR posters offer)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    pagination_class = None
    filter_backends: list = []

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField()
        type = serializers.CharField()
        type_display = serializers.CharField(source="get_type_display")
        industry = serializers.CharField()
        region = serializers.CharField(source="region.code")
        region_name = serializers.CharField(source="region.name")
        parent = serializers.CharField(source="parent.code", default=None, allow_null=True)

        class Meta:
            ref_name = "Organization"

    serializer_class = OutputSerializer

    def get_queryset(self):
        return organization_list_taking_claims()

    @extend_schema(operation_id="organization_list", tags=["organizations"], auth=[])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
