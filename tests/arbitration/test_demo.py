"""seed_demo enters a demo minimum wage for the demo city, labelled as demo data, once however often it runs."""

import pytest

from arbitration.models import MinimumWage
from disputes import demo

pytestmark = pytest.mark.django_db


def test_the_demo_minimum_wage_is_labelled_and_seeded_once():
    demo.seed(count=0)
    demo.seed(count=0)
    row = MinimumWage.objects.get()
    assert row.region.code == "wenzhou" and "演示数据" in row.source
