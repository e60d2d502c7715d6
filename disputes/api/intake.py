"""The public claim API (SPEC.md, ``POST /api/v1/intake/``): a worker's claim, or an agency's referral of one.

The rules live in :class:`~disputes.intake.forms.ClaimForm` (one place for the form, the staff form and the API);
the serializer below only documents the body. The view checks the JSON types (a form would turn ``{"a": 1}``
into the text ``"{'a': 1}"``), runs the form, and hands the claim to
:func:`~disputes.intake.services.intake_submit`.
"""

import hashlib

from django import forms
from django.conf import settings
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from config.api import NON_FIELD, error_responses
from organizations.models import Membership
from organizations.states import Industry

from ..deadlines import deadline_inputs_reused
from ..intake.forms import AgencyClaimForm, ClaimForm
from ..intake.services import intake_notices, intake_probable_duplicate, intake_receipt_answer, intake_submit
from ..permissions import WORKER
from ..pii import keyed_hash
from ..states import Category, Channel, Service

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_MAX = 64


def _json_type_errors(data: dict, fields: dict) -> dict[str, list[str]]:
    """Each field given with the wrong JSON type (null counts as not given). Strings must be encodable as UTF-8:
    a lone surrogate (``"\\ud800"``) parses as JSON but cannot be stored."""
    errors: dict[str, list[str]] = {}

    def text_ok(value) -> bool:
        if not isinstance(value, str):
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True

    for name, field in fields.items():
        value = data.get(name)
        if value is None:
            continue
        if isinstance(field, forms.MultipleChoiceField):
            ok = isinstance(value, list) and all(text_ok(v) for v in value)
            message = _('应为文本的列表，如 ["wages"]。')
        elif isinstance(field, forms.BooleanField):
            ok = isinstance(value, bool)
            message = _("应为 true 或 false。")
        elif isinstance(field, forms.DecimalField):
            ok = text_ok(value) or (isinstance(value, int | float) and not isinstance(value, bool))
            message = _('应为金额（元），如 "8000.00"。')
        else:
            ok = text_ok(value)
            message = _("应为文本。")
        if not ok:
            errors[name] = [message]
    return errors


