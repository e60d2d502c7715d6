"""Staff API for cases: one view per operation; each starts from a scoped selector and writes through a service."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ErrorSerializer

from ..forms import TRANSITION_FORMS, transition_form
from ..models import CaseDeadline
from ..selectors import case_get_visible, case_history, case_list_visible_to
from ..services import case_transition, transition_guard
from .filters import CaseFilter
from .serializers import CaseDetailSerializer, CaseEventSerializer, CaseListSerializer

_ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description=_("未登录")),
    403: OpenApiResponse(ErrorSerializer, description=_("无权限")),
    404: OpenApiResponse(ErrorSerializer, description=_("案件不存在或不在您的职责范围内")),
}


def _detail_queryset(user):
    return case_list_visible_to(user=user).select_related("mediator").prefetch_related(
        "claims", Prefetch("deadlines", queryset=CaseDeadline.objects.select_related("rule"))
    )


class CaseListApi(ListAPIView):
    """Cases of the caller's organizations (and their branches), newest first."""

    serializer_class = CaseListSerializer
    filterset_class = CaseFilter

    def get_queryset(self):
        return case_list_visible_to(user=self.request.user).order_by("-created_at", "-id")

    @extend_schema(responses={200: CaseListSerializer(many=True), **_ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CaseDetailApi(APIView):
    @extend_schema(responses={200: CaseDetailSerializer, **_ERRORS})
    def get(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        case = _detail_queryset(request.user).get(pk=case.pk)
        return Response(CaseDetailSerializer(case, context={"request": request}).data)


class CaseHistoryApi(APIView):
    @extend_schema(responses={200: CaseEventSerializer(many=True), **_ERRORS})
    def get(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        return Response(CaseEventSerializer(case_history(case=case), many=True).data)


class CaseTransitionApi(APIView):
    """Run one transition. The body holds ``note`` and the transition's own fields (see each name below)."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, help_text=_("说明或理由"))
        station = serializers.CharField(required=False, help_text="triage, transfer: organization code")
        branch = serializers.CharField(required=False, help_text="dispatch_to_branch: branch outlet code")
        reason = serializers.CharField(required=False, help_text="reject: not_labor_dispute | outside_jurisdiction | duplicate")
        mediator = serializers.CharField(required=False, help_text="accept: mediator username (optional)")
        amount_agreed = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
        amount_paid = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
        amount_recovered = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
        amount_awarded = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
        route = serializers.CharField(required=False, help_text="request_confirmation: arbitration_review | judicial_confirmation")
        organization = serializers.CharField(required=False, help_text="request_confirmation: commission or court code")
        document_number = serializers.CharField(required=False)
        court = serializers.CharField(required=False)
        enforcement_number = serializers.CharField(required=False)
        commission = serializers.CharField(required=False, help_text="refer_to_arbitration: commission code")
        worker_consents = serializers.BooleanField(required=False)
        arbitration_number = serializers.CharField(required=False)
        outcome = serializers.CharField(required=False)
        is_final = serializers.BooleanField(required=False)

    @extend_schema(
        parameters=[
            OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(TRANSITION_FORMS)),
        ],
        request=InputSerializer,
        responses={
            200: CaseDetailSerializer,
            400: OpenApiResponse(ErrorSerializer, description=_("请求内容有误")),
            409: OpenApiResponse(ErrorSerializer, description=_("案件当前状态不允许此操作，或已被他人抢先更新")),
            **_ERRORS,
        },
    )
    def post(self, request, case_id: int, name: str):
        case = case_get_visible(user=request.user, case_id=case_id)
        transition_guard(case=case, name=name, actor=request.user)
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("请求体应为 JSON 对象。")]})
        form = transition_form(name, case=case, data=request.data)
        if not form.is_valid():
            raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
        case_transition(
            case_id=case.pk, name=name, actor=request.user, note=form.cleaned_data["note"], payload=form.payload()
        )
        case = _detail_queryset(request.user).get(pk=case.pk)
        return Response(CaseDetailSerializer(case, context={"request": request}).data)
