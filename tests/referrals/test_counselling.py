"""Counselling referrals: the worker asks on /track/ or staff refer with the worker's consent; the counselling
service of the region gets a handoff with only the worker's name, phone and request, and answers with the
handoff's own answers. What troubles the worker is health information: encrypted, and for the service only."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from disputes.exceptions import TransitionConflict
from disputes.permissions import WORKER
from disputes.states import ActorKind, CaseStatus
from disputes.tracking import worker_view
from organizations.states import OrgType, Role
from referrals import handoffs
from referrals.aftercare import counselling_request
from referrals.models import CounsellingRequest, Handoff
from referrals.states import HandoffKind

from ..factories import TEST_PIN, OrganizationFactory, case_in_state, make_staff

pytestmark = pytest.mark.django_db
CONCERN = "最近总失眠，担心欠的房租"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service(directory):
    org = OrganizationFactory(
        code="care-city",
        name="示范市职工心理服务中心",
        region=directory.city,
        type=OrgType.COUNSELLING,
        industry="",
        accepts_claims=False,
        mediation_legal_type="",
    )
    return SimpleNamespace(org=org, staff=make_staff(org=org, role=Role.COUNSELLOR, username="counsellor"))


@pytest.fixture
def case(directory):
    return case_in_state(CaseStatus.IN_MEDIATION, station=directory.station, region=directory.north)


def _refer(case, *, actor=WORKER, **overrides):
    data = {"preferred_contact": "phone", "concern": CONCERN, "consent": True}
    return counselling_request(case_id=case.pk, actor=actor, **{**data, **overrides})


def test_a_worker_request_goes_to_the_regions_counselling_service_with_only_what_it_needs(case, service):
    referral = _refer(case)
    handoff = referral.handoff
    assert (handoff.kind, handoff.to_org) == (HandoffKind.COUNSELLING, service.org)
    assert handoff.event.transition == "counselling_requested"
    packet = handoff.packet
    assert set(packet["worker"]) == {"name", "phone"}
    assert "claims" not in packet and "evidence" not in packet
    assert packet["request"]["concern"] == CONCERN
    texts = [item.text for item in worker_view(case=case).history]
    assert any("您申请了心理疏导服务，已转交示范市职工心理服务中心" in text for text in texts)


def test_what_troubles_the_worker_is_stored_encrypted(case, service):
    referral = _refer(case)
    assert CounsellingRequest.objects.get(pk=referral.pk).concern == CONCERN
    with connection.cursor() as cursor:
        cursor.execute("SELECT concern FROM referrals_counsellingrequest WHERE id = %s", [referral.pk])
        assert CONCERN not in cursor.fetchone()[0]
        cursor.execute("SELECT packet_json FROM referrals_handoff WHERE id = %s", [referral.handoff_id])
        assert CONCERN not in cursor.fetchone()[0]


@pytest.mark.parametrize("state", [CaseStatus.SUBMITTED, CaseStatus.MEDIATION_FAILED, CaseStatus.CLOSED])
def test_at_any_stage_of_the_case(directory, service, state):
    case = case_in_state(state, station=directory.station, region=directory.north)
    assert _refer(case).handoff.to_org == service.org


def test_one_running_referral_consent_and_a_known_way_to_contact(case, service):
    with pytest.raises(ValidationError) as refused:
        _refer(case, consent=False)
    assert "consent" in refused.value.message_dict
    with pytest.raises(ValidationError):
        _refer(case, preferred_contact="carrier pigeon")
    first = _refer(case)
    with pytest.raises(TransitionConflict):
        _refer(case)
    handoffs.handoff_answer(handoff_id=first.handoff_id, action="accept", actor=service.staff)
    handoffs.handoff_answer(
        handoff_id=first.handoff_id, action="complete", actor=service.staff, outcome="已咨询三次"
    )
    assert _refer(case).pk != first.pk  # finished: a new referral may follow


def test_staff_refer_only_for_cases_they_work(case, service, directory):
    referral = _refer(case, actor=directory.staff["mediator"], concern="")
    assert referral.requested_by == ActorKind.STAFF
    other = case_in_state(CaseStatus.IN_MEDIATION, station=directory.station, region=directory.north)
    with pytest.raises(PermissionDenied):
        _refer(other, actor=directory.staff["other_mediator"])
    with pytest.raises(PermissionDenied):
        _refer(other, actor=directory.staff["official"])  # sees the region's cases, does not work them


def test_the_service_answers_with_the_handoff_answers_and_the_worker_reads_them(client, case, service):
    client.post("/track/", {"tracking_code": case.tracking_code, "access_pin": TEST_PIN})
    page = client.get("/track/").content.decode()
    assert 'data-testid="counselling-apply"' in page
    url = reverse("referrals:track-counselling")
    assert "示范市职工心理服务中心" in client.get(url).content.decode()
    response = client.post(url, {"preferred_contact": "online", "concern": CONCERN, "consent": "on"})
    assert response.status_code == 302
    referral = CounsellingRequest.objects.get(case=case)
    assert referral.preferred_contact == "online"
    assert "对方会按您选择的方式联系您" in client.get("/track/").content.decode()
    handoffs.handoff_answer(handoff_id=referral.handoff_id, action="accept", actor=service.staff)
    page = client.get("/track/").content.decode()
    assert "已接收转介" in page
    assert CONCERN not in page  # the worker's words are not echoed on a page a shared phone may show
    assert client.get(url).status_code == 302  # running: not offered again


def test_no_service_no_panel(client, directory):
    case = case_in_state(CaseStatus.IN_MEDIATION, station=directory.station, region=directory.north)
    client.post("/track/", {"tracking_code": case.tracking_code, "access_pin": TEST_PIN})
    assert 'data-testid="counselling-panel"' not in client.get("/track/").content.decode()
    response = client.get(reverse("referrals:track-counselling"))
    assert response.status_code == 302


def test_the_admin_shows_the_concern_to_the_service_only(client, case, service, directory):
    referral = _refer(case)
    client.force_login(service.staff)
    change = reverse("admin:referrals_handoff_change", args=[referral.handoff_id])
    assert CONCERN in client.get(change).content.decode()
    listing = client.get(reverse("admin:referrals_counsellingrequest_changelist")).content.decode()
    assert case.tracking_code in listing and CONCERN not in listing
    client.force_login(directory.staff["mediator"])  # the station sent it: follows the status, not the words
    assert (
        CONCERN not in client.get(reverse("admin:referrals_counsellingrequest_changelist")).content.decode()
    )
    page = client.get(change)
    assert page.status_code == 200 and CONCERN not in page.content.decode()


def test_the_station_refers_from_the_admin(client, case, service, directory):
    client.force_login(directory.staff["mediator"])
    url = reverse("admin:referrals_counsellingrequest_request")
    missing_consent = client.post(url, {"tracking_code": case.tracking_code, "preferred_contact": "phone"})
    assert missing_consent.status_code == 200 and not Handoff.objects.exists()
    response = client.post(
        url, {"tracking_code": case.tracking_code, "preferred_contact": "phone", "consent": "on"}
    )
    assert response.status_code == 302
    assert CounsellingRequest.objects.get(case=case).requested_by == ActorKind.STAFF
    again = client.post(
        url, {"tracking_code": case.tracking_code, "preferred_contact": "phone", "consent": "on"}
    )
    assert "已经转介过" in again.content.decode()
