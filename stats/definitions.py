"""What each figure officials read means: the one place the page, the API and the exports take them from.

Three layers, each declared here as data:

- **Snapshot fields** (:class:`stats.models.CaseSnapshot`): per case, the dates and amounts its history gives
  (computed by :func:`stats.facts.snapshot_for`).
- **Measures** (:data:`MEASURES`): the sums stored in the summary tables. Each adds, for every case, a snapshot
  value (or 1) on the day named by one of the snapshot's date fields. The incremental path (each case change) and
  the full rebuild (SQL) are both generated from this list, so they cannot disagree on what a measure is.
- **Figures** (:data:`FIGURES`): what a person reads, computed from the measures, with its label, unit, plain
  definition and the count that decides whether it is shown (small-cell suppression, :mod:`stats.report`).

Attribution: every figure is counted for the case's *current* region, mediation organization, industry, channel
and categories. A case transferred to another station is counted wholly at the new one; a correction of its
industry moves it too. Days are calendar days in ``settings.TIME_ZONE``.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from disputes.deadlines import EXTEND_EVENT
from disputes.states import CaseStatus, Category, Channel
from organizations.states import Industry

S = CaseStatus

# --- What the history says -------------------------------------------------------------------------------------
# The transitions that end a mediation: an agreement, a recorded failure, or (from in_mediation) the worker going
# to arbitration, which LDMAL Art. 14 treats as mediation not reaching agreement.
MEDIATION_END_TRANSITIONS = ("record_agreement", "record_failure")
# The transitions that record money actually paid to the worker (the case's amount_paid).
PAYMENT_TRANSITIONS = ("record_fulfilment", "close_enforcement")
# The arbitration commission's award, a history event of the arbitration app (arbitration/events.py).
AWARD_EVENT = "award_recorded"
# History events (besides transitions and the filing) after which a case's figures may change.
RECOMPUTE_EVENTS = ("routing_correct", AWARD_EVENT, EXTEND_EVENT)

# Days to close above this are counted together ("more than a year") in the median's histogram; the average
# uses the exact number of days.
CLOSE_DAYS_CAP = 366


@dataclass(frozen=True)
class Measure:
    """A sum stored per cell of the summary tables: for each case, ``value`` (a snapshot integer field, or 1)
    counted on the day in snapshot field ``on`` (no day: not counted)."""

    code: str
    on: str
    value: str | int


MEASURES: tuple[Measure, ...] = (
    # On the day the claim was filed.
    Measure("received", "received_on", 1),
    Measure("claimed_fen", "received_on", "claimed_fen"),
    # The outcome funnel of the cases filed that day (how far each has got so far).
    Measure("f_accepted", "received_on", "was_accepted"),
    Measure("f_mediation", "received_on", "was_mediated"),
    Measure("f_agreed", "received_on", "was_agreed"),
    Measure("f_paid", "received_on", "was_paid"),
    Measure("f_arbitration", "received_on", "was_referred"),
    Measure("f_arb_accepted", "received_on", "was_arb_accepted"),
    Measure("f_award", "received_on", "was_awarded"),
    Measure("f_arb_closed", "received_on", "was_arb_closed"),
    # On the day each step happened.
    Measure("accepted", "accepted_on", 1),
    Measure("mediated", "mediation_ended_on", 1),
    Measure("mediation_agreed", "mediation_ended_on", "mediation_success"),
    Measure("agreed_fen", "agreed_on", "agreed_fen"),
    Measure("paid", "paid_on", "was_paid"),
    Measure("recovered_fen", "paid_on", "paid_fen"),
    Measure("concluded", "concluded_on", 1),
    Measure("concluded_closed", "concluded_on", "is_closed"),
    Measure("concluded_withdrawn", "concluded_on", "is_withdrawn"),
    Measure("concluded_rejected", "concluded_on", "is_rejected"),
    Measure("close_days_sum", "concluded_on", "close_days"),
    Measure("arb_referred", "referred_on", 1),
    Measure("arb_accepted", "arb_accepted_on", 1),
    Measure("arb_closed", "arb_closed_on", 1),
)
MEASURE_CODES: tuple[str, ...] = tuple(m.code for m in MEASURES)
SNAPSHOT_DATE_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(m.on for m in MEASURES))
SNAPSHOT_VALUE_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(m.value for m in MEASURES if isinstance(m.value, str))
)

# --- Dimensions -----------------------------------------------------------------------------------------------
# Categories as bits of the snapshot's ``categories`` (the order of the codes, which are only ever appended to).
CATEGORY_BITS: dict[str, int] = {code: 1 << i for i, code in enumerate(Category.values)}

# The summary tables hold several cuts ("levels") of the same sums, so a question is answered from the smallest
# one that has what it asks for. Region and station are in every level (every scope and filter uses them).
LEVEL_REGION_STATION = 0
LEVEL_INDUSTRY = 1
LEVEL_CHANNEL = 2
LEVEL_CATEGORY = 3
LEVEL_FULL = 4
LEVEL_DIMENSIONS: dict[int, tuple[str, ...]] = {
    LEVEL_REGION_STATION: (),
    LEVEL_INDUSTRY: ("industry",),
    LEVEL_CHANNEL: ("channel",),
    LEVEL_CATEGORY: ("category",),
    LEVEL_FULL: ("industry", "channel", "category"),
}
ALL = ""  # the value of a dimension a level does not split by (and, for category, "any category")


def level_for(dimensions: set[str]) -> int:
    """The smallest level holding every one of ``dimensions`` (of industry, channel, category)."""
    dimensions = dimensions & {"industry", "channel", "category"}
    if len(dimensions) > 1:
        return LEVEL_FULL
    if not dimensions:
        return LEVEL_REGION_STATION
    return {"industry": LEVEL_INDUSTRY, "channel": LEVEL_CHANNEL, "category": LEVEL_CATEGORY}[
        dimensions.pop()
    ]


GRAIN_DAY, GRAIN_MONTH, GRAIN_YEAR = "d", "m", "y"
GRAINS = (GRAIN_DAY, GRAIN_MONTH, GRAIN_YEAR)

# Deadline outcomes kept per deadline (see stats.facts.deadline_outcome); "not counted" is not kept.
DEADLINE_ON_TIME, DEADLINE_LATE, DEADLINE_OPEN = "on_time", "late", "open"
DEADLINE_OUTCOMES = (DEADLINE_ON_TIME, DEADLINE_LATE, DEADLINE_OPEN)


# --- Figures ----------------------------------------------------------------------------------------------------
COUNT, YUAN, PERCENT, DAYS = "count", "yuan", "percent", "days"
UNIT_LABELS = {COUNT: _("件"), YUAN: _("元"), PERCENT: "%", DAYS: _("天")}


@dataclass(frozen=True)
class Figure:
    """One figure as a person reads it. ``base``: the measure (or derived count) whose size decides whether the
    figure may be shown (fewer than ``STATS_MIN_CELL`` cases: suppressed)."""

    code: str
    label: str
    unit: str
    definition: str
    base: str
    group: str = "cases"


RECEIVED_DEF = _(
    "统计期内提交或登记的申请件数（按提交日期）。包括后来撤回、不予受理或作为重复申请并入其他案件的申请。"
)
FIGURES: tuple[Figure, ...] = (
    Figure("received", _("收案"), COUNT, RECEIVED_DEF, "received"),
    Figure(
        "accepted",
        _("受理"),
        COUNT,
        _("统计期内被调解组织受理的件数（按首次受理日期）。同一案件转到其他调解组织后再次受理的，只计一次。"),
        "accepted",
    ),
    Figure(
        "in_progress",
        _("在办"),
        COUNT,
        _(
            "统计期末尚未办结的件数：截至期末已收到、且期末时尚未结案、撤回或不予受理的案件（包括在仲裁、确认、"
            "执行阶段的案件）。"
        ),
        "in_progress",
    ),
    Figure(
        "concluded",
        _("办结"),
        COUNT,
        _("统计期内办结的件数（按办结日期）：结案、劳动者撤回和不予受理之和。"),
        "concluded",
    ),
    Figure(
        "concluded_closed",
        _("其中：结案"),
        COUNT,
        _("办结中以结案告终的件数：协议履行完毕后结案、执行终结、仲裁结案或仲裁不予受理。"),
        "concluded_closed",
    ),
    Figure(
        "concluded_withdrawn",
        _("其中：撤回"),
        COUNT,
        _("办结中由劳动者撤回的件数（含作为重复申请并入其他案件而撤回的）。"),
        "concluded_withdrawn",
    ),
    Figure(
        "concluded_rejected",
        _("其中：不予受理"),
        COUNT,
        _("办结中调解组织不予受理的件数（不属于劳动争议、不属于受理范围、重复申请）。"),
        "concluded_rejected",
    ),
    Figure(
        "mediated",
        _("调解终结"),
        COUNT,
        _(
            "统计期内调解结束的件数（按结束日期）：达成调解协议、记录调解不成，或调解中劳动者申请转仲裁"
            "（视为未达成协议）。调解中撤回的不计入。"
        ),
        "mediated",
        "mediation",
    ),
    Figure(
        "mediation_agreed",
        _("调解成功"),
        COUNT,
        _("调解终结中达成调解协议的件数。协议之后是否履行、是否经仲裁审查或司法确认，不影响是否成功。"),
        "mediation_agreed",
        "mediation",
    ),
    Figure(
        "success_rate",
        _("调解成功率"),
        PERCENT,
        _("调解成功数 ÷ 调解终结数。"),
        "mediated",
        "mediation",
    ),
    Figure(
        "arb_referred",
        _("转仲裁"),
        COUNT,
        _(
            "统计期内移送劳动人事争议仲裁委员会的件数（按移送日期；调解不成后转仲裁和未经调解直接转仲裁均计入）。"
        ),
        "arb_referred",
        "mediation",
    ),
    Figure(
        "claimed",
        _("请求金额"),
        YUAN,
        _("统计期内收到的申请中劳动者请求的金额合计（按提交日期）。"),
        "received",
        "money",
    ),
    Figure(
        "agreed",
        _("协议金额"),
        YUAN,
        _("统计期内达成的调解协议约定支付的金额合计（按达成协议日期）。"),
        "mediation_agreed",
        "money",
    ),
    Figure(
        "recovered",
        _("挽回经济损失（实际支付）"),
        YUAN,
        _(
            "统计期内登记为已实际支付给劳动者的金额合计（按登记日期）：调解协议履行完毕时登记的实付金额，"
            "以及法院强制执行终结时执行到位的金额。只约定、尚未支付的金额不计入。"
        ),
        "paid",
        "money",
    ),
    Figure(
        "paid",
        _("实际支付件数"),
        COUNT,
        _("统计期内登记了实际支付金额（大于零）的件数。"),
        "paid",
        "money",
    ),
    Figure(
        "avg_days",
        _("平均办结天数"),
        DAYS,
        _("统计期内结案的案件，自提交之日至结案之日的自然日天数的平均值。撤回和不予受理的不计入。"),
        "concluded_closed",
        "time",
    ),
    Figure(
        "median_days",
        _("办结天数中位数"),
        DAYS,
        _(
            "同一批结案案件天数的中位数：按天数排序后居中的一件；件数为偶数时取居中两件的平均值。"
            "超过 365 天的合并计为“365 天以上”。"
        ),
        "concluded_closed",
        "time",
    ),
)
FIGURE_BY_CODE: dict[str, Figure] = {f.code: f for f in FIGURES}

# The columns of every breakdown table (by month, industry, station, category, channel, region).
SERIES_COLUMNS: tuple[str, ...] = (
    "received",
    "accepted",
    "concluded",
    "mediated",
    "mediation_agreed",
    "success_rate",
    "arb_referred",
    "claimed",
    "agreed",
    "recovered",
    "avg_days",
)

DEADLINE_DEFINITION = _(
    "在统计期内届满、且届满日已过的法定期限中，在届满日当天或之前完成的比例（按期率）。"
    "逾期包括：届满后才完成的；届满时仍未完成、现在仍在计算的；以及届满后才因撤回等离开该阶段的。"
    "届满前案件已离开该阶段（例如受理前撤回）的期限不计入。"
)
WARNINGS_DEFINITION = _(
    "群体性劳动争议预警：当前尚未办结（待签收或处置中）的预警数，以及统计期内新发出的预警数。"
    "预警按地区发出，只随地区筛选变化，不随调解组织、行业、渠道和争议类别筛选变化。"
)
FUNNEL_DEFINITION = _(
    "统计期内收到的申请（按提交日期）截至现在走到了哪一步：受理、进入调解、达成调解协议、实际支付；"
    "或转仲裁、仲裁立案、作出仲裁裁决、仲裁结案（裁决、仲裁调解、撤诉、不予受理等）。比例均以收案数为分母。"
)
SUPPRESSION_DEFINITION = _(
    "为避免通过小单位、小类别识别到具体的人，少于 %(n)d 件的格子显示为“<%(n)d”，由其计算的金额、比例和天数也不显示；"
    "一列中只有一个格子被隐藏时，再隐藏一个最小的格子，以免从合计中推算出来。导出文件同样处理。"
)
ATTRIBUTION_DEFINITION = _(
    "每件案件计入其当前的地区（劳动合同履行地）、调解组织、行业、来源渠道和争议类别：转到其他调解组织的案件"
    "整件计入新的调解组织，按调解组织筛选时包括其下属网点。一件案件有几项争议类别，按类别分列时在每一类中各计一次，"
    "因此各类别之和可能大于合计。日期均按北京时间的自然日。"
)


@dataclass(frozen=True)
class FunnelStage:
    code: str
    measure: str
    label: str
    branch: str  # "mediation" or "arbitration"


FUNNEL: tuple[FunnelStage, ...] = (
    FunnelStage("filed", "received", _("收案"), "mediation"),
    FunnelStage("accepted", "f_accepted", _("受理"), "mediation"),
    FunnelStage("mediation", "f_mediation", _("进入调解"), "mediation"),
    FunnelStage("agreed", "f_agreed", _("达成调解协议"), "mediation"),
    FunnelStage("paid", "f_paid", _("实际支付"), "mediation"),
    FunnelStage("arbitration", "f_arbitration", _("转仲裁"), "arbitration"),
    FunnelStage("arb_accepted", "f_arb_accepted", _("仲裁立案"), "arbitration"),
    FunnelStage("award", "f_award", _("作出裁决"), "arbitration"),
    FunnelStage("arb_closed", "f_arb_closed", _("仲裁结案"), "arbitration"),
)


@dataclass(frozen=True)
class SeriesDimension:
    code: str
    label: str
    level_dimension: str | None  # the fact column it groups by (None: by month)


SERIES: dict[str, SeriesDimension] = {
    "month": SeriesDimension("month", _("按月份"), None),
    "industry": SeriesDimension("industry", _("按行业"), "industry"),
    "station": SeriesDimension("station", _("按调解组织"), "station_id"),
    "category": SeriesDimension("category", _("按争议类别"), "category"),
    "channel": SeriesDimension("channel", _("按来源渠道"), "channel"),
    "region": SeriesDimension("region", _("按地区"), "region_id"),
}
SERIES_DIMENSIONS = (*SERIES, "funnel")

# Labels of the dimension values that are choices.
CHOICE_LABELS = {
    "industry": dict(Industry.choices),
    "channel": dict(Channel.choices),
    "category": dict(Category.choices),
}


def definitions() -> list[dict]:
    """Every figure's code, label, unit and definition, as the page, the API and the exports show them."""
    return [
        {"code": f.code, "label": str(f.label), "unit": f.unit, "definition": str(f.definition)}
        for f in FIGURES
    ]
