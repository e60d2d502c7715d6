"""Handoffs: written with the case change, delivered from the outbox exactly once, answered idempotently."""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from disputes.exceptions import TransitionConflict
from disputes.models import CaseEvent
from disputes.services import case_transition
from disputes.states import CaseStatus
from referrals import handoffs
from referrals.models import AgencyEndpoint, Handoff, HandoffDelivery, Notification
from referrals.states import DeliveryChannel, DeliveryStatus, HandoffKind, HandoffStatus

from ..factories import case_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_case(directory):
    return case_in_state(CaseStatus.MEDIATION_FAILED, station=directory.station, region=directory.north)


def _refer(case, directory, *, capture):
    with capture(execute=True):
        case_transition(
            case_id=case.pk,
            name="refer_to_arbitration",
            actor=directory.staff["mediator"],
            note="调解不成，劳动者同意转仲裁",
            payload={"commission": directory.commission},
        )
    return Handoff.objects.get(case=case)


def test_a_transition_that_hands_the_case_over_writes_its_handoff(
    failed_case, directory, django_capture_on_commit_callbacks
):
    handoff = _refer(failed_case, directory, capture=django_capture_on_commit_callbacks)
    assert handoff.kind == HandoffKind.ARBITRATION
    assert handoff.from_org == directory.station
    assert handoff.to_org == directory.commission
    assert handoff.event.transition == "refer_to_arbitration"
    packet = handoff.packet
    assert packet["schema"] == handoffs.PACKET_SCHEMA
    assert packet["worker"]["id_number"] == failed_case.worker_id_number
    assert [c["category"] for c in packet["claims"]] == sorted(c.category for c in failed_case.claims.all())
    # The inbox delivery ran after commit (tasks in-process): delivered, and the commission's staff told.
    assert handoff.deliveries.get().channel == DeliveryChannel.INBOX
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.DELIVERED
    assert handoff.deliveries.get().status == DeliveryStatus.DELIVERED
    arbitrator = directory.staff["arbitrator"]
    assert (
        Notification.objects.filter(recipient_user=arbitrator, idempotency_key__startswith="handoff:").count()
        == 1
    )


def test_the_packet_is_stored_encrypted(failed_case, directory, django_capture_on_commit_callbacks):
    from django.db import connection

    handoff = _refer(failed_case, directory, capture=django_capture_on_commit_callbacks)
    with connection.cursor() as cursor:
        cursor.execute("SELECT packet_json FROM referrals_handoff WHERE id = %s", [handoff.pk])
        raw = cursor.fetchone()[0]
    assert failed_case.worker_id_number not in raw
    assert failed_case.worker_name not in raw


