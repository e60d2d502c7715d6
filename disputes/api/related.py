"""Staff API for related cases and group-dispute early warnings: one view per operation, each starting from a
scoped selector and writing through a service (:mod:`disputes.related`, :mod:`disputes.warnings`).

Routes (included from ``config/api_urls.py`` at ``/api/v1/``)::

    GET  cases/{case_id}/related/                       the case's probable duplicates
    POST cases/{case_id}/related/{link_id}/merge/       merge (the other case is closed as a duplicate)
    POST cases/{case_id}/related/{link_id}/dismiss/     not a duplicate
    GET  warnings/                                      officials: the warnings of their regions
    POST warnings/{warning_id}/acknowledge/             take in hand
    POST warnings/{warning_id}/assign/                  name a coordinator
    POST warnings/{warning_id}/close/                   close with a note
"""

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses, request_object

from ..models import GroupWarning, RelatedCaseLink
from ..models.related import GroupWarningStatus
from ..related import (
    related_case_dismiss,
    related_case_merge,
    related_link_get_for_case,
    related_links_for_case,
)
from ..selectors import case_get_visible, case_list_visible_to
from ..warnings import (
    group_warning_acknowledge,
    group_warning_assign_coordinator,
    group_warning_close,
    group_warning_list_visible_to,
)

_CASE_NOT_VISIBLE = "案件不存在或不在您的职责范围内，或该记录不属于此案件"
_WARNING_NOT_VISIBLE = "预警不存在或不在您主管的区域内"


# --- Related cases -------------------------------------------------------------------------------------------
class RelatedCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    status = serializers.CharField()
    station = serializers.CharField(allow_null=True, help_text="调解组织代码")
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "RelatedCaseSummary"


