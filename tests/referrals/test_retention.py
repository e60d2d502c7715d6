"""Retention in referrals (referrals.retention, run by disputes.retention.case_anonymise): a finished case's
notifications lose their recipients and text, its handoff packets their personal parts (the rest of the packet and
the status history stay), and the legal-aid, re-employment, counselling and check-in rows their personal text;
the statistics are identical before and after."""

import json
from datetime import date

import pytest
from django.db import connection, transaction
from django.utils import timezone

from disputes.retention import case_anonymise, cases_anonymise_expired
from disputes.states import ActorKind
from referrals.aftercare import checkin_answer, checkin_record_once
from referrals.handoffs import handoff_answer, handoff_create
from referrals.models import (
    CheckInAnswer,
    CounsellingRequest,
    Handoff,
    JobOffer,
    JobPlacement,
    JobSeekingRequest,
    LegalAidAssignment,
    LegalAidRequest,
    Notification,
)
from referrals.retention import ANONYMISED_MESSAGE, packet_redact, referrals_anonymise
from referrals.states import (
    Affordability,
    Availability,
    CounsellingContact,
    HandoffKind,
    NotificationChannel,
    NotificationStatus,
    WorkSituation,
)
from tests.disputes.test_retention import ID_NUMBERS, figures, file_and_finish

pytestmark = pytest.mark.django_db

WORKER_PHONE = "13912345670"
PERSONAL = ("王小0", ID_NUMBERS[0], WORKER_PHONE, "东街12号", "wangxiao@example.com", "13600001111", "失眠")


@pytest.fixture
def finished(directory, settings, tmp_path, django_capture_on_commit_callbacks):
    """A withdrawn case closed 400 days ago with everything referrals keeps per case: notifications on every
    channel, a full handoff (answered), legal aid with a lawyer, re-employment with an offer and a placement,
    counselling, and an answered check-in."""
    settings.CASE_RETENTION_DAYS = 365
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        case = file_and_finish(directory, 0, finish="withdraw", closed_days_ago=400)
    staff = directory.staff["mediator"]
    Notification.objects.create(
        case=case,
        channel=NotificationChannel.SMS,
        to_worker=True,
        to_phone=WORKER_PHONE,
        body="王小0您好，您的查询密码是 123456。",
        idempotency_key=f"test:{case.pk}:sms",
        status=NotificationStatus.FAILED,
        last_error=f"gateway refused {WORKER_PHONE}",
    )
    Notification.objects.create(
        case=case,
        channel=NotificationChannel.EMAIL,
        to_worker=True,
        to_email="wangxiao@example.com",
        body="王小0您好，案件已办结。",
        idempotency_key=f"test:{case.pk}:email",
        status=NotificationStatus.SENT,
        sent_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):  # delivered: the court's staff get inbox messages
        arbitration = handoff_create(
            case=case,
            kind=HandoffKind.ARBITRATION,
            to_org=directory.commission,
            actor=staff,
            note="王小0要求仲裁",
        )
    handoff_answer(handoff_id=arbitration.pk, action="acknowledge", actor=directory.staff["arbitrator"])
    legal = handoff_create(
        case=case,
        kind=HandoffKind.LEGAL_AID,
        to_org=directory.commission,
        actor=staff,
        details={"type": HandoffKind.LEGAL_AID, "reason": "王小0家里困难", "affordability": "cannot"},
    )
    request = LegalAidRequest.objects.create(
        handoff=legal,
        case=case,
        requested_by=ActorKind.WORKER,
        reason="王小0家里困难，住东街12号",
        affordability=Affordability.CANNOT,
        decision_due_on=date(2026, 1, 10),
    )
    LegalAidAssignment.objects.create(
        request=request,
        lawyer_name="赵律师",
        law_firm="示范市法律援助中心",
        lawyer_phone="13600001111",
        note="王小0电话常打不通",
        assigned_by=staff,
    )
    jobs = handoff_create(
        case=case,
        kind=HandoffKind.REEMPLOYMENT,
        to_org=directory.commission,
        actor=staff,
        packet={"schema": "onestop.handoff/1", "worker": {"name": case.worker_name, "phone": WORKER_PHONE}},
        details={
            "type": HandoffKind.REEMPLOYMENT,
            "skills": "王小0送过三年快递",
            "desired_area": "东街12号附近",
        },
    )
    seeking = JobSeekingRequest.objects.create(
        handoff=jobs,
        case=case,
        desired_job="分拣员",
        desired_area="东街12号附近",
        skills="送过三年快递",
        availability=Availability.NOW,
    )
    offer = JobOffer.objects.create(
        request=seeking,
        employer_name="某物流园",
        position="分拣员",
        wage="6000 元/月",
        contact="孙主管 13600001111",
        note="提到王小0",
        posted_by=staff,
    )
    JobPlacement.objects.create(
        request=seeking,
        offer=offer,
        employer_name="某物流园",
        position="分拣员",
        placed_on=date(2025, 1, 1),
        note="王小0已上岗",
        recorded_by=staff,
    )
    counselling = handoff_create(
        case=case,
        kind=HandoffKind.COUNSELLING,
        to_org=directory.commission,
        actor=staff,
        details={"type": HandoffKind.COUNSELLING, "concern": "失眠"},
    )
    CounsellingRequest.objects.create(
        handoff=counselling,
        case=case,
        requested_by=ActorKind.WORKER,
        concern="失眠",
        preferred_contact=CounsellingContact.PHONE,
    )
    assert checkin_record_once(case_id=case.pk, days=30)
    checkin_answer(
        case_id=case.pk,
        work_situation=WorkSituation.LOOKING,
        help_wanted=["reemployment"],
        note="王小0：还在失眠",
    )
    return case


