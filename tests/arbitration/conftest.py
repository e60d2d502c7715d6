"""Fixtures of the arbitration tests: cases filed through the services (real PIN and history), taken through
mediation to an effective agreement signed by both parties, or to failure and a referral; the demo-like minimum
wage; and the deadline rules this app seeds (a transactional test's flush removes migration data)."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from arbitration.models import MinimumWage
from disputes.models import Case, DeadlineRule
from disputes.permissions import SYSTEM, WORKER
from disputes.services import ClaimInput, case_create, case_transition
from mediation import services as mediation
from mediation.states import PaymentMethod

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
CLIENT_IP = "203.0.113.9"
WORKER_NAME = "刘洋"
EMPLOYER = "某某即时配送有限公司"


def seed_deadline_rules():
    for module in (
        "disputes.migrations.0002_history_append_only_and_deadline_rules",
        "arbitration.migrations.0002_deadline_rules",
    ):
        for rule in importlib.import_module(module).RULES:
            DeadlineRule.objects.get_or_create(code=rule["code"], defaults=rule)
    # The extensions the law allows (the award period, the one-stop mediation period).
    importlib.import_module("disputes.migrations.0019_deadline_extensions").seed(django_apps, None)


@pytest.fixture
def rules(db):
    seed_deadline_rules()


def file_case(directory, *, station=None, claims=None, mediate=True):
    """A case filed by the worker; with ``mediate``, taken into mediation by the station's mediator.
    Returns (case, pin)."""
    station = station or directory.station
    case, pin = case_create(
        actor=WORKER,
        worker_name=WORKER_NAME,
        worker_id_number=ID_NUMBER,
        worker_phone=PHONE,
        employer_name=EMPLOYER,
        industry="express_delivery",
        claims=claims or [ClaimInput(category="wages", amount=Decimal("6000.00"))],
        facts="9月、10月工资没有发。",
        station=station,
    )
    case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": station})
    if mediate:
        mediator = directory.staff["mediator"]
        case_transition(case_id=case.pk, name="accept", actor=mediator, payload={"mediator": mediator})
        case_transition(case_id=case.pk, name="start_mediation", actor=mediator)
    return Case.objects.get(pk=case.pk), pin


def sign_agreement(
    directory, case, pin, *, payment_only=True, due_in_days=10, draft_today=None, amount="6000.00"
):
    """Draft an agreement (one wage item, one payment in ``due_in_days``), signed by both: it takes effect now and
    the case records the agreement."""
    mediator = directory.staff["mediator"]
    today = draft_today or timezone.localdate()
    agreement = mediation.agreement_draft(
        case_id=case.pk,
        actor=mediator,
        items=[
            mediation.ItemInput(category="wages", description="2026年9月、10月工资", amount=Decimal(amount))
        ],
        instalments=[
            mediation.InstalmentInput(
                due_on=timezone.localdate() + timedelta(days=due_in_days), amount=Decimal(amount)
            )
        ],
        payment_method=PaymentMethod.BANK_TRANSFER,
        employer_contact_name="王经理",
        payment_only=payment_only,
        submit=True,
        today=today,
    )
    mediation.agreement_sign_by_worker(agreement_id=agreement.pk, pin=pin, client_ip=CLIENT_IP)
    return mediation.agreement_sign_by_employer(agreement_id=agreement.pk, actor=mediator, signatory="王经理")


@pytest.fixture
def agreed(directory, rules):
    """(case, agreement, pin): an effective agreement of 6000 yuan payable in 10 days, at directory.station."""
    case, pin = file_case(directory)
    agreement = sign_agreement(directory, case, pin)
    return Case.objects.get(pk=case.pk), agreement, pin


def file_for(case, actor, route, organization):
    """The mediator files the agreement as both parties asked (the request_confirmation transition)."""
    return case_transition(
        case_id=case.pk,
        name="request_confirmation",
        actor=actor,
        note="双方共同申请。",
        payload={"route": route, "organization": organization},
    )


@pytest.fixture
def minimum_wage(directory):
    return MinimumWage.objects.create(
        region=directory.city,
        monthly_amount=Decimal("2490.00"),
        effective_from=timezone.localdate() - timedelta(days=365),
        source="测试数据",
    )


@pytest.fixture
def referred(directory, rules):
    """A case whose mediation failed and which the worker took to the commission (case, pin)."""
    case, pin = file_case(directory)
    mediation.mediation_failure_record(
        case_id=case.pk,
        actor=directory.staff["mediator"],
        reason="employer_refused",
        worker_consents=True,
        consent_channel="phone",
    )
    return Case.objects.get(pk=case.pk), pin


def hearing_in(days: int, place="示范市仲裁院第一仲裁庭"):
    from arbitration.services import HearingInput

    at = timezone.localtime() + timedelta(days=days)
    return HearingInput(at=at.replace(hour=9, minute=30, second=0, microsecond=0), place=place)


def pdf_text(document) -> str:
    """The text of an issued document's PDF, lines joined (a phrase may wrap)."""
    from io import BytesIO

    from pypdf import PdfReader

    with document.file.open("rb") as handle:
        pages = PdfReader(BytesIO(handle.read())).pages
        return "".join(page.extract_text() for page in pages).replace("\n", "")
