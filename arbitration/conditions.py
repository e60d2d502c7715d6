"""Pure rules of the arbitration app (no queries, no writes): whether an award is final."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from disputes.states import Category

from .states import FINAL_AWARD_MONTHS, MONEY_FINAL_CATEGORIES, STANDARD_FINAL_CATEGORIES


@dataclass(frozen=True)
class Finality:
    """``is_final`` None: the rule cannot tell (a money item and no minimum wage known for the place)."""

    is_final: bool | None
    reason: str
    threshold: Decimal | None


def _label(category: str) -> str:
    try:
        return str(Category(category).label)
    except ValueError:
        return category


def award_finality(items: list[tuple[str, Decimal]], monthly_minimum_wage: Decimal | None) -> Finality:
    """Whether an award with these (category, amount) items is final (一裁终局, LDMAL Art. 47; legal-rules.md rule 15).

    Final when every item is either a claim for pay, work-injury medical costs, economic compensation or damages
    of at most 12 times the local monthly minimum wage ("不超过" includes the amount itself, Civil Code Art. 1259),
    each item on its own (Interpretation (一) Art. 19), or a dispute over a national labor standard (social
    insurance; working hours, rest and leave). Any other item (confirming a labor relationship, other claims), or
    one above the threshold, makes the award non-final: one award is one document here, and a mixed award is
    treated as non-final (Interpretation (一) Art. 20)."""
    if not items:
        return Finality(False, _("裁决没有列明裁决事项，按非终局裁决处理。"), None)
    threshold = monthly_minimum_wage * FINAL_AWARD_MONTHS if monthly_minimum_wage is not None else None
    for category, amount in items:
        if category in STANDARD_FINAL_CATEGORIES:
            continue
        if category not in MONEY_FINAL_CATEGORIES:
            return Finality(
                False,
                _(
                    "裁决事项“%(item)s”不属于《劳动争议调解仲裁法》第四十七条规定的终局裁决范围，本裁决为非终局裁决。"
                )
                % {"item": _label(category)},
                threshold,
            )
        if threshold is None:
            return Finality(
                None,
                _("未登记当地月最低工资标准，无法按《劳动争议调解仲裁法》第四十七条判断是否终局。"),
                None,
            )
        if amount > threshold:
            return Finality(
                False,
                _(
                    "裁决事项“%(item)s”金额 %(amount)s 元，超过当地月最低工资标准十二个月金额 %(threshold)s 元，"
                    "本裁决为非终局裁决（《劳动争议调解仲裁法》第四十七条第一项）。"
                )
                % {"item": _label(category), "amount": f"{amount:,.2f}", "threshold": f"{threshold:,.2f}"},
                threshold,
            )
    if threshold is None:
        reason = _(
            "裁决事项均为执行国家劳动标准发生的争议，本裁决为终局裁决（《劳动争议调解仲裁法》第四十七条第二项）。"
        )
    else:
        reason = _(
            "各项裁决金额均不超过当地月最低工资标准十二个月金额 %(threshold)s 元，或属于执行国家劳动标准发生的争议，"
            "本裁决为终局裁决（《劳动争议调解仲裁法》第四十七条）。"
        ) % {"threshold": f"{threshold:,.2f}"}
    return Finality(True, reason, threshold)
