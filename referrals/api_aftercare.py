"""Legal aid, re-employment, counselling and check-in answers in the API (mounted at ``/api/v1/aftercare/``).

Staff who work a case record a worker's request for legal aid or counselling; the receiving organization's system
(a legal-aid centre, an employment service centre) assigns the lawyer, reports the outcome, posts offers and the
placement. Decisions to accept or decline are the handoff's own answers (``/api/v1/handoffs/{id}/accept/`` …).
Every list starts from the handoffs the user may see (:func:`referrals.handoffs.handoff_list_visible_to`); an
object outside it is a 404. Each operation answers in the order: not visible (404), not the receiver or not
working the case (403), not in a state that allows it (409), invalid body (400).
"""

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses, request_object
from disputes.selectors import case_get_visible

from .aftercare import (
    checkin_answer_list_visible_to,
    counselling_list_visible_to,
    counselling_request,
    job_offer_post,
    job_placement_record,
    job_seeking_list_visible_to,
)
from .legal_aid import (
    legal_aid_clock,
    legal_aid_lawyer_assign,
    legal_aid_list_visible_to,
    legal_aid_outcome_record,
    legal_aid_overdue_q,
    legal_aid_request,
)
from .models import JobPlacement, JobSeekingRequest, LegalAidRequest
from .states import (
    Affordability,
    Availability,
    CounsellingContact,
    HandoffStatus,
    HelpWanted,
    LegalAidResult,
    WorkSituation,
)

_CASE_NOT_VISIBLE = "案件不存在或不在您的职责范围内"
_NOT_VISIBLE = "记录不存在或不在您的职责范围内"
_IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="同一键的重复请求只生效一次，返回第一次的结果",
)


def _flag(request, name: str) -> bool:
    """A yes/no filter: absent is no; a value that is neither (``?urgent=maybe``) is a 400, not ignored."""
    value = request.query_params.get(name)
    if value is None:
        return False
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise ValidationError({name: [_("请填写 true 或 false。")]})


# --- Serializers -----------------------------------------------------------------------------------------------
class _HandoffFields(serializers.Serializer):
    """What every request shows of its handoff."""

    id = serializers.IntegerField()
    handoff = serializers.IntegerField(source="handoff_id", help_text="移交编号（/api/v1/handoffs/{id}/）")
    tracking_code = serializers.CharField(source="case.tracking_code")
    from_org = serializers.CharField(source="handoff.from_org.code", allow_null=True, default=None)
    to_org = serializers.CharField(source="handoff.to_org.code")
    to_org_name = serializers.CharField(source="handoff.to_org.name")
    status = serializers.ChoiceField(source="handoff.status", choices=HandoffStatus.choices)
    status_display = serializers.CharField(source="handoff.get_status_display")
    outcome = serializers.CharField(source="handoff.outcome")
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(source="handoff.completed_at", allow_null=True)


class LawyerSerializer(serializers.Serializer):
    lawyer_name = serializers.CharField()
    law_firm = serializers.CharField()
    lawyer_phone = serializers.CharField()
    assigned_at = serializers.DateTimeField()

    class Meta:
        ref_name = "LegalAidLawyer"


class LegalAidRequestSerializer(_HandoffFields):
    requested_by = serializers.CharField(help_text="worker 劳动者本人 / staff 工作人员代为申请")
    affordability = serializers.ChoiceField(choices=Affordability.choices)
    migrant_worker = serializers.BooleanField()
    means_test_exempt = serializers.BooleanField(help_text="免予经济困难审查（法律援助法第四十二条）")
    urgent = serializers.BooleanField(help_text="有期限七日内届满，可先行提供援助（法律援助法第四十四条）")
    urgent_deadline = serializers.CharField()
    urgent_due_on = serializers.DateField(allow_null=True)
    decision_due_on = serializers.DateField(help_text="决定期限（收到申请之日起七日）")
    decision_overdue = serializers.SerializerMethodField()
    assign_due_on = serializers.DateField(allow_null=True, help_text="指派律师期限（决定给予援助之日起三日）")
    assign_overdue = serializers.SerializerMethodField()
    due_provisional = serializers.BooleanField(help_text="期限跨越尚无节假日安排的年度，可能调整")
    lawyer = serializers.SerializerMethodField()
    result = serializers.ChoiceField(choices=[("", "—"), *LegalAidResult.choices])

    class Meta:
        ref_name = "LegalAidRequest"

    def _clock(self, obj):
        return legal_aid_clock(obj, assigned=self._lawyer(obj) is not None)

    @staticmethod
    def _lawyer(obj):
        rows = sorted(obj.assignments.all(), key=lambda a: (a.assigned_at, a.pk), reverse=True)
        return rows[0] if rows else None

    def get_decision_overdue(self, obj) -> bool:
        return self._clock(obj).decision_overdue

    def get_assign_overdue(self, obj) -> bool:
        return self._clock(obj).assign_overdue

    @extend_schema_field(LawyerSerializer(allow_null=True))
    def get_lawyer(self, obj) -> dict | None:
        lawyer = self._lawyer(obj)
        return LawyerSerializer(lawyer).data if lawyer is not None else None


