"""Issued documents: numbers unique under concurrency, a verification code on every page, ``/verify/``."""

import threading
from io import BytesIO

import pytest
from django.db import connection
from django.urls import reverse
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas as pdf_canvas

from disputes.documents import document_issue, draw_footer, normalize_code, register_cjk_font
from disputes.models import IssuedDocument
from disputes.models.documents import DocumentKind

from ..factories import CaseFactory


def _render(stamp) -> bytes:
    buffer = BytesIO()
    page = pdf_canvas.Canvas(buffer, pagesize=A4)
    page.setFont(register_cjk_font(), 14)
    page.drawString(72, 760, "仲裁调解书")
    draw_footer(page, stamp, page_width=A4[0], margin=72)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _issue(case, issuer, kind=DocumentKind.ARBITRATION_MEDIATION):
    return document_issue(case=case, kind=kind, issuer=issuer, title="仲裁调解书", render=_render)


@pytest.mark.django_db
def test_numbers_count_up_per_issuer_kind_and_year(directory):
    case = CaseFactory(station=directory.station)
    first, second = _issue(case, directory.commission), _issue(case, directory.commission)
    other_kind = _issue(case, directory.commission, DocumentKind.ARBITRATION_AWARD)
    other_issuer = _issue(case, directory.court, DocumentKind.ARBITRATION_MEDIATION)
    assert (first.sequence, second.sequence, other_kind.sequence, other_issuer.sequence) == (1, 2, 1, 1)
    assert first.number.startswith("ARB 仲调字〔") and first.number.endswith("第1号")
    assert first.verification_code != second.verification_code
    assert len(first.sha256) == 64


@pytest.mark.django_db
def test_the_pdf_carries_the_tracking_and_verification_codes(directory):
    from pypdf import PdfReader

    case = CaseFactory(station=directory.station)
    document = _issue(case, directory.commission)
    text = PdfReader(BytesIO(document.file.read())).pages[0].extract_text()
    assert case.tracking_code in text
    assert document.verification_code in text
    assert "仲裁调解书" in text


@pytest.mark.django_db
def test_a_failing_renderer_uses_no_number(directory):
    case = CaseFactory(station=directory.station)

    def broken(stamp):
        raise RuntimeError("template error")

    with pytest.raises(RuntimeError):
        document_issue(
            case=case,
            kind=DocumentKind.ARBITRATION_MEDIATION,
            issuer=directory.commission,
            title="x",
            render=broken,
        )
    assert _issue(case, directory.commission).sequence == 1


@pytest.mark.django_db(transaction=True)
def test_numbers_are_unique_when_issued_at_once(directory, postgres):
    case = CaseFactory(station=directory.station)
    barrier = threading.Barrier(6)
    errors = []

    def issue():
        try:
            barrier.wait(timeout=10)
            _issue(case, directory.commission)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    sequences = sorted(IssuedDocument.objects.values_list("sequence", flat=True))
    assert sequences == [1, 2, 3, 4, 5, 6]
    assert len(set(IssuedDocument.objects.values_list("number", flat=True))) == 6


def test_codes_are_read_forgivingly():
    assert normalize_code(" abcd efgh-jkmn ") == "ABCD-EFGH-JKMN"
    assert normalize_code("ＡＢＣＤＥＦＧＨＪＫＭＮ") == "ABCD-EFGH-JKMN"


@pytest.mark.django_db
def test_verify_tells_a_genuine_document_without_personal_data(client, directory):
    case = CaseFactory(station=directory.station)
    document = _issue(case, directory.commission)
    code = document.verification_code.lower().replace("-", " ")
    response = client.get(reverse("disputes:verify"), {"code": code})
    assert response.status_code == 200
    page = response.content.decode()
    assert document.number in page
    assert directory.commission.name in page
    assert document.sha256 in page
    for personal in (case.worker_name, case.worker_id_number, case.worker_phone, case.tracking_code):
        assert personal not in page


@pytest.mark.django_db
def test_verify_refuses_a_forged_code_and_an_empty_one(client):
    response = client.get(reverse("disputes:verify"), {"code": "ABCD-EFGH-JKMN"})
    assert response.status_code == 404
    assert "没有找到这个验证码" in response.content.decode()
    assert client.get(reverse("disputes:verify"), {"code": ""}).status_code == 400
    assert client.get(reverse("disputes:verify")).status_code == 200


@pytest.mark.django_db
def test_verify_is_rate_limited(client, settings):
    from disputes import verify_views

    settings.RATELIMIT_ENABLE = True
    original = verify_views.VERIFY_RATE
    verify_views.VERIFY_RATE = "3/h"
    try:
        statuses = [
            client.get(reverse("disputes:verify"), {"code": f"ABCD-EFGH-JKM{i}"}).status_code
            for i in range(5)
        ]
    finally:
        verify_views.VERIFY_RATE = original
    assert statuses[:3] == [404, 404, 404]
    assert statuses[3:] == [429, 429]


@pytest.mark.django_db
def test_the_verify_api(client, directory):
    case = CaseFactory(station=directory.station)
    document = _issue(case, directory.commission)
    body = client.get("/api/v1/documents/verify/", {"code": document.verification_code}).json()
    assert body["number"] == document.number
    assert body["issuer_name"] == directory.commission.name
    assert set(body) == {"kind_display", "number", "title", "issuer_name", "issued_at", "sha256", "revoked"}
    assert client.get("/api/v1/documents/verify/", {"code": "ZZZZ-ZZZZ-ZZZZ"}).status_code == 404
    assert client.get("/api/v1/documents/verify/").status_code == 400
