"""The mediation workbench in the admin: scoped (another station's case, agreement, payment or request is a 404),
sessions and contacts recorded, the agreement drafted with items and schedule, the employer's signature recorded,
payments uploaded with their proof, the PDF for the staff who work the case, failure with the worker's consent."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from disputes.models import Case
from mediation.models import Agreement, ContactLog, MediationSession, Payment

from .conftest import ID_NUMBER, draft, file_case, jpeg_upload, pay

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"admin:mediation_mediationcase_{name}", args=args)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_workbench_is_scoped_to_the_users_station(client, directory, mediating):
    case, _pin = mediating
    other_case, _ = file_case(directory, station=directory.other)
    client.force_login(directory.staff["mediator"])
    listing = client.get(url("changelist"))
    assert listing.status_code == 200
    assert case.tracking_code in listing.content.decode()
    assert other_case.tracking_code not in listing.content.decode()
    assert "13912345678" not in listing.content.decode() and "139****5678" in listing.content.decode()
    assert client.get(url("change", case.pk)).status_code == 200

    client.force_login(directory.staff["other_mediator"])
    assert client.get(url("change", case.pk)).status_code == 404
    assert client.get(url("session", case.pk)).status_code == 404
    agreement = draft(case, directory.staff["mediator"])
    for target in (
        url("pdf", agreement.pk),
        url("employer_signature", agreement.pk),
        url("payment", agreement.pk),
    ):
        assert client.get(target).status_code == 404


def test_sessions_and_contacts_are_recorded_from_the_workbench(client, directory, mediating):
    case, _pin = mediating
    client.force_login(directory.staff["mediator"])
    page = client.get(url("change", case.pk)).content.decode()
    assert url("session", case.pk) in page and url("agreement", case.pk) in page

    when = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url("session", case.pk),
        {
            "held_at": when,
            "mode": "phone",
            "place": "电话",
            "attendees": "双方与调解员",
            "summary": "初步沟通。",
        },
    )
    assert response.status_code == 302 and "已记录调解过程。" in messages_of(response)
    assert MediationSession.objects.get(case=case).mode == "phone"

    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    again = client.post(
        url("session", case.pk),
        {"held_at": future, "mode": "phone", "place": "电话", "attendees": "双方", "summary": "x"},
    )
    assert again.status_code == 200 and "不能晚于现在" in again.content.decode()

    client.post(
        url("contact", case.pk),
        {
            "at": when,
            "direction": "outgoing",
            "channel": "phone",
            "employer_contact_name": "王经理",
            "summary": "约定周五调解。",
        },
    )
    assert ContactLog.objects.get(case=case).employer_contact_name == "王经理"
    page = client.get(url("change", case.pk)).content.decode()
    assert "初步沟通。" in page and "约定周五调解。" in page


def test_drafting_signing_and_paying_from_the_workbench(client, directory, mediating):
    case, pin = mediating
    client.force_login(directory.staff["mediator"])
    form = client.get(url("agreement", case.pk))
    assert form.status_code == 200 and 'name="items-0-amount"' in form.content.decode()
    today = timezone.localdate()
    data = {
        "employer_name": case.employer_name,
        "employer_contact_name": "王经理",
        "employer_contact_phone": "13700001111",
        "payment_method": "bank_transfer",
        "payment_only": "on",
        "other_terms": "",
        "items-TOTAL_FORMS": "4",
        "items-INITIAL_FORMS": "0",
        "items-0-category": "wages",
        "items-0-description": "9月工资",
        "items-0-amount": "3000",
        "items-1-category": "compensation",
        "items-1-description": "经济补偿",
        "items-1-amount": "1000",
        "instalments-TOTAL_FORMS": "4",
        "instalments-INITIAL_FORMS": "0",
        "instalments-0-due_on": (today + timedelta(days=5)).isoformat(),
        "instalments-0-amount": "2000",
        "instalments-1-due_on": (today + timedelta(days=35)).isoformat(),
        "instalments-1-amount": "1500",
        "submit": "1",
    }
    wrong = client.post(url("agreement", case.pk), data)
    assert wrong.status_code == 200 and "不一致" in wrong.content.decode()
    assert not Agreement.objects.exists()

    data["instalments-1-amount"] = "2000"
    done = client.post(url("agreement", case.pk), data)
    assert done.status_code == 302, done.content.decode()[:2000]
    agreement = Agreement.objects.get()
    assert agreement.status == "awaiting_signatures" and agreement.total == 4000

    pdf = client.get(url("pdf", agreement.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert ID_NUMBER in re.sub(r"\s+", "", PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text())

    from mediation.services import agreement_sign_by_worker

    agreement_sign_by_worker(agreement_id=agreement.pk, pin=pin, client_ip="127.0.0.1")
    workbench = client.get(url("change", case.pk)).content.decode()
    for target in (
        url("employer_signature", agreement.pk),
        url("void", agreement.pk),
        url("pdf", agreement.pk),
    ):
        assert f'href="{target}"' in workbench
    assert 'href=""' not in workbench
    unconfirmed = client.post(url("employer_signature", agreement.pk), {"signatory": "王经理"})
    assert unconfirmed.status_code == 200
    signed = client.post(url("employer_signature", agreement.pk), {"signatory": "王经理", "confirm": "on"})
    assert "协议已生效" in " ".join(messages_of(signed))
    assert Case.objects.get(pk=case.pk).status == "agreement_reached"

    bad = client.post(
        url("payment", agreement.pk),
        {
            "amount": "100",
            "paid_on": today.isoformat(),
            "method": "bank_transfer",
            "proof": io.BytesIO(b"not an image"),
        },
    )
    assert bad.status_code == 200 and "类型无法接受" in bad.content.decode()
    paid = client.post(
        url("payment", agreement.pk),
        {"amount": "4000", "paid_on": today.isoformat(), "method": "bank_transfer", "proof": jpeg_upload()},
    )
    assert paid.status_code == 302
    payment = Payment.objects.get()
    assert Case.objects.get(pk=case.pk).status == "fulfilled"
    proof = client.get(url("proof", payment.pk))
    assert proof.status_code == 200 and b"".join(proof.streaming_content).startswith(b"\xff\xd8")
    assert proof["Cache-Control"] == "private, no-store"


def test_an_official_sees_the_workbench_but_not_the_pdf_or_proofs(client, directory, effective):
    case, agreement, _pin = effective
    payment = pay(agreement, directory.staff["mediator"], "100")
    client.force_login(directory.staff["official"])
    page = client.get(url("change", case.pk))
    assert page.status_code == 200
    assert "13912345678" not in page.content.decode() and "139****5678" in page.content.decode()
    assert "13700001111" not in page.content.decode()
    assert client.get(url("pdf", agreement.pk)).status_code == 403
    assert client.get(url("proof", payment.pk)).status_code == 403
    assert client.get(url("payment", agreement.pk)).status_code == 403


def test_failure_with_consent_from_the_workbench(client, directory, mediating):
    case, _pin = mediating
    client.force_login(directory.staff["mediator"])
    response = client.post(
        url("failure", case.pk),
        {"reason": "employer_refused", "detail": "", "worker_consents": "on", "consent_channel": "in_person"},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "referred_to_arbitration"


def test_a_conflict_is_a_message_on_the_workbench(client, directory, mediating):
    case, _pin = mediating
    agreement = draft(case, directory.staff["mediator"])
    Case.objects.filter(pk=case.pk).update(status="mediation_failed")
    client.force_login(directory.staff["mediator"])
    response = client.post(url("employer_signature", agreement.pk), {"signatory": "王经理", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == url("change", case.pk)
    assert any("不能再签署" in m for m in messages_of(response))


def test_a_draft_is_put_up_for_signatures_from_the_workbench(client, directory, mediating):
    case, _pin = mediating
    agreement = draft(case, directory.staff["mediator"], submit=False)
    client.force_login(directory.staff["mediator"])
    workbench = client.get(url("change", case.pk)).content.decode()
    assert f'action="{url("submit", agreement.pk)}"' in workbench
    assert client.get(url("submit", agreement.pk)).status_code == 302  # GET changes nothing
    agreement.refresh_from_db()
    assert agreement.status == "draft"
    response = client.post(url("submit", agreement.pk))
    assert response.status_code == 302 and "已提交双方签署" in " ".join(messages_of(response))
    agreement.refresh_from_db()
    assert agreement.status == "awaiting_signatures"
    void = client.post(url("void", agreement.pk), {"reason": "用人单位要求修改付款日期"})
    assert void.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "void" and agreement.void_reason == "用人单位要求修改付款日期"
