"""Staff API for cases: one view per operation; each starts from a scoped selector and writes through a
service."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses, request_object

from ..forms import TRANSITION_FORMS, transition_form
from ..models import Case, CaseDeadline
from ..selectors import case_get_visible, case_history, case_list_visible_to
from ..services import case_transition, transition_guard
from ..states import ConfirmationRoute, RejectReason
from .filters import CaseFilter
from .serializers import CaseDetailSerializer, CaseEventSerializer, CaseListSerializer

_NOT_VISIBLE = "案件不存在或不在您的职责范围内"


def _with_detail(queryset):
    return queryset.select_related("station", "handling_org", "region", "mediator").prefetch_related(
        "claims", Prefetch("deadlines", queryset=CaseDeadline.objects.select_related("rule"))
    )


class CaseListApi(ListAPIView):
    """Cases of the caller's organizations (and their branches), newest first; an official sees their region.
    ID numbers and phones are masked in the list."""

    serializer_class = CaseListSerializer
    filterset_class = CaseFilter

    def get_queryset(self):
        return case_list_visible_to(user=self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        operation_id="case_list",
        tags=["cases"],
        responses={
            200: CaseListSerializer(many=True),
            **error_responses(400, 401, 403, 404, s404="页码超出范围"),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CaseDetailApi(APIView):
    """One case. ID number and phone are whole only for the staff who work it (its station, or the commission
    or court it was handed to); masked for everyone else, officials included."""

    @extend_schema(
        operation_id="case_retrieve",
        tags=["cases"],
        responses={200: CaseDetailSerializer, **error_responses(401, 403, 404, s404=_NOT_VISIBLE)},
    )
    def get(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        case = _with_detail(case_list_visible_to(user=request.user)).get(pk=case.pk)
        return Response(CaseDetailSerializer(case, context={"request": request}).data)


class CaseHistoryApi(APIView):
    """The case's append-only history, oldest first: who ran which transition, from and to which state,
    and why."""

    @extend_schema(
        operation_id="case_history",
        tags=["cases"],
        responses={200: CaseEventSerializer(many=True), **error_responses(401, 403, 404, s404=_NOT_VISIBLE)},
    )
    def get(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        return Response(CaseEventSerializer(case_history(case=case), many=True).data)


def _transition_catalogue() -> str:
    """Markdown: each transition with its label, the states it runs from and the body fields it takes, built
    from the state machine and :data:`disputes.forms.TRANSITION_FORMS` so the document cannot drift from the
    code."""
    sources: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for t in Case._meta.get_field("status").get_all_transitions(Case):
        sources.setdefault(t.name, []).append(str(t.source))
        labels[t.name] = str(t.custom.get("label", t.name))
    lines = []
    for name, form_class in TRANSITION_FORMS.items():
        form = form_class(case=Case())
        fields = ", ".join(
            f"`{field}`" + ("" if form.fields[field].required else "（可选）") for field in form.fields
        )
        lines.append(
            f"- `{name}` {labels.get(name, '')} — 从 {', '.join(sorted(sources.get(name, [])))}；"
            f"字段：{fields}"
        )
    return "\n".join(lines)


class CaseTransitionApi(APIView):
    """Run one transition of the case's state machine with its payload; answer with the case as it now
    stands."""

    class InputSerializer(serializers.Serializer):
        """Every field any transition takes; each transition reads only its own (see the operation's list)."""

        note = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=2000,
            help_text="说明或理由；record_failure、refuse_confirmation、decline_arbitration 必填",
        )
        station = serializers.CharField(required=False, help_text="triage, transfer: 调解组织代码")
        branch = serializers.CharField(required=False, help_text="dispatch_to_branch: 本站网点代码")
        reason = serializers.ChoiceField(
            choices=RejectReason.choices, required=False, help_text="reject: 不予受理原因"
        )
        mediator = serializers.CharField(
            required=False, allow_blank=True, help_text="accept: 承办调解员用户名（可不填）"
        )
        amount_agreed = serializers.DecimalField(
            max_digits=14,
            decimal_places=2,
            min_value=0,
            required=False,
            help_text="record_agreement: 协议金额（元）",
        )
        amount_paid = serializers.DecimalField(
            max_digits=14,
            decimal_places=2,
            min_value=0,
            required=False,
            help_text="record_fulfilment: 实际支付（元）",
        )
        amount_recovered = serializers.DecimalField(
            max_digits=14,
            decimal_places=2,
            min_value=0,
            required=False,
            help_text="close_enforcement: 执行到位（元）",
        )
        amount_awarded = serializers.DecimalField(
            max_digits=14,
            decimal_places=2,
            min_value=0,
            required=False,
            help_text="close_arbitration: 裁决或调解金额（元，可不填）",
        )
        route = serializers.ChoiceField(
            choices=ConfirmationRoute.choices[1:], required=False, help_text="request_confirmation: 确认途径"
        )
        organization = serializers.CharField(
            required=False, help_text="request_confirmation: 仲裁委（仲裁审查确认）或法院（司法确认）代码"
        )
        document_number = serializers.CharField(required=False, max_length=64, help_text="confirm: 文书编号")
        court = serializers.CharField(required=False, help_text="open_enforcement: 执行法院代码")
        enforcement_number = serializers.CharField(
            required=False, allow_blank=True, max_length=64, help_text="open_enforcement: 执行案号（可不填）"
        )
        commission = serializers.CharField(required=False, help_text="refer_to_arbitration: 仲裁委员会代码")
        worker_consents = serializers.BooleanField(
            required=False, help_text="refer_to_arbitration: 劳动者已申请或同意转仲裁（必须为 true）"
        )
        arbitration_number = serializers.CharField(
            required=False, max_length=64, help_text="accept_arbitration: 仲裁案号"
        )
        outcome = serializers.CharField(
            required=False, max_length=200, help_text="close_arbitration: 结案方式"
        )
        is_final = serializers.BooleanField(required=False, help_text="close_arbitration: 终局裁决")

        class Meta:
            ref_name = "CaseTransition"

    @extend_schema(
        operation_id="case_transition",
        tags=["cases"],
        description=(
            "Run transition `name` on the case. The checks answer in this order: the case is not visible "
            "to you (404), `name` is not a transition (404), the case's state does not allow it (409, with "
            "`current_state`), you may not run it (403), the payload is invalid (400, with `errors` by "
            "field). Of two concurrent requests one wins; the other gets 409. Nothing is written unless the "
            "answer is 200.\n\n"
            "Transitions, the states they run from, and their fields:\n\n" + _transition_catalogue()
        ),
        parameters=[
            OpenApiParameter(
                "name",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=list(TRANSITION_FORMS),
                description="transition name",
            ),
        ],
        request=InputSerializer,
        responses={
            200: CaseDetailSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s400="请求内容有误：字段错误（errors）、无法解析的 JSON 或不是 JSON 对象的请求体",
                s403="无权对该案件执行此操作",
                s404="案件不存在或不在您的职责范围内，或没有这个操作",
                s409="案件当前状态不允许此操作（current_state 为当前状态），或已被他人抢先更新",
            ),
        },
    )
    def post(self, request, case_id: int, name: str):
        case = case_get_visible(user=request.user, case_id=case_id)
        transition_guard(case=case, name=name, actor=request.user, generic=True)
        form = transition_form(name, case=case, data=request_object(request))
        if not form.is_valid():
            raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
        case_transition(
            case_id=case.pk,
            name=name,
            actor=request.user,
            note=form.cleaned_data["note"],
            payload=form.payload(),
        )
        # Not rescoped: a transfer or hand-off may take the case out of the caller's scope, and the answer is
        # still the case as it now stands (with what this caller may see of it and run on it now).
        case = _with_detail(Case.objects.all()).get(pk=case.pk)
        return Response(CaseDetailSerializer(case, context={"request": request}).data)
