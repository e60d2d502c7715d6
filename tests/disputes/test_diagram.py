from pathlib import Path

from disputes.diagram import readme_block, state_diagram
from disputes.models import Case
from disputes.states import CaseStatus

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_shows_the_state_machine_generated_from_the_code():
    assert readme_block() in README.read_text(encoding="utf-8"), "run `make states` to regenerate README.md"


def test_the_diagram_draws_every_state_and_transition():
    diagram = state_diagram()
    for state in CaseStatus.values:
        assert f"    {state}: " in diagram
    for transition in Case._meta.get_field("status").get_all_transitions(Case):
        if transition.target != CaseStatus.WITHDRAWN:
            assert f"{transition.source} --> {transition.target}: {transition.name}" in diagram
