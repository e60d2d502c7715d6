from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from config.api import ErrorSerializer

from ..selectors import organization_list_taking_claims


class TokenObtainApi(APIView):
    """Exchange a staff username and password for an API token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, 400: OpenApiResponse(ErrorSerializer, description=_("用户名或密码错误"))},
        auth=[],
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


class OrganizationListApi(ListAPIView):
    """Public list of the organizations that take claims (what the intake form and QR posters offer)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    pagination_class = None

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField()
        type = serializers.CharField()
        type_display = serializers.CharField(source="get_type_display")
        industry = serializers.CharField()
        region = serializers.CharField(source="region.code")
        region_name = serializers.CharField(source="region.name")
        parent = serializers.CharField(source="parent.code", default=None, allow_null=True)

    serializer_class = OutputSerializer

    def get_queryset(self):
        return organization_list_taking_claims()
