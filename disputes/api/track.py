"""``POST /api/v1/track/``: the case as its worker may see it, opened with the tracking code and PIN.

Anonymous. The same answer (404) for an unknown code and a wrong PIN, so the API does not confirm that a code
exists; too many failures for a code or from an address lock both out for a while (429). Everything the answer
holds comes from :mod:`disputes.tracking`, the same as the tracking page.
"""

from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses
from config.client import client_ip

from ..tracking import TrackingLocked, tracking_failure_message, tracking_open, worker_view


class TrackingLockedError(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"

    def __init__(self, *, detail: str, wait: int):
        super().__init__(detail=detail, code="throttled")
        self.wait = wait  # the exception handler turns it into Retry-After


class TrackHistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField(help_text="给劳动者看的说明")
    status = serializers.CharField()
    status_display = serializers.CharField()

    class Meta:
        ref_name = "TrackHistoryItem"


class TrackDeadlineSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField(help_text="给劳动者看的说明")
    source = serializers.CharField(help_text="法律依据")
    due_on = serializers.DateField()
    provisional = serializers.BooleanField(help_text="届满日跨越尚无节假日安排的年度，可能变化")
    extended_days = serializers.IntegerField(help_text="依法延长的天数，已计入 due_on")
    state = serializers.CharField(help_text="met, overdue, due_soon, open")
    state_display = serializers.CharField()

    class Meta:
        ref_name = "TrackDeadline"


@method_decorator(sensitive_post_parameters(), name="dispatch")
class TrackApi(APIView):
    """The worker's view of their case: status and history in plain words, the deadlines that matter to them,
    and the next steps. Staff names, notes and personal data never appear."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    class InputSerializer(serializers.Serializer):
        tracking_code = serializers.CharField(
            max_length=32, help_text="查询码，如 AB23-CD45（不区分大小写，可省略连字符）"
        )
        access_pin = serializers.CharField(max_length=16, help_text="申请成功时显示的 6 位查询密码")

        class Meta:
            ref_name = "Track"

    class OutputSerializer(serializers.Serializer):
        tracking_code = serializers.CharField()
        status = serializers.CharField()
        status_display = serializers.CharField(help_text="给劳动者看的状态说明")
        history = TrackHistorySerializer(many=True)
        deadlines = TrackDeadlineSerializer(many=True)
        next_steps = serializers.ListField(child=serializers.CharField())

        class Meta:
            ref_name = "TrackedCase"

    @extend_schema(
        operation_id="track",
        tags=["track"],
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            **error_responses(
                400,
                404,
                429,
                s404="查询码或密码不正确（两种情况答复相同）",
                s429="错误次数过多，该查询码或该地址暂时锁定（见 Retry-After）",
            ),
        },
        auth=[],
    )
    @sensitive_variables()
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            case = tracking_open(
                tracking_code=serializer.validated_data["tracking_code"],
                pin=serializer.validated_data["access_pin"],
                client_ip=client_ip(request),
            )
        except TrackingLocked as exc:
            raise TrackingLockedError(detail=str(exc), wait=exc.retry_after) from None
        if case is None:
            raise NotFound(tracking_failure_message())
        return Response(self.OutputSerializer(worker_view(case=case)).data)


urlpatterns = [path("", TrackApi.as_view(), name="api-track")]
