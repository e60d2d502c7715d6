import pytest

from disputes.states import CaseStatus

from ..factories import case_in_state


@pytest.mark.django_db
@pytest.mark.parametrize("state", CaseStatus.values)
def test_a_case_can_be_built_in_every_state(state):
    case = case_in_state(state)
    assert case.status == state
    assert case.worker_id_masked == "3303**********1234"
