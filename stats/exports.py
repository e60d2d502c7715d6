"""CSV and Excel files of the statistics: the same tables as the page, suppressed cells as "<N" or "*" (never the
exact count), the definitions included. One layout (:func:`sections`) for both formats."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .definitions import (
    ATTRIBUTION_DEFINITION,
    DEADLINE_DEFINITION,
    FIGURES,
    FUNNEL_DEFINITION,
    PERCENT,
    SUPPRESSION_DEFINITION,
    UNIT_LABELS,
    WARNINGS_DEFINITION,
    YUAN,
)
from .report import Cell, Summary, Table, filters_label, min_cell, period_label


@dataclass
class Section:
    title: str
    header: list[str]
    rows: list[list]  # str, or Cell
    sheet: str


def _unit(unit: str) -> str:
    return f"（{UNIT_LABELS[unit]}）" if unit in UNIT_LABELS else ""


def _table_section(table: Table, sheet: str) -> Section:
    header = [table.key_label, *(f"{c.label}{_unit(c.unit)}" for c in table.columns)]
    rows = [[row.label, *(row.cells[c.code] for c in table.columns)] for row in table.rows]
    title = table.title + (f"（{table.note}）" if table.note else "")
    return Section(title, header, rows, sheet)


def sections(*, summary: Summary, tables: list[Table], scope_label: str) -> list[Section]:
    meta = Section(
        _("劳动争议调处统计"),
        [_("项目"), _("内容")],
        [
            [_("统计期"), period_label(summary.filters)],
            [_("筛选条件"), filters_label(summary.filters)],
            [_("统计范围"), scope_label],
            [_("生成时间"), timezone.localtime(summary.generated_at).strftime("%Y-%m-%d %H:%M")],
            [_("小格子隐藏"), str(SUPPRESSION_DEFINITION % {"n": min_cell()})],
        ],
        _("概要"),
    )
    figures = Section(
        _("主要指标"),
        [_("指标"), _("数值"), _("单位"), _("口径")],
        [
            [str(f.label), summary.figures[f.code], str(UNIT_LABELS.get(f.unit, "")), str(f.definition)]
            for f in FIGURES
        ],
        _("主要指标"),
    )
    if summary.warnings.applicable:
        figures.rows.append([_("群体性争议预警（未办结）"), Cell(summary.warnings.open_now, str(summary.warnings.open_now)), _("件"), str(WARNINGS_DEFINITION)])  # fmt: skip
        figures.rows.append([_("群体性争议预警（统计期内发出）"), Cell(summary.warnings.raised, str(summary.warnings.raised)), _("件"), ""])  # fmt: skip
    out = [meta, figures]
    deadlines = _table_section(summary.deadlines, _("法定期限"))
    deadlines.title += f"：{DEADLINE_DEFINITION}"
    funnel = _table_section(summary.funnel, _("办理结果漏斗"))
    funnel.title += f"：{FUNNEL_DEFINITION}"
    out += [deadlines, funnel]
    out += [_table_section(t, t.title.removeprefix(_("按"))) for t in tables]
    out.append(
        Section(
            _("口径说明"),
            [_("指标"), _("口径")],
            [[str(f.label), str(f.definition)] for f in FIGURES]
            + [
                [_("归属"), str(ATTRIBUTION_DEFINITION)],
                [_("办理结果漏斗"), str(FUNNEL_DEFINITION)],
                [_("法定期限按期率"), str(DEADLINE_DEFINITION)],
                [_("群体性争议预警"), str(WARNINGS_DEFINITION)],
                [_("小格子隐藏"), str(SUPPRESSION_DEFINITION % {"n": min_cell()})],
            ],
            _("口径说明"),
        )
    )
    return out


def _plain(value) -> str:
    if isinstance(value, Cell):
        return value.display if value.suppressed or value.value is None else _number_text(value)
    return str(value)


def _number_text(cell: Cell) -> str:
    # Exact, without thousands separators, so a spreadsheet reads it as a number.
    value = cell.value
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def csv_bytes(parts: list[Section]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel opens the Chinese correctly); sections separated by a blank line."""
    out = io.StringIO()
    writer = csv.writer(out)
    for part in parts:
        writer.writerow([part.title])
        writer.writerow(part.header)
        for row in part.rows:
            writer.writerow([_plain(v) for v in row])
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(parts: list[Section]) -> bytes:
    """One sheet per section; numbers as numbers (money with two decimals), suppressed cells as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for part in parts:
        sheet = workbook.create_sheet(part.sheet[:31])
        sheet.append([part.title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(part.header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in part.rows:
            sheet.append([_xlsx_value(v) for v in row])
            for column, value in enumerate(row, start=1):
                if isinstance(value, Cell) and value.value is not None and not value.suppressed:
                    target = sheet.cell(row=sheet.max_row, column=column)
                    header = part.header[column - 1]
                    if str(UNIT_LABELS[YUAN]) in header:
                        target.number_format = "#,##0.00"
                    elif str(UNIT_LABELS[PERCENT]) in header or isinstance(value.value, float):
                        target.number_format = "0.0"
                    else:
                        target.number_format = "#,##0"
        for index, _header in enumerate(part.header, start=1):
            width = (
                max(len(str(_plain(c.value))) for c in sheet[get_column_letter(index)][1:])
                if sheet.max_row > 1
                else 10
            )
            sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, width * 2 + 2))
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "B3"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_value(value):
    if isinstance(value, Cell):
        if value.suppressed or value.value is None:
            return value.display
        return float(value.value) if not isinstance(value.value, int) else value.value
    return value
