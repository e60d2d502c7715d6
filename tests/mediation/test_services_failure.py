"""Mediation failing: the reason recorded from a fixed list; without the worker's consent the case waits in
mediation_failed and the worker's page offers arbitration; with it (told to the mediator) the case is referred at
once, or later when the mediator records the consent; the worker may also consent on /track/ themselves."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from disputes.exceptions import TransitionConflict
from disputes.models import Case, CaseEvent
from disputes.tracking import tracking_refer_to_arbitration, worker_view
from mediation.services import arbitration_consent_record, mediation_failure_record
from mediation.tracking import worker_mediation_view
from organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_failure_without_consent_leaves_the_choice_to_the_worker(directory, mediating):
    case, _pin = mediating
    mediator = directory.staff["mediator"]
    case = mediation_failure_record(
        case_id=case.pk, actor=mediator, reason="amounts_apart", detail="用人单位只愿支付一半。"
    )
    assert case.status == "mediation_failed"
    assert case.outcome_note == "双方对金额分歧过大：用人单位只愿支付一半。"
    event = CaseEvent.objects.get(case=case, transition="record_failure")
    assert event.actor == mediator and event.note == "用人单位只愿支付一半。"

    view = worker_mediation_view(case=case)
    assert view.failed and view.may_refer_to_arbitration
    assert view.commission_name == directory.commission.name
    assert worker_view(case=case).actions.refer_to_arbitration
    assert "用人单位只愿支付一半" not in " ".join(h.text for h in worker_view(case=case).history)

    # The worker consents on /track/ (the existing action).
    case = tracking_refer_to_arbitration(case_id=case.pk)
    assert case.status == "referred_to_arbitration" and case.handling_org == directory.commission
    assert CaseEvent.objects.get(case=case, transition="refer_to_arbitration").actor_kind == "worker"


def test_failure_with_the_workers_consent_refers_the_case_at_once(directory, mediating):
    case, _pin = mediating
    mediator = directory.staff["mediator"]
    case = mediation_failure_record(
        case_id=case.pk,
        actor=mediator,
        reason="employer_refused",
        worker_consents=True,
        consent_channel="phone",
    )
    assert case.status == "referred_to_arbitration" and case.handling_org == directory.commission
    names = list(CaseEvent.objects.filter(case=case).values_list("transition", flat=True))
    assert names[-2:] == ["record_failure", "refer_to_arbitration"]
    refer = CaseEvent.objects.get(case=case, transition="refer_to_arbitration")
    assert refer.actor == mediator and "劳动者同意移送劳动仲裁（电话告知）" in refer.note
    assert "根据您的申请，案件已转交示范市劳动人事争议仲裁委员会。" in [
        h.text for h in worker_view(case=case).history
    ]


def test_the_mediator_records_consent_given_later(directory, mediating):
    case, _pin = mediating
    mediator = directory.staff["mediator"]
    mediation_failure_record(case_id=case.pk, actor=mediator, reason="employer_unreachable")
    with pytest.raises(PermissionDenied):
        arbitration_consent_record(
            case_id=case.pk, actor=directory.staff["other_mediator"], channel="in_person"
        )
    case = arbitration_consent_record(
        case_id=case.pk, actor=mediator, channel="written", note="劳动者签字确认。"
    )
    assert case.status == "referred_to_arbitration"
    with pytest.raises(TransitionConflict):
        arbitration_consent_record(case_id=case.pk, actor=mediator, channel="written")


def test_failure_input_is_checked(directory, mediating):
    case, _pin = mediating
    mediator = directory.staff["mediator"]
    with pytest.raises(ValidationError) as exc:
        mediation_failure_record(case_id=case.pk, actor=mediator, reason="bored", worker_consents=True)
    assert set(exc.value.message_dict) == {"reason", "consent_channel"}
    assert Case.objects.get(pk=case.pk).status == "in_mediation"
    with pytest.raises(PermissionDenied):
        mediation_failure_record(case_id=case.pk, actor=directory.staff["other_mediator"], reason="other")


def test_a_failed_consent_rolls_back_the_failure_too(directory, mediating):
    case, _pin = mediating
    # No commission to refer to: the consent cannot be carried out, and the failure is not recorded alone.
    Organization.objects.filter(pk=directory.commission.pk).update(is_active=False)
    with pytest.raises(ValidationError):
        mediation_failure_record(
            case_id=case.pk,
            actor=directory.staff["mediator"],
            reason="employer_refused",
            worker_consents=True,
            consent_channel="phone",
        )
    assert Case.objects.get(pk=case.pk).status == "in_mediation"
