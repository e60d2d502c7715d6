"""The commission's and the court's work through the API: one view per operation (``<Entity><Action>Api``), each
starting from a scoped selector and writing through :mod:`arbitration.services`.

Answers: a case the caller may not see at all is a 404; one they see but may not decide on (a mediator of the
station, an official) a 403; a state that does not allow the decision a 409; bad input a 400 — all in the shape of
:mod:`config.api`. Lists hold only the cases handed to the caller's own commission or court, ID numbers masked.
"""

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses, request_object
from disputes.models import Case, IssuedDocument
from disputes.selectors import case_get_visible
from disputes.states import Category
from organizations.selectors import scope_for
from organizations.states import Role
from referrals.models import Handoff
from referrals.states import HandoffKind, HandoffStatus

from .. import services
from ..selectors import (
    arbitration_queue_for,
    enforcement_queue_for,
    judicial_queue_for,
    review_queue_for,
)
from ..states import (
    ClosingOutcome,
    EnforcementEnd,
    HearingKind,
    JudicialRefusalReason,
    NonAcceptanceReason,
    ReviewRefusalReason,
)
from ..views import document_response
from .serializers import (
    AwardSerializer,
    CaseStateSerializer,
    DecisionSerializer,
    DocumentSerializer,
    EnforcementSerializer,
    HearingSerializer,
    QueueCaseSerializer,
)

_NOT_VISIBLE = "案件不存在或不在您的职责范围内"
_DECIDE_ERRORS = error_responses(
    400,
    401,
    403,
    404,
    409,
    s403="您能看到该案件，但不是承办该案的机构的工作人员",
    s404=_NOT_VISIBLE,
    s409="案件当前状态不允许此操作（current_state 为当前状态），或已被他人抢先办理",
)


def _decision(case_id: int, document) -> Response:
    case = Case.objects.get(pk=case_id)
    return Response(DecisionSerializer({"case": case, "document": document}).data)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _raw(request, *fields: str) -> dict:
    """Text fields of the body, as given: the service checks the state and the caller's right first (409, 403) and
    then the values (400), in the order the API answers."""
    data = request_object(request)
    return {name: str(data.get(name) or "") for name in fields}


# --- Queues ----------------------------------------------------------------------------------------------------------
class _QueueApi(ListAPIView):
    serializer_class = QueueCaseSerializer
    selector = None

    def get_queryset(self):
        return type(self).selector(user=self.request.user).order_by("decision_due_on", "created_at", "id")


