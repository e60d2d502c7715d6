"""Rule 15 (LDMAL Art. 47) as a pure function: final when every item is a money claim within 12 months of the
local minimum wage, or a labor-standard dispute; otherwise not; undecidable without the minimum wage."""

from decimal import Decimal

from arbitration.conditions import award_finality

WAGE = Decimal("2490.00")  # 12 × = 29,880.00


def test_within_and_at_the_threshold_is_final():
    assert award_finality([("wages", Decimal("29880.00"))], WAGE).is_final is True
    assert award_finality([("wages", Decimal("1")), ("overtime", Decimal("29880"))], WAGE).is_final is True


def test_one_item_over_the_threshold_makes_it_non_final():
    result = award_finality([("wages", Decimal("1000")), ("compensation", Decimal("29880.01"))], WAGE)
    assert (
        result.is_final is False and "经济补偿" in result.reason and result.threshold == Decimal("29880.00")
    )


def test_labor_standards_are_final_whatever_the_amount():
    assert award_finality([("social_insurance", Decimal("500000"))], WAGE).is_final is True
    assert award_finality([("social_insurance", Decimal("500000"))], None).is_final is True


def test_other_items_are_not_final():
    assert award_finality([("labor_relationship", Decimal("0"))], WAGE).is_final is False
    assert award_finality([("other", Decimal("10"))], WAGE).is_final is False
    assert award_finality([], WAGE).is_final is False


def test_a_money_item_without_the_minimum_wage_cannot_be_decided():
    result = award_finality([("wages", Decimal("100"))], None)
    assert result.is_final is None and "月最低工资标准" in result.reason