class RelatedLinkSerializer(serializers.Serializer):
    """One probable duplicate as seen from the case in the path."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RelatedCaseLink._meta.get_field("status").choices)
    reason = serializers.ChoiceField(
        choices=RelatedCaseLink._meta.get_field("reason").choices, help_text="同一劳动者的依据"
    )
    employer_match = serializers.ChoiceField(
        choices=RelatedCaseLink._meta.get_field("employer_match").choices, help_text="同一单位的依据"
    )
    other_case = RelatedCaseSerializer(help_text="另一件案件（即使不在您的范围内也列出查询码和状态）")
    other_case_visible = serializers.BooleanField(help_text="您能否打开另一件案件")
    may_decide = serializers.BooleanField(help_text="您现在能否合并或排除")
    kept_case = serializers.CharField(allow_null=True, help_text="合并后保留的案件查询码")
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "RelatedCaseLink"


def _link_data(row: dict) -> dict:
    link, other = row["link"], row["other"]
    return {
        "id": link.pk,
        "status": link.status,
        "reason": link.reason,
        "employer_match": link.employer_match,
        "other_case": {
            "id": other.pk,
            "tracking_code": other.tracking_code,
            "status": other.status,
            "station": other.station.code if other.station_id else None,
            "created_at": other.created_at,
        },
        "other_case_visible": row["other_visible"],
        "may_decide": row["may_decide"],
        "kept_case": link.kept_case.tracking_code if link.kept_case_id else None,
        "decided_by": link.decided_by.get_username() if link.decided_by_id else None,
        "decided_at": link.decided_at,
        "note": link.note,
        "created_at": link.created_at,
    }


def _one_link(*, case, link_id: int, user) -> dict:
    return next(
        _link_data(row) for row in related_links_for_case(case=case, user=user) if row["link"].pk == link_id
    )


class CaseRelatedListApi(APIView):
    """The case's probable duplicates (the same worker against the same employer), newest first."""

    @extend_schema(
        operation_id="case_related_list",
        tags=["related cases"],
        responses={
            200: RelatedLinkSerializer(many=True),
            **error_responses(401, 403, 404, s404="案件不存在或不在您的职责范围内"),
        },
    )
    def get(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        rows = related_links_for_case(case=case, user=request.user)
        return Response(RelatedLinkSerializer([_link_data(r) for r in rows], many=True).data)


class CaseRelatedMergeApi(APIView):
    """Merge two probable duplicates: the kept case (by default the earlier) goes on; the other is rejected as a
    duplicate (while assigned, by its station's administrator) or withdrawn, with a note naming the kept case.
    Both histories stay whole and each records the merge."""

    class InputSerializer(serializers.Serializer):
        keep_case_id = serializers.IntegerField(
            required=False, help_text="保留的案件 id（两件之一；不填则保留较早提交的）"
        )
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text="说明")

        class Meta:
            ref_name = "RelatedCaseMerge"

    @extend_schema(
        operation_id="case_related_merge",
        tags=["related cases"],
        request=InputSerializer,
        responses={
            200: RelatedLinkSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s403="只有承办其中一件案件的工作人员可以合并；关闭重复案件还须有该案件相应操作的权限",
                s404=_CASE_NOT_VISIBLE,
                s409="该记录已处理，或重复案件的状态已不允许关闭",
            ),
        },
    )
    def post(self, request, case_id: int, link_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        link = related_link_get_for_case(case=case, link_id=link_id)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        related_case_merge(
            link_id=link.pk,
            actor=request.user,
            keep_case_id=serializer.validated_data.get("keep_case_id"),
            note=serializer.validated_data.get("note", ""),
        )
        return Response(RelatedLinkSerializer(_one_link(case=case, link_id=link.pk, user=request.user)).data)


class CaseRelatedDismissApi(APIView):
    """Record that the two cases are not one dispute; neither case changes."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text="说明")

        class Meta:
            ref_name = "RelatedCaseDismiss"

    @extend_schema(
        operation_id="case_related_dismiss",
        tags=["related cases"],
        request=InputSerializer,
        responses={
            200: RelatedLinkSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s403="只有承办其中一件案件的工作人员可以排除",
                s404=_CASE_NOT_VISIBLE,
                s409="该记录已处理",
            ),
        },
    )
    def post(self, request, case_id: int, link_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        link = related_link_get_for_case(case=case, link_id=link_id)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        related_case_dismiss(
            link_id=link.pk, actor=request.user, note=serializer.validated_data.get("note", "")
        )
        return Response(RelatedLinkSerializer(_one_link(case=case, link_id=link.pk, user=request.user)).data)


# --- Group-dispute warnings ------------------------------------------------------------------------------------
class GroupWarningSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="区域代码")
    cases = serializers.SerializerMethodField(help_text="涉及案件的查询码（仅列出您可查看的）")
    case_total = serializers.IntegerField(help_text="涉及案件总数")
    risk_reports = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="风险信息报告 id")
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    coordinator = serializers.SlugRelatedField(slug_field="username", read_only=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = GroupWarning
        ref_name = "GroupWarning"
        fields = [
            "id",
            "region",
            "employer_name",
            "employer_credit_code",
            "trigger",
            "min_cases",
            "window_days",
            "status",
            "case_total",
            "cases",
            "risk_reports",
            "opened_at",
            "acknowledged_by",
            "acknowledged_at",
            "coordinator",
            "coordinator_assigned_at",
            "closed_by",
            "closed_at",
            "note",
        ]

    def get_cases(self, obj) -> list[str]:
        request = self.context["request"]
        return list(
            case_list_visible_to(user=request.user)
            .filter(group_warnings=obj)
            .order_by("created_at", "id")
            .values_list("tracking_code", flat=True)
        )


def _warnings_for(user):
    return (
        group_warning_list_visible_to(user=user)
        .annotate(case_total=Count("cases", distinct=True))
        .prefetch_related("risk_reports")
    )


def _warning_get_visible(*, user, warning_id: int) -> GroupWarning:
    try:
        return _warnings_for(user).get(pk=warning_id)
    except GroupWarning.DoesNotExist:
        raise Http404(_("未找到该预警。")) from None


def _warning_answer(request, warning_id: int) -> Response:
    warning = _warning_get_visible(user=request.user, warning_id=warning_id)
    return Response(GroupWarningSerializer(warning, context={"request": request}).data)


class GroupWarningListApi(ListAPIView):
    """Group-dispute early warnings of the regions the caller oversees (officials; empty for everyone else),
    newest first."""

    serializer_class = GroupWarningSerializer

    def get_queryset(self):
        qs = _warnings_for(self.request.user).order_by("-opened_at", "-id")
        status = self.request.query_params.get("status")
        if status:
            if status not in GroupWarningStatus.values:
                raise ValidationError({"status": [_("未知的状态。")]})
            qs = qs.filter(status=status)
        return qs

    @extend_schema(
        operation_id="group_warning_list",
        tags=["warnings"],
        parameters=[
            OpenApiParameter(
                "status", str, OpenApiParameter.QUERY, required=False, enum=GroupWarningStatus.values
            )
        ],
        responses={
            200: GroupWarningSerializer(many=True),
            **error_responses(400, 401, 403, 404, s404="页码超出范围"),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class _NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text="说明")

    class Meta:
        ref_name = "GroupWarningNote"


_WARNING_ERRORS = {
    "s403": "无权处理预警",
    "s404": _WARNING_NOT_VISIBLE,
    "s409": "预警已办结",
}


class GroupWarningAcknowledgeApi(APIView):
    """Take an open warning in hand. Acknowledged already: unchanged (200); closed: 409."""

    @extend_schema(
        operation_id="group_warning_acknowledge",
        tags=["warnings"],
        request=_NoteInput,
        responses={
            200: GroupWarningSerializer,
            **error_responses(400, 401, 403, 404, 409, 415, **_WARNING_ERRORS),
        },
    )
    def post(self, request, warning_id: int):
        warning = _warning_get_visible(user=request.user, warning_id=warning_id)
        serializer = _NoteInput(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        group_warning_acknowledge(
            warning_id=warning.pk, actor=request.user, note=serializer.validated_data.get("note", "")
        )
        return _warning_answer(request, warning.pk)


class GroupWarningAssignApi(APIView):
    """Name the coordinator of the response (acknowledging the warning on the way). Closed: 409."""

    class InputSerializer(serializers.Serializer):
        coordinator = serializers.CharField(help_text="协调人用户名")
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text="说明")

        class Meta:
            ref_name = "GroupWarningAssign"

    @extend_schema(
        operation_id="group_warning_assign",
        tags=["warnings"],
        request=InputSerializer,
        responses={
            200: GroupWarningSerializer,
            **error_responses(400, 401, 403, 404, 409, 415, **_WARNING_ERRORS),
        },
    )
    def post(self, request, warning_id: int):
        warning = _warning_get_visible(user=request.user, warning_id=warning_id)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        coordinator = (
            get_user_model()
            .objects.filter(username=serializer.validated_data["coordinator"], is_active=True, is_staff=True)
            .first()
        )
        if coordinator is None:
            raise ValidationError({"coordinator": [_("没有这个工作人员。")]})
        group_warning_assign_coordinator(
            warning_id=warning.pk,
            actor=request.user,
            coordinator=coordinator,
            note=serializer.validated_data.get("note", ""),
        )
        return _warning_answer(request, warning.pk)


class GroupWarningCloseApi(APIView):
    """Close a warning with a note of how it ended (required). Closed already: 409."""

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=2000, help_text="处置情况（必填）")

        class Meta:
            ref_name = "GroupWarningClose"

    @extend_schema(
        operation_id="group_warning_close",
        tags=["warnings"],
        request=InputSerializer,
        responses={
            200: GroupWarningSerializer,
            **error_responses(400, 401, 403, 404, 409, 415, **_WARNING_ERRORS),
        },
    )
    def post(self, request, warning_id: int):
        warning = _warning_get_visible(user=request.user, warning_id=warning_id)
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        group_warning_close(warning_id=warning.pk, actor=request.user, note=serializer.validated_data["note"])
        return _warning_answer(request, warning.pk)


urlpatterns = [
    path("cases/<int:case_id>/related/", CaseRelatedListApi.as_view(), name="api-case-related"),
    path(
        "cases/<int:case_id>/related/<int:link_id>/merge/",
        CaseRelatedMergeApi.as_view(),
        name="api-case-related-merge",
    ),
    path(
        "cases/<int:case_id>/related/<int:link_id>/dismiss/",
        CaseRelatedDismissApi.as_view(),
        name="api-case-related-dismiss",
    ),
    path("warnings/", GroupWarningListApi.as_view(), name="api-warning-list"),
    path(
        "warnings/<int:warning_id>/acknowledge/",
        GroupWarningAcknowledgeApi.as_view(),
        name="api-warning-acknowledge",
    ),
    path("warnings/<int:warning_id>/assign/", GroupWarningAssignApi.as_view(), name="api-warning-assign"),
    path("warnings/<int:warning_id>/close/", GroupWarningCloseApi.as_view(), name="api-warning-close"),
]
