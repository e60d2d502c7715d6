"""Which event notifies whom is data: the seeded rules reproduce the former hard-coded fan-out, a rule naming the
event wins over a wildcard, inactive rules are absent, e-mail goes to staff with an address, the worker reads
their language, and the rules are read in one query."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes.models import CaseEvent
from disputes.permissions import SYSTEM
from disputes.services import case_transition
from referrals import services
from referrals.models import MessageTemplate, Notification, NotificationAudience, NotificationRule
from referrals.models.notifications import ALL_RECORDED, ALL_TRANSITIONS
from referrals.states import NotificationChannel, NotificationStatus

from ..factories import case_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_quiet_hours(settings):
    settings.SMS_QUIET_HOURS = ""


def _triage(case, directory, capture, actor=SYSTEM):
    with capture(execute=True):
        case_transition(case_id=case.pk, name="triage", actor=actor, payload={"station": directory.station})
    return CaseEvent.objects.get(case=case, transition="triage")


def _recipients(event, channel=NotificationChannel.IN_APP):
    return set(
        Notification.objects.filter(event=event, channel=channel).values_list(
            "recipient_user__username", flat=True
        )
    )


def test_the_seeded_rules_cover_every_former_audience():
    seeded = set(NotificationRule.objects.values_list("event", "audience", "channel", "template_key"))
    assert (ALL_TRANSITIONS, "worker", "sms", "worker_status") in seeded
    assert ("submit", "worker", "sms", "worker_filed") in seeded
    assert ("triage", "station_staff", "in_app", "staff_transition") in seeded
    assert ("add_evidence", "station_staff", "in_app", "staff_recorded") in seeded
    assert ("refer_to_arbitration", "handler_staff", "in_app", "staff_transition") in seeded
    assert ("group_warning", "region_officials", "in_app", "staff_recorded") in seeded
    assert ("escalate_urgent", "consultation_members", "in_app", "staff_recorded") in seeded
    assert (ALL_TRANSITIONS, "case_mediator", "in_app", "staff_transition") in seeded
    assert (ALL_RECORDED, "case_mediator", "in_app", "staff_recorded") in seeded
    languages = set(MessageTemplate.objects.values_list("key", "language"))
    for key in ("worker_filed", "worker_status", "staff_transition", "staff_recorded"):
        assert {(key, "zh-hans"), (key, "en")} <= languages


def test_a_state_change_tells_the_worker_and_the_station_in_the_former_words(
    directory, django_capture_on_commit_callbacks
):
    case = case_in_state("submitted")
    event = _triage(case, directory, django_capture_on_commit_callbacks)
    sms = Notification.objects.get(event=event, channel=NotificationChannel.SMS)
    assert sms.to_worker and not sms.carries_pin and sms.status == NotificationStatus.SENT
    assert sms.idempotency_key == f"event:{event.pk}:worker:sms"
    assert sms.body == (
        f"【一站式劳动争议调处】您的申请（查询码 {case.tracking_code}）：已转交调解组织，等待受理。"
        "请凭查询码和密码查看详情。"
    )
    assert _recipients(event) == {"admin_a", "mediator_a"}
    staff = Notification.objects.get(event=event, recipient_user=directory.staff["mediator"])
    assert staff.body == f"案件 {case.tracking_code}：分派到调解组织，当前状态：已分派调解组织"
    assert staff.idempotency_key == f"event:{event.pk}:user:{directory.staff['mediator'].pk}:in_app"


def test_the_cases_mediator_hears_of_every_event_but_their_own(directory, django_capture_on_commit_callbacks):
    mediator = directory.staff["mediator"]
    case = case_in_state("accepted", station=directory.station, mediator=mediator)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case_id=case.pk, name="start_mediation", actor=directory.staff["station_admin"])
    told = CaseEvent.objects.get(case=case, transition="start_mediation")
    assert _recipients(told) == {
        "mediator_a"
    }  # start_mediation is no arrival: only the mediator's wildcard rule
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(
            case_id=case.pk, name="record_failure", actor=mediator, payload={"reason": "双方分歧过大"}
        )
    own = CaseEvent.objects.get(case=case, transition="record_failure")
    assert _recipients(own) == set()
    assert Notification.objects.filter(event=own, to_worker=True).exists()  # the worker still hears of it


def test_a_rule_naming_the_event_wins_over_the_wildcard_and_an_inactive_one_is_absent(
    directory, django_capture_on_commit_callbacks
):
    MessageTemplate.objects.create(key="worker_triaged", language="zh-hans", body="已为 {code} 找到调解组织")
    rule = NotificationRule.objects.create(
        event="triage", audience="worker", channel="sms", template_key="worker_triaged"
    )
    first = _triage(case_in_state("submitted"), directory, django_capture_on_commit_callbacks)
    [sms] = Notification.objects.filter(event=first, channel=NotificationChannel.SMS)
    assert sms.body == f"已为 {first.case.tracking_code} 找到调解组织"

    rule.is_active = False
    rule.save()
    second = _triage(case_in_state("submitted"), directory, django_capture_on_commit_callbacks)
    assert "【一站式劳动争议调处】您的申请" in Notification.objects.get(event=second, channel="sms").body

    NotificationRule.objects.filter(event=ALL_TRANSITIONS, audience="worker").update(is_active=False)
    third = _triage(case_in_state("submitted"), directory, django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(event=third, to_worker=True).exists()
    assert _recipients(third) == {"admin_a", "mediator_a"}  # the staff rules are untouched


def test_an_email_rule_reaches_staff_with_an_address_only(
    directory, django_capture_on_commit_callbacks, mailoutbox
):
    admin_a = directory.staff["station_admin"]
    admin_a.email = "admin-a@station.example"
    admin_a.save()
    NotificationRule.objects.create(
        event="triage", audience="station_staff", channel="email", template_key="staff_transition"
    )
    case = case_in_state("submitted")
    event = _triage(case, directory, django_capture_on_commit_callbacks)
    [email] = Notification.objects.filter(event=event, channel=NotificationChannel.EMAIL)
    assert email.recipient_user == admin_a and email.status == NotificationStatus.SENT
    assert email.idempotency_key == f"event:{event.pk}:user:{admin_a.pk}:email"
    assert _recipients(event) == {"admin_a", "mediator_a"}  # in-app as before, besides the e-mail
    [message] = mailoutbox
    assert message.to == ["admin-a@station.example"]
    assert case.tracking_code in message.subject and message.body == email.body


def test_the_worker_reads_english_when_the_case_is_in_english(directory, django_capture_on_commit_callbacks):
    english = case_in_state("submitted", language="en")
    event = _triage(english, directory, django_capture_on_commit_callbacks)
    body = Notification.objects.get(event=event, to_worker=True).body
    assert body.startswith("[One-Stop Labor Dispute Resolution] Your application (tracking code ")
    assert english.tracking_code in body and "已" not in body
    staff = Notification.objects.filter(event=event, to_worker=False).first().body
    assert staff.startswith(f"案件 {english.tracking_code}")  # staff read Simplified Chinese

    cantonese = case_in_state("submitted", language="yue")
    event = _triage(cantonese, directory, django_capture_on_commit_callbacks)
    assert Notification.objects.get(event=event, to_worker=True).body.startswith("【一站式劳动争议调处】")


def test_a_missing_english_text_falls_back_to_simplified_chinese(
    directory, django_capture_on_commit_callbacks
):
    MessageTemplate.objects.filter(key="worker_status", language="en").delete()
    event = _triage(case_in_state("submitted", language="en"), directory, django_capture_on_commit_callbacks)
    assert Notification.objects.get(event=event, to_worker=True).body.startswith("【一站式劳动争议调处】")


def test_the_filing_without_a_kept_pin_gets_the_status_message(directory):
    case = case_in_state("submitted")  # no intake receipt: no PIN to send
    event = CaseEvent.objects.create(
        case=case, transition="submit", from_state="", to_state="submitted", actor_kind="worker"
    )
    services.case_event_dispatch(event_id=event.pk)
    sms = Notification.objects.get(event=event, to_worker=True)
    assert not sms.carries_pin
    assert "查询密码" not in sms.body and "我们已收到您的申请" in sms.body


def test_the_rules_are_read_in_one_query(directory):
    case = case_in_state("assigned", station=directory.station, mediator=directory.staff["mediator"])
    event = CaseEvent.objects.create(
        case=case, transition="triage", from_state="submitted", to_state="assigned", actor_kind="system"
    )
    with CaptureQueriesContext(connection) as queries:
        rows = services.case_event_dispatch(event_id=event.pk)
    assert (
        len(rows) == 3
    )  # the worker, the station's administrator and its mediator (once, though in two audiences)
    rule_reads = [q["sql"] for q in queries.captured_queries if "referrals_notificationrule" in q["sql"]]
    assert len(rule_reads) == 1


def test_a_rule_is_checked_before_it_is_saved():
    with pytest.raises(ValidationError) as error:
        NotificationRule(
            event="no_such_step", audience="worker", channel="in_app", template_key="nope"
        ).full_clean()
    assert set(error.value.message_dict) == {"event", "channel", "template_key"}
    with pytest.raises(ValidationError) as error:
        NotificationRule(
            event="accept",
            audience=NotificationAudience.STATION_STAFF,
            channel="sms",
            template_key="staff_recorded",
        ).full_clean()
    assert set(error.value.message_dict) == {"channel"}
    with pytest.raises(ValidationError) as error:  # the PIN never goes to staff
        NotificationRule(
            event="submit",
            audience=NotificationAudience.CASE_MEDIATOR,
            channel="in_app",
            template_key="worker_filed",
        ).full_clean()
    assert "查询密码" in error.value.message_dict["template_key"][0]
    NotificationRule(
        event=ALL_RECORDED, audience="worker", channel="sms", template_key="worker_status"
    ).full_clean()


def test_a_template_names_only_known_placeholders():
    with pytest.raises(ValidationError) as error:
        MessageTemplate(key="x", language="zh-hans", body="案件 {code}：{amount}").full_clean()
    assert "{amount}" in error.value.message_dict["body"][0]
    with pytest.raises(ValidationError):
        MessageTemplate(key="x", language="zh-hans", body="案件 {code").full_clean()
    with pytest.raises(ValidationError):  # one text per key and language
        MessageTemplate(key="worker_status", language="en", body="{code}").full_clean()
    MessageTemplate(key="x", language="en", body="Case {code}: {step} ({status}) {{literal}}").full_clean()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("案件 {code}：{step}", "案件 AB12-CD34：受理"),
        ("{code} {unknown}", "AB12-CD34 {unknown}"),  # an unknown placeholder stays as written
        ("{code} {", "{code} {"),  # malformed: returned unfilled, never an exception
        ("{code.__class__}", "{code.__class__}"),  # no reaching into values
        ("{0} {code}", "{0} {code}"),
        ("{code:>10}|", " AB12-CD34|"),
        ("{{code}} {code}", "{code} AB12-CD34"),
    ],
)
def test_rendering_never_fails(body, expected):
    assert services.message_render(body, {"code": "AB12-CD34", "step": "受理"}) == expected


def test_an_overdue_deadline_tells_the_station_even_without_a_mediator(
    directory, django_capture_on_commit_callbacks
):
    from disputes.reminders import reminder_record_once

    case = case_in_state("assigned", station=directory.station, mediator=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminder_record_once(
            case_id=case.pk,
            key="acceptance:overdue:test",
            name="deadline_overdue",
            payload={"rule": "acceptance"},
        )
    told = set(
        Notification.objects.filter(case=case, channel=NotificationChannel.IN_APP).values_list(
            "recipient_user__username", flat=True
        )
    )
    assert {"admin_a", "mediator_a"} <= told
    assert "mediator_b" not in told
