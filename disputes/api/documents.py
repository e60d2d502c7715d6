"""``GET /api/v1/documents/verify/?code=``: whether the platform issued a document with this verification code,
by whom and when — the same answer as the ``/verify/`` page, with no personal data. Anonymous and throttled."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from config.api import error_responses

from ..documents import document_verify


class DocumentVerifyApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]

    class OutputSerializer(serializers.Serializer):
        kind_display = serializers.CharField(help_text="文书种类")
        number = serializers.CharField(help_text="文书编号")
        title = serializers.CharField()
        issuer_name = serializers.CharField(help_text="出具机构")
        issued_at = serializers.DateTimeField()
        sha256 = serializers.CharField(help_text="PDF 文件的 SHA-256")
        revoked = serializers.BooleanField(help_text="已作废")

        class Meta:
            ref_name = "VerifiedDocument"

    @extend_schema(
        operation_id="documents_verify",
        summary="核验文书真伪（文书每页底部的验证码）",
        parameters=[
            OpenApiParameter(
                "code",
                {"type": "string", "minLength": 1, "maxLength": 32, "pattern": r"\S"},
                required=True,
                description="验证码，如 ABCD-EFGH-JKMN",
            )
        ],
        responses={
            200: OutputSerializer,
            **error_responses(400, 404, 429, s404="本平台没有出具过带有这个验证码的文书"),
        },
    )
    def get(self, request):
        code = (request.query_params.get("code") or "").strip()
        if not code or len(code) > 32:
            raise ValidationError({"code": [_("请提供文书上的验证码。")]})
        document = document_verify(code=code)
        if document is None:
            raise NotFound(_("本平台没有出具过带有这个验证码的文书。"))
        return Response(self.OutputSerializer(document).data)


urlpatterns = [path("verify/", DocumentVerifyApi.as_view(), name="document-verify")]
