"""The worker's mediation section on /track/: the agreement to read (the PDF only for the case opened in this
session), signing with the PIN (wrong PIN: a message; too many: 429), payments and what is due, the next steps after
a missed payment, the way to arbitration after failure, satisfaction and the request to reopen."""

import html
import io
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from pypdf import PdfReader

from disputes.models import Case
from disputes.tracking import TRACK_MAX_FAILURES
from mediation.models import Agreement, ReopenRequest, SatisfactionSurvey
from mediation.services import mediation_failure_record
from mediation.states import AgreementStatus

from .conftest import ID_NUMBER, draft, file_case, pay

pytestmark = pytest.mark.django_db


def visible_text(response) -> str:
    page = re.sub(r"(?is)<(script|style|template|head)[^>]*>.*?</\1>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def open_case(client, case, pin):
    response = client.post("/track/", {"tracking_code": case.tracking_code, "access_pin": pin})
    assert response.status_code == 302
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_worker_reads_and_signs_the_agreement_on_track(client, directory, mediating):
    case, pin = mediating
    mediator = directory.staff["mediator"]
    agreement = draft(case, mediator)
    open_case(client, case, pin)

    page = client.get("/track/")
    text = visible_text(page)
    assert "调解协议" in text and "待双方签署" in text
    assert "2026年9月工资" in text and "4,000.00 元" in text and "肆仟元整" in text
    assert 'data-testid="sign-form"' in page.content.decode()
    assert (
        "王经理" not in text and "13700001111" not in text
    )  # no contact person or phone on the worker's page

    pdf = client.get("/track/agreement/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Cache-Control"] == "private, no-store"
    pdf_text = re.sub(r"\s+", "", PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text())
    assert "刘洋" in pdf_text and ID_NUMBER not in pdf_text

    refused = client.post("/track/agreement/sign/", {"pin": pin}, follow=True)
    assert "请先阅读协议并勾选同意，再签署。" in messages_of(refused)
    wrong = client.post("/track/agreement/sign/", {"pin": "000000", "agree": "on"}, follow=True)
    assert any("查询密码不正确" in m for m in messages_of(wrong))

    signed = client.post("/track/agreement/sign/", {"pin": pin, "agree": "on"}, REMOTE_ADDR="198.51.100.9")
    assert signed.status_code == 302 and signed["Location"].endswith("/track/#agreement")
    agreement.refresh_from_db()
    assert agreement.worker_signed_at and agreement.worker_signed_ip == "198.51.100.9"
    page = client.get("/track/")
    assert "用人单位签署后协议生效" in " ".join(messages_of(page))
    assert 'data-testid="sign-form"' not in page.content.decode()
    assert "您确认并签署了调解协议。" in visible_text(page)


def test_too_many_wrong_pins_lock_signing_with_429(client, directory, mediating):
    case, pin = mediating
    draft(case, directory.staff["mediator"])
    open_case(client, case, pin)
    for _attempt in range(TRACK_MAX_FAILURES - 1):
        client.post("/track/agreement/sign/", {"pin": "111111", "agree": "on"})
    locked = client.post("/track/agreement/sign/", {"pin": "111111", "agree": "on"})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert "分钟后再试" in visible_text(locked)
    assert Agreement.objects.get().worker_signed_at is None


def test_the_pdf_and_the_actions_need_the_case_opened_in_this_session(client, directory, mediating):
    case, pin = mediating
    draft(case, directory.staff["mediator"])
    for url in ("/track/agreement/pdf/",):
        assert client.get(url)["Location"].endswith("/track/")
    for url in ("/track/agreement/sign/", "/track/agreement/remedy/", "/track/agreement/satisfaction/"):
        assert client.post(url, {"pin": pin, "agree": "on"})["Location"].endswith("/track/")
    assert Agreement.objects.get().worker_signed_at is None
    # Another worker's session reaches only their own case: a case without an agreement has no PDF.
    other, other_pin = file_case(directory)
    open_case(client, other, other_pin)
    assert client.get("/track/agreement/pdf/").status_code == 404


def test_a_draft_is_not_shown_to_the_worker(client, directory, mediating):
    case, pin = mediating
    draft(case, directory.staff["mediator"], submit=False)
    open_case(client, case, pin)
    assert 'id="agreement"' not in client.get("/track/").content.decode()
    assert client.get("/track/agreement/pdf/").status_code == 404


def test_payments_so_far_what_is_due_and_the_next_steps_after_a_missed_payment(client, directory, effective):
    case, agreement, pin = effective
    pay(agreement, directory.staff["mediator"], "500")
    open_case(client, case, pin)
    text = visible_text(client.get("/track/"))
    assert "已支付 500.00 元" in text and "尚未支付 3,500.00 元" in text and "部分支付" in text
    assert "对方没有按时付款" not in text

    missed = agreement.instalments.get(sequence=1).due_on + timedelta(days=1)
    with mock.patch("django.utils.timezone.localdate", return_value=missed):
        page = client.get("/track/")
        text = visible_text(page)
        assert "对方没有按时付款，您可以这样做" in text and "1,500.00 元" in text and "逾期未付清" in text
        for code in ("arbitration_review", "judicial_confirmation", "payment_order"):
            assert f'data-testid="remedy-{code}"' in page.content.decode()
        unconfirmed = client.post("/track/agreement/remedy/", {"remedy": "payment_order"}, follow=True)
        assert "请勾选确认后再提交。" in messages_of(unconfirmed)
        done = client.post(
            "/track/agreement/remedy/", {"remedy": "payment_order", "confirm": "on"}, follow=True
        )
    assert any("申请支付令" in m for m in messages_of(done))
    assert agreement.__class__.objects.get(pk=agreement.pk).remedy == "payment_order"


def test_after_failure_the_page_offers_arbitration_clearly(client, directory, mediating):
    case, pin = mediating
    mediation_failure_record(case_id=case.pk, actor=directory.staff["mediator"], reason="employer_refused")
    open_case(client, case, pin)
    page = client.get("/track/")
    text = visible_text(page)
    assert "调解没有达成协议" in text and directory.commission.name in text
    assert 'href="/track/arbitration/"' in page.content.decode()
    assert client.post("/track/arbitration/").status_code == 302
    assert Case.objects.get(pk=case.pk).status == "referred_to_arbitration"


def test_satisfaction_and_reopen_forms(client, directory, effective):
    case, agreement, pin = effective
    open_case(client, case, pin)
    late = agreement.instalments.get(sequence=1).due_on + timedelta(days=3)
    with mock.patch("django.utils.timezone.localdate", return_value=late):
        assert "协议没有履行？申请重新处理" in visible_text(client.get("/track/"))
        empty = client.post("/track/agreement/reopen/", {"reason": ""}, follow=True)
        assert "请简单说明情况，调解员会据此联系您。" in messages_of(empty)
        client.post("/track/agreement/reopen/", {"reason": "第一期没有付。"})
        assert ReopenRequest.objects.get().reason == "第一期没有付。"
        assert "正在等待处理" in visible_text(client.get("/track/"))

    assert 'id="satisfaction"' not in client.get("/track/").content.decode()
    pay(agreement, directory.staff["mediator"], "4000")
    assert "请评价这次调解服务" in visible_text(client.get("/track/"))
    client.post("/track/agreement/satisfaction/", {"score": "5", "comment": "很好"})
    assert SatisfactionSurvey.objects.get(case=case).score == 5
    page = client.get("/track/")
    assert "您的评价：5 分" in visible_text(page)
    again = client.post("/track/agreement/satisfaction/", {"score": "1"}, follow=True)
    assert "您已经评价过了，谢谢。" in messages_of(again)
    assert SatisfactionSurvey.objects.get(case=case).score == 5


def test_an_effective_agreement_reads_as_such(client, directory, effective):
    case, agreement, pin = effective
    assert agreement.status == AgreementStatus.EFFECTIVE
    open_case(client, case, pin)
    text = visible_text(client.get("/track/"))
    assert "已生效" in text and "协议履行情况" in text
    assert timezone.localtime(agreement.effective_at).strftime("%Y年") in text
