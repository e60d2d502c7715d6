"""The handoff API: scoped lists, the packet masked for the sender, signed and idempotent callbacks."""

import json
import time

import pytest
from rest_framework.test import APIClient

from disputes.models import CaseEvent
from disputes.services import case_transition
from disputes.states import CaseStatus
from referrals.delivery import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from referrals.models import AgencyEndpoint, Handoff
from referrals.states import HandoffStatus

from ..factories import case_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def handoff(directory, django_capture_on_commit_callbacks):
    case = case_in_state(CaseStatus.MEDIATION_FAILED, station=directory.station, region=directory.north)
    with django_capture_on_commit_callbacks(execute=False):
        case_transition(
            case_id=case.pk,
            name="refer_to_arbitration",
            actor=directory.staff["mediator"],
            payload={"commission": directory.commission},
        )
    return Handoff.objects.get(case=case)


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _url(handoff, action: str = "") -> str:
    return f"/api/v1/handoffs/{handoff.pk}/{action + '/' if action else ''}"


def test_lists_are_scoped_to_sender_and_receiver(handoff, directory):
    for who in ("arbitrator", "mediator"):
        body = _client(directory.staff[who]).get("/api/v1/handoffs/").json()
        assert [row["id"] for row in body["results"]] == [handoff.pk], who
    assert _client(directory.staff["other_mediator"]).get("/api/v1/handoffs/").json()["results"] == []
    received = _client(directory.staff["mediator"]).get("/api/v1/handoffs/?direction=received").json()
    assert received["results"] == []


def test_the_receiver_sees_the_packet_whole_and_the_sender_masked(handoff, directory):
    worker_id = handoff.case.worker_id_number
    whole = _client(directory.staff["arbitrator"]).get(_url(handoff)).json()
    assert whole["packet"]["worker"]["id_number"] == worker_id
    masked = _client(directory.staff["mediator"]).get(_url(handoff)).json()
    assert masked["packet"]["worker"]["id_number"] != worker_id
    assert "*" in masked["packet"]["worker"]["phone"]
    assert masked["deliveries"][0]["channel"] == "inbox"


def test_another_organization_gets_404(handoff, directory):
    response = _client(directory.staff["other_mediator"]).get(_url(handoff))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    response = _client(directory.staff["other_mediator"]).post(_url(handoff, "accept"), {}, format="json")
    assert response.status_code == 404


def test_the_sender_may_not_answer(handoff, directory):
    response = _client(directory.staff["mediator"]).post(_url(handoff, "accept"), {}, format="json")
    assert response.status_code == 403
    assert "接收机构" in response.json()["detail"]


def test_accept_then_a_repeated_callback_has_no_second_effect(handoff, directory):
    client = _client(directory.staff["arbitrator"])
    first = client.post(
        _url(handoff, "accept"), {"reference": "仲案2026-7"}, format="json", HTTP_IDEMPOTENCY_KEY="cb-1"
    )
    assert first.status_code == 200
    assert first.json()["status"] == HandoffStatus.ACCEPTED
    again = client.post(
        _url(handoff, "accept"), {"reference": "其他"}, format="json", HTTP_IDEMPOTENCY_KEY="cb-1"
    )
    assert again.status_code == 200
    assert again.json()["reference"] == "仲案2026-7"
    assert CaseEvent.objects.filter(transition="handoff_accepted").count() == 1


def test_decline_after_accept_is_a_conflict_and_decline_needs_a_reason(handoff, directory):
    client = _client(directory.staff["arbitrator"])
    response = client.post(_url(handoff, "decline"), {"reason": ""}, format="json")
    assert response.status_code == 400
    assert "理由" in json.dumps(response.json(), ensure_ascii=False)
    assert client.post(_url(handoff, "accept"), {}, format="json").status_code == 200
    response = client.post(_url(handoff, "decline"), {"reason": "不属于本委管辖"}, format="json")
    assert response.status_code == 409
    assert response.json()["current_state"] == HandoffStatus.ACCEPTED


def test_callbacks_must_be_signed_when_the_agency_has_a_secret(handoff, directory):
    AgencyEndpoint.objects.create(organization=directory.commission, secret="shared-secret")
    client = _client(directory.staff["arbitrator"])
    body = json.dumps({"reference": "仲案9"}, ensure_ascii=False).encode()
    stamp = str(int(time.time()))
    signature = sign(secret="shared-secret", timestamp=stamp, body=body)

    unsigned = client.post(_url(handoff, "accept"), body, content_type="application/json")
    assert unsigned.status_code == 403
    tampered = client.post(
        _url(handoff, "accept"),
        body.replace(b"9", b"8"),
        content_type="application/json",
        headers={TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature},
    )
    assert tampered.status_code == 403
    assert "签名" in tampered.json()["detail"]
    stale = str(int(time.time()) - 3600)
    old = client.post(
        _url(handoff, "accept"),
        body,
        content_type="application/json",
        headers={
            TIMESTAMP_HEADER: stale,
            SIGNATURE_HEADER: sign(secret="shared-secret", timestamp=stale, body=body),
        },
    )
    assert old.status_code == 403
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.PENDING  # nothing happened

    signed = client.post(
        _url(handoff, "accept"),
        body,
        content_type="application/json",
        headers={TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature},
    )
    assert signed.status_code == 200
    assert signed.json()["reference"] == "仲案9"


def test_anonymous_is_401(handoff):
    assert APIClient().get("/api/v1/handoffs/").status_code == 401