class LegalAidRequestDetailSerializer(LegalAidRequestSerializer):
    reason = serializers.CharField()
    assignments = LawyerSerializer(many=True, help_text="历次指派（最新在前）")

    class Meta:
        ref_name = "LegalAidRequestDetail"


class JobOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    employer_name = serializers.CharField()
    position = serializers.CharField()
    wage = serializers.CharField()
    contact = serializers.CharField()
    posted_on = serializers.DateField()
    note = serializers.CharField()

    class Meta:
        ref_name = "JobOffer"


class JobPlacementSerializer(serializers.Serializer):
    employer_name = serializers.CharField()
    position = serializers.CharField()
    placed_on = serializers.DateField()
    offer = serializers.IntegerField(source="offer_id", allow_null=True)
    note = serializers.CharField()

    class Meta:
        ref_name = "JobPlacement"


class JobSeekingRequestSerializer(_HandoffFields):
    desired_job = serializers.CharField()
    desired_area = serializers.CharField()
    skills = serializers.CharField()
    availability = serializers.ChoiceField(choices=Availability.choices)
    offers = JobOfferSerializer(many=True)
    placement = serializers.SerializerMethodField()

    class Meta:
        ref_name = "JobSeekingRequest"

    @extend_schema_field(JobPlacementSerializer(allow_null=True))
    def get_placement(self, obj) -> dict | None:
        placement = JobPlacement.objects.filter(request=obj).first()
        return JobPlacementSerializer(placement).data if placement is not None else None


class CounsellingRequestSerializer(_HandoffFields):
    requested_by = serializers.CharField()
    preferred_contact = serializers.ChoiceField(choices=CounsellingContact.choices)

    class Meta:
        ref_name = "CounsellingRequest"


class CheckInAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField(source="case.tracking_code")
    days = serializers.IntegerField(source="check_in.days", help_text="办结后第几天的回访")
    checked_in_at = serializers.DateTimeField(source="check_in.created_at")
    work_situation = serializers.ChoiceField(choices=WorkSituation.choices)
    work_situation_display = serializers.CharField(source="get_work_situation_display")
    help_wanted = serializers.ListField(child=serializers.ChoiceField(choices=HelpWanted.choices))
    note = serializers.CharField()
    answered_at = serializers.DateTimeField(source="created_at")

    class Meta:
        ref_name = "CheckInAnswer"


# --- Legal aid -------------------------------------------------------------------------------------------------
def _legal_aid_qs(user):
    return legal_aid_list_visible_to(user=user).prefetch_related("assignments")


def _legal_aid_get(request, request_id) -> LegalAidRequest:
    try:
        return _legal_aid_qs(request.user).get(pk=request_id)
    except (LegalAidRequest.DoesNotExist, ValueError, TypeError):
        raise Http404(_("未找到该法律援助申请。")) from None