def _body(request):
    """The parsed body, refusing what the JSON parser does not: a body larger than a claim can be (it would be
    parsed whole before any field is checked) and nesting deeper than Python's recursion limit."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise exceptions.ValidationError({NON_FIELD: [_("提交的内容过大。")]})
    try:
        return request.data
    except RecursionError:
        raise exceptions.ParseError() from None


def _receipt_key(*, client_key: str, scope: str, id_number: str) -> str:
    """The receipt's key: the client's key bound to the caller and to the worker, so that someone who reuses (or
    guesses) another filer's key gets a case of their own, never the other's tracking code and PIN."""
    raw = "\x00".join(("intake-api", scope, keyed_hash(id_number), client_key))
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class IntakeNoticeSerializer(serializers.Serializer):
    """A warning to pass on to the worker; it never stops the filing."""

    code = serializers.ChoiceField(choices=["limitation_past", "limitation_near", "duplicate"])
    message = serializers.CharField(help_text="给劳动者看的说明（中文）")

    class Meta:
        ref_name = "IntakeNotice"


@method_decorator(sensitive_post_parameters(), name="dispatch")
class IntakeSubmitApi(APIView):
    """File a claim. Anonymous: the worker's own filing (channel ``qr_web``). With an agency's token
    (`Authorization: Token ...`, a staff account of an organization): a referral, with its `channel`; the case
    records the agency as its intake organization.

    The answer carries the tracking code and the access PIN, shown only here: give both to the worker. `notices`
    are warnings, never refusals: the limitation period near or past, or an open case of the same worker against
    the same employer. With an `Idempotency-Key` header, a retry of the same claim (a lost answer, a timeout)
    gets the first answer again with status 200 and creates nothing."""

    permission_classes = [AllowAny]
    authentication_classes = [TokenAuthentication]
    parser_classes = [JSONParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "intake"

    class InputSerializer(serializers.Serializer):
        """The body, for the schema only: the rules and messages are :class:`ClaimForm`'s."""

        worker_name = serializers.CharField(max_length=64, help_text="劳动者姓名")
        worker_id_number = serializers.CharField(max_length=32, help_text="18位居民身份证号（校验位）")
        worker_phone = serializers.CharField(max_length=32, help_text="11位手机号或带区号的固定电话")
        employer_name = serializers.CharField(max_length=200, help_text="用人单位或平台名称")
        employer_credit_code = serializers.CharField(
            max_length=32, required=False, allow_blank=True, help_text="统一社会信用代码（可不填）"
        )
        employer_site = serializers.CharField(
            max_length=200, required=False, allow_blank=True, help_text="工作的站点、网点或门店"
        )
        industry = serializers.ChoiceField(choices=Industry.choices)
        categories = serializers.ListField(
            child=serializers.ChoiceField(choices=Category.choices), min_length=1, help_text="争议类型"
        )
        amount_claimed = serializers.DecimalField(
            max_digits=10, decimal_places=2, min_value=0, required=False, help_text="请求金额合计（元）"
        )
        facts = serializers.CharField(max_length=5000, help_text="事情经过")
        station = serializers.CharField(
            max_length=48, required=False, allow_blank=True, help_text="调解组织代码（可不填，由平台分派）"
        )
        region = serializers.CharField(max_length=32, required=False, allow_blank=True, help_text="区县代码")
        services = serializers.ListField(
            child=serializers.ChoiceField(choices=Service.choices), required=False, help_text="希望获得的服务"
        )
        employment_started_on = serializers.DateField(required=False, help_text="入职日期")
        still_employed = serializers.BooleanField(required=False, help_text="目前仍在职")
        employment_ended_on = serializers.DateField(required=False, help_text="离职日期（仍在职则不填）")
        knowledge_date = serializers.DateField(
            required=False, help_text="问题从哪天开始（计算仲裁时效的起点）"
        )
        confidential = serializers.BooleanField(
            required=False, help_text="暂不联系用人单位，等劳动者确认后再联系"
        )
        consent = serializers.BooleanField(help_text="同意处理个人信息（必须为 true）")
        channel = serializers.ChoiceField(
            choices=[c for c in Channel.choices if c[0] != Channel.QR_WEB],
            required=False,
            help_text="来源渠道：仅机构令牌提交时必填（匿名提交一律为 qr_web）",
        )

        class Meta:
            ref_name = "IntakeSubmit"

    class OutputSerializer(serializers.Serializer):
        tracking_code = serializers.CharField(help_text="查询码")
        access_pin = serializers.CharField(help_text="查询密码（6位数字，只在此处给出）")
        status = serializers.CharField()
        notices = IntakeNoticeSerializer(many=True, help_text="提示（不影响受理）")

        class Meta:
            ref_name = "IntakeReceipt"

    @extend_schema(
        operation_id="intake_submit",
        tags=["intake"],
        request=InputSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description=f"幂等键（至多 {IDEMPOTENCY_MAX} 个字符）：同一申请重试时带同一个键，只建一次案件",
            ),
        ],
        responses={
            201: OpenApiResponse(OutputSerializer, description="已受理：新建案件"),
            200: OpenApiResponse(OutputSerializer, description="同一幂等键的重试：返回第一次的结果，未新建"),
            **error_responses(
                400,
                401,
                403,
                415,
                429,
                s400="请求内容有误：字段错误（errors，中文）、无法解析的 JSON、不是 JSON 对象的请求体或过长的幂等键",
                s401="令牌无效（匿名提交不要带 Authorization）",
                s403="该账号不属于任何机构，不能代为提交",
                s429="提交过于频繁，请稍后再试",
            ),
        },
    )
    @sensitive_variables()
    def post(self, request):
        data = _body(request)
        if not isinstance(data, dict):
            raise exceptions.ValidationError({NON_FIELD: [_("请求体应为 JSON 对象。")]})
        client_key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if len(client_key) > IDEMPOTENCY_MAX:
            raise exceptions.ValidationError(
                {"idempotency_key": [_("幂等键最长 %(n)d 个字符。") % {"n": IDEMPOTENCY_MAX}]}
            )

        user = request.user
        agency = None
        if user.is_authenticated:
            membership = (
                Membership.objects.filter(user=user, organization__is_active=True)
                .select_related("organization")
                .order_by("id")
                .first()
            )
            if not user.is_staff or membership is None:
                raise exceptions.PermissionDenied(_("该账号不属于任何机构，不能代为提交。"))
            agency = membership.organization
        form_class = AgencyClaimForm if agency else ClaimForm

        # A value of the wrong JSON type is left out of the form (which would stringify it) and reported as such,
        # with the form's own messages for every other field in the same answer.
        wrong_type = _json_type_errors(data, form_class.base_fields)
        form = form_class(data={k: v for k, v in data.items() if k not in wrong_type})
        if wrong_type or not form.is_valid():
            errors = {field: list(messages) for field, messages in form.errors.items()}
            raise exceptions.ValidationError(errors | wrong_type)
        claim = form.cleaned_data

        key = ""
        if client_key:
            scope = f"user:{user.pk}" if agency else "anonymous"
            key = _receipt_key(client_key=client_key, scope=scope, id_number=claim["worker_id_number"])
            previous = intake_receipt_answer(key=key)
            if previous is not None:
                return self._answer(previous, self._notices(claim, filed=previous), status.HTTP_200_OK)

        # One read of the deadline rules and the calendar for the notices and the filing.
        with deadline_inputs_reused():
            notices = intake_notices(claim=claim)  # before filing: the new case is not its own duplicate
            filed = intake_submit(
                claim=claim,
                amounts=form.claim_amounts(),
                actor=user if agency else WORKER,
                channel=claim["channel"] if agency else Channel.QR_WEB,
                intake_org=agency,
                idempotency_key=key,
            )
        return self._answer(filed, notices, status.HTTP_201_CREATED)

    def _notices(self, claim: dict, *, filed) -> list:
        """A retry's notices: as the first time, less the duplicate hint pointing at the case it created."""
        notices = intake_notices(claim=claim)
        duplicate = intake_probable_duplicate(
            id_number=claim["worker_id_number"],
            employer_name=claim["employer_name"],
            credit_code=claim.get("employer_credit_code", ""),
        )
        if duplicate is not None and duplicate.pk in {f.case_id for f in filed}:
            notices = [n for n in notices if n.code != "duplicate"]
        return notices

    def _answer(self, filed, notices, status_code: int) -> Response:
        first = filed[0]
        body = {
            "tracking_code": first.tracking_code,
            "access_pin": first.pin,
            "status": first.status,
            "notices": [{"code": n.code, "message": str(n.message)} for n in notices],
        }
        return Response(self.OutputSerializer(body).data, status=status_code)

    def throttled(self, request, wait):
        minutes = max(1, (int(wait or 60) + 59) // 60)
        exc = exceptions.Throttled(
            detail=_("提交过于频繁，请约 %(n)d 分钟后再试。如情况紧急，请拨打 12351 热线。") % {"n": minutes}
        )
        # Retry-After from the wait, without DRF's English "Expected available in ..." appended to the message.
        exc.wait = wait
        raise exc


urlpatterns = [path("", IntakeSubmitApi.as_view(), name="api-intake-submit")]
