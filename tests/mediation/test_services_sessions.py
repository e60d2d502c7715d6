"""The session log and the contact log: recorded by the station's mediators only, in the right states, with a
history event the worker reads for a session (date and mode, never the summary) and none for a contact."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from disputes.exceptions import TransitionConflict
from disputes.models import CaseEvent
from disputes.tracking import worker_view
from mediation import services
from mediation.models import ContactLog, MediationSession
from tests.factories import case_in_state

pytestmark = pytest.mark.django_db

SUMMARY = "用人单位同意支付工资，但要求分期；劳动者情绪稳定。"


def record_session(case, actor, **overrides):
    data = {
        "held_at": timezone.now() - timedelta(hours=2),
        "mode": "in_person",
        "place": "北区快递调解站二楼调解室",
        "attendees": "劳动者刘洋；用人单位王经理；调解员",
        "summary": SUMMARY,
    }
    data.update(overrides)
    return services.session_record(case_id=case.pk, actor=actor, **data)


def test_a_session_is_logged_with_an_event_the_worker_reads_without_the_summary(directory, mediating):
    case, _pin = mediating
    mediator = directory.staff["mediator"]
    first = record_session(case, mediator)
    second = record_session(case, mediator, mode="online", place="腾讯会议 123-456", held_at=timezone.now())

    assert list(case.mediation_sessions.order_by("held_at")) == [first, second]
    assert first.recorded_by == mediator and first.summary == SUMMARY
    events = list(CaseEvent.objects.filter(case=case, transition="session_record").order_by("id"))
    assert [e.payload["mode"] for e in events] == ["in_person", "online"]
    assert events[0].actor == mediator and events[0].to_state == "in_mediation"

    history = [item.text for item in worker_view(case=case).history]
    day = timezone.localtime(first.held_at)
    assert f"{day.year}年{day.month}月{day.day}日进行了一次现场调解。" in history
    assert any("线上视频调解" in text for text in history)
    assert not any(SUMMARY in text or "腾讯会议" in text for text in history)


def test_the_worker_reads_a_late_session_on_the_local_day(directory, mediating):
    """01:30 in Beijing is 17:30 UTC the day before; the payload keeps UTC, the sentence must not."""
    case, _pin = mediating
    held_at = timezone.localtime().replace(hour=1, minute=30, second=0, microsecond=0) - timedelta(days=1)
    record_session(case, directory.staff["mediator"], held_at=held_at)

    history = [item.text for item in worker_view(case=case).history]
    assert f"{held_at.year}年{held_at.month}月{held_at.day}日进行了一次现场调解。" in history


def test_the_session_log_checks_who_when_and_what(directory, mediating):
    case, _pin = mediating
    with pytest.raises(PermissionDenied):
        record_session(case, directory.staff["other_mediator"])
    with pytest.raises(PermissionDenied):
        record_session(case, directory.staff["official"])
    with pytest.raises(ValidationError) as exc:
        record_session(
            case,
            directory.staff["mediator"],
            held_at=timezone.now() + timedelta(days=1),
            mode="x",
            summary=" ",
        )
    assert set(exc.value.message_dict) == {"held_at", "mode", "summary"}
    assert "不能晚于现在" in exc.value.message_dict["held_at"][0]
    assert MediationSession.objects.count() == 0
    assert not CaseEvent.objects.filter(transition="session_record").exists()


def test_no_session_before_acceptance_or_after_the_case_left_the_station(directory):
    for state in ("assigned", "referred_to_arbitration", "closed"):
        case = case_in_state(state, station=directory.station)
        with pytest.raises(TransitionConflict):
            record_session(case, directory.staff["mediator"])


def test_a_contact_with_the_employer_is_for_staff_only(directory, mediating):
    case, _pin = mediating
    mediator = directory.staff["mediator"]
    contact = services.contact_record(
        case_id=case.pk,
        actor=mediator,
        at=timezone.now(),
        direction="outgoing",
        channel="phone",
        employer_contact_name="王经理",
        summary="电话通知用人单位参加调解，对方同意周五到场。",
    )
    assert ContactLog.objects.get() == contact
    event = CaseEvent.objects.get(case=case, transition="contact_record")
    assert event.actor == mediator and "周五" in event.note
    history = " ".join(item.text for item in worker_view(case=case).history)
    assert "周五" not in history and "王经理" not in history
    assert not any("联系" in item.text and "用人单位" in item.text for item in worker_view(case=case).history)


def test_a_confidential_application_needs_the_workers_consent_before_contacting_the_employer(
    directory, mediating
):
    case, _pin = mediating
    type(case).objects.filter(pk=case.pk).update(confidential=True)
    kwargs = {
        "case_id": case.pk,
        "actor": directory.staff["mediator"],
        "at": timezone.now(),
        "direction": "outgoing",
        "channel": "phone",
        "employer_contact_name": "王经理",
        "summary": "联系用人单位。",
    }
    with pytest.raises(ValidationError) as exc:
        services.contact_record(**kwargs)
    assert "保密" in exc.value.message_dict["worker_consented"][0]
    assert services.contact_record(**kwargs, worker_consented=True).pk
