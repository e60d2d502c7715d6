"""Handoffs in the API: what an organization sent and received, and the receiver's answers.

An external agency's system answers with its own token (a staff account of the receiving organization) and,
when its endpoint has a signing secret, signs the body the way our webhooks are signed
(:func:`referrals.delivery.sign`); a callback with a wrong or stale signature is refused (403) before anything
happens. ``Idempotency-Key`` makes a repeated callback return the first answer with no second effect.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses
from disputes.pii import mask_id_number, mask_phone
from organizations.selectors import scope_for

from .delivery import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_valid
from .handoffs import handoff_answer, handoff_is_receiver, handoff_list_visible_to
from .models import AgencyEndpoint, Handoff
from .states import DeliveryStatus, HandoffKind, HandoffStatus

_NOT_VISIBLE = "移交不存在或不在您的职责范围内"


class HandoffDeliverySerializer(serializers.Serializer):
    channel = serializers.CharField()
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    delivered_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "HandoffDelivery"


class HandoffSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField(source="case.tracking_code")
    kind = serializers.ChoiceField(choices=HandoffKind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    from_org = serializers.CharField(source="from_org.code", allow_null=True, default=None)
    to_org = serializers.CharField(source="to_org.code")
    status = serializers.ChoiceField(choices=HandoffStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    reason = serializers.CharField()
    reference = serializers.CharField()
    assignee_name = serializers.CharField()
    outcome = serializers.CharField()
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "Handoff"


class HandoffDetailSerializer(HandoffSerializer):
    deliveries = HandoffDeliverySerializer(many=True)
    packet = serializers.SerializerMethodField(
        help_text="移交材料（当事人、请求、金额、协议、证据清单及哈希）；发送方看到的身份证号和手机号经过遮蔽"
    )

    class Meta:
        ref_name = "HandoffDetail"

    def get_packet(self, obj) -> dict:
        packet = obj.packet
        if not handoff_is_receiver(handoff=obj, user=self.context["request"].user):
            worker = packet.get("worker", {})
            worker["id_number"] = mask_id_number(worker.get("id_number", ""))
            worker["phone"] = mask_phone(worker.get("phone", ""))
        return packet


def _get(request, handoff_id) -> Handoff:
    try:
        return handoff_list_visible_to(user=request.user).prefetch_related("deliveries").get(pk=handoff_id)
    except (Handoff.DoesNotExist, ValueError, TypeError):
        raise Http404(_("未找到该移交。")) from None


class HandoffListApi(ListAPIView):
    serializer_class = HandoffSerializer

    @extend_schema(
        operation_id="handoffs_list",
        summary="本机构发出和收到的移交",
        parameters=[
            OpenApiParameter(
                "direction", str, enum=["received", "sent"], description="received 收到 / sent 发出"
            ),
            OpenApiParameter("status", str, enum=list(HandoffStatus.values)),
            OpenApiParameter("kind", str, enum=list(HandoffKind.values)),
        ],
        responses={200: HandoffSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        qs = handoff_list_visible_to(user=self.request.user)
        params = self.request.query_params
        scope = scope_for(self.request.user)
        if not scope.is_superuser and params.get("direction") == "received":
            qs = qs.filter(to_org_id__in=scope.org_ids)
        elif not scope.is_superuser and params.get("direction") == "sent":
            qs = qs.filter(from_org_id__in=scope.org_ids)
        # A value outside the documented choices is a 400, not silently the whole list.
        for name, choices in (
            ("direction", ("received", "sent")),
            ("status", HandoffStatus.values),
            ("kind", HandoffKind.values),
        ):
            if name in params and params[name] not in choices:
                raise ValidationError({name: [_("不是有效的选项。")]})
        if params.get("status") in HandoffStatus.values:
            qs = qs.filter(status=params["status"])
        if params.get("kind") in HandoffKind.values:
            qs = qs.filter(kind=params["kind"])
        return qs.order_by("-created_at", "-id")


class HandoffDetailApi(APIView):
    @extend_schema(
        operation_id="handoffs_retrieve",
        summary="一条移交：状态、投递情况和移交材料",
        responses={200: HandoffDetailSerializer, **error_responses(401, 403, 404, s404=_NOT_VISIBLE)},
    )
    def get(self, request, handoff_id: int):
        handoff = _get(request, handoff_id)
        return Response(HandoffDetailSerializer(handoff, context={"request": request}).data)


def _check_signature(request, handoff: Handoff) -> None:
    """Callbacks from an organization whose endpoint has a secret must be signed with it."""
    endpoint = AgencyEndpoint.objects.filter(organization_id=handoff.to_org_id, is_active=True).first()
    if endpoint is None or not endpoint.secret:
        return
    if not signature_valid(
        secret=endpoint.secret,
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        body=request.body,
        signature=request.headers.get(SIGNATURE_HEADER, ""),
    ):
        raise PermissionDenied(_("回调签名无效或已过期，请求未被处理。"))


class _AnswerApi(APIView):
    action: str = ""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
        reference = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
        assignee_name = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
        outcome = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")

        class Meta:
            ref_name = "HandoffAnswerInput"

    def post(self, request, handoff_id: int):
        handoff = _get(request, handoff_id)
        _check_signature(request, handoff)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handoff = handoff_answer(
            handoff_id=handoff.pk,
            action=self.action,
            actor=request.user,
            callback_key=request.headers.get("Idempotency-Key", "")[:120],
            **data.validated_data,
        )
        handoff = _get(request, handoff.pk)
        return Response(HandoffDetailSerializer(handoff, context={"request": request}).data)


def _answer_schema(action: str, summary: str):
    return extend_schema(
        operation_id=f"handoffs_{action}",
        summary=summary,
        request=_AnswerApi.InputSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", str, OpenApiParameter.HEADER, description="同一键的重复回调只生效一次"
            ),
            OpenApiParameter(
                TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, description="签名时间（Unix 秒）"
            ),
            OpenApiParameter(
                SIGNATURE_HEADER,
                str,
                OpenApiParameter.HEADER,
                description="sha256=HMAC-SHA256(密钥, 时间戳 + '.' + 请求体)；机构配置了密钥时必填",
            ),
        ],
        responses={
            200: HandoffDetailSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                s403="不是接收机构，或签名无效",
                s404=_NOT_VISIBLE,
                s409="与此前的答复矛盾",
            ),
        },
    )


class HandoffAcknowledgeApi(_AnswerApi):
    action = "acknowledge"

    @_answer_schema("acknowledge", "签收移交")
    def post(self, request, handoff_id: int):
        return super().post(request, handoff_id)


class HandoffAcceptApi(_AnswerApi):
    action = "accept"

    @_answer_schema("accept", "接收办理（可附本机构案号、承办人）")
    def post(self, request, handoff_id: int):
        return super().post(request, handoff_id)


class HandoffDeclineApi(_AnswerApi):
    action = "decline"

    @_answer_schema("decline", "不予接收（须写明理由）")
    def post(self, request, handoff_id: int):
        return super().post(request, handoff_id)


class HandoffCompleteApi(_AnswerApi):
    action = "complete"

    @_answer_schema("complete", "反馈办理结果（已接收的移交）")
    def post(self, request, handoff_id: int):
        return super().post(request, handoff_id)


urlpatterns = [
    path("", HandoffListApi.as_view(), name="handoff-list"),
    path("<int:handoff_id>/", HandoffDetailApi.as_view(), name="handoff-detail"),
    path("<int:handoff_id>/acknowledge/", HandoffAcknowledgeApi.as_view(), name="handoff-acknowledge"),
    path("<int:handoff_id>/accept/", HandoffAcceptApi.as_view(), name="handoff-accept"),
    path("<int:handoff_id>/decline/", HandoffDeclineApi.as_view(), name="handoff-decline"),
    path("<int:handoff_id>/complete/", HandoffCompleteApi.as_view(), name="handoff-complete"),
]
