"""Judicial confirmation end to end: the court confirms (its ruling, numbered and verifiable); the employer misses
the payment; the worker applies for enforcement on /track/; the court registers it, records what it recovered and
ends it; the case closes. And a refusal, and the legal-aid centre applying for the worker."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from arbitration import services
from arbitration.models import EnforcementCase
from disputes.models import Case, CaseDeadline
from disputes.models.documents import DocumentKind
from disputes.states import CaseStatus, ConfirmationRoute
from disputes.tracking import worker_view
from disputes.views import SESSION_TRACK
from referrals.models import Handoff
from referrals.states import HandoffKind, HandoffStatus

from .conftest import file_case, file_for, pdf_text, sign_agreement

pytestmark = pytest.mark.django_db
S = CaseStatus
R = ConfirmationRoute


@pytest.fixture
def overdue(directory, rules):
    """An agreement whose only payment fell due five days ago (drafted and signed earlier in substance; the schedule
    is dated from 40 days ago), filed for judicial confirmation with the court."""
    case, pin = file_case(directory)
    agreement = sign_agreement(
        directory, case, pin, due_in_days=-5, draft_today=timezone.localdate() - timedelta(days=40)
    )
    file_for(
        Case.objects.get(pk=case.pk), directory.staff["mediator"], R.JUDICIAL_CONFIRMATION, directory.court
    )
    return Case.objects.get(pk=case.pk), agreement, pin


def panel_html(case) -> str:
    """The worker's arbitration section of /track/, as the page includes it."""
    from django.template.loader import render_to_string

    from arbitration.tracking import worker_panel

    panel = worker_panel(case=case)
    return render_to_string(panel.template, {"panel": panel.context}) if panel else ""


def open_track(client, case):
    session = client.session
    session[SESSION_TRACK] = case.pk
    session.save()


def test_confirmed_enforced_recovered_and_closed(client, directory, overdue):
    case, _agreement, _pin = overdue
    clerk = directory.staff["court_clerk"]
    assert CaseDeadline.objects.get(case=case, rule__code="jc.decision").is_active

    ruling = services.judicial_confirm(case_id=case.pk, actor=clerk)
    case = Case.objects.get(pk=case.pk)
    assert case.status == S.CONFIRMED and ruling.kind == DocumentKind.JUDICIAL_RULING
    assert ruling.issuer == directory.court and "民特字" in ruling.number
    text = pdf_text(ruling)
    assert "民事裁定书" in text and "调解协议有效" in text and ruling.verification_code in text
    assert (
        Handoff.objects.get(case=case, kind=HandoffKind.JUDICIAL_CONFIRMATION).status
        == HandoffStatus.ACCEPTED
    )

    # The worker sees the overdue payment, the ruling to download, and the way to enforcement.
    open_track(client, case)
    page = panel_html(case)
    assert "申请强制执行" in page and ruling.number in page and directory.court.name in page
    document = client.get(f"/track/documents/{ruling.pk}/")
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert b"".join(document.streaming_content).startswith(b"%PDF")

    assert client.get("/track/enforcement/").status_code == 200
    refused = client.post("/track/enforcement/", {})
    assert refused.status_code == 302 and Case.objects.get(pk=case.pk).status == S.CONFIRMED
    applied = client.post("/track/enforcement/", {"confirm": "yes"})
    assert applied.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.status == S.ENFORCEMENT and case.handling_org == directory.court
    row = EnforcementCase.objects.get(case=case)
    assert row.basis == "confirmed_agreement" and row.amount_sought == Decimal("6000.00")
    assert Handoff.objects.filter(case=case, kind=HandoffKind.ENFORCEMENT, to_org=directory.court).exists()

    services.enforcement_register(case_id=case.pk, actor=clerk, number="（2026）示0302执7号")
    services.enforcement_record_recovery(
        case_id=case.pk, actor=clerk, amount="4000.00", at=timezone.localdate()
    )
    services.enforcement_end(case_id=case.pk, actor=clerk, end="partly_paid", note="被执行人暂无其他财产。")
    case = Case.objects.get(pk=case.pk)
    assert case.status == S.CLOSED and case.amount_paid == Decimal("4000.00")
    page = panel_html(case)
    assert "（2026）示0302执7号" in page and "4,000.00" in page


def test_refused_by_the_court(directory, overdue):
    case, _agreement, _pin = overdue
    ruling = services.judicial_refuse(
        case_id=case.pk, actor=directory.staff["court_clerk"], reason="not_voluntary"
    )
    case = Case.objects.get(pk=case.pk)
    assert case.status == S.AGREEMENT_REACHED and ruling.kind == DocumentKind.JUDICIAL_REFUSAL
    assert "驳回申请" in pdf_text(ruling)
    assert any("没有获得确认" in item.text for item in worker_view(case=case).history)


def test_enforcement_only_when_a_payment_is_missed(client, directory, rules):
    case, pin = file_case(directory)
    sign_agreement(directory, case, pin, due_in_days=10)
    file_for(
        Case.objects.get(pk=case.pk), directory.staff["mediator"], R.JUDICIAL_CONFIRMATION, directory.court
    )
    services.judicial_confirm(case_id=case.pk, actor=directory.staff["court_clerk"])
    option = services.enforcement_option(case=Case.objects.get(pk=case.pk))
    assert not option.available and "逾期" in option.why_not
    open_track(client, case)
    response = client.post("/track/enforcement/", {"confirm": "yes"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == S.CONFIRMED


def test_another_workers_document_is_a_404(client, directory, overdue):
    case, _agreement, _pin = overdue
    ruling = services.judicial_confirm(case_id=case.pk, actor=directory.staff["court_clerk"])
    other, _pin = file_case(directory)
    open_track(client, other)
    assert client.get(f"/track/documents/{ruling.pk}/").status_code == 404


def test_the_legal_aid_centre_applies_for_the_worker(directory, overdue):
    from referrals.handoffs import handoff_answer, handoff_create
    from tests.factories import OrganizationFactory, make_staff

    case, _agreement, _pin = overdue
    services.judicial_confirm(case_id=case.pk, actor=directory.staff["court_clerk"])
    centre = OrganizationFactory(
        code="aid", name="示范市法律援助中心", region=directory.city, type="legal_aid"
    )
    lawyer = make_staff(org=centre, role="legal_aid", username="aid_lawyer")
    client = APIClient()
    client.force_authenticate(lawyer)
    url = f"/api/v1/arbitration/legal-aid/{case.pk}/enforcement/"
    assert client.post(url, {}, format="json").status_code == 404  # the centre has not taken the case

    handoff = handoff_create(case=Case.objects.get(pk=case.pk), kind=HandoffKind.LEGAL_AID, to_org=centre)
    handoff_answer(handoff_id=handoff.pk, action="accept", actor=lawyer)
    response = client.post(url, {"lawyer_name": "陈律师"}, format="json")
    assert response.status_code == 201, response.content
    row = EnforcementCase.objects.get(case=case)
    assert row.applied_by == "legal_aid" and row.applied_by_user == lawyer and row.lawyer_name == "陈律师"
    assert Case.objects.get(pk=case.pk).status == S.ENFORCEMENT
