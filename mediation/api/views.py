"""Staff API for mediation: one view per path, one operation per method; each starts from the scoped case
(:func:`disputes.selectors.case_get_visible`: another organization's case is a 404) and writes through
:mod:`mediation.services` (a state that does not allow it is a 409, an actor who may not a 403, bad input a 400)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ErrorSerializer, error_responses, request_object
from disputes.evidence import evidence_check
from disputes.permissions import can_see_personal_data
from disputes.selectors import case_get_visible

from .. import services
from ..models import Agreement, Payment
from ..pdf import agreement_pdf_bytes
from ..selectors import agreement_current
from ..states import ContactChannel, ContactDirection, PaymentMethod, SessionMode
from .serializers import (
    AgreementItemSerializer,
    AgreementSerializer,
    ContactSerializer,
    InstalmentInputSerializer,
    PaymentSerializer,
    SessionSerializer,
)

_NOT_VISIBLE = "案件不存在或不在您的职责范围内"
_TAGS = ["mediation"]


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self):
        super().__init__(
            _("上传的内容太大了：付款凭证不超过 %(mb)d MB。")
            % {"mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024)}
        )


def _agreement_of(case) -> Agreement:
    agreement = agreement_current(case=case)
    if agreement is None:
        raise Http404(_("该案件还没有调解协议。"))
    return (
        Agreement.objects.prefetch_related("items", "instalments", "payments")
        .select_related("case", "created_by")
        .get(pk=agreement.pk)
    )


def _agreement_data(request, agreement: Agreement) -> dict:
    context = {"request": request, "today": timezone.localdate()}
    return AgreementSerializer(agreement, context=context).data


class SessionCollectionApi(APIView):
    """The mediation sessions of a case (GET), or a new one (POST, the station's mediators)."""

    class InputSerializer(serializers.Serializer):
        held_at = serializers.DateTimeField(help_text="调解时间（不晚于现在）")
        mode = serializers.ChoiceField(choices=SessionMode.choices)
        place = serializers.CharField(max_length=200, help_text="地点或线上平台")
        attendees = serializers.CharField(max_length=2000, help_text="参加人员")
        summary = serializers.CharField(max_length=10000, help_text="调解情况")

        class Meta:
            ref_name = "MediationSessionInput"

    @extend_schema(
        operation_id="mediation_session_list",
        tags=_TAGS,
        responses={200: SessionSerializer(many=True), **error_responses(401, 403, 404, s404=_NOT_VISIBLE)},
    )
    def get(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        return Response(
            SessionSerializer(case.mediation_sessions.select_related("recorded_by"), many=True).data
        )

    @extend_schema(
        operation_id="mediation_session_create",
        tags=_TAGS,
        description="The answers come in this order: the case is not visible to you (404), it is not at a stage "
        "where sessions are recorded (409), you are not a mediator of its station (403), the body is invalid (400).",
        request=InputSerializer,
        responses={
            201: SessionSerializer,
            **error_responses(
                400, 401, 403, 404, 409, 415, s404=_NOT_VISIBLE, s403="只有该案调解组织的调解员可以记录"
            ),
        },
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        session = services.session_record(case_id=case.pk, actor=request.user, **serializer.validated_data)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


class ContactCollectionApi(APIView):
    """The contacts with the employer of a case (GET), or a new one (POST, the station's mediators)."""

    class InputSerializer(serializers.Serializer):
        at = serializers.DateTimeField(help_text="联系时间（不晚于现在）")
        direction = serializers.ChoiceField(choices=ContactDirection.choices)
        channel = serializers.ChoiceField(choices=ContactChannel.choices)
        employer_contact_name = serializers.CharField(max_length=64)
        summary = serializers.CharField(max_length=10000)
        worker_consented = serializers.BooleanField(
            default=False, help_text="劳动者申请保密的案件：已取得劳动者同意联系用人单位"
        )

        class Meta:
            ref_name = "MediationContactInput"

    @extend_schema(
        operation_id="mediation_contact_list",
        tags=_TAGS,
        responses={200: ContactSerializer(many=True), **error_responses(401, 403, 404, s404=_NOT_VISIBLE)},
    )
    def get(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        return Response(
            ContactSerializer(case.employer_contacts.select_related("recorded_by"), many=True).data
        )

    @extend_schema(
        operation_id="mediation_contact_create",
        tags=_TAGS,
        request=InputSerializer,
        responses={
            201: ContactSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s404=_NOT_VISIBLE,
                s400="请求内容有误；保密申请未确认劳动者同意（worker_consented）",
            ),
        },
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        contact = services.contact_record(case_id=case.pk, actor=request.user, **serializer.validated_data)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class AgreementApi(APIView):
    """The case's current agreement (GET), or a new draft (POST) that supersedes an unsigned one."""

    class InputSerializer(serializers.Serializer):
        items = AgreementItemSerializer(many=True, help_text="协议款项；合计即协议金额")
        instalments = InstalmentInputSerializer(
            many=True, help_text="付款计划：一次性付款一行，分期每期一行；合计须等于协议金额"
        )
        payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
        employer_name = serializers.CharField(
            max_length=200, required=False, allow_blank=True, help_text="默认为案件的用人单位"
        )
        employer_contact_name = serializers.CharField(max_length=64)
        employer_contact_phone = serializers.CharField(
            max_length=32, required=False, allow_blank=True, help_text="付款提醒短信发往此号码"
        )
        other_terms = serializers.CharField(max_length=4000, required=False, allow_blank=True)
        payment_only = serializers.BooleanField(
            default=True, help_text="协议只约定给付金钱（决定能否申请司法确认）"
        )
        submit = serializers.BooleanField(default=True, help_text="true：直接提交双方签署；false：保存为草稿")

        class Meta:
            ref_name = "MediationAgreementInput"

    @extend_schema(
        operation_id="mediation_agreement_retrieve",
        tags=_TAGS,
        responses={
            200: AgreementSerializer,
            **error_responses(401, 403, 404, s404="案件不可见，或还没有调解协议"),
        },
    )
    def get(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        return Response(_agreement_data(request, _agreement_of(case)))

    @extend_schema(
        operation_id="mediation_agreement_create",
        tags=_TAGS,
        description="Draft the agreement: items (their sum is the total), the payment schedule (it must add up to "
        "the total, dates from today on, in order), the terms. With `submit` the worker may sign it on /track/ at "
        "once. Answers: the case is not visible (404), not in mediation or an agreement was signed or is effective "
        "(409), you are not its mediator (403), the body is invalid (400).",
        request=InputSerializer,
        responses={
            201: AgreementSerializer,
            **error_responses(
                400, 401, 403, 404, 409, 415, s404=_NOT_VISIBLE, s409="案件不在调解中，或已有签署或生效的协议"
            ),
        },
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        agreement = services.agreement_draft(
            case_id=case.pk,
            actor=request.user,
            items=[services.ItemInput(**row) for row in data.pop("items")],
            instalments=[services.InstalmentInput(**row) for row in data.pop("instalments")],
            **data,
        )
        return Response(
            _agreement_data(request, _agreement_of(agreement.case)), status=status.HTTP_201_CREATED
        )


class AgreementPdfApi(APIView):
    """The current agreement as a PDF (调解协议书), with personal data whole: for the staff who work the case."""

    @extend_schema(
        operation_id="mediation_agreement_pdf",
        tags=_TAGS,
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="调解协议书 PDF"),
            **error_responses(
                401, 403, 404, s403="只有办理该案的工作人员可以下载", s404="案件不可见，或还没有调解协议"
            ),
        },
    )
    def get(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        agreement = _agreement_of(case)
        if not can_see_personal_data(case, request.user):
            raise PermissionDenied(_("只有办理该案的工作人员可以下载调解协议。"))
        response = HttpResponse(
            agreement_pdf_bytes(agreement=agreement, reveal_personal_data=True),
            content_type="application/pdf",
        )
        response["Content-Disposition"] = f'attachment; filename="agreement-{agreement.number}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class AgreementEmployerSignatureApi(APIView):
    """Record that the employer signed the agreement awaiting signatures. When the worker has signed too, the
    agreement takes effect and the case moves to agreement_reached."""

    class InputSerializer(serializers.Serializer):
        signatory = serializers.CharField(max_length=64, help_text="用人单位签字人姓名")

        class Meta:
            ref_name = "MediationEmployerSignatureInput"

    @extend_schema(
        operation_id="mediation_agreement_employer_sign",
        tags=_TAGS,
        request=InputSerializer,
        responses={
            200: AgreementSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s404="案件不可见，或还没有调解协议",
                s409="协议不在待签署状态，或已记录过",
            ),
        },
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        agreement = _agreement_of(case)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        services.agreement_sign_by_employer(
            agreement_id=agreement.pk, actor=request.user, signatory=serializer.validated_data["signatory"]
        )
        return Response(_agreement_data(request, _agreement_of(case)))


class PaymentCollectionApi(APIView):
    """The payments made under the case's agreements (GET), or a new one with its proof (POST, multipart)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        amount = serializers.DecimalField(
            max_digits=14, decimal_places=2, help_text="金额（元），不超过尚未支付的金额"
        )
        paid_on = serializers.DateField(help_text="付款日期（不早于协议生效，不晚于今天）")
        payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
        proof = serializers.FileField(help_text="付款凭证：JPG、PNG 或 PDF")
        note = serializers.CharField(max_length=300, required=False, allow_blank=True)

        class Meta:
            ref_name = "MediationPaymentInput"

    @extend_schema(
        operation_id="mediation_payment_list",
        tags=_TAGS,
        responses={200: PaymentSerializer(many=True), **error_responses(401, 403, 404, s404=_NOT_VISIBLE)},
    )
    def get(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        payments = Payment.objects.filter(agreement__case=case).select_related(
            "agreement", "instalment", "recorded_by"
        )
        return Response(PaymentSerializer(payments.order_by("paid_on", "id"), many=True).data)

    @extend_schema(
        operation_id="mediation_payment_create",
        tags=_TAGS,
        description="Record a payment under the effective agreement. It counts towards the instalments in order; "
        "more than what is still owed is refused (400, with the amount owed); when the last yuan is paid the case "
        "is fulfilled.",
        request={"multipart/form-data": InputSerializer},
        responses={
            201: PaymentSerializer,
            413: OpenApiResponse(ErrorSerializer, description="付款凭证文件过大"),
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s404="案件不可见，或还没有调解协议",
                s409="协议未生效，或案件现在不能记录付款",
            ),
        },
    )
    def post(self, request, case_id: int):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.EVIDENCE_MAX_BYTES + (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0):
            raise PayloadTooLarge()
        case = case_get_visible(user=request.user, case_id=case_id)
        agreement = _agreement_of(case)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["method"] = data.pop("payment_method")
        try:
            proof = evidence_check(data.pop("proof"))
        except DjangoValidationError as exc:
            raise ValidationError({"proof": exc.messages}) from None
        payment = services.payment_record(agreement_id=agreement.pk, actor=request.user, proof=proof, **data)
        payment = Payment.objects.select_related("agreement", "instalment", "recorded_by").get(pk=payment.pk)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)