def test_a_rolled_back_change_leaves_no_handoff_and_publishes_nothing(
    failed_case, directory, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        case_transition(
            case_id=failed_case.pk,
            name="refer_to_arbitration",
            actor=directory.staff["mediator"],
            payload={"commission": directory.commission},
        )
        raise RuntimeError("the request failed after the transition")
    assert not Handoff.objects.exists()
    assert not HandoffDelivery.objects.exists()
    assert callbacks == []


def test_confirmation_routes_choose_the_kind(directory, django_capture_on_commit_callbacks):
    case = case_in_state(CaseStatus.AGREEMENT_REACHED, station=directory.station)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(
            case_id=case.pk,
            name="request_confirmation",
            actor=directory.staff["mediator"],
            payload={"route": "judicial_confirmation", "organization": directory.court},
        )
    assert Handoff.objects.get(case=case).kind == HandoffKind.JUDICIAL_CONFIRMATION


def test_delivering_twice_has_one_effect(failed_case, directory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        case_transition(
            case_id=failed_case.pk,
            name="refer_to_arbitration",
            actor=directory.staff["mediator"],
            payload={"commission": directory.commission},
        )
    delivery = HandoffDelivery.objects.get()
    assert handoffs.handoff_delivery_deliver(delivery_id=delivery.pk) is True
    assert handoffs.handoff_delivery_deliver(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert Notification.objects.filter(recipient_user=directory.staff["arbitrator"]).count() == 1


def test_handoff_create_with_the_same_key_returns_the_first(failed_case, directory):
    first = handoffs.handoff_create(
        case=failed_case,
        kind=HandoffKind.LEGAL_AID,
        to_org=directory.commission,
        actor=directory.staff["mediator"],
        idempotency_key="legal-aid:1",
    )
    second = handoffs.handoff_create(
        case=failed_case,
        kind=HandoffKind.LEGAL_AID,
        to_org=directory.commission,
        actor=directory.staff["mediator"],
        idempotency_key="legal-aid:1",
    )
    assert first.pk == second.pk
    assert CaseEvent.objects.filter(case=failed_case, transition="handoff_sent").count() == 1


# --- Retries, leases and dead letters ---------------------------------------------------------------------------
@pytest.fixture
def webhook_handoff(failed_case, directory, django_capture_on_commit_callbacks):
    AgencyEndpoint.objects.create(
        organization=directory.commission,
        webhook_url="http://127.0.0.1:9/hook",
        secret="s3cret",
        timeout_seconds=1,
    )
    with django_capture_on_commit_callbacks(execute=False):
        case_transition(
            case_id=failed_case.pk,
            name="refer_to_arbitration",
            actor=directory.staff["mediator"],
            payload={"commission": directory.commission},
        )
    return Handoff.objects.get()


@override_settings(HANDOFF_MAX_ATTEMPTS=3, HANDOFF_RETRY_BASE_SECONDS=60)
def test_a_failing_webhook_is_retried_from_the_row_then_becomes_a_dead_letter(webhook_handoff):
    delivery = webhook_handoff.deliveries.get(channel=DeliveryChannel.WEBHOOK)
    assert handoffs.handoff_delivery_deliver(delivery_id=delivery.pk) is False  # nothing listens on port 9
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=25)  # the back-off is in the row
    assert "ConnectError" in delivery.last_error
    assert handoffs.handoff_delivery_deliver(delivery_id=delivery.pk) is False  # not due yet: nothing claimed
    for _attempt in range(2):
        HandoffDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        handoffs.handoff_delivery_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.attempts == 3
    assert CaseEvent.objects.filter(case=webhook_handoff.case, transition="handoff_dead_letter").count() == 1


def test_a_lapsed_lease_is_taken_back_and_three_lapses_make_a_dead_letter(webhook_handoff, settings):
    settings.HANDOFF_MAX_LAPSES = 3
    delivery = webhook_handoff.deliveries.get(channel=DeliveryChannel.WEBHOOK)
    past = timezone.now() - timedelta(seconds=1)
    for lapse in range(1, 4):
        # A task claimed the row and died holding it.
        HandoffDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, lease_until=past)
        handoffs.handoff_deliveries_sweep()
        delivery.refresh_from_db()
        assert delivery.lapses == lapse
        assert delivery.status == (DeliveryStatus.DEAD if lapse == 3 else DeliveryStatus.PENDING)


def test_the_sweep_publishes_due_rows_only(webhook_handoff, django_capture_on_commit_callbacks):
    HandoffDelivery.objects.filter(channel=DeliveryChannel.WEBHOOK).update(
        next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        published = handoffs.handoff_deliveries_sweep()
    assert published == 1  # the inbox row; the webhook row waits for its back-off
    assert len(callbacks) == 1


def test_a_dead_letter_is_retried_with_a_fresh_count(
    webhook_handoff, directory, django_capture_on_commit_callbacks
):
    delivery = webhook_handoff.deliveries.get(channel=DeliveryChannel.WEBHOOK)
    HandoffDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD, attempts=8, lapses=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        handoffs.handoff_delivery_retry(delivery_id=delivery.pk, actor=directory.staff["station_admin"])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.lapses) == (DeliveryStatus.PENDING, 0, 0)
    assert len(callbacks) == 1
    with pytest.raises(TransitionConflict):
        handoffs.handoff_delivery_retry(delivery_id=delivery.pk, actor=directory.staff["station_admin"])


def test_only_the_sender_or_receiver_may_retry(webhook_handoff, directory):
    from django.core.exceptions import PermissionDenied

    delivery = webhook_handoff.deliveries.get(channel=DeliveryChannel.WEBHOOK)
    HandoffDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD)
    with pytest.raises(PermissionDenied):
        handoffs.handoff_delivery_retry(delivery_id=delivery.pk, actor=directory.staff["other_admin"])


