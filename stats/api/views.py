"""Statistics API for officials' systems: the same figures, breakdowns and definitions as ``/stats/``, scoped to
the caller (officials their regions, station administrators their station and branch outlets), small cells
suppressed (``value`` null, ``suppressed`` true, ``display`` "<5").

Routes (included from ``config/api_urls.py`` at ``/api/v1/stats/``)::

    GET summary/                 key figures, deadline compliance, the outcome funnel, group-dispute warnings
    GET series/{dimension}/      a breakdown: month, industry, station, category, channel, region, funnel
    GET definitions/             what every figure means
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses
from disputes.states import Category, Channel
from organizations.states import Industry

from .. import report
from ..definitions import (
    ATTRIBUTION_DEFINITION,
    COUNT,
    DAYS,
    DEADLINE_DEFINITION,
    FUNNEL_DEFINITION,
    PERCENT,
    SERIES_DIMENSIONS,
    SUPPRESSION_DEFINITION,
    WARNINGS_DEFINITION,
    YUAN,
    definitions,
)
from ..selectors import StatsScope, stats_filters_parse, stats_scope_for

UNITS = [COUNT, YUAN, PERCENT, DAYS]

FILTER_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=False,
                     description="统计期开始日期（含），YYYY-MM-DD；默认 11 个月前的月初"),
    OpenApiParameter("to", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=False,
                     description="统计期结束日期（含），YYYY-MM-DD；默认今天"),
    OpenApiParameter("region", str, OpenApiParameter.QUERY, required=False,
                     description="地区代码（含下辖地区）"),
    OpenApiParameter("station", str, OpenApiParameter.QUERY, required=False,
                     description="调解组织代码（含其网点）"),
    # An empty value means "all", as the /stats/ page's form sends it.
    OpenApiParameter("industry", str, OpenApiParameter.QUERY, required=False, enum=["", *Industry.values],
                     description="行业；空值表示全部"),
    OpenApiParameter("channel", str, OpenApiParameter.QUERY, required=False, enum=["", *Channel.values],
                     description="申请渠道；空值表示全部"),
    OpenApiParameter("category", str, OpenApiParameter.QUERY, required=False, enum=["", *Category.values],
                     description="争议类别；空值表示全部"),
]  # fmt: skip

_ERRORS = {
    "s400": "筛选条件有误（日期格式、代码、统计期）",
    "s403": "仅主管部门工作人员和调解站管理员可查看统计，或所选地区、调解组织不在您的范围内",
}


def _scope(request) -> StatsScope:
    scope = stats_scope_for(request.user)
    if not scope.allowed:
        raise PermissionDenied(_("统计仅供主管部门工作人员和调解站管理员查看。"))
    return scope


class TableColumnSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.ChoiceField(choices=UNITS)

    class Meta:
        ref_name = "StatsColumn"


class TableRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="月份 YYYY-MM、选项代码、组织或地区代码（空：未分派/未填写）")
    label = serializers.CharField()
    values = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="按列代码；被隐藏的小格子为 null"
    )
    display = serializers.DictField(child=serializers.CharField(), help_text="按列代码的显示文字（如 <5）")
    suppressed = serializers.ListField(child=serializers.CharField(), help_text="被隐藏的列代码")

    class Meta:
        ref_name = "StatsRow"


class StatsSeriesSerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=list(SERIES_DIMENSIONS))
    title = serializers.CharField()
    columns = TableColumnSerializer(many=True)
    rows = TableRowSerializer(many=True)
    note = serializers.CharField()

    class Meta:
        ref_name = "StatsSeries"


class FigureValueSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.ChoiceField(choices=UNITS)
    value = serializers.FloatField(
        allow_null=True, help_text="null：被隐藏的小格子，或无从计算（如分母为零）"
    )
    display = serializers.CharField()
    suppressed = serializers.BooleanField()
    definition = serializers.CharField()

    class Meta:
        ref_name = "StatsFigure"


class PeriodSerializer(serializers.Serializer):
    def get_fields(self):
        return {"from": serializers.DateField(), "to": serializers.DateField()}

    class Meta:
        ref_name = "StatsPeriod"


class GroupWarningCountsSerializer(serializers.Serializer):
    open = serializers.IntegerField(allow_null=True, help_text="当前未办结的预警；null：您不主管任何地区")
    raised = serializers.IntegerField(allow_null=True, help_text="统计期内发出的预警")

    class Meta:
        ref_name = "StatsGroupWarnings"


class StatsSummaryApi(APIView):
    """Key figures for the period and filters, within the caller's scope: received, accepted, in progress,
    concluded (closed, withdrawn, rejected), mediations concluded and the success rate, amounts claimed, agreed
    and recovered, average and median days to close, deadline compliance per legal deadline, the outcome funnel,
    group-dispute warnings. Read from summary tables kept current with every case change."""

    class OutputSerializer(serializers.Serializer):
        period = PeriodSerializer()
        filters = serializers.DictField(child=serializers.CharField(), help_text="生效的筛选条件")
        generated_at = serializers.DateTimeField()
        min_cell = serializers.IntegerField(help_text="少于该件数的格子被隐藏")
        figures = FigureValueSerializer(many=True)
        deadlines = TableRowSerializer(many=True, help_text="每项法定期限：due、on_time、overdue、share")
        funnel = TableRowSerializer(many=True, help_text="每个环节：count、share（占收案比例，%）")
        group_warnings = GroupWarningCountsSerializer()

        class Meta:
            ref_name = "StatsSummary"

    @extend_schema(
        operation_id="stats_summary",
        tags=["stats"],
        parameters=FILTER_PARAMETERS,
        responses={200: OutputSerializer, **error_responses(400, 401, 403, **_ERRORS)},
    )
    def get(self, request):
        scope = _scope(request)
        filters = _filters(request, scope)
        return Response(report.summary_build(filters=filters, scope=scope).json())


def _filters(request, scope):
    """The filters of an API call. Unlike the page's form, which sends its empty date fields, the API takes a date
    or no parameter: ``?to=`` is a 400, as the schema's date format says."""
    blank = [
        name
        for name in ("from", "to")
        if name in request.query_params and not request.query_params[name].strip()
    ]
    if blank:
        raise ValidationError({name: [_("日期格式应为 YYYY-MM-DD，例如 2026-01-31。")] for name in blank})
    return stats_filters_parse(params=request.query_params, scope=scope)


