"""What the worker sees of arbitration on /track/: the hearing, the award and when it binds, the documents to
download, and the enforcement application when an award in effect is unpaid — never a staff name or a note."""

from decimal import Decimal

import pytest

from arbitration import services
from disputes.models import Case
from disputes.permissions import WORKER
from disputes.views import SESSION_TRACK

from .conftest import hearing_in

pytestmark = pytest.mark.django_db


def open_track(client, case):
    session = client.session
    session[SESSION_TRACK] = case.pk
    session.save()


def test_the_worker_follows_the_arbitration_and_applies_for_enforcement(
    client, directory, referred, minimum_wage
):
    case, _pin = referred
    arbitrator = directory.staff["arbitrator"]
    acceptance = services.arbitration_accept(
        case_id=case.pk, actor=arbitrator, hearing=hearing_in(6, "第二仲裁庭")
    )
    open_track(client, case)
    page = client.get("/track/").content.decode()
    assert "第二仲裁庭" in page and acceptance.number in page and "开庭安排" in page
    assert 'data-testid="apply-enforcement"' not in page

    award = services.award_record(
        case_id=case.pk,
        actor=arbitrator,
        items=[services.AwardItemInput(category="wages", description="工资", amount=Decimal("6000"))],
        final_reason="",
    )
    page = client.get("/track/").content.decode()
    assert "终局裁决" in page and award.document.number in page and 'data-testid="apply-enforcement"' in page
    assert "arbitrator" not in page and "孙" not in page  # no staff name
    assert client.get(f"/track/documents/{award.document.pk}/").status_code == 200

    response = client.post("/track/enforcement/", {"confirm": "yes"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "enforcement"
    page = client.get("/track/").content.decode()
    assert "强制执行" in page and directory.court.name in page and "法院立案后告知" in page


def test_an_unopened_session_is_sent_to_the_form(client):
    assert client.get("/track/enforcement/").status_code == 302
    assert client.get("/track/documents/1/").status_code == 302


def test_the_worker_may_not_apply_twice(client, directory, referred, minimum_wage):
    case, _pin = referred
    arbitrator = directory.staff["arbitrator"]
    services.arbitration_accept(case_id=case.pk, actor=arbitrator)
    services.award_record(
        case_id=case.pk,
        actor=arbitrator,
        items=[services.AwardItemInput(category="wages", description="工资", amount=Decimal("6000"))],
    )
    services.enforcement_apply(case_id=case.pk, actor=WORKER)
    open_track(client, case)
    response = client.post("/track/enforcement/", {"confirm": "yes"})
    assert response.status_code == 302
    from arbitration.models import EnforcementCase

    assert EnforcementCase.objects.filter(case=case).count() == 1
