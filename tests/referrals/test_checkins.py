"""Check-ins 30 and 90 days after closure: the daily scan records each once per case and offset, however often it
runs; the worker answers on /track/ once; the staff of the case read the answers."""

from datetime import datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from disputes.exceptions import TransitionConflict
from disputes.models import CaseEvent
from disputes.services import case_event_record
from disputes.states import ActorKind, CaseStatus
from disputes.tracking import worker_view
from referrals.aftercare import checkin_answer, checkin_pending, checkin_record_once, checkins_scan
from referrals.models import AftercareCheckIn, CheckInAnswer
from referrals.tasks import aftercare_checkins

from ..factories import TEST_PIN, case_in_state

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _closed(directory, *, days_ago: int, state=CaseStatus.CLOSED):
    closed_on = TODAY - timedelta(days=days_ago)
    closed_at = timezone.make_aware(datetime.combine(closed_on, time(15, 0)))
    return case_in_state(state, station=directory.station, region=directory.north, closed_at=closed_at)


def test_the_scan_twice_records_once(directory, django_capture_on_commit_callbacks):
    case = _closed(directory, days_ago=30)
    with django_capture_on_commit_callbacks() as callbacks:
        assert checkins_scan(today=TODAY) == [(case.pk, 30)]
    assert len(callbacks) == 1  # the event's announcement, after commit
    assert checkins_scan(today=TODAY) == []
    assert checkins_scan(today=TODAY + timedelta(days=1)) == []  # the next day: still the same check-in
    assert AftercareCheckIn.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, transition="aftercare_checkin").count() == 1
    event = CaseEvent.objects.get(case=case, transition="aftercare_checkin")
    assert (event.actor_kind, event.payload) == (ActorKind.SYSTEM, {"days": 30})


def test_recording_the_same_check_in_again_has_no_effect(directory):
    case = _closed(directory, days_ago=30)
    assert checkin_record_once(case_id=case.pk, days=30) is True
    assert checkin_record_once(case_id=case.pk, days=30) is False
    assert checkin_record_once(case_id=case.pk + 999, days=30) is False  # gone
    assert AftercareCheckIn.objects.count() == 1


def test_thirty_and_ninety_days_and_a_missed_day_caught_up(directory):
    thirty = _closed(directory, days_ago=30)
    ninety = _closed(directory, days_ago=90)
    late = _closed(directory, days_ago=33, state=CaseStatus.WITHDRAWN)  # the scan did not run for three days
    not_yet = _closed(directory, days_ago=29)
    recorded = set(checkins_scan(today=TODAY))
    assert recorded == {(thirty.pk, 30), (ninety.pk, 90), (late.pk, 30)}
    assert not AftercareCheckIn.objects.filter(case=not_yet).exists()


def test_long_closed_cases_rejected_ones_and_merged_duplicates_are_not_asked(directory, settings):
    settings.AFTERCARE_CHECKIN_GRACE_DAYS = 14
    archive = _closed(directory, days_ago=200)
    rejected = _closed(directory, days_ago=30, state=CaseStatus.REJECTED)
    merged = _closed(directory, days_ago=30)
    case_event_record(case_id=merged.pk, name="merged_into", actor=directory.staff["station_admin"])
    open_case = case_in_state(CaseStatus.IN_MEDIATION, station=directory.station, region=directory.north)
    assert checkins_scan(today=TODAY) == []
    for case in (archive, rejected, merged, open_case):
        # The scan chooses by window and merge; recording itself refuses only a case that is not closed.
        assert checkin_record_once(case_id=case.pk, days=30) is (case in (archive, merged))


def test_the_offsets_are_a_setting(directory, settings):
    settings.AFTERCARE_CHECKIN_DAYS = [7]
    case = _closed(directory, days_ago=7)
    _closed(directory, days_ago=30)
    assert checkins_scan(today=TODAY) == [(case.pk, 7)]


def test_the_daily_beat_task_runs_the_scan(directory, settings):
    assert "referrals.aftercare_checkins" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    _closed(directory, days_ago=90)
    assert aftercare_checkins() == 1
    assert aftercare_checkins() == 0


def test_the_worker_reads_the_check_in_and_answers_once(client, directory):
    case = _closed(directory, days_ago=30)
    checkins_scan(today=TODAY)
    texts = [item.text for item in worker_view(case=case).history]
    assert any("案件办结已经 30 天了" in text for text in texts)
    client.post("/track/", {"tracking_code": case.tracking_code, "access_pin": TEST_PIN})
    page = client.get("/track/").content.decode()
    assert 'data-testid="checkin-panel"' in page
    bad = client.post("/track/check-in/", {"work_situation": "retired"})
    assert bad.status_code == 200 and not CheckInAnswer.objects.exists()
    response = client.post(
        "/track/check-in/",
        {"work_situation": "looking", "help_wanted": ["reemployment", "counselling"], "note": "想找送餐的活"},
    )
    assert response.status_code == 302
    answer = CheckInAnswer.objects.get(case=case)
    assert (answer.check_in.days, answer.work_situation) == (30, "looking")
    assert answer.help_wanted == ["reemployment", "counselling"]
    event = CaseEvent.objects.get(case=case, transition="aftercare_checkin_answered")
    assert event.actor_kind == ActorKind.WORKER and event.payload["work_situation"] == "looking"
    assert 'data-testid="checkin-panel"' not in client.get("/track/").content.decode()
    assert client.get("/track/check-in/").status_code == 302  # nothing waiting any more
    with pytest.raises(TransitionConflict):
        checkin_answer(case_id=case.pk, work_situation="working")


def test_the_next_check_in_asks_again(directory):
    case = _closed(directory, days_ago=30)
    checkin_record_once(case_id=case.pk, days=30)
    checkin_answer(case_id=case.pk, work_situation="looking")
    assert checkin_pending(case=case) is None
    checkin_record_once(case_id=case.pk, days=90)
    assert checkin_pending(case=case).days == 90
    checkin_answer(case_id=case.pk, work_situation="working", help_wanted=["other"], note="谢谢")
    assert CheckInAnswer.objects.filter(case=case).count() == 2


def test_no_check_in_no_answer(directory):
    case = _closed(directory, days_ago=10)
    with pytest.raises(TransitionConflict):
        checkin_answer(case_id=case.pk, work_situation="working")


def test_the_staff_of_the_case_read_the_answers(client, directory):
    case = _closed(directory, days_ago=30)
    checkin_record_once(case_id=case.pk, days=30)
    checkin_answer(
        case_id=case.pk, work_situation="looking", help_wanted=["legal_aid"], note="单位还欠两百元"
    )
    client.force_login(directory.staff["mediator"])
    page = client.get("/admin/referrals/checkinanswer/").content.decode()
    assert case.tracking_code in page and "办结后第 30 天" in page and "法律援助" in page
    answers = APIClient()
    answers.force_authenticate(directory.staff["mediator"])
    rows = answers.get("/api/v1/aftercare/check-in-answers/").json()["results"]
    assert [(r["tracking_code"], r["days"], r["help_wanted"]) for r in rows] == [
        (case.tracking_code, 30, ["legal_aid"])
    ]
    client.force_login(directory.staff["other_mediator"])
    assert case.tracking_code not in client.get("/admin/referrals/checkinanswer/").content.decode()
    answers.force_authenticate(directory.staff["other_mediator"])
    assert answers.get("/api/v1/aftercare/check-in-answers/").json()["results"] == []