class StatsSeriesApi(APIView):
    """One breakdown of the figures (the table behind one chart of ``/stats/``): by month (every month of the
    period), industry, station (branch outlets under their station), category (a case counted under each of its
    categories), channel or region; or the outcome funnel of the cases received in the period."""

    @extend_schema(
        operation_id="stats_series",
        tags=["stats"],
        parameters=[
            OpenApiParameter("dimension", str, OpenApiParameter.PATH, enum=list(SERIES_DIMENSIONS)),
            *FILTER_PARAMETERS,
        ],
        responses={
            200: StatsSeriesSerializer,
            **error_responses(400, 401, 403, 404, s404="没有这种分类", **_ERRORS),
        },
    )
    def get(self, request, dimension: str):
        if dimension not in SERIES_DIMENSIONS:
            raise Http404(_("没有这种分类：%(d)s。") % {"d": dimension[:40]})
        scope = _scope(request)
        filters = _filters(request, scope)
        return Response(report.series_build(dimension=dimension, filters=filters, scope=scope).json())


class StatsDefinitionsApi(APIView):
    """What every figure means: the same definitions the page and the exports show."""

    class OutputSerializer(serializers.Serializer):
        class DefinitionSerializer(serializers.Serializer):
            code = serializers.CharField()
            label = serializers.CharField()
            unit = serializers.ChoiceField(choices=UNITS)
            definition = serializers.CharField()

            class Meta:
                ref_name = "StatsDefinition"

        figures = DefinitionSerializer(many=True)
        attribution = serializers.CharField()
        funnel = serializers.CharField()
        deadlines = serializers.CharField()
        group_warnings = serializers.CharField()
        suppression = serializers.CharField()

        class Meta:
            ref_name = "StatsDefinitions"

    @extend_schema(
        operation_id="stats_definitions",
        tags=["stats"],
        responses={200: OutputSerializer, **error_responses(401, 403, **_ERRORS)},
    )
    def get(self, request):
        _scope(request)
        return Response(
            {
                "figures": definitions(),
                "attribution": str(ATTRIBUTION_DEFINITION),
                "funnel": str(FUNNEL_DEFINITION),
                "deadlines": str(DEADLINE_DEFINITION),
                "group_warnings": str(WARNINGS_DEFINITION),
                "suppression": str(SUPPRESSION_DEFINITION % {"n": report.min_cell()}),
            }
        )
