"""The staff case page links the desk where a desk step is done (the mediation desk, the commission's queue), in
place of the bare buttons that the generic path refuses (disputes.services.transition_desk)."""

import pytest
from django.urls import reverse

from disputes.states import CaseStatus as S

from ..factories import case_in_state

pytestmark = pytest.mark.django_db


def _page(client, user, case) -> str:
    client.force_login(user)
    return client.get(reverse("admin:disputes_case_change", args=[case.pk])).content.decode()


def test_the_mediator_finds_the_mediation_desk_and_no_bare_agreement_button(client, directory):
    case = case_in_state(S.IN_MEDIATION, station=directory.station)
    page = _page(client, directory.staff["mediator"], case)
    desk = reverse("admin:mediation_mediationcase_change", args=[case.pk])
    assert f'href="{desk}"' in page
    assert 'data-transition="record_agreement"' not in page
    assert 'data-transition="record_failure"' in page  # a generic step keeps its button
    assert client.get(desk).status_code == 200


def test_the_arbitrator_finds_the_review_queue(client, directory):
    case = case_in_state(
        S.CONFIRMATION_REQUESTED, station=directory.station, handling_org=directory.commission
    )
    case.confirmation_route = "arbitration_review"
    case.save(update_fields=["confirmation_route"])
    page = _page(client, directory.staff["arbitrator"], case)
    desk = reverse("admin:arbitration_reviewcase_change", args=[case.pk])
    assert f'href="{desk}"' in page
    assert 'data-transition="confirm"' not in page


def test_nobody_else_is_shown_a_desk(client, directory):
    case = case_in_state(S.IN_MEDIATION, station=directory.station)
    page = _page(client, directory.staff["official"], case)
    assert "data-desk=" not in page