class ReviewQueueListApi(_QueueApi):
    """Agreements filed for arbitration review with the caller's commissions, waiting for a decision, the nearest
    decision deadline first."""

    selector = staticmethod(review_queue_for)

    @extend_schema(
        operation_id="arbitration_review_queue",
        tags=["arbitration"],
        responses={
            200: QueueCaseSerializer(many=True),
            **error_responses(401, 403, 404, s404="页码超出范围"),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ArbitrationQueueListApi(_QueueApi):
    """Cases referred to the caller's commissions: waiting for the acceptance decision, or accepted."""

    selector = staticmethod(arbitration_queue_for)

    @extend_schema(
        operation_id="arbitration_case_queue",
        tags=["arbitration"],
        responses={
            200: QueueCaseSerializer(many=True),
            **error_responses(401, 403, 404, s404="页码超出范围"),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ConfirmationQueueListApi(_QueueApi):
    """Agreements filed for judicial confirmation with the caller's courts, waiting for a ruling."""

    selector = staticmethod(judicial_queue_for)

    @extend_schema(
        operation_id="court_confirmation_queue",
        tags=["court"],
        responses={
            200: QueueCaseSerializer(many=True),
            **error_responses(401, 403, 404, s404="页码超出范围"),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EnforcementQueueListApi(ListAPIView):
    """Cases under enforcement at the caller's courts, oldest first."""

    serializer_class = QueueCaseSerializer

    def get_queryset(self):
        return enforcement_queue_for(user=self.request.user).order_by("created_at", "id")

    @extend_schema(
        operation_id="court_enforcement_queue",
        tags=["court"],
        responses={
            200: QueueCaseSerializer(many=True),
            **error_responses(401, 403, 404, s404="页码超出范围"),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Arbitration review and judicial confirmation --------------------------------------------------------------------
class ReviewApproveApi(APIView):
    """The commission confirms the agreement: the arbitration mediation document (仲裁调解书) is issued and the case
    becomes confirmed."""

    @extend_schema(
        operation_id="arbitration_review_approve",
        tags=["arbitration"],
        request=None,
        responses={200: DecisionSerializer, **_DECIDE_ERRORS},
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        return _decision(case.pk, services.review_approve(case_id=case.pk, actor=request.user))


class ReviewRefuseApi(APIView):
    """The commission does not confirm the agreement: the refusal decision (不予确认决定书) is issued and the case
    goes back to the worker's options."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=ReviewRefusalReason.choices)
        detail = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

        class Meta:
            ref_name = "ReviewRefuseInput"

    @extend_schema(
        operation_id="arbitration_review_refuse",
        tags=["arbitration"],
        request=InputSerializer,
        responses={200: DecisionSerializer, **_DECIDE_ERRORS},
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        data = _raw(request, "reason", "detail")
        return _decision(case.pk, services.review_refuse(case_id=case.pk, actor=request.user, **data))


class ConfirmationConfirmApi(APIView):
    """The court confirms the agreement: the ruling (民事裁定书) is issued and the case becomes confirmed."""

    @extend_schema(
        operation_id="court_confirmation_confirm",
        tags=["court"],
        request=None,
        responses={200: DecisionSerializer, **_DECIDE_ERRORS},
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        return _decision(case.pk, services.judicial_confirm(case_id=case.pk, actor=request.user))


class ConfirmationRefuseApi(APIView):
    """The court dismisses the application for confirmation, with its ruling."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=JudicialRefusalReason.choices)
        detail = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

        class Meta:
            ref_name = "ConfirmationRefuseInput"

    @extend_schema(
        operation_id="court_confirmation_refuse",
        tags=["court"],
        request=InputSerializer,
        responses={200: DecisionSerializer, **_DECIDE_ERRORS},
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        data = _raw(request, "reason", "detail")
        return _decision(case.pk, services.judicial_refuse(case_id=case.pk, actor=request.user, **data))


# --- Cases referred to arbitration -----------------------------------------------------------------------------------
class HearingInputSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="开庭时间，至少在五日以后")
    place = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(
        choices=HearingKind.choices,
        default=HearingKind.HEARING,
        help_text="hearing 开庭、mediation 庭前调解、evidence 证据交换",
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    class Meta:
        ref_name = "HearingInput"


class ArbitrationAcceptApi(APIView):
    """The commission accepts the case: the acceptance notice is issued and its number is the arbitration case
    number; a hearing may be scheduled with it."""

    class InputSerializer(serializers.Serializer):
        hearing = HearingInputSerializer(required=False, allow_null=True, default=None)

        class Meta:
            ref_name = "ArbitrationAcceptInput"

    @extend_schema(
        operation_id="arbitration_case_accept",
        tags=["arbitration"],
        request=InputSerializer,
        responses={200: DecisionSerializer, **_DECIDE_ERRORS},
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        data = _valid(self.InputSerializer, request)
        hearing = services.HearingInput(**data["hearing"]) if data.get("hearing") else None
        return _decision(
            case.pk, services.arbitration_accept(case_id=case.pk, actor=request.user, hearing=hearing)
        )


class ArbitrationDeclineApi(APIView):
    """The commission does not accept the case: the non-acceptance notice with the reason and the right to sue;
    the case is closed."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=NonAcceptanceReason.choices)
        detail = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

        class Meta:
            ref_name = "ArbitrationDeclineInput"

    @extend_schema(
        operation_id="arbitration_case_decline",
        tags=["arbitration"],
        request=InputSerializer,
        responses={200: DecisionSerializer, **_DECIDE_ERRORS},
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        data = _raw(request, "reason", "detail")
        return _decision(case.pk, services.arbitration_decline(case_id=case.pk, actor=request.user, **data))


class HearingCreateApi(APIView):
    """Schedule a hearing of an accepted case (at least five days ahead)."""

    @extend_schema(
        operation_id="arbitration_hearing_create",
        tags=["arbitration"],
        request=HearingInputSerializer,
        responses={201: HearingSerializer, **_DECIDE_ERRORS},
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        data = _valid(HearingInputSerializer, request)
        hearing = services.hearing_schedule(
            case_id=case.pk, actor=request.user, hearing=services.HearingInput(**data)
        )
        return Response(HearingSerializer(hearing).data, status=201)


class AwardCreateApi(APIView):
    """Record the award with its items; whether it is final follows LDMAL Art. 47 with the local minimum wage
    unless the tribunal states otherwise with its reason. The award document is issued."""

    class ItemSerializer(serializers.Serializer):
        category = serializers.ChoiceField(choices=Category.choices)
        description = serializers.CharField(max_length=200)
        amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)

        class Meta:
            ref_name = "AwardItemInput"

    class InputSerializer(serializers.Serializer):
        items = serializers.ListField(child=serializers.DictField(), allow_empty=False, max_length=20)
        awarded_on = serializers.DateField(required=False, allow_null=True, default=None)
        is_final = serializers.BooleanField(required=False, allow_null=True, default=None)
        final_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

        class Meta:
            ref_name = "AwardInput"

    @extend_schema(
        operation_id="arbitration_award_create",
        tags=["arbitration"],
        request=InputSerializer,
        responses={201: AwardSerializer, **_DECIDE_ERRORS},
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        data = _valid(self.InputSerializer, request)
        items = []
        for raw in data["items"]:
            item = self.ItemSerializer(data=raw)
            item.is_valid(raise_exception=True)
            items.append(services.AwardItemInput(**item.validated_data))
        award = services.award_record(
            case_id=case.pk,
            actor=request.user,
            items=items,
            awarded_on=data["awarded_on"],
            is_final=data["is_final"],
            final_reason=data["final_reason"],
        )
        return Response(AwardSerializer(award).data, status=201)


class ArbitrationCloseApi(APIView):
    """Close an accepted arbitration case: by the award, mediation, withdrawal or otherwise."""

    class InputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=ClosingOutcome.choices)
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

        class Meta:
            ref_name = "ArbitrationCloseInput"

    @extend_schema(
        operation_id="arbitration_case_close",
        tags=["arbitration"],
        request=InputSerializer,
        responses={200: CaseStateSerializer, **_DECIDE_ERRORS},
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        data = _raw(request, "outcome", "note")
        case = services.arbitration_close(case_id=case.pk, actor=request.user, **data)
        return Response(CaseStateSerializer(case).data)


# --- Enforcement ----------------------------------------------------------------------------------------------------
class EnforcementRegisterApi(APIView):
    """The court registers the enforcement under its own case number (执行案号)."""

    class InputSerializer(serializers.Serializer):
        number = serializers.CharField(max_length=64)

        class Meta:
            ref_name = "EnforcementRegisterInput"

    @extend_schema(
        operation_id="court_enforcement_register",
        tags=["court"],
        request=InputSerializer,
        responses={200: EnforcementSerializer, **_DECIDE_ERRORS},
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        data = _raw(request, "number")
        row = services.enforcement_register(case_id=case.pk, actor=request.user, **data)
        return Response(EnforcementSerializer(row).data)


class RecoveryCreateApi(APIView):
    """Record money recovered by the enforcement (执行到位)."""

    class InputSerializer(serializers.Serializer):
        amount = serializers.DecimalField(max_digits=14, decimal_places=2)
        at = serializers.DateField()
        note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")

        class Meta:
            ref_name = "RecoveryInput"

    @extend_schema(
        operation_id="court_enforcement_recovery_create",
        tags=["court"],
        request=InputSerializer,
        responses={201: EnforcementSerializer, **_DECIDE_ERRORS},
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        data = _valid(self.InputSerializer, request)
        recovery = services.enforcement_record_recovery(case_id=case.pk, actor=request.user, **data)
        return Response(EnforcementSerializer(recovery.enforcement).data, status=201)


class EnforcementEndApi(APIView):
    """End the enforcement; the case closes with the total recovered."""

    class InputSerializer(serializers.Serializer):
        end = serializers.ChoiceField(choices=EnforcementEnd.choices)
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

        class Meta:
            ref_name = "EnforcementEndInput"

    @extend_schema(
        operation_id="court_enforcement_end",
        tags=["court"],
        request=InputSerializer,
        responses={200: EnforcementSerializer, **_DECIDE_ERRORS},
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        data = _raw(request, "end", "note")
        row = services.enforcement_end(case_id=case.pk, actor=request.user, **data)
        return Response(EnforcementSerializer(row).data)


class LegalAidEnforcementApplyApi(APIView):
    """A legal-aid centre that took the worker's case applies for enforcement for them (the application is the
    worker's; the record says who filed it). The case is found among those whose legal-aid handoff the caller's
    centre accepted (404 otherwise)."""

    class InputSerializer(serializers.Serializer):
        lawyer_name = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")

        class Meta:
            ref_name = "LegalAidEnforcementInput"

    @extend_schema(
        operation_id="legal_aid_enforcement_apply",
        tags=["court"],
        request=InputSerializer,
        responses={201: EnforcementSerializer, **_DECIDE_ERRORS},
    )
    def post(self, request, case_id: int):
        scope = scope_for(request.user)
        handoffs = Handoff.objects.filter(kind=HandoffKind.LEGAL_AID, status=HandoffStatus.ACCEPTED)
        if not scope.is_superuser:
            handoffs = handoffs.filter(to_org_id__in=scope.orgs_with_role(Role.LEGAL_AID))
        if not handoffs.filter(case_id=case_id).exists():
            raise Http404(_("案件不存在或不在您的职责范围内。"))
        data = _valid(self.InputSerializer, request)
        row = services.enforcement_apply(case_id=case_id, actor=request.user, **data)
        return Response(EnforcementSerializer(row).data, status=201)


# --- Documents ------------------------------------------------------------------------------------------------------
class CaseDocumentListApi(APIView):
    """The documents issued for a case the caller may see."""

    @extend_schema(
        operation_id="case_document_list",
        tags=["arbitration"],
        responses={200: DocumentSerializer(many=True), **error_responses(401, 403, 404, s404=_NOT_VISIBLE)},
    )
    def get(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        documents = (
            IssuedDocument.objects.filter(case=case).select_related("issuer").order_by("issued_at", "id")
        )
        return Response(DocumentSerializer(documents, many=True).data)


class DocumentPdfApi(APIView):
    """The PDF of a document issued for a case the caller may see, or by the caller's own organization."""

    @extend_schema(
        operation_id="document_pdf",
        tags=["arbitration"],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="文书 PDF"),
            **error_responses(401, 403, 404, s404="文书不存在或不在您的职责范围内"),
        },
    )
    def get(self, request, document_id: int):
        scope = scope_for(request.user)
        documents = IssuedDocument.objects.all()
        if not scope.is_superuser:
            from disputes.selectors import case_list_visible_to

            documents = documents.filter(
                Q(issuer_id__in=scope.org_ids)
                | Q(case__in=case_list_visible_to(user=request.user).values("pk"))
            )
        document = documents.filter(pk=document_id).first()
        if document is None:
            raise Http404(_("文书不存在或不在您的职责范围内。"))
        return document_response(document, as_attachment=True)
