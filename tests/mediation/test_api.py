"""The mediation API: sessions, contacts, the agreement (create, get, PDF), the employer's signature and payments
(multipart with the proof), scoped to the caller's cases (404), with 403, 409 and 400 as the services answer."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from disputes.models import Case

from .conftest import CLIENT_IP, EMPLOYER_PHONE, draft, file_case, jpeg_upload

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def agreement_body(**overrides):
    today = timezone.localdate()
    body = {
        "items": [
            {"category": "wages", "description": "9月工资", "amount": "3000.00"},
            {"category": "compensation", "description": "经济补偿", "amount": "1000.00"},
        ],
        "instalments": [
            {"due_on": (today + timedelta(days=7)).isoformat(), "amount": "1000.00"},
            {"due_on": (today + timedelta(days=37)).isoformat(), "amount": "3000.00"},
        ],
        "payment_method": "bank_transfer",
        "employer_contact_name": "王经理",
        "employer_contact_phone": EMPLOYER_PHONE,
    }
    body.update(overrides)
    return body


def test_sessions_and_contacts(directory, mediating):
    case, _pin = mediating
    client = api(directory.staff["mediator"])
    base = f"/api/v1/cases/{case.pk}"
    held = (timezone.now() - timedelta(hours=1)).isoformat()
    created = client.post(
        f"{base}/sessions/",
        {"held_at": held, "mode": "online", "place": "视频", "attendees": "双方", "summary": "第一次调解。"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["mode_display"] == "线上视频调解"
    assert [s["summary"] for s in client.get(f"{base}/sessions/").json()] == ["第一次调解。"]

    bad = client.post(f"{base}/sessions/", {"mode": "telepathy"}, format="json")
    assert bad.status_code == 400 and {"held_at", "mode", "place"} <= set(bad.json()["errors"])

    contact = client.post(
        f"{base}/contacts/",
        {
            "at": held,
            "direction": "incoming",
            "channel": "phone",
            "employer_contact_name": "王经理",
            "summary": "来电",
        },
        format="json",
    )
    assert contact.status_code == 201
    assert client.get(f"{base}/contacts/").json()[0]["channel_display"] == "电话"

    assert api(directory.staff["other_mediator"]).get(f"{base}/sessions/").status_code == 404
    official = api(directory.staff["official"])
    refused = official.post(
        f"{base}/sessions/",
        {"held_at": held, "mode": "online", "place": "视频", "attendees": "双方", "summary": "x"},
        format="json",
    )
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_the_agreement_is_created_read_signed_and_downloaded(directory, mediating):
    case, pin = mediating
    mediator = directory.staff["mediator"]
    client = api(mediator)
    base = f"/api/v1/cases/{case.pk}/agreement"
    assert client.get(f"{base}/").status_code == 404

    wrong = client.post(f"{base}/", agreement_body(instalments=[]), format="json")
    assert wrong.status_code == 400 and "instalments" in wrong.json()["errors"]

    created = client.post(f"{base}/", agreement_body(), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["status"] == "awaiting_signatures" and data["total"] == "4000.00"
    assert data["employer_contact_phone"] == EMPLOYER_PHONE
    assert [i["sequence"] for i in data["instalments"]] == [1, 2] and data["paid"] == "0.00"

    official = api(directory.staff["official"]).get(f"{base}/")
    assert official.status_code == 200 and official.json()["employer_contact_phone"] == "137****1111"
    assert api(directory.staff["official"]).get(f"{base}/pdf/").status_code == 403

    pdf = client.get(f"{base}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"

    from mediation.services import agreement_sign_by_worker

    agreement_sign_by_worker(agreement_id=data["id"], pin=pin, client_ip=CLIENT_IP)
    blank = client.post(f"{base}/employer-signature/", {"signatory": ""}, format="json")
    assert blank.status_code == 400
    signed = client.post(f"{base}/employer-signature/", {"signatory": "王经理"}, format="json")
    assert signed.status_code == 200 and signed.json()["status"] == "effective"
    assert Case.objects.get(pk=case.pk).status == "agreement_reached"
    again = client.post(f"{base}/employer-signature/", {"signatory": "王经理"}, format="json")
    assert again.status_code == 409 and again.json()["current_state"] == "agreement_reached"
    conflict = client.post(f"{base}/", agreement_body(), format="json")
    assert conflict.status_code == 409


def test_payments_with_proof_partial_and_overpaid(directory, effective):
    case, agreement, _pin = effective
    client = api(directory.staff["mediator"])
    base = f"/api/v1/cases/{case.pk}/payments/"
    today = timezone.localdate().isoformat()
    first = client.post(
        base,
        {"amount": "1500.00", "paid_on": today, "payment_method": "cash", "proof": jpeg_upload()},
        format="multipart",
    )
    assert first.status_code == 201, first.json()
    assert first.json()["instalment"] == 1 and len(first.json()["proof_sha256"]) == 64

    over = client.post(
        base,
        {"amount": "2600.00", "paid_on": today, "payment_method": "cash", "proof": jpeg_upload()},
        format="multipart",
    )
    assert over.status_code == 400 and "2,500.00" in over.json()["errors"]["amount"][0]

    not_a_proof = io.BytesIO(b"hello")
    not_a_proof.name = "proof.txt"
    bad = client.post(
        base,
        {"amount": "10.00", "paid_on": today, "payment_method": "cash", "proof": not_a_proof},
        format="multipart",
    )
    assert bad.status_code == 400 and "proof" in bad.json()["errors"]

    last = client.post(
        base,
        {"amount": "2500.00", "paid_on": today, "payment_method": "cash", "proof": jpeg_upload()},
        format="multipart",
    )
    assert last.status_code == 201
    assert Case.objects.get(pk=case.pk).status == "fulfilled"
    listed = client.get(base).json()
    assert [p["amount"] for p in listed] == ["1500.00", "2500.00"]
    assert client.get(f"/api/v1/cases/{case.pk}/agreement/").json()["paid"] == "4000.00"

    late = client.post(
        base,
        {"amount": "1.00", "paid_on": today, "payment_method": "cash", "proof": jpeg_upload()},
        format="multipart",
    )
    assert late.status_code == 409


def test_an_oversized_upload_is_413(directory, effective, settings):
    case, _agreement, _pin = effective
    settings.EVIDENCE_MAX_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    big = io.BytesIO(b"\xff\xd8" + b"0" * 5000)
    big.name = "big.jpg"
    response = api(directory.staff["mediator"]).post(
        f"/api/v1/cases/{case.pk}/payments/",
        {
            "amount": "1.00",
            "paid_on": timezone.localdate().isoformat(),
            "payment_method": "cash",
            "proof": big,
        },
        format="multipart",
    )
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_another_station_gets_404_everywhere(directory, effective):
    case, _agreement, _pin = effective
    other_case, _ = file_case(directory, station=directory.other)
    client = api(directory.staff["other_mediator"])
    for path in ("sessions/", "contacts/", "agreement/", "agreement/pdf/", "payments/"):
        assert client.get(f"/api/v1/cases/{case.pk}/{path}").status_code == 404, path
    assert (
        client.post(f"/api/v1/cases/{case.pk}/agreement/", agreement_body(), format="json").status_code == 404
    )
    assert client.get(f"/api/v1/cases/{other_case.pk}/agreement/").status_code == 404  # visible, but none yet
    draft(other_case, directory.staff["other_mediator"])
    assert client.get(f"/api/v1/cases/{other_case.pk}/agreement/").status_code == 200


def test_anonymous_is_401(mediating):
    case, _pin = mediating
    assert APIClient().get(f"/api/v1/cases/{case.pk}/sessions/").status_code == 401


def test_the_endpoints_are_in_the_schema(db):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/cases/{case_id}/sessions/": {"get", "post"},
        "/api/v1/cases/{case_id}/contacts/": {"get", "post"},
        "/api/v1/cases/{case_id}/agreement/": {"get", "post"},
        "/api/v1/cases/{case_id}/agreement/pdf/": {"get"},
        "/api/v1/cases/{case_id}/agreement/employer-signature/": {"post"},
        "/api/v1/cases/{case_id}/payments/": {"get", "post"},
    }.items():
        assert methods <= set(paths[path]), path
    payment = paths["/api/v1/cases/{case_id}/payments/"]["post"]
    assert "multipart/form-data" in payment["requestBody"]["content"]
    assert {"400", "403", "404", "409", "413"} <= set(payment["responses"])
    assert (
        "application/pdf"
        in paths["/api/v1/cases/{case_id}/agreement/pdf/"]["get"]["responses"]["200"]["content"]
    )