class LegalAidRequestCreateApi(APIView):
    """Record the worker's request for legal aid (staff who work the case): it goes to the legal-aid centre of
    the case's region (or the nearest above it) as a handoff, urgent when a deadline of the case is 7 days away
    or less."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000, help_text="申请理由")
        affordability = serializers.ChoiceField(
            choices=Affordability.choices, help_text="能否负担律师费（劳动者自述）"
        )
        migrant_worker = serializers.BooleanField(default=False, help_text="进城务工人员")
        consent = serializers.BooleanField(
            help_text="劳动者已同意把申请和案件材料提供给法律援助中心（须为 true）"
        )

        class Meta:
            ref_name = "LegalAidRequestInput"

    @extend_schema(
        operation_id="aftercare_legal_aid_create",
        tags=["aftercare"],
        request=InputSerializer,
        responses={
            201: LegalAidRequestDetailSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s400="请求内容有误，未经劳动者同意，或本地区没有法律援助中心",
                s403="不是办理本案的工作人员",
                s404=_CASE_NOT_VISIBLE,
                s409="案件已办结，或已有正在办理的法律援助申请",
            ),
        },
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        created = legal_aid_request(case_id=case.pk, actor=request.user, **serializer.validated_data)
        data = LegalAidRequestDetailSerializer(_legal_aid_get(request, created.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)


class LegalAidRequestListApi(ListAPIView):
    """Legal-aid requests your organization received (the centre's inbox) or sent, newest first, with the law's
    deadlines and what is overdue today."""

    serializer_class = LegalAidRequestSerializer

    def get_queryset(self):
        qs = _legal_aid_qs(self.request.user)
        if _flag(self.request, "urgent"):
            qs = qs.filter(urgent=True)
        if _flag(self.request, "overdue"):
            qs = qs.filter(legal_aid_overdue_q(today=timezone.localdate()))
        return qs.order_by("-created_at", "-id")

    @extend_schema(
        operation_id="aftercare_legal_aid_list",
        tags=["aftercare"],
        parameters=[
            OpenApiParameter("urgent", bool, description="只看需先行援助的（期限七日内届满）"),
            OpenApiParameter("overdue", bool, description="只看决定或指派律师已超期的"),
        ],
        responses={
            200: LegalAidRequestSerializer(many=True),
            **error_responses(400, 401, 403, 404, s400="筛选条件有误", s404="页码超出范围"),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LegalAidRequestDetailApi(APIView):
    @extend_schema(
        operation_id="aftercare_legal_aid_retrieve",
        tags=["aftercare"],
        summary="一件法律援助申请：期限、律师、结果",
        responses={200: LegalAidRequestDetailSerializer, **error_responses(401, 403, 404, s404=_NOT_VISIBLE)},
    )
    def get(self, request, request_id: int):
        return Response(LegalAidRequestDetailSerializer(_legal_aid_get(request, request_id)).data)


class LegalAidLawyerAssignApi(APIView):
    """The legal-aid centre assigns a lawyer (or replaces one) after granting aid; the worker sees the lawyer's
    name, firm and phone on /track/."""

    class InputSerializer(serializers.Serializer):
        lawyer_name = serializers.CharField(max_length=64)
        law_firm = serializers.CharField(max_length=200)
        lawyer_phone = serializers.CharField(max_length=32)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

        class Meta:
            ref_name = "LegalAidLawyerInput"

    @extend_schema(
        operation_id="aftercare_legal_aid_assign_lawyer",
        tags=["aftercare"],
        request=InputSerializer,
        responses={
            200: LegalAidRequestDetailSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s403="不是接收申请的法律援助中心",
                s404=_NOT_VISIBLE,
                s409="尚未决定给予援助（接收办理），或援助已办结",
            ),
        },
    )
    def post(self, request, request_id: int):
        aid = _legal_aid_get(request, request_id)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        legal_aid_lawyer_assign(request_id=aid.pk, actor=request.user, **serializer.validated_data)
        return Response(LegalAidRequestDetailSerializer(_legal_aid_get(request, aid.pk)).data)


class LegalAidOutcomeRecordApi(APIView):
    """The legal-aid centre reports what the aid achieved; the handoff is completed with it. A repeat changes
    nothing."""

    class InputSerializer(serializers.Serializer):
        result = serializers.ChoiceField(choices=LegalAidResult.choices)
        outcome = serializers.CharField(max_length=4000, help_text="办理结果说明（劳动者在办理进度页可见）")

        class Meta:
            ref_name = "LegalAidOutcomeInput"

    @extend_schema(
        operation_id="aftercare_legal_aid_record_outcome",
        tags=["aftercare"],
        request=InputSerializer,
        responses={
            200: LegalAidRequestDetailSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s403="不是接收申请的法律援助中心",
                s404=_NOT_VISIBLE,
                s409="尚未决定给予援助（接收办理）",
            ),
        },
    )
    def post(self, request, request_id: int):
        aid = _legal_aid_get(request, request_id)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        legal_aid_outcome_record(request_id=aid.pk, actor=request.user, **serializer.validated_data)
        return Response(LegalAidRequestDetailSerializer(_legal_aid_get(request, aid.pk)).data)


# --- Re-employment -----------------------------------------------------------------------------------------------
def _job_seeking_qs(user):
    return job_seeking_list_visible_to(user=user).prefetch_related("offers")


def _job_seeking_get(request, request_id) -> JobSeekingRequest:
    try:
        return _job_seeking_qs(request.user).get(pk=request_id)
    except (JobSeekingRequest.DoesNotExist, ValueError, TypeError):
        raise Http404(_("未找到该求职登记。")) from None


class JobSeekingRequestListApi(ListAPIView):
    """Job-seeking forms your employment service centre received (or your station sent), newest first."""

    serializer_class = JobSeekingRequestSerializer

    def get_queryset(self):
        return _job_seeking_qs(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        operation_id="aftercare_job_seeking_list",
        tags=["aftercare"],
        responses={
            200: JobSeekingRequestSerializer(many=True),
            **error_responses(401, 403, 404, s404="页码超出范围"),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class JobSeekingRequestDetailApi(APIView):
    @extend_schema(
        operation_id="aftercare_job_seeking_retrieve",
        tags=["aftercare"],
        summary="一份求职登记：推荐的岗位和就业安置",
        responses={200: JobSeekingRequestSerializer, **error_responses(401, 403, 404, s404=_NOT_VISIBLE)},
    )
    def get(self, request, request_id: int):
        return Response(JobSeekingRequestSerializer(_job_seeking_get(request, request_id)).data)


class JobOfferCreateApi(APIView):
    """The employment service centre recommends a job to the worker, who sees it on /track/ and is told."""

    class InputSerializer(serializers.Serializer):
        employer_name = serializers.CharField(max_length=200)
        position = serializers.CharField(max_length=100)
        wage = serializers.CharField(max_length=64, help_text="如：6000–8000 元/月")
        contact = serializers.CharField(max_length=100, help_text="招聘联系人及电话，或报名地点")
        posted_on = serializers.DateField(required=False, allow_null=True, default=None)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

        class Meta:
            ref_name = "JobOfferInput"

    @extend_schema(
        operation_id="aftercare_job_offer_create",
        tags=["aftercare"],
        request=InputSerializer,
        parameters=[_IDEMPOTENCY],
        responses={
            201: JobOfferSerializer,
            200: JobOfferSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s403="不是接收求职登记的就业服务中心",
                s404=_NOT_VISIBLE,
                s409="尚未接收办理这条求职登记，或已经办结",
            ),
        },
        description="201 when the offer is posted now; 200 with the first offer when the Idempotency-Key was seen.",
    )
    def post(self, request, request_id: int):
        seeking = _job_seeking_get(request, request_id)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        offer, created = job_offer_post(
            request_id=seeking.pk,
            actor=request.user,
            callback_key=request.headers.get("Idempotency-Key", "")[:120],
            **serializer.validated_data,
        )
        return Response(
            JobOfferSerializer(offer).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class JobPlacementCreateApi(APIView):
    """The worker has been placed in a job: recorded once, and the handoff completed with it."""

    class InputSerializer(serializers.Serializer):
        employer_name = serializers.CharField(max_length=200)
        position = serializers.CharField(max_length=100)
        placed_on = serializers.DateField()
        offer = serializers.IntegerField(
            required=False, allow_null=True, default=None, help_text="推荐岗位编号"
        )
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

        class Meta:
            ref_name = "JobPlacementInput"

    @extend_schema(
        operation_id="aftercare_job_placement_create",
        tags=["aftercare"],
        request=InputSerializer,
        responses={
            201: JobSeekingRequestSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s403="不是接收求职登记的就业服务中心",
                s404=_NOT_VISIBLE,
                s409="尚未接收办理，已经办结，或已登记过就业安置",
            ),
        },
    )
    def post(self, request, request_id: int):
        seeking = _job_seeking_get(request, request_id)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        job_placement_record(request_id=seeking.pk, actor=request.user, offer_id=data.pop("offer"), **data)
        body = JobSeekingRequestSerializer(_job_seeking_get(request, seeking.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


# --- Counselling ----------------------------------------------------------------------------------------------------
class CounsellingRequestCreateApi(APIView):
    """Refer the worker to the counselling service of the case's region (staff who work the case, with the
    worker's consent). What troubles the worker goes to the service only, never back in this API."""

    class InputSerializer(serializers.Serializer):
        preferred_contact = serializers.ChoiceField(choices=CounsellingContact.choices)
        concern = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        consent = serializers.BooleanField(help_text="劳动者已同意转介（须为 true）")

        class Meta:
            ref_name = "CounsellingRequestInput"

    @extend_schema(
        operation_id="aftercare_counselling_create",
        tags=["aftercare"],
        request=InputSerializer,
        responses={
            201: CounsellingRequestSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s400="请求内容有误，未经劳动者同意，或本地区没有心理咨询服务机构",
                s403="不是办理本案的工作人员",
                s404=_CASE_NOT_VISIBLE,
                s409="已有正在进行的心理疏导转介",
            ),
        },
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        created = counselling_request(case_id=case.pk, actor=request.user, **serializer.validated_data)
        referral = counselling_list_visible_to(user=request.user).get(pk=created.pk)
        return Response(CounsellingRequestSerializer(referral).data, status=status.HTTP_201_CREATED)


class CounsellingRequestListApi(ListAPIView):
    serializer_class = CounsellingRequestSerializer

    def get_queryset(self):
        return counselling_list_visible_to(user=self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        operation_id="aftercare_counselling_list",
        tags=["aftercare"],
        summary="本机构收到或发出的心理疏导转介",
        responses={
            200: CounsellingRequestSerializer(many=True),
            **error_responses(401, 403, 404, s404="页码超出范围"),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Check-ins -----------------------------------------------------------------------------------------------------
class CheckInAnswerListApi(ListAPIView):
    serializer_class = CheckInAnswerSerializer

    def get_queryset(self):
        return checkin_answer_list_visible_to(user=self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        operation_id="aftercare_checkin_answer_list",
        tags=["aftercare"],
        summary="劳动者对办结回访的回复（本机构案件或收到的移交）",
        responses={
            200: CheckInAnswerSerializer(many=True),
            **error_responses(401, 403, 404, s404="页码超出范围"),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path(
        "cases/<int:case_id>/legal-aid/",
        LegalAidRequestCreateApi.as_view(),
        name="aftercare-legal-aid-create",
    ),
    path("legal-aid/", LegalAidRequestListApi.as_view(), name="aftercare-legal-aid-list"),
    path(
        "legal-aid/<int:request_id>/", LegalAidRequestDetailApi.as_view(), name="aftercare-legal-aid-detail"
    ),
    path(
        "legal-aid/<int:request_id>/lawyer/",
        LegalAidLawyerAssignApi.as_view(),
        name="aftercare-legal-aid-lawyer",
    ),
    path(
        "legal-aid/<int:request_id>/outcome/",
        LegalAidOutcomeRecordApi.as_view(),
        name="aftercare-legal-aid-outcome",
    ),
    path("job-seeking/", JobSeekingRequestListApi.as_view(), name="aftercare-job-seeking-list"),
    path(
        "job-seeking/<int:request_id>/",
        JobSeekingRequestDetailApi.as_view(),
        name="aftercare-job-seeking-detail",
    ),
    path(
        "job-seeking/<int:request_id>/offers/", JobOfferCreateApi.as_view(), name="aftercare-job-offer-create"
    ),
    path(
        "job-seeking/<int:request_id>/placement/",
        JobPlacementCreateApi.as_view(),
        name="aftercare-job-placement-create",
    ),
    path(
        "cases/<int:case_id>/counselling/",
        CounsellingRequestCreateApi.as_view(),
        name="aftercare-counselling-create",
    ),
    path("counselling/", CounsellingRequestListApi.as_view(), name="aftercare-counselling-list"),
    path("check-in-answers/", CheckInAnswerListApi.as_view(), name="aftercare-checkin-answer-list"),
]
