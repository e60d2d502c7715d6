"""Each body works with only the cases handed to it: commission A's arbitrator neither sees nor decides commission
B's cases (404, in the admin and the API); a mediator who sees the case may not decide it (403); the court's
queues are the court's."""

import pytest
from rest_framework.test import APIClient

from arbitration.selectors import arbitration_queue_for, judicial_queue_for, review_queue_for
from disputes.models import Case, IssuedDocument
from disputes.states import CaseStatus, ConfirmationRoute
from organizations.states import Role
from tests.factories import OrganizationFactory, make_staff

from .conftest import file_case, file_for, sign_agreement

pytestmark = pytest.mark.django_db
S = CaseStatus
R = ConfirmationRoute
PASSWORD = "pass-1234"


@pytest.fixture
def commission_b(directory):
    commission = OrganizationFactory(
        code="arb-b", name="另一市劳动人事争议仲裁委员会", region=directory.south, commission=True
    )
    return commission, make_staff(org=commission, role=Role.ARBITRATOR, username="arbitrator_b")


@pytest.fixture
def filed(directory, rules):
    case, pin = file_case(directory)
    sign_agreement(directory, case, pin)
    file_for(
        Case.objects.get(pk=case.pk), directory.staff["mediator"], R.ARBITRATION_REVIEW, directory.commission
    )
    return Case.objects.get(pk=case.pk)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_queue_holds_only_the_commissions_own_cases(directory, filed, commission_b):
    _commission, other = commission_b
    assert list(review_queue_for(user=directory.staff["arbitrator"])) == [filed]
    assert list(review_queue_for(user=other)) == []
    assert list(review_queue_for(user=directory.staff["mediator"])) == []
    assert (
        list(review_queue_for(user=directory.staff["official"])) == []
    )  # officials watch, they do not decide
    assert list(judicial_queue_for(user=directory.staff["court_clerk"])) == []
    assert list(arbitration_queue_for(user=directory.staff["arbitrator"])) == []

    listed = api(other).get("/api/v1/arbitration/reviews/")
    assert listed.status_code == 200 and listed.json()["results"] == []
    mine = api(directory.staff["arbitrator"]).get("/api/v1/arbitration/reviews/").json()["results"]
    assert [row["tracking_code"] for row in mine] == [filed.tracking_code]
    assert mine[0]["worker_id_masked"] != filed.worker_id_number and "*" in mine[0]["worker_id_masked"]
    assert filed.worker_id_number not in listed.content.decode() + str(mine)


def test_another_commissions_arbitrator_gets_a_404_everywhere(client, directory, filed, commission_b):
    _commission, other = commission_b
    response = api(other).post(f"/api/v1/arbitration/reviews/{filed.pk}/approve/", format="json")
    assert response.status_code == 404
    client.login(username="arbitrator_b", password=PASSWORD)
    for url in (
        f"/admin/arbitration/reviewcase/{filed.pk}/change/",
        f"/admin/arbitration/reviewcase/{filed.pk}/approve/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/admin/arbitration/reviewcase/{filed.pk}/approve/", {"confirm": "on"}).status_code
        == 404
    )
    listing = client.get("/admin/arbitration/reviewcase/")
    assert listing.status_code == 200 and filed.tracking_code not in listing.content.decode()
    assert Case.objects.get(pk=filed.pk).status == S.CONFIRMATION_REQUESTED
    assert not IssuedDocument.objects.exists()


def test_a_mediator_who_sees_the_case_may_not_approve_it(client, directory, filed):
    response = api(directory.staff["mediator"]).post(
        f"/api/v1/arbitration/reviews/{filed.pk}/approve/", format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    refuse = api(directory.staff["mediator"]).post(
        f"/api/v1/arbitration/reviews/{filed.pk}/refuse/", {"reason": "unclear"}, format="json"
    )
    assert refuse.status_code == 403
    client.login(username="mediator_a", password=PASSWORD)
    assert client.get(f"/admin/arbitration/reviewcase/{filed.pk}/approve/").status_code == 403
    assert client.get("/admin/arbitration/reviewcase/").status_code == 403
    assert Case.objects.get(pk=filed.pk).status == S.CONFIRMATION_REQUESTED
    assert not IssuedDocument.objects.exists()


def test_the_court_does_not_decide_a_review(directory, filed):
    response = api(directory.staff["court_clerk"]).post(
        f"/api/v1/arbitration/confirmations/{filed.pk}/confirm/", format="json"
    )
    assert response.status_code == 404  # the court does not even see an agreement filed with the commission


def test_a_court_clerk_of_another_court_gets_a_404(client, directory, rules):
    case, pin = file_case(directory)
    sign_agreement(directory, case, pin)
    file_for(
        Case.objects.get(pk=case.pk), directory.staff["mediator"], R.JUDICIAL_CONFIRMATION, directory.court
    )
    other_court = OrganizationFactory(code="court-b", name="南区人民法院", region=directory.south, court=True)
    clerk_b = make_staff(org=other_court, role=Role.COURT_CLERK, username="clerk_b")
    assert list(judicial_queue_for(user=clerk_b)) == []
    assert api(clerk_b).post(f"/api/v1/arbitration/confirmations/{case.pk}/confirm/").status_code == 404
    client.login(username="clerk_b", password=PASSWORD)
    assert client.get(f"/admin/arbitration/judicialconfirmationcase/{case.pk}/change/").status_code == 404
    assert [c.pk for c in judicial_queue_for(user=directory.staff["court_clerk"])] == [case.pk]
