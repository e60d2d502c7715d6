"""After the case: the worker rates the service once, only when it is fulfilled or closed; the worker asks to reopen
only when an effective agreement is not honoured (a payment past due), once at a time, and the station is told."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from disputes.exceptions import TransitionConflict
from disputes.models import Case, CaseEvent
from disputes.tracking import worker_view
from mediation.models import ReopenRequest, SatisfactionSurvey
from mediation.services import (
    reopen_allowed,
    reopen_request_create,
    reopen_request_handle,
    satisfaction_record,
)
from referrals.models import Notification

from .conftest import pay

pytestmark = pytest.mark.django_db


def test_satisfaction_once_and_only_after_the_case_is_done(directory, effective):
    case, agreement, _pin = effective
    with pytest.raises(TransitionConflict):
        satisfaction_record(case_id=case.pk, score=5)
    pay(agreement, directory.staff["mediator"], "4000")
    with pytest.raises(ValidationError) as exc:
        satisfaction_record(case_id=case.pk, score=9)
    assert "1 到 5" in exc.value.message_dict["score"][0]
    survey = satisfaction_record(case_id=case.pk, score="4", comment="调解员很耐心。")
    assert survey.score == 4 and SatisfactionSurvey.objects.get(case=case) == survey
    event = CaseEvent.objects.get(case=case, transition="satisfaction")
    assert event.actor_kind == "worker" and event.payload == {"score": 4}
    assert "您对这次调解服务作出了评价，谢谢。" in [h.text for h in worker_view(case=case).history]
    with pytest.raises(TransitionConflict):
        satisfaction_record(case_id=case.pk, score=5)


def test_reopen_only_when_the_agreement_is_not_honoured(directory, effective):
    case, agreement, _pin = effective
    first = agreement.instalments.get(sequence=1)
    assert not reopen_allowed(case=case)
    with pytest.raises(TransitionConflict):
        reopen_request_create(case_id=case.pk, reason="没付钱")

    late = first.due_on + timedelta(days=2)
    assert reopen_allowed(case=case, today=late)
    with pytest.raises(ValidationError):
        reopen_request_create(case_id=case.pk, reason="  ", today=late)
    request = reopen_request_create(case_id=case.pk, reason="第一期2000元没有付。", today=late)
    assert request.agreement == agreement and request.handled_at is None
    event = CaseEvent.objects.get(case=case, transition="reopen_request")
    assert event.actor_kind == "worker" and "第一期" not in str(event.payload)
    # The station's administrators and mediators are told in-app.
    told = set(
        Notification.objects.filter(
            idempotency_key__startswith=f"mediation:reopen:{request.pk}:"
        ).values_list("recipient_user__username", flat=True)
    )
    assert told == {"admin_a", "mediator_a"}
    # One open request at a time.
    assert not reopen_allowed(case=case, today=late)
    with pytest.raises(TransitionConflict):
        reopen_request_create(case_id=case.pk, reason="再次申请", today=late)

    with pytest.raises(PermissionDenied):
        reopen_request_handle(request_id=request.pk, actor=directory.staff["other_mediator"], note="已联系")
    handled = reopen_request_handle(
        request_id=request.pk, actor=directory.staff["mediator"], note="已催告用人单位"
    )
    assert handled.handled_at and handled.handled_by == directory.staff["mediator"]
    assert "调解组织已处理您的重新处理申请，请留意调解员的电话或短信。" in [
        h.text for h in worker_view(case=case).history
    ]
    with pytest.raises(TransitionConflict):
        reopen_request_handle(request_id=request.pk, actor=directory.staff["mediator"], note="again")
    assert reopen_allowed(case=case, today=late)
    assert ReopenRequest.objects.count() == 1


def test_no_reopen_when_everything_was_paid(directory, effective):
    case, agreement, _pin = effective
    pay(agreement, directory.staff["mediator"], "4000")
    later = agreement.instalments.get(sequence=2).due_on + timedelta(days=1)
    assert Case.objects.get(pk=case.pk).status == "fulfilled"
    assert not reopen_allowed(case=Case.objects.get(pk=case.pk), today=later)
