"""Special urgent cases (特事急诊) in the staff API: escalating a case, the consultations one takes part in, and
recording a consultation's one-case-one-plan. Mounted at the root of /api/v1/ (its routes span ``cases/`` and
``consultations/``); each view starts from a scoped selector and writes through :mod:`disputes.urgent`."""

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses, request_object

from ..deadlines import deadline_state
from ..models.urgent import ConsultationRole, UrgentConsultation
from ..selectors import case_get_visible
from ..urgent import (
    PlanAction,
    can_escalate_urgent,
    case_escalate_urgent,
    consultation_candidates,
    consultation_deadline,
    consultation_get_visible,
    consultation_list_visible_to,
    consultation_record_plan,
    escalation_guard,
    plan_guard,
)
from .common import CASE_NOT_VISIBLE

_CONSULTATION_NOT_VISIBLE = "会商不存在，或您既不是参加人也不是该案调解站的工作人员"


# --- Serializers ---------------------------------------------------------------------------------------------
class ConsultationMemberSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ConsultationRole.choices)
    role_display = serializers.CharField(source="get_role_display")
    username = serializers.CharField(source="user.username")
    name = serializers.SerializerMethodField()
    organization = serializers.CharField(source="organization.code")
    organization_name = serializers.CharField(source="organization.name")

    class Meta:
        ref_name = "ConsultationMember"

    def get_name(self, obj) -> str:
        return obj.user.get_full_name() or obj.user.get_username()


class ConsultationCountdownSerializer(serializers.Serializer):
    code = serializers.CharField(source="rule.code")
    name = serializers.CharField(source="rule.name")
    starts_on = serializers.DateField()
    due_on = serializers.DateField()
    state = serializers.SerializerMethodField(help_text="met, inactive, overdue, due_soon, open")
    state_display = serializers.SerializerMethodField()

    class Meta:
        ref_name = "ConsultationCountdown"

    def get_state(self, obj) -> str:
        return deadline_state(obj)[0]

    def get_state_display(self, obj) -> str:
        return deadline_state(obj)[1]


class PlanActionSerializer(serializers.Serializer):
    what = serializers.CharField(max_length=300, help_text="事项")
    who = serializers.CharField(max_length=100, help_text="负责方")
    due_on = serializers.DateField(help_text="完成日期")

    class Meta:
        ref_name = "ConsultationPlanAction"


class ConsultationSerializer(serializers.Serializer):
    """A consultation: the case it is about (its id and tracking code only; open the case for the rest, with
    personal data masked unless you work the case), the participants, the countdown and the plan."""

    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    case_tracking_code = serializers.CharField(source="case.tracking_code")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    reason = serializers.CharField()
    escalated_by = serializers.CharField(source="escalated_by.username")
    escalated_at = serializers.DateTimeField()
    members = ConsultationMemberSerializer(many=True)
    countdown = serializers.SerializerMethodField()
    plan_summary = serializers.CharField()
    plan_actions = PlanActionSerializer(many=True)
    plan_recorded_by = serializers.CharField(
        source="plan_recorded_by.username", default=None, allow_null=True
    )
    plan_recorded_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "UrgentConsultation"

    @extend_schema_field(ConsultationCountdownSerializer(allow_null=True))
    def get_countdown(self, obj) -> dict | None:
        deadline = consultation_deadline(consultation=obj)
        return ConsultationCountdownSerializer(deadline).data if deadline is not None else None


class CandidateSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    organization = serializers.CharField(source="organization.code")
    organization_name = serializers.CharField(source="organization.name")
    open_consultations = serializers.IntegerField(help_text="此人进行中的会商数")

    class Meta:
        ref_name = "ConsultationCandidate"


class CandidatesSerializer(serializers.Serializer):
    arbitrator = CandidateSerializer(many=True, help_text="仲裁员：案件所在区域（或最近上级区域）仲裁委员会")
    peoples_mediator = CandidateSerializer(
        many=True, help_text="人民调解员：本区域（或最近上级区域）人民调解委员会"
    )
    lawyer = CandidateSerializer(
        many=True, help_text="公益律师：本区域（或最近上级区域）律师事务所、法律援助中心"
    )

    class Meta:
        ref_name = "ConsultationCandidates"


def _with_detail(queryset):
    return queryset.select_related("case", "escalated_by", "plan_recorded_by").prefetch_related(
        "members__user", "members__organization"
    )


