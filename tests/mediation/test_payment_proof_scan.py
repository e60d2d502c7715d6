"""Payment proofs go through the evidence quarantine (mediation.scanning): with a scanner configured (a fake clamd on
127.0.0.1 speaking INSTREAM) a proof is pending until scanned, never served while pending or infected (409 with a
Chinese message, nosniff), served as an attachment with the sandbox CSP once clean; the scan is published after
commit only; the sweeper picks up what was left pending; without a scanner proofs are marked not scanned and
served as before."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from disputes.evidence import evidence_check
from disputes.states import EvidenceScanStatus
from mediation import services
from mediation.models import Payment
from mediation.scanning import payment_proof_scan, payment_proof_scans_sweep
from mediation.states import PaymentMethod
from tests.disputes.test_upload_corpus import EICAR, PDF, clamd  # noqa: F401  (clamd: the fake scanner fixture)

pytestmark = pytest.mark.django_db


def record(agreement, actor, content: bytes, amount="1000"):
    return services.payment_record(
        agreement_id=agreement.pk,
        actor=actor,
        amount=Decimal(amount),
        paid_on=timezone.localdate(),
        method=PaymentMethod.BANK_TRANSFER,
        proof=evidence_check(SimpleUploadedFile("转账记录.pdf", content)),
    )


def download(client, payment):
    return client.get(reverse("admin:mediation_mediationcase_proof", args=[payment.pk]))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def scanner(clamd):  # noqa: F811  (the evidence tests' fake clamd, CLAMAV_URL pointing at it)
    return clamd


def test_an_infected_proof_is_quarantined_and_a_clean_one_served(
    client, directory, effective, scanner, media, django_capture_on_commit_callbacks
):
    _case, agreement, _pin = effective
    mediator = directory.staff["mediator"]
    clean_pdf = PDF + b"% clean\n"
    with django_capture_on_commit_callbacks(execute=True):
        bad = record(agreement, mediator, PDF + EICAR)
    with django_capture_on_commit_callbacks(execute=True):
        good = record(agreement, mediator, clean_pdf)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.proof_scan_status == EvidenceScanStatus.INFECTED and "EICAR" in bad.proof_scan_signature
    assert good.proof_scan_status == EvidenceScanStatus.CLEAN and good.proof_scanned_at is not None
    assert bad.amount == Decimal("1000.00")  # the payment counts; only its file is withheld

    client.force_login(mediator)
    refused = download(client, bad)
    assert refused.status_code == 409
    assert "未通过病毒检查" in refused.content.decode()
    assert b"EICAR" not in refused.content
    assert refused["X-Content-Type-Options"] == "nosniff"
    served = download(client, good)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == clean_pdf
    assert served["Content-Disposition"].startswith("attachment")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]


def test_a_proof_waiting_for_its_scan_is_not_served_until_the_sweeper_scans_it(
    client, directory, effective, scanner, media
):
    """Without the after-commit publish (the broker was down), the proof stays pending and quarantined."""
    _case, agreement, _pin = effective
    mediator = directory.staff["mediator"]
    payment = record(agreement, mediator, PDF)
    payment.refresh_from_db()
    assert payment.proof_scan_status == EvidenceScanStatus.PENDING and scanner.received == []
    client.force_login(mediator)
    response = download(client, payment)
    assert response.status_code == 409
    assert "正在进行病毒检查" in response.content.decode()
    api = APIClient()
    api.force_authenticate(mediator)
    listed = api.get(f"/api/v1/cases/{agreement.case_id}/payments/")
    assert listed.status_code == 200
    assert [row["proof_scan_status"] for row in listed.json()] == ["pending"]

    assert payment_proof_scans_sweep() == 0  # not yet overdue
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert payment_proof_scans_sweep() == 1  # eager in tests: the task runs here
    payment.refresh_from_db()
    assert payment.proof_scan_status == EvidenceScanStatus.CLEAN
    assert download(client, payment).status_code == 200
    assert payment_proof_scan(payment_id=payment.pk) is None  # a second delivery records nothing
    assert len(scanner.received) == 1


def test_a_rolled_back_payment_publishes_no_scan(
    directory, effective, scanner, media, django_capture_on_commit_callbacks
):
    _case, agreement, _pin = effective
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record(agreement, directory.staff["mediator"], PDF)
        raise RuntimeError("rolled back")
    assert not Payment.objects.exists() and scanner.received == []


def test_without_a_scanner_proofs_are_marked_not_scanned_and_served(
    client, directory, effective, media, settings, django_capture_on_commit_callbacks
):
    settings.CLAMAV_URL = ""
    _case, agreement, _pin = effective
    mediator = directory.staff["mediator"]
    with django_capture_on_commit_callbacks(execute=True):
        payment = record(agreement, mediator, PDF)
    payment.refresh_from_db()
    assert payment.proof_scan_status == EvidenceScanStatus.NOT_SCANNED
    assert payment_proof_scans_sweep() == 0
    client.force_login(mediator)
    assert download(client, payment).status_code == 200


def test_the_workbench_shows_a_quarantined_proof(client, directory, effective, scanner, media):
    case, agreement, _pin = effective
    mediator = directory.staff["mediator"]
    record(agreement, mediator, PDF)
    client.force_login(mediator)
    page = client.get(reverse("admin:mediation_mediationcase_change", args=[case.pk]))
    assert page.status_code == 200
    assert "待病毒检查" in page.content.decode()


def test_the_beat_sweeps_pending_proofs(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["mediation-sweep-payment-proof-scans"]
    assert entry["task"] in app.tasks and "mediation.scan_payment_proof" in app.tasks
