"""Demo data of the arbitration app, entered by ``seed_demo`` (through :meth:`ArbitrationConfig.demo_seed`)."""

from datetime import date
from decimal import Decimal

from organizations.models import Region

from .models import MinimumWage

DEMO_REGION = "wenzhou"
DEMO_MONTHLY_MINIMUM_WAGE = Decimal("2490.00")
DEMO_SOURCE = (
    "演示数据：温州市区月最低工资标准（示例值，不是官方公布的标准；正式使用前由主管部门按省政府文件登记）"
)


def minimum_wage_demo_ensure() -> MinimumWage | None:
    """The demo city's minimum wage row, created once (an official's own row for the same day is left alone)."""
    region = Region.objects.filter(code=DEMO_REGION).first()
    if region is None:
        return None
    row, _created = MinimumWage.objects.get_or_create(
        region=region,
        effective_from=date(2024, 1, 1),
        defaults={"monthly_amount": DEMO_MONTHLY_MINIMUM_WAGE, "source": DEMO_SOURCE},
    )
    return row
