"""Synthetic cases loaded in bulk (``generate_cases``: COPY, no services, three years of consistent histories in
every state, transfers and dispatches included): ``stats_refresh --full`` builds the summary tables, whose figures
then match a direct computation; a later case change keeps them so."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from disputes import synthetic
from disputes.models import Case
from disputes.services import case_transition
from stats.models import CaseSnapshot, Fact

from . import direct
from .test_figures import FILTERS, app_figures, expected_figures

pytestmark = pytest.mark.postgres


def test_a_full_rebuild_of_bulk_loaded_cases_matches_a_direct_computation(postgres):
    synthetic.generate_cases(count=1_500, seed=11, batch_size=600)
    assert not CaseSnapshot.objects.exists() and not Fact.objects.exists()  # COPY bypassed the services

    out = StringIO()
    call_command("stats_refresh", "--full", stdout=out)
    assert "1,500" in out.getvalue() or "1500" in out.getvalue()

    today = timezone.localdate()
    items = direct.load()
    transfers = sum(1 for i in items if any(e[0] == "transfer" for e in i.events))
    assert transfers and any(i.case.status == "closed" for i in items)
    periods = [
        (today - timedelta(days=4 * 365), today),
        (today - timedelta(days=400), today - timedelta(days=380)),
        ((today - timedelta(days=200)).replace(day=1), today - timedelta(days=3)),
    ]
    wrong = []
    for params in FILTERS:
        for start, end in periods:
            got, want = app_figures(params, start, end), expected_figures(items, params, start, end)
            if got != want:
                wrong.append((params, start, end, {k: (got[k], want[k]) for k in want if got[k] != want[k]}))
    assert wrong == []

    # A change after the rebuild is counted by the case effect.
    case = Case.objects.filter(status="assigned").order_by("pk").first()
    before = app_figures({}, today, today)
    case_transition(case_id=case.pk, name="withdraw", actor=_superuser(), announce=False)
    after = app_figures({}, today, today)
    assert after["concluded"] == before["concluded"] + 1
    assert after["concluded_withdrawn"] == before["concluded_withdrawn"] + 1


def _superuser():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="stats_root_synthetic", defaults={"is_superuser": True, "is_staff": True}
    )
    return user