# --- Views ---------------------------------------------------------------------------------------------------
class CaseEscalateApi(APIView):
    """Escalate a case as special urgent (特事急诊): convene a joint consultation of an arbitrator, a people's
    mediator and a pro-bono lawyer, each told in-app, with a three-working-day countdown."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000, help_text="列为特事急诊的理由（参加人可见）")
        arbitrator = serializers.CharField(
            required=False, allow_blank=True, help_text="仲裁员用户名（不填则用默认人选，见 GET）"
        )
        peoples_mediator = serializers.CharField(
            required=False, allow_blank=True, help_text="人民调解员用户名（不填则用默认人选）"
        )
        lawyer = serializers.CharField(
            required=False, allow_blank=True, help_text="公益律师/法律援助人员用户名（不填则用默认人选）"
        )

        class Meta:
            ref_name = "CaseEscalateInput"

    @extend_schema(
        operation_id="case_escalate_candidates",
        tags=["urgent"],
        description="The staff eligible for each seat, best first; the first is the default. Only those who may "
        "escalate the case (its station's administrators and mediators, officials of its region) may ask.",
        responses={
            200: CandidatesSerializer,
            **error_responses(401, 403, 404, s403="无权将该案件列为特事急诊", s404=CASE_NOT_VISIBLE),
        },
    )
    def get(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        if not can_escalate_urgent(case, request.user):
            raise PermissionDenied(_("您不能将该案件列为特事急诊。"))
        candidates = consultation_candidates(case=case)
        return Response(
            CandidatesSerializer({seat: candidates[seat] for seat in ConsultationRole.values}).data
        )

    @extend_schema(
        operation_id="case_escalate",
        tags=["urgent"],
        description="The checks answer in this order: the case is not visible to you (404), the case is closed "
        "or already has an open consultation (409), you may not escalate it (403), the body is invalid or a "
        "named participant is not eligible (400). Of two concurrent escalations one wins; the other gets 409.",
        request=InputSerializer,
        responses={
            201: ConsultationSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s400="请求内容有误：缺少理由，或所选人员不在可选范围（errors 按字段列出）",
                s403="无权将该案件列为特事急诊",
                s404=CASE_NOT_VISIBLE,
                s409="案件已结束，或已有进行中的特事急诊会商",
            ),
        },
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        escalation_guard(case=case, actor=request.user)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        consultation = case_escalate_urgent(
            case_id=case.pk,
            actor=request.user,
            reason=data["reason"],
            arbitrator=data.get("arbitrator") or None,
            peoples_mediator=data.get("peoples_mediator") or None,
            lawyer=data.get("lawyer") or None,
        )
        consultation = _with_detail(UrgentConsultation.objects.all()).get(pk=consultation.pk)
        return Response(ConsultationSerializer(consultation).data, status=status.HTTP_201_CREATED)


class ConsultationListApi(ListAPIView):
    """The special urgent consultations you take part in, of your stations' cases, or that you escalated;
    newest first."""

    serializer_class = ConsultationSerializer

    def get_queryset(self):
        return _with_detail(consultation_list_visible_to(user=self.request.user)).order_by(
            "-escalated_at", "-id"
        )

    @extend_schema(
        operation_id="consultation_list",
        tags=["urgent"],
        responses={
            200: ConsultationSerializer(many=True),
            **error_responses(401, 403, 404, s404="页码超出范围"),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ConsultationPlanApi(APIView):
    """Record the one-case-one-plan (一案一策) the participants agreed: the measures, and who does what by when.
    Recording it closes the consultation and meets its countdown."""

    class InputSerializer(serializers.Serializer):
        summary = serializers.CharField(max_length=4000, help_text="商定的措施")
        actions = PlanActionSerializer(many=True, allow_empty=False, help_text="分工：事项、负责方、完成日期")

        class Meta:
            ref_name = "ConsultationPlanInput"

    @extend_schema(
        operation_id="consultation_record_plan",
        tags=["urgent"],
        description="The checks answer in this order: the consultation is not visible to you (404), it is "
        "already closed (409), you are neither a participant nor an administrator or mediator of the case's "
        "station (403), the body is invalid (400).",
        request=InputSerializer,
        responses={
            200: ConsultationSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s403="只有会商参加人或调解站工作人员可以记录一案一策",
                s404=_CONSULTATION_NOT_VISIBLE,
                s409="该会商已形成一案一策并结束",
            ),
        },
    )
    def post(self, request, consultation_id: int):
        consultation = consultation_get_visible(user=request.user, consultation_id=consultation_id)
        plan_guard(consultation=consultation, actor=request.user)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        consultation_record_plan(
            consultation_id=consultation.pk,
            actor=request.user,
            summary=data["summary"],
            actions=[PlanAction(what=a["what"], who=a["who"], due_on=a["due_on"]) for a in data["actions"]],
        )
        consultation = _with_detail(UrgentConsultation.objects.all()).get(pk=consultation.pk)
        return Response(ConsultationSerializer(consultation).data)


# Mounted at /api/v1/ itself (config/api_urls.py): the routes span two prefixes.
urlpatterns = [
    path("cases/<int:case_id>/escalate/", CaseEscalateApi.as_view(), name="api-case-escalate"),
    path("consultations/", ConsultationListApi.as_view(), name="api-consultation-list"),
    path(
        "consultations/<int:consultation_id>/plan/",
        ConsultationPlanApi.as_view(),
        name="api-consultation-plan",
    ),
]
