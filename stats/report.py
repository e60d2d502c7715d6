"""The figures as people read them: labels, units, formatting and small-cell suppression, for the page, the API
and the exports alike.

Suppression (issue 10: no person at a small employer singled out): a count from 1 to ``STATS_MIN_CELL`` - 1 is
shown as "<N"; an amount, rate or number of days computed from fewer than N cases is not shown; and in a table
where a column has exactly one such cell, the next smallest is hidden too ("*"), so that the total cannot give it
away. The exact numbers never leave this module for a suppressed cell: the API sends ``null``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from disputes.models import DeadlineRule

from . import selectors as sel
from .definitions import (
    CHOICE_LABELS,
    CLOSE_DAYS_CAP,
    COUNT,
    DAYS,
    FIGURE_BY_CODE,
    FIGURES,
    FUNNEL,
    PERCENT,
    SERIES,
    SERIES_COLUMNS,
    YUAN,
)

HIDDEN = "*"


def min_cell() -> int:
    return max(1, int(settings.STATS_MIN_CELL))


@dataclass
class Cell:
    value: int | float | Decimal | None  # None: suppressed or not applicable
    display: str
    suppressed: bool = False

    def json(self):
        if self.value is None or isinstance(self.value, int):
            return self.value
        return float(self.value)


def _format(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == COUNT:
        return f"{value:,}"
    if unit == YUAN:
        return f"{value:,.2f}"
    if unit == PERCENT:
        return f"{value:.1f}%"
    if unit == DAYS:
        if value >= CLOSE_DAYS_CAP:
            return _("365 天以上")
        return f"{value:.1f}"
    return str(value)


def count_cell(n: int) -> Cell:
    limit = min_cell()
    if 0 < n < limit:
        return Cell(None, f"<{limit}", True)
    return Cell(n, _format(n, COUNT))


def derived_cell(value, unit: str, base: int) -> Cell:
    """A figure computed from ``base`` cases: hidden when ``base`` is a small cell."""
    limit = min_cell()
    if 0 < base < limit:
        return Cell(None, f"<{limit}" if unit == COUNT else HIDDEN, True)
    return Cell(value, _format(value, unit))


def _ratio(numerator: int, denominator: int, scale: int = 1):
    return None if not denominator else numerator * scale / denominator


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def figure_values(
    totals: dict[str, int], *, in_progress: int | None = None, median_days=None
) -> dict[str, Cell]:
    """Every figure of :data:`FIGURES` from the period's sums (``totals``), as cells."""
    raw = {
        **{code: totals[code] for code in totals},
        "in_progress": in_progress,
        "success_rate": _ratio(totals["mediation_agreed"], totals["mediated"], 100),
        "claimed": _yuan(totals["claimed_fen"]),
        "agreed": _yuan(totals["agreed_fen"]),
        "recovered": _yuan(totals["recovered_fen"]),
        "avg_days": _ratio(totals["close_days_sum"], totals["concluded_closed"]),
        "median_days": median_days,
    }
    bases = {**totals, "in_progress": in_progress or 0}
    cells = {}
    for figure in FIGURES:
        value = raw.get(figure.code)
        if figure.unit == COUNT and figure.code == figure.base:
            cells[figure.code] = count_cell(value or 0) if value is not None else Cell(None, "—")
        else:
            cells[figure.code] = derived_cell(value, figure.unit, bases.get(figure.base, 0))
    return cells


# --- Tables ------------------------------------------------------------------------------------------------------
@dataclass
class Column:
    code: str
    label: str
    unit: str


@dataclass
class Row:
    key: str
    label: str
    cells: dict[str, Cell]