def stored(table: str, column: str, value) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(json_agg(t)::text, '') FROM {table} t WHERE {column} = %s", [value])
        return cursor.fetchone()[0]


def packets(case) -> dict[str, dict]:
    return {h.kind: json.loads(h.packet_json) for h in Handoff.objects.filter(case=case)}


def test_the_peoples_data_goes(finished, django_capture_on_commit_callbacks):
    case = finished
    assert Notification.objects.filter(case=case, channel=NotificationChannel.IN_APP).exists()
    assert packets(case)[HandoffKind.ARBITRATION]["worker"]["id_number"] == ID_NUMBERS[0]

    with django_capture_on_commit_callbacks(execute=True):
        assert cases_anonymise_expired().anonymised == 1

    for notification in Notification.objects.filter(case=case):
        assert notification.to_phone == "" and notification.to_email == "" and notification.last_error == ""
        assert notification.body == str(ANONYMISED_MESSAGE)
    full = packets(case)[HandoffKind.ARBITRATION]
    assert full["worker"] == {"name": "（已匿名）", "id_number": "", "phone": ""}
    assert full["case"]["facts"] == "" and full["employer"]["site"] == ""
    assert all(item["name"] == "" for item in full["evidence"]) and full["evidence"]
    assert packets(case)[HandoffKind.LEGAL_AID]["request"]["reason"] == ""
    assert packets(case)[HandoffKind.REEMPLOYMENT]["request"]["skills"] == ""
    assert packets(case)[HandoffKind.COUNSELLING]["request"]["concern"] == ""
    assert not Handoff.objects.filter(case=case).exclude(reason="").exists()
    assert LegalAidRequest.objects.get(case=case).reason == ""
    assignment = LegalAidAssignment.objects.get(request__case=case)
    assert (assignment.lawyer_phone, assignment.note) == ("", "")
    assert JobSeekingRequest.objects.get(case=case).skills == ""
    assert JobOffer.objects.get(request__case=case).contact == ""
    assert JobPlacement.objects.get(request__case=case).note == ""
    assert CounsellingRequest.objects.get(case=case).concern == ""
    assert CheckInAnswer.objects.get(case=case).note == ""
    text = "".join(
        [
            stored("referrals_notification", "case_id", case.pk),
            stored("referrals_legalaidrequest", "case_id", case.pk),
            stored("referrals_jobseekingrequest", "case_id", case.pk),
            stored("referrals_checkinanswer", "case_id", case.pk),
            stored("referrals_handoff", "case_id", case.pk),
        ]
    )
    text += json.dumps(list(packets(case).values()), ensure_ascii=False)
    for value in PERSONAL:
        assert value not in text, value


