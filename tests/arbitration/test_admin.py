"""The desks in the admin: the queue with its decision deadline, the desk with the agreement, evidence and history,
and each decision through its form — errors on the form, a decision that lost the race as a message, never a 500."""

from datetime import timedelta

import pytest
from django.utils import timezone

from arbitration import services
from disputes.models import Case, IssuedDocument
from disputes.states import CaseStatus, ConfirmationRoute

from .conftest import file_for

pytestmark = pytest.mark.django_db
S = CaseStatus
PASSWORD = "pass-1234"


@pytest.fixture
def filed(directory, agreed):
    case, agreement, _pin = agreed
    file_for(case, directory.staff["mediator"], ConfirmationRoute.ARBITRATION_REVIEW, directory.commission)
    return Case.objects.get(pk=case.pk), agreement


@pytest.fixture
def arbitrator(client, directory):
    client.login(username="arbitrator", password=PASSWORD)
    return client


def test_the_queue_shows_the_case_with_its_deadline_and_masked_id(arbitrator, filed):
    case, _agreement = filed
    page = arbitrator.get("/admin/arbitration/reviewcase/").content.decode()
    assert case.tracking_code in page and 'data-testid="decision-deadline"' in page and "还剩" in page
    assert case.worker_id_number not in page
    done = arbitrator.get("/admin/arbitration/reviewcase/?pending=no").content.decode()
    assert case.tracking_code not in done


def test_the_desk_shows_agreement_evidence_history_and_the_decisions(arbitrator, filed):
    case, agreement = filed
    response = arbitrator.get(f"/admin/arbitration/reviewcase/{case.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert agreement.number in page and "2026年9月、10月工资" in page
    assert f"/admin/mediation/mediationcase/agreement/{agreement.pk}/pdf/" in page
    assert "申请仲裁审查确认或司法确认" in page  # the history
    assert 'data-testid="action-approve"' in page and 'data-testid="action-refuse"' in page
    assert arbitrator.get(f"/admin/mediation/mediationcase/agreement/{agreement.pk}/pdf/").status_code == 200


def test_approving_in_the_admin_issues_the_document_and_links_it(arbitrator, filed):
    case, _agreement = filed
    url = f"/admin/arbitration/reviewcase/{case.pk}/approve/"
    unticked = arbitrator.post(url, {})
    assert unticked.status_code == 200 and "请勾选确认" in unticked.content.decode()
    assert not IssuedDocument.objects.exists()

    response = arbitrator.post(url, {"confirm": "on"}, follow=True)
    assert response.status_code == 200
    document = IssuedDocument.objects.get()
    page = response.content.decode()
    assert f"已出具仲裁调解书 {document.number}" in page
    assert Case.objects.get(pk=case.pk).status == S.CONFIRMED
    pdf = arbitrator.get(f"/admin/arbitration/reviewcase/document/{document.pk}/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"

    again = arbitrator.post(url, {"confirm": "on"}, follow=True)
    assert again.status_code == 200 and "不能执行" in again.content.decode()
    assert IssuedDocument.objects.count() == 1


def test_refusing_without_a_reason_comes_back_with_the_error(arbitrator, filed):
    case, _agreement = filed
    response = arbitrator.post(
        f"/admin/arbitration/reviewcase/{case.pk}/refuse/", {"reason": "other", "detail": ""}
    )
    assert response.status_code == 200 and "请填写具体说明" in response.content.decode()
    response = arbitrator.post(
        f"/admin/arbitration/reviewcase/{case.pk}/refuse/",
        {"reason": "unclear", "detail": "金额前后不一致"},
        follow=True,
    )
    assert response.status_code == 200 and "不予确认决定书" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == S.AGREEMENT_REACHED
    document = IssuedDocument.objects.get()
    # The case left the commission's hands; its own decision stays downloadable to it.
    assert arbitrator.get(f"/admin/arbitration/reviewcase/document/{document.pk}/").status_code == 200


def test_the_arbitration_desk_accepts_schedules_awards_and_closes(client, directory, referred, minimum_wage):
    case, _pin = referred
    client.login(username="arbitrator", password=PASSWORD)
    base = f"/admin/arbitration/arbitrationcase/{case.pk}"
    assert "立案受理" in client.get(f"{base}/change/").content.decode()
    soon = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"{base}/accept/", {"schedule": "on", "kind": "hearing", "at": soon, "place": "第一仲裁庭"}
    )
    assert response.status_code == 200 and "第三十五条" in response.content.decode()
    later = (timezone.localtime() + timedelta(days=8)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"{base}/accept/",
        {"schedule": "on", "kind": "hearing", "at": later, "place": "第一仲裁庭"},
        follow=True,
    )
    assert "已立案受理" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == S.ARBITRATION_ACCEPTED

    form = {
        "awarded_on": timezone.localdate().isoformat(),
        "final_choice": "",
        "final_reason": "",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "20",
        "items-0-category": "wages",
        "items-0-description": "2026年9月、10月工资",
        "items-0-amount": "6000.00",
        "items-1-category": "",
        "items-1-description": "",
        "items-1-amount": "",
    }
    response = client.post(f"{base}/award/", form, follow=True)
    assert "已记录裁决（终局裁决）" in response.content.decode()
    response = client.post(f"{base}/close/", {"outcome": "award", "note": ""}, follow=True)
    assert response.status_code == 200 and "已结案" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == S.CLOSED


def test_the_court_enforcement_desk(client, directory, referred, minimum_wage):
    from disputes.permissions import WORKER

    case, _pin = referred
    arbitrator = directory.staff["arbitrator"]
    services.arbitration_accept(case_id=case.pk, actor=arbitrator)
    services.award_record(
        case_id=case.pk,
        actor=arbitrator,
        items=[services.AwardItemInput(category="wages", description="工资", amount="6000")],
    )
    services.enforcement_apply(case_id=case.pk, actor=WORKER)
    client.login(username="court_clerk", password=PASSWORD)
    assert case.tracking_code in client.get("/admin/arbitration/enforcementqueuecase/").content.decode()
    base = f"/admin/arbitration/enforcementqueuecase/{case.pk}"
    assert client.post(f"{base}/register/", {"number": "（2026）示执1号"}, follow=True).status_code == 200
    bad = client.post(
        f"{base}/recovery/", {"amount": "100", "at": (timezone.localdate() + timedelta(days=3)).isoformat()}
    )
    assert bad.status_code == 200 and "不能晚于今天" in bad.content.decode()
    client.post(f"{base}/recovery/", {"amount": "6000", "at": timezone.localdate().isoformat()})
    response = client.post(f"{base}/end/", {"end": "paid_in_full"}, follow=True)
    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).status == S.CLOSED


def test_minimum_wage_is_kept_by_officials(client, directory):
    client.login(username="official", password=PASSWORD)
    assert client.get("/admin/arbitration/minimumwage/add/").status_code == 200
    client.logout()
    client.login(username="arbitrator", password=PASSWORD)
    assert client.get("/admin/arbitration/minimumwage/").status_code == 200
    assert client.get("/admin/arbitration/minimumwage/add/").status_code == 403
