from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from config.api import error_responses

from ..selectors import organization_list_taking_claims


class TokenObtainApi(APIView):
    """Exchange a staff username and password for an API token (the same token on every call until
    revoked)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(
            style={"input_type": "password"}, trim_whitespace=False, write_only=True
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
            **error_responses(400, 415, 429, s400="用户名或密码错误，或缺少字段"),
        },
        auth=[],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            # One message for an unknown name and a wrong password: the answer must not confirm that an
            # account exists.
            raise serializers.ValidationError(_("用户名或密码错误。"), code="authorization")
        token, _created = Token.objects.get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)


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
