"""The handoff inbox and the dead letters in the admin: scoped, answerable by the receiver, retryable."""

import pytest
from django.urls import reverse

from disputes.services import case_transition
from disputes.states import CaseStatus
from referrals.models import AgencyEndpoint, Handoff, HandoffDelivery
from referrals.states import DeliveryChannel, DeliveryStatus, HandoffStatus

from ..factories import case_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def handoff(directory, django_capture_on_commit_callbacks):
    AgencyEndpoint.objects.create(
        organization=directory.commission, webhook_url="https://arb.example.invalid/hook", secret="k"
    )
    case = case_in_state(CaseStatus.MEDIATION_FAILED, station=directory.station, region=directory.north)
    with django_capture_on_commit_callbacks(execute=False):
        case_transition(
            case_id=case.pk,
            name="refer_to_arbitration",
            actor=directory.staff["mediator"],
            payload={"commission": directory.commission},
        )
    return Handoff.objects.get(case=case)


def _login(client, user):
    client.force_login(user)
    return client


def test_the_inbox_lists_received_handoffs_for_the_receiver_only(client, handoff, directory):
    url = reverse("admin:referrals_handoff_changelist") + "?direction=received"
    page = _login(client, directory.staff["arbitrator"]).get(url)
    assert page.status_code == 200
    assert handoff.case.tracking_code in page.content.decode()
    client.logout()
    page = _login(client, directory.staff["other_mediator"]).get(url)
    assert handoff.case.tracking_code not in page.content.decode()
    detail = client.get(reverse("admin:referrals_handoff_change", args=[handoff.pk]))
    assert detail.status_code == 404


def test_the_receiver_sees_the_packet_and_answers(client, handoff, directory):
    _login(client, directory.staff["arbitrator"])
    page = client.get(reverse("admin:referrals_handoff_change", args=[handoff.pk])).content.decode()
    assert handoff.case.worker_id_number in page
    assert 'data-answer="accept"' in page
    response = client.post(
        reverse("admin:referrals_handoff_answer", args=[handoff.pk, "accept"]),
        {"reference": "仲案12号", "assignee_name": "王仲裁"},
    )
    assert response.status_code == 302
    handoff.refresh_from_db()
    assert (handoff.status, handoff.reference, handoff.assignee_name) == (
        HandoffStatus.ACCEPTED,
        "仲案12号",
        "王仲裁",
    )


def test_the_sender_follows_the_status_without_the_numbers_or_the_answers(client, handoff, directory):
    _login(client, directory.staff["mediator"])
    page = client.get(reverse("admin:referrals_handoff_change", args=[handoff.pk])).content.decode()
    assert handoff.case.worker_id_number not in page
    assert "data-answer=" not in page
    response = client.post(reverse("admin:referrals_handoff_answer", args=[handoff.pk, "accept"]), {})
    assert response.status_code == 403
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.PENDING


def test_a_decline_without_reason_is_refused_with_a_message(client, handoff, directory):
    _login(client, directory.staff["arbitrator"])
    response = client.post(
        reverse("admin:referrals_handoff_answer", args=[handoff.pk, "decline"]), {"reason": ""}, follow=True
    )
    assert "请填写不予接收的理由" in response.content.decode()
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.PENDING


def test_dead_letters_show_their_error_and_are_retried_from_the_admin(
    client, handoff, directory, django_capture_on_commit_callbacks
):
    delivery = handoff.deliveries.get(channel=DeliveryChannel.WEBHOOK)
    HandoffDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.DEAD, attempts=8, last_error="ConnectTimeout: timed out"
    )
    _login(client, directory.staff["station_admin"])
    listing = client.get(reverse("admin:referrals_handoffdelivery_changelist") + "?dead=1").content.decode()
    assert "ConnectTimeout" in listing
    page = client.get(reverse("admin:referrals_handoffdelivery_change", args=[delivery.pk])).content.decode()
    assert 'data-testid="retry-delivery"' in page
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("admin:referrals_handoffdelivery_retry", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert len(callbacks) == 1


def test_another_station_cannot_see_or_retry_the_dead_letter(client, handoff, directory):
    delivery = handoff.deliveries.get(channel=DeliveryChannel.WEBHOOK)
    HandoffDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD)
    _login(client, directory.staff["other_admin"])
    assert (
        client.get(reverse("admin:referrals_handoffdelivery_change", args=[delivery.pk])).status_code == 404
    )
    assert (
        client.post(reverse("admin:referrals_handoffdelivery_retry", args=[delivery.pk])).status_code == 404
    )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD


def test_agency_endpoints_are_for_superusers_and_the_secret_is_never_shown(
    client, handoff, directory, admin_user
):
    endpoint = AgencyEndpoint.objects.get()
    _login(client, directory.staff["station_admin"])
    assert client.get(reverse("admin:referrals_agencyendpoint_change", args=[endpoint.pk])).status_code == 403
    client.logout()
    _login(client, admin_user)
    page = client.get(reverse("admin:referrals_agencyendpoint_change", args=[endpoint.pk]))
    assert page.status_code == 200
    assert 'value="k"' not in page.content.decode()