def test_the_rest_and_the_figures_stay(finished, directory, django_capture_on_commit_callbacks):
    case = finished
    before = figures(directory)
    assert before[1], "no figures to compare"
    handoffs = list(
        Handoff.objects.filter(case=case)
        .order_by("pk")
        .values_list("kind", "status", "to_org", "created_at", "delivered_at", "acknowledged_at")
    )
    notifications = list(
        Notification.objects.filter(case=case).order_by("pk").values_list("channel", "status", "sent_at")
    )
    full_before = packets(case)[HandoffKind.ARBITRATION]

    with django_capture_on_commit_callbacks(execute=True):
        case_anonymise(case_id=case.pk)

    assert figures(directory) == before
    assert (
        list(
            Handoff.objects.filter(case=case)
            .order_by("pk")
            .values_list("kind", "status", "to_org", "created_at", "delivered_at", "acknowledged_at")
        )
        == handoffs
    )
    assert (
        list(
            Notification.objects.filter(case=case).order_by("pk").values_list("channel", "status", "sent_at")
        )
        == notifications
    )
    full = packets(case)[HandoffKind.ARBITRATION]
    for key in ("schema", "kind", "claims", "amounts", "respondents"):
        assert full[key] == full_before[key], key
    assert full["case"]["tracking_code"] == case.tracking_code
    assert [e["sha256"] for e in full["evidence"]] == [e["sha256"] for e in full_before["evidence"]]
    assert LegalAidRequest.objects.get(case=case).affordability == Affordability.CANNOT
    assert LegalAidAssignment.objects.get(request__case=case).law_firm == "示范市法律援助中心"
    answer = CheckInAnswer.objects.get(case=case)
    assert (answer.work_situation, answer.help_wanted) == (WorkSituation.LOOKING, ["reemployment"])


def test_all_or_nothing_and_idempotent(finished, django_capture_on_commit_callbacks):
    case = finished
    with pytest.raises(RuntimeError), transaction.atomic():
        referrals_anonymise(case_id=case.pk, at=timezone.now())
        raise RuntimeError("rolled back")
    assert packets(case)[HandoffKind.ARBITRATION]["worker"]["phone"] == WORKER_PHONE
    assert Notification.objects.get(idempotency_key=f"test:{case.pk}:sms").to_phone == WORKER_PHONE

    with django_capture_on_commit_callbacks(execute=True):
        case_anonymise(case_id=case.pk)
    snapshot = packets(case)
    referrals_anonymise(case_id=case.pk, at=timezone.now())
    assert packets(case) == snapshot


def test_packet_redaction_tolerates_any_shape():
    """Packets differ by kind and by schema version: missing parts and unexpected types are left alone."""
    assert packet_redact({}) == {}
    assert packet_redact({"worker": None, "evidence": "x", "request": []}) == {
        "worker": None,
        "evidence": "x",
        "request": [],
    }
    packet = {
        "worker": {"name": "王小0", "phone": ""},
        "evidence": [{"name": "身份证.jpg", "sha256": "ab"}, 3],
    }
    assert packet_redact(packet) == {
        "worker": {"name": "（已匿名）", "phone": ""},
        "evidence": [{"name": "", "sha256": "ab"}, 3],
    }