@dataclass
class Table:
    code: str
    title: str
    key_label: str
    columns: list[Column]
    rows: list[Row]
    note: str = ""

    @property
    def body(self) -> list[tuple[str, list[Cell]]]:
        """Each row's label and its cells in column order (for templates)."""
        return [(row.label, [row.cells[c.code] for c in self.columns]) for row in self.rows]

    def html(self) -> str:
        """The table as HTML, escaped (pages render a dozen tables of up to hundreds of cells: a template loop
        per cell cost more than every query of the page)."""
        units = {YUAN: _("元"), DAYS: _("天")}
        head = "".join(
            f'<th scope="col" class="num">{escape(c.label)}'
            + (f'<span class="unit">（{escape(units[c.unit])}）</span>' if c.unit in units else "")
            + "</th>"
            for c in self.columns
        )
        hidden = escape(_("小格子已隐藏"))
        body = []
        for label, cells in self.body:
            tds = "".join(
                f'<td class="num suppressed" title="{hidden}">{escape(c.display)}</td>'
                if c.suppressed
                else f'<td class="num">{escape(c.display)}</td>'
                for c in cells
            )
            body.append(f'<tr><th scope="row">{escape(label)}</th>{tds}</tr>')
        if not body:
            empty = escape(_("统计期内没有数据。"))
            body.append(f'<tr><td colspan="{len(self.columns) + 1}" class="empty">{empty}</td></tr>')
        note = f'<span class="table-note">{escape(self.note)}</span>' if self.note else ""
        return mark_safe(  # noqa: S308 (every value above is escaped)  # nosec B308 B703
            f'<div class="table-wrap"><table class="stats-table" id="table-{escape(self.code)}">'
            f"<caption>{escape(self.title)}{note}</caption>"
            f'<thead><tr><th scope="col">{escape(self.key_label)}</th>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )

    def json(self) -> dict:
        return {
            "dimension": self.code,
            "title": self.title,
            "columns": [{"code": c.code, "label": c.label, "unit": c.unit} for c in self.columns],
            "rows": [
                {
                    "key": r.key,
                    "label": r.label,
                    "values": {code: cell.json() for code, cell in r.cells.items()},
                    "display": {code: cell.display for code, cell in r.cells.items()},
                    "suppressed": sorted(code for code, cell in r.cells.items() if cell.suppressed),
                }
                for r in self.rows
            ],
            "note": self.note,
        }


def protect_columns(rows: list[Row], columns: list[Column]) -> None:
    """Complementary suppression: in each count column with exactly one suppressed cell, hide the smallest other
    non-zero cell too, so the column's total does not give the suppressed one away."""
    for column in columns:
        if column.unit != COUNT:
            continue
        cells = [r.cells[column.code] for r in rows if column.code in r.cells]
        if sum(1 for c in cells if c.suppressed) != 1:
            continue
        shown = [c for c in cells if not c.suppressed and c.value]
        if shown:
            smallest = min(shown, key=lambda c: c.value)
            smallest.value, smallest.display, smallest.suppressed = None, HIDDEN, True


def _series_cells(values: dict[str, int]) -> dict[str, Cell]:
    cells = figure_values(values)
    return {code: cells[code] for code in SERIES_COLUMNS}


def _columns(codes) -> list[Column]:
    return [Column(code, str(FIGURE_BY_CODE[code].label), FIGURE_BY_CODE[code].unit) for code in codes]


def _labeller(dimension: str, names: sel.Names | None):
    """key → (the key as the API and exports give it, the label people read)."""
    if dimension == "month":
        return lambda key: (key.strftime("%Y-%m"), _("%(y)d年%(m)d月") % {"y": key.year, "m": key.month})
    if dimension == "station":
        return lambda key: (
            names.orgs[key][0] if key in names.orgs else "",
            names.orgs[key][1] if key in names.orgs else _("未分派调解组织"),
        )
    if dimension == "region":
        return lambda key: (
            names.regions[key][0] if key in names.regions else "",
            names.regions[key][1] if key in names.regions else _("未填写地区"),
        )
    labels = CHOICE_LABELS[dimension]
    return lambda key: (key, str(labels.get(key, key)))


def series_table(*, dimension: str, filters, scope, names: sel.Names | None = None) -> Table:
    """A breakdown (month, industry, station, category, channel, region) with every series column."""
    rows = []
    if dimension in ("station", "region"):
        names = names or sel.Names.load()
    label = _labeller(dimension, names)
    for item in sel.stats_series(dimension=dimension, filters=filters, scope=scope, names=names):
        key, text = label(item.key)
        rows.append(Row(key, text, _series_cells(item.values)))
    columns = _columns(SERIES_COLUMNS)
    protect_columns(rows, columns)
    note = ""
    if dimension == "category":
        note = _("一件案件有几项争议类别，就在每一类中各计一次，各行之和可能大于合计。")
    elif dimension == "station":
        note = _("网点的案件计入其所属调解站。")
    return Table(dimension, str(SERIES[dimension].label), _dimension_label(dimension), columns, rows, note)


def _dimension_label(dimension: str) -> str:
    return {
        "month": _("月份"),
        "industry": _("行业"),
        "station": _("调解组织"),
        "category": _("争议类别"),
        "channel": _("来源渠道"),
        "region": _("地区"),
        "funnel": _("环节"),
    }[dimension]


def funnel_table(totals: dict[str, int]) -> Table:
    filed = totals["received"]
    columns = [Column("count", _("件数"), COUNT), Column("share", _("占收案比例"), PERCENT)]
    rows = []
    for stage in FUNNEL:
        n = totals[stage.measure]
        count = count_cell(n)
        share = (
            derived_cell(_ratio(n, filed, 100), PERCENT, n)
            if not count.suppressed
            else Cell(None, HIDDEN, True)
        )
        if 0 < filed < min_cell():
            share = Cell(None, HIDDEN, True)
        branch = _("调解") if stage.branch == "mediation" else _("仲裁")
        rows.append(Row(stage.code, f"{branch} · {stage.label}", {"count": count, "share": share}))
    protect_columns(rows, columns)
    return Table("funnel", _("办理结果漏斗"), _dimension_label("funnel"), columns, rows)


def deadlines_table(items: list[sel.DeadlineCounts]) -> Table:
    """One row per legal deadline. Rules that state one deadline for several triggers (a station's three working
    days to accept, after triage, a transfer or a dispatch) are one row, keyed by their codes."""
    rules = {pk: (code, name) for pk, code, name in DeadlineRule.objects.values_list("id", "code", "name")}
    columns = [
        Column("due", _("已届满"), COUNT),
        Column("on_time", _("按期完成"), COUNT),
        Column("overdue", _("逾期"), COUNT),
        Column("share", _("按期率"), PERCENT),
    ]
    merged: dict[str, list] = {}  # name → [codes, on time, overdue]
    for item in items:
        code, name = rules.get(item.rule_id, (str(item.rule_id), str(item.rule_id)))
        entry = merged.setdefault(name, [[], 0, 0])
        entry[0].append(code)
        entry[1] += item.on_time
        entry[2] += item.late + item.overdue_open
    rows = []
    for name, (codes, on_time, overdue) in merged.items():
        due = on_time + overdue
        rows.append(
            Row(
                ",".join(sorted(codes)),
                name,
                {
                    "due": count_cell(due),
                    "on_time": count_cell(on_time),
                    "overdue": count_cell(overdue),
                    "share": derived_cell(_ratio(on_time, due, 100), PERCENT, due),
                },
            )
        )
    protect_columns(rows, columns)
    return Table("deadlines", _("法定期限遵守情况"), _("期限"), columns, rows)


# --- The whole report --------------------------------------------------------------------------------------------
@dataclass
class Summary:
    filters: sel.StatsFilters
    figures: dict[str, Cell]
    totals: dict[str, int] = field(repr=False)
    deadlines: Table
    funnel: Table
    warnings: sel.WarningCounts
    generated_at: object

    def json(self) -> dict:
        return {
            "period": {"from": self.filters.date_from.isoformat(), "to": self.filters.date_to.isoformat()},
            "filters": self.filters.params(),
            "generated_at": self.generated_at.isoformat(),
            "min_cell": min_cell(),
            "figures": [
                {
                    "code": f.code,
                    "label": str(f.label),
                    "unit": f.unit,
                    "value": self.figures[f.code].json(),
                    "display": self.figures[f.code].display,
                    "suppressed": self.figures[f.code].suppressed,
                    "definition": str(f.definition),
                }
                for f in FIGURES
            ],
            "deadlines": self.deadlines.json()["rows"],
            "funnel": self.funnel.json()["rows"],
            "group_warnings": {
                "open": self.warnings.open_now if self.warnings.applicable else None,
                "raised": self.warnings.raised if self.warnings.applicable else None,
            },
        }


def summary_build(*, filters: sel.StatsFilters, scope: sel.StatsScope, today: date | None = None) -> Summary:
    """The key figures, deadline compliance, the funnel and the warnings for ``filters`` within ``scope``."""
    totals = sel.stats_totals(filters=filters, scope=scope)
    in_progress = sel.stats_in_progress(filters=filters, scope=scope)
    median_days = sel.median(sel.stats_close_days(filters=filters, scope=scope))
    return Summary(
        filters=filters,
        figures=figure_values(totals, in_progress=in_progress, median_days=median_days),
        totals=totals,
        deadlines=deadlines_table(sel.stats_deadlines(filters=filters, scope=scope, today=today)),
        funnel=funnel_table(totals),
        warnings=sel.stats_warnings(filters=filters, scope=scope),
        generated_at=timezone.now(),
    )


def series_build(
    *, dimension: str, filters: sel.StatsFilters, scope: sel.StatsScope, names: sel.Names | None = None
) -> Table:
    """One breakdown, or the funnel; ``names`` (the directory, read once) may be shared between calls."""
    if dimension == "funnel":
        return funnel_table(sel.stats_totals(filters=filters, scope=scope))
    return series_table(dimension=dimension, filters=filters, scope=scope, names=names)


def period_label(filters: sel.StatsFilters) -> str:
    return _("%(a)s 至 %(b)s") % {
        "a": date_format(filters.date_from, "Y年n月j日"),
        "b": date_format(filters.date_to, "Y年n月j日"),
    }


def filters_label(filters: sel.StatsFilters) -> str:
    """The filters in words, for the page's print header and the exports."""
    parts = []
    if filters.region:
        parts.append(_("地区：%(v)s") % {"v": filters.region.name})
    if filters.station:
        parts.append(_("调解组织：%(v)s") % {"v": filters.station.name})
    for dimension, name in (("industry", _("行业")), ("channel", _("来源渠道")), ("category", _("争议类别"))):
        value = getattr(filters, dimension)
        if value:
            parts.append(f"{name}：{CHOICE_LABELS[dimension].get(value, value)}")
    return "；".join(parts) or _("全部")
