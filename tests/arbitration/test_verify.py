"""/verify/ on the documents the commission and the court issue: a genuine code tells the kind, number, issuer and
date without personal data; a forged one is a 404."""

import pytest
from django.urls import reverse

from arbitration import services
from disputes.states import ConfirmationRoute

from .conftest import EMPLOYER, ID_NUMBER, PHONE, WORKER_NAME, file_for

pytestmark = pytest.mark.django_db


def test_a_genuine_code_and_a_forged_one(client, directory, agreed):
    case, _agreement, _pin = agreed
    file_for(case, directory.staff["mediator"], ConfirmationRoute.ARBITRATION_REVIEW, directory.commission)
    document = services.review_approve(case_id=case.pk, actor=directory.staff["arbitrator"])

    response = client.get(reverse("disputes:verify"), {"code": document.verification_code})
    assert response.status_code == 200
    page = response.content.decode()
    assert document.number in page and directory.commission.name in page and "仲裁调解书" in page
    for personal in (WORKER_NAME, ID_NUMBER, PHONE, EMPLOYER, case.tracking_code):
        assert personal not in page

    forged = document.verification_code[:-1] + ("2" if document.verification_code[-1] != "2" else "3")
    assert client.get(reverse("disputes:verify"), {"code": forged}).status_code == 404
    api = client.get("/api/v1/documents/verify/", {"code": document.verification_code})
    assert api.status_code == 200 and api.json()["number"] == document.number