# --- The receiver's answers ---------------------------------------------------------------------------------------
@pytest.fixture
def handoff(failed_case, directory, django_capture_on_commit_callbacks):
    return _refer(failed_case, directory, capture=django_capture_on_commit_callbacks)


def test_accepting_twice_has_one_effect(handoff, directory):
    arbitrator = directory.staff["arbitrator"]
    handoffs.handoff_answer(
        handoff_id=handoff.pk, action="accept", actor=arbitrator, reference="温劳仲案字〔2026〕1号"
    )
    again = handoffs.handoff_answer(handoff_id=handoff.pk, action="accept", actor=arbitrator)
    assert again.status == HandoffStatus.ACCEPTED
    assert again.reference == "温劳仲案字〔2026〕1号"
    assert again.acknowledged_at is not None
    assert CaseEvent.objects.filter(case=handoff.case, transition="handoff_accepted").count() == 1


def test_a_contradicting_answer_is_a_conflict(handoff, directory):
    arbitrator = directory.staff["arbitrator"]
    handoffs.handoff_answer(
        handoff_id=handoff.pk, action="decline", actor=arbitrator, reason="不属于本委管辖"
    )
    with pytest.raises(TransitionConflict):
        handoffs.handoff_answer(handoff_id=handoff.pk, action="accept", actor=arbitrator)
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.DECLINED
    assert handoff.reason == "不属于本委管辖"


def test_declining_needs_a_reason_and_completing_needs_an_outcome(handoff, directory):
    from django.core.exceptions import ValidationError

    arbitrator = directory.staff["arbitrator"]
    with pytest.raises(ValidationError):
        handoffs.handoff_answer(handoff_id=handoff.pk, action="decline", actor=arbitrator, reason="  ")
    handoffs.handoff_answer(handoff_id=handoff.pk, action="accept", actor=arbitrator)
    with pytest.raises(ValidationError):
        handoffs.handoff_answer(handoff_id=handoff.pk, action="complete", actor=arbitrator)
    done = handoffs.handoff_answer(
        handoff_id=handoff.pk, action="complete", actor=arbitrator, outcome="已立案审理"
    )
    assert done.completed_at is not None


def test_the_sender_cannot_answer_and_others_cannot_see(handoff, directory):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        handoffs.handoff_answer(handoff_id=handoff.pk, action="accept", actor=directory.staff["mediator"])
    with pytest.raises(Handoff.DoesNotExist):
        handoffs.handoff_answer(
            handoff_id=handoff.pk, action="accept", actor=directory.staff["other_mediator"]
        )


def test_the_worker_reads_the_answers_in_plain_words(handoff, directory):
    from disputes.tracking import worker_view

    handoffs.handoff_answer(
        handoff_id=handoff.pk, action="accept", actor=directory.staff["arbitrator"], reference="仲案1号"
    )
    texts = [item.text for item in worker_view(case=handoff.case).history]
    assert any("示范市劳动人事争议仲裁委员会已接收办理" in text and "仲案1号" in text for text in texts)


def test_dead_letters_are_hidden_from_the_worker(webhook_handoff):
    from disputes.tracking import worker_view

    handoffs._record_dead_letter(webhook_handoff, DeliveryChannel.WEBHOOK)
    assert CaseEvent.objects.filter(transition="handoff_dead_letter").exists()
    texts = json.dumps(
        [item.text for item in worker_view(case=webhook_handoff.case).history], ensure_ascii=False
    )
    assert "死信" not in texts and "投递" not in texts
