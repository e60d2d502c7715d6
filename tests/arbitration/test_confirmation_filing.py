"""The checks the law makes when an agreement is filed for arbitration review or judicial confirmation
(disputes.confirmation, used by the request_confirmation form): in time or late, the labor-relationship and
payment-only limits, the station's legal type, and the exclusion of one route once the other was filed. The API
answers a refusal with a 400 and the reason; nothing is written."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from arbitration import services
from disputes.confirmation import confirmation_refusal, confirmation_window_due
from disputes.models import Case, CaseEvent
from disputes.services import ClaimInput, case_transition
from disputes.states import CaseStatus, ConfirmationRoute
from organizations.states import MediationLegalType
from referrals.models import Handoff
from tests.factories import OrganizationFactory

from .conftest import file_case, file_for, sign_agreement

pytestmark = pytest.mark.django_db
S = CaseStatus
R = ConfirmationRoute


def agreed_days_ago(directory, days: int, *, claims=None, station=None):
    """A case whose agreement was recorded ``days`` ago (history imported with its date, no platform agreement)."""
    case, _pin = file_case(directory, claims=claims, station=station)
    case_transition(
        case_id=case.pk,
        name="record_agreement",
        actor=directory.staff["mediator"]
        if station in (None, directory.station)
        else directory.staff["other_mediator"],
        payload={"amount_agreed": Decimal("6000.00")},
        at=timezone.now() - timedelta(days=days),
    )
    return Case.objects.get(pk=case.pk)


def file_by_api(directory, case, route, org_code, user="mediator"):
    client = APIClient()
    client.force_authenticate(directory.staff[user])
    return client.post(
        f"/api/v1/cases/{case.pk}/transitions/request_confirmation/",
        {"route": route, "organization": org_code},
        format="json",
    )


def test_in_time_the_filing_goes_through(directory, rules):
    case = agreed_days_ago(directory, 3)
    response = file_by_api(directory, case, R.ARBITRATION_REVIEW, "arb")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == S.CONFIRMATION_REQUESTED


def test_late_for_review_is_a_400_with_the_reason_and_nothing_written(directory, rules):
    case = agreed_days_ago(directory, 40)
    events = CaseEvent.objects.filter(case=case).count()
    response = file_by_api(directory, case, R.ARBITRATION_REVIEW, "arb")
    assert response.status_code == 400
    message = response.json()["errors"]["route"][0]
    assert "已超过申请期限" in message and "十五" not in message and "15 日内" in message
    assert Case.objects.get(pk=case.pk).status == S.AGREEMENT_REACHED
    assert CaseEvent.objects.filter(case=case).count() == events
    assert not Handoff.objects.filter(case=case).exists()


def test_past_review_but_within_judicial_confirmation(directory, rules):
    case = agreed_days_ago(directory, 20)
    assert file_by_api(directory, case, R.ARBITRATION_REVIEW, "arb").status_code == 400
    response = file_by_api(directory, case, R.JUDICIAL_CONFIRMATION, "court")
    assert response.status_code == 200, response.content


def test_judicial_confirmation_late_after_thirty_days(directory, rules):
    case = agreed_days_ago(directory, 45)
    response = file_by_api(directory, case, R.JUDICIAL_CONFIRMATION, "court")
    assert response.status_code == 400
    assert "30 日内" in response.json()["errors"]["route"][0]


def test_the_window_counts_from_the_day_after_and_ends_on_a_working_day(directory, rules):
    case = agreed_days_ago(directory, 0)
    effective = timezone.localdate()
    due = confirmation_window_due(case=case, route=R.ARBITRATION_REVIEW)
    assert due >= effective + timedelta(days=15)
    assert confirmation_refusal(case, R.ARBITRATION_REVIEW, today=due) is None
    assert "已超过申请期限" in confirmation_refusal(case, R.ARBITRATION_REVIEW, today=due + timedelta(days=1))


def test_an_agreement_confirming_a_labor_relationship_is_not_reviewed(directory, rules):
    claims = [ClaimInput("labor_relationship", None), ClaimInput("wages", Decimal("3000"))]
    case = agreed_days_ago(directory, 2, claims=claims)
    response = file_by_api(directory, case, R.ARBITRATION_REVIEW, "arb")
    assert response.status_code == 400
    assert "确认劳动关系" in response.json()["errors"]["route"][0]
    assert "确认劳动关系" in confirmation_refusal(case, R.JUDICIAL_CONFIRMATION)


def test_judicial_confirmation_only_for_a_peoples_mediation_committee(directory, rules):
    enterprise = OrganizationFactory(
        code="enterprise-committee",
        region=directory.north,
        mediation_legal_type=MediationLegalType.ENTERPRISE_COMMITTEE,
    )
    from organizations.states import Role
    from tests.factories import make_staff

    mediator = make_staff(org=enterprise, role=Role.MEDIATOR, username="mediator_e")
    case, _pin = file_case(directory, station=enterprise, mediate=False)
    case_transition(case_id=case.pk, name="accept", actor=mediator, payload={"mediator": mediator})
    case_transition(case_id=case.pk, name="start_mediation", actor=mediator)
    case_transition(
        case_id=case.pk, name="record_agreement", actor=mediator, payload={"amount_agreed": Decimal("5000")}
    )
    case = Case.objects.get(pk=case.pk)
    assert "人民调解委员会" in confirmation_refusal(case, R.JUDICIAL_CONFIRMATION)
    assert confirmation_refusal(case, R.ARBITRATION_REVIEW) is None


def test_judicial_confirmation_only_for_a_payment_only_agreement(directory, rules):
    case, pin = file_case(directory)
    sign_agreement(directory, case, pin, payment_only=False)
    response = file_by_api(directory, Case.objects.get(pk=case.pk), R.JUDICIAL_CONFIRMATION, "court")
    assert response.status_code == 400
    assert "给付义务" in response.json()["errors"]["route"][0]
    # The same agreement may go to the commission.
    assert file_by_api(directory, case, R.ARBITRATION_REVIEW, "arb").status_code == 200


def test_once_one_route_was_filed_the_other_is_locked(directory, agreed):
    case, _agreement, _pin = agreed
    file_for(case, directory.staff["mediator"], R.ARBITRATION_REVIEW, directory.commission)
    services.review_refuse(case_id=case.pk, actor=directory.staff["arbitrator"], reason="not_voluntary")
    case = Case.objects.get(pk=case.pk)
    response = file_by_api(directory, case, R.JUDICIAL_CONFIRMATION, "court")
    assert response.status_code == 400
    assert "只能选择其一" in response.json()["errors"]["route"][0]
    assert confirmation_refusal(case, R.ARBITRATION_REVIEW) is None  # the same route may be filed again


def test_the_window_counts_from_the_agreement_taking_effect(directory, rules):
    """With the mediation app's agreement, its effective moment is the start (equal to the record_agreement event,
    which the last signature writes)."""
    case, pin = file_case(directory)
    agreement = sign_agreement(directory, case, pin)
    case = Case.objects.get(pk=case.pk)
    event_at = CaseEvent.objects.get(case=case, transition="record_agreement").created_at
    assert abs((agreement.effective_at - event_at).total_seconds()) < 5
    assert confirmation_refusal(case, R.JUDICIAL_CONFIRMATION) is None
