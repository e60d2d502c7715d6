"""``/stats/``: the officials' statistics page, its CSV and Excel exports.

Officials see their regions, station administrators their station and its branch outlets, superusers everything;
any other staff member gets a 403 and a visitor who is not logged in is sent to the login page. Every number
comes from :mod:`stats.report` (suppression applied), every definition from :mod:`stats.definitions`.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from config.security_log import security_event
from disputes.states import Category, Channel
from organizations.models import Organization, Region
from organizations.states import Industry

from . import exports, report
from .definitions import (
    ATTRIBUTION_DEFINITION,
    DEADLINE_DEFINITION,
    FIGURES,
    FUNNEL,
    FUNNEL_DEFINITION,
    PERCENT,
    SUPPRESSION_DEFINITION,
    UNIT_LABELS,
    WARNINGS_DEFINITION,
    YUAN,
)
from .selectors import (
    Names,
    StatsFilters,
    StatsScope,
    default_period,
    stats_filters_parse,
    stats_regions_for,
    stats_scope_for,
    stats_stations_for,
)

PAGE_SERIES = ("month", "station", "industry", "category", "channel", "region")
CHARTED = ("month", "station", "industry", "category", "channel")
KEY_FIGURES = ("received", "accepted", "in_progress", "concluded", "success_rate", "recovered")


def _scope(request) -> StatsScope:
    scope = stats_scope_for(request.user)
    if not scope.allowed:
        raise PermissionDenied(_("统计页面仅供主管部门工作人员和调解站管理员使用。"))
    return scope


def scope_label(scope: StatsScope) -> str:
    """Whose cases the figures cover, in words."""
    if scope.everything:
        return _("全部地区和调解组织")
    parts = []
    if scope.region_ids:
        names = Region.objects.filter(pk__in=scope.region_ids, parent__isnull=True).values_list(
            "name", flat=True
        )
        top = list(names) or list(
            Region.objects.filter(pk__in=scope.region_ids)
            .exclude(parent_id__in=scope.region_ids)
            .values_list("name", flat=True)
        )
        parts.append(_("%(r)s（含下辖地区）") % {"r": "、".join(sorted(top))})
    stations = Organization.objects.filter(pk__in=scope.station_ids, parent__isnull=True)
    if not scope.region_ids and stations:
        parts.append(
            _("%(s)s（含网点）") % {"s": "、".join(stations.order_by("code").values_list("name", flat=True))}
        )
    return "；".join(parts)


def _filters_or_errors(request, scope) -> tuple[StatsFilters, dict]:
    try:
        return stats_filters_parse(params=request.GET, scope=scope), {}
    except ValidationError as exc:
        start, end = default_period()
        return StatsFilters(date_from=start, date_to=end), exc.message_dict


def _login_or_none(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    return None


def _chart(table: report.Table, codes: list[str]) -> dict:
    """What the page's script draws: row labels and, per column, the values (null where hidden) with the text
    shown on each bar."""
    columns = [c for c in table.columns if c.code in codes]
    return {
        "id": table.code,
        "title": table.title,
        "labels": [row.label for row in table.rows],
        "series": [
            {
                "name": c.label,
                "unit": str(UNIT_LABELS.get(c.unit, "")),
                "values": [row.cells[c.code].json() for row in table.rows],
                "texts": [row.cells[c.code].display for row in table.rows],
            }
            for c in columns
        ],
    }


def _card(figure, cell: report.Cell) -> dict:
    """A key figure's card: amounts in 万元 (ten thousand yuan, as officials report them), the exact yuan in the
    tables, the exports and the API."""
    text, unit = cell.display, UNIT_LABELS.get(figure.unit, "")
    if figure.unit == YUAN and cell.value is not None:
        text, unit = f"{cell.value / 10000:,.2f}", _("万元")
    if cell.value is None or figure.unit == PERCENT:
        unit = ""
    return {"figure": figure, "cell": cell, "text": text, "unit": unit, "key": figure.code in KEY_FIGURES}


@require_safe
def stats_page(request):
    if (redirect := _login_or_none(request)) is not None:
        return redirect
    scope = _scope(request)
    filters, errors = _filters_or_errors(request, scope)
    summary = report.summary_build(filters=filters, scope=scope)
    names = Names.load()
    tables = {
        d: report.series_build(dimension=d, filters=filters, scope=scope, names=names) for d in PAGE_SERIES
    }
    funnel = summary.funnel
    charts = [_chart(tables["month"], ["received", "concluded", "mediation_agreed"])]
    charts.append(
        {
            **_chart(funnel, ["count"]),
            "branches": [str(stage.branch) for stage in FUNNEL],
            "shares": [row.cells["share"].display for row in funnel.rows],
        }
    )
    charts += [_chart(tables[d], ["received", "concluded"]) for d in CHARTED if d != "month"]
    by_id = {**tables, "funnel": funnel}
    sections = [{"chart": chart, "table": by_id[chart["id"]]} for chart in charts]
    sections += [{"chart": None, "table": tables[d]} for d in PAGE_SERIES if d not in CHARTED]
    figures = [_card(f, summary.figures[f.code]) for f in FIGURES]
    context = {
        "filters": filters,
        "errors": errors,
        "summary": summary,
        "figures": figures,
        "sections": sections,
        "charts": charts,
        "scope_label": scope_label(scope),
        "period_label": report.period_label(filters),
        "filters_label": report.filters_label(filters),
        "regions": stats_regions_for(scope),
        "stations": stats_stations_for(scope),
        "industries": Industry.choices,
        "channels": Channel.choices,
        "categories": Category.choices,
        "presets": _presets(),
        "query": _query(filters),
        "min_cell": report.min_cell(),
        "definitions": {
            "attribution": ATTRIBUTION_DEFINITION,
            "funnel": FUNNEL_DEFINITION,
            "deadlines": DEADLINE_DEFINITION,
            "warnings": WARNINGS_DEFINITION,
            "suppression": SUPPRESSION_DEFINITION % {"n": report.min_cell()},
        },
        "now": timezone.localtime(),
    }
    return render(request, "stats/page.html", context, status=400 if errors else 200)


def _query(filters: StatsFilters) -> str:
    return urlencode(filters.params())


def _presets() -> list[tuple[str, str, str]]:
    """(label, from, to) for the usual periods."""
    today = timezone.localdate()
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    twelve_from, _to = default_period(today)
    return [
        (_("本月"), month_start.isoformat(), today.isoformat()),
        (_("上月"), last_month_end.replace(day=1).isoformat(), last_month_end.isoformat()),
        (_("今年"), today.replace(month=1, day=1).isoformat(), today.isoformat()),
        (
            _("去年"),
            today.replace(year=today.year - 1, month=1, day=1).isoformat(),
            today.replace(year=today.year - 1, month=12, day=31).isoformat(),
        ),
        (_("近 12 个月"), twelve_from.isoformat(), today.isoformat()),
    ]


def _export(request):
    scope = _scope(request)
    try:
        filters = stats_filters_parse(params=request.GET, scope=scope)
    except ValidationError as exc:
        message = "；".join(m for messages in exc.message_dict.values() for m in messages)
        return None, HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    summary = report.summary_build(filters=filters, scope=scope)
    names = Names.load()
    tables = [
        report.series_build(dimension=d, filters=filters, scope=scope, names=names) for d in PAGE_SERIES
    ]
    return exports.sections(summary=summary, tables=tables, scope_label=scope_label(scope)), None


def _filename(extension: str) -> str:
    return f"onestop-stats-{timezone.localdate():%Y%m%d}.{extension}"


@require_safe
def stats_export_csv(request):
    if (redirect := _login_or_none(request)) is not None:
        return redirect
    parts, error = _export(request)
    if error is not None:
        return error
    response = HttpResponse(exports.csv_bytes(parts), content_type="text/csv; charset=utf-8")
    security_event("stats_export", actor=request.user, object_type="stats.summary", format="csv")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


@require_safe
def stats_export_xlsx(request):
    if (redirect := _login_or_none(request)) is not None:
        return redirect
    parts, error = _export(request)
    if error is not None:
        return error
    response = HttpResponse(
        exports.xlsx_bytes(parts),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    security_event("stats_export", actor=request.user, object_type="stats.summary", format="xlsx")
    return response
