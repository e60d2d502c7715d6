"""Fixtures of the mediation tests: a case in mediation at the directory's station (filed through the services, so
it has a real PIN and history), and helpers that draft, sign and pay an agreement."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from disputes.evidence import evidence_check
from disputes.models import Case
from disputes.permissions import SYSTEM, WORKER
from disputes.services import ClaimInput, case_create, case_transition
from mediation import services
from mediation.states import PaymentMethod

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
EMPLOYER_PHONE = "13700001111"
CLIENT_IP = "203.0.113.7"


def file_case(directory, *, station=None, claims=None):
    """A case filed by the worker and taken into mediation by the station's mediator; returns (case, pin)."""
    station = station or directory.station
    case, pin = case_create(
        actor=WORKER,
        worker_name="刘洋",
        worker_id_number=ID_NUMBER,
        worker_phone=PHONE,
        employer_name="某某即时配送有限公司",
        industry="express_delivery",
        claims=claims or [ClaimInput(category="wages", amount=Decimal("4800.00"))],
        facts="9月工资没有发。",
        station=station,
    )
    mediator = (
        directory.staff["mediator"] if station == directory.station else directory.staff["other_mediator"]
    )
    case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": station})
    case_transition(case_id=case.pk, name="accept", actor=mediator, payload={"mediator": mediator})
    case_transition(case_id=case.pk, name="start_mediation", actor=mediator)
    return Case.objects.get(pk=case.pk), pin


@pytest.fixture
def mediating(directory):
    """(case, pin) of a case in mediation at directory.station, mediator ``mediator_a``."""
    return file_case(directory)


def items(*rows):
    return [services.ItemInput(category=c, description=d, amount=Decimal(a)) for c, d, a in rows]


def schedule(*rows):
    today = timezone.localdate()
    return [
        services.InstalmentInput(due_on=today + timedelta(days=days), amount=Decimal(a)) for days, a in rows
    ]


def draft(case, actor, *, item_rows=None, schedule_rows=None, submit=True, **extra):
    return services.agreement_draft(
        case_id=case.pk,
        actor=actor,
        items=items(
            *(item_rows or [("wages", "2026年9月工资", "3000.00"), ("compensation", "经济补偿", "1000.00")])
        ),
        instalments=schedule(*(schedule_rows or [(10, "2000.00"), (40, "2000.00")])),
        payment_method=PaymentMethod.BANK_TRANSFER,
        employer_contact_name="王经理",
        employer_contact_phone=EMPLOYER_PHONE,
        other_terms=extra.pop("other_terms", "双方就本争议再无其他纠纷。"),
        submit=submit,
        **extra,
    )


def sign_both(agreement, pin, mediator):
    services.agreement_sign_by_worker(agreement_id=agreement.pk, pin=pin, client_ip=CLIENT_IP)
    return services.agreement_sign_by_employer(agreement_id=agreement.pk, actor=mediator, signatory="王经理")


def jpeg_upload(name="转账记录.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def proof(name="转账记录.jpg"):
    return evidence_check(jpeg_upload(name))


def pay(agreement, actor, amount, *, paid_on=None, today=None):
    return services.payment_record(
        agreement_id=agreement.pk,
        actor=actor,
        amount=Decimal(amount),
        paid_on=paid_on or timezone.localdate(),
        method=PaymentMethod.BANK_TRANSFER,
        proof=proof(),
        today=today,
    )


@pytest.fixture
def effective(directory, mediating):
    """(case, agreement, pin): an agreement of 4000 yuan in two instalments (in 10 and 40 days), signed by both."""
    case, pin = mediating
    mediator = directory.staff["mediator"]
    agreement = sign_both(draft(case, mediator), pin, mediator)
    return Case.objects.get(pk=case.pk), agreement, pin
