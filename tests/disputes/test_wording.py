"""History sentences show a payload's moments on the service's own clock, whatever zone the payload was stored in."""

from datetime import UTC, date, datetime

from django.core.serializers.json import DjangoJSONEncoder

from disputes import wording

# 17:30 UTC on the 23rd is 01:30 on the 24th in Beijing (TIME_ZONE = Asia/Shanghai).
LATE_UTC = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)


def test_a_moment_stored_in_utc_is_read_on_the_local_day():
    stored = DjangoJSONEncoder().default(LATE_UTC)
    assert stored.startswith("2026-11-23T17:30")
    assert wording.day(stored) == "2026年11月24日"
    assert wording.moment(stored) == "2026年11月24日 01:30"
    assert wording.day(LATE_UTC) == "2026年11月24日"


def test_dates_amounts_and_nonsense():
    assert wording.day("2026-11-30") == wording.day(date(2026, 11, 30)) == "2026年11月30日"
    assert wording.moment("2026-11-30") == ""
    assert wording.day("30/11/2026") == wording.day(None) == wording.moment(42) == ""
    assert wording.money("6000") == "6,000.00" and wording.money("六千") == wording.money(None) == ""
