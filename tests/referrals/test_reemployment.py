"""Re-employment after closure: the worker's job-seeking form goes to the employment service centre of the region
(only what it needs), the centre posts offers and a placement back, and the worker reads them on /track/."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from disputes.exceptions import TransitionConflict
from disputes.models import CaseEvent
from disputes.permissions import WORKER
from disputes.states import CaseStatus
from disputes.tracking import worker_view
from organizations.services import staff_create
from organizations.states import OrgType, Role
from referrals import handoffs
from referrals.aftercare import job_offer_post, job_placement_record, reemployment_request
from referrals.models import Handoff, JobOffer, JobSeekingRequest
from referrals.states import HandoffKind, HandoffStatus

from ..factories import TEST_PIN, OrganizationFactory, case_in_state, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def centre(directory):
    org = OrganizationFactory(
        code="jobs-north",
        name="北区公共就业服务中心",
        region=directory.north,
        type=OrgType.EMPLOYMENT_SERVICE,
        industry="",
        accepts_claims=False,
        mediation_legal_type="",
    )
    return SimpleNamespace(
        org=org, staff=make_staff(org=org, role=Role.EMPLOYMENT_OFFICER, username="jobs_officer")
    )


@pytest.fixture
def closed(directory):
    return case_in_state(CaseStatus.CLOSED, station=directory.station, region=directory.north)


FORM = {
    "desired_job": "快递分拣员",
    "desired_area": "北区",
    "skills": "送过三年快递",
    "availability": "now",
    "contact_consent": True,
}


def _register(case, **overrides):
    return reemployment_request(case_id=case.pk, actor=WORKER, **{**FORM, **overrides})


def _accepted(seeking, centre):
    handoffs.handoff_answer(handoff_id=seeking.handoff_id, action="accept", actor=centre.staff)
    return seeking


def _offer(seeking, centre, **overrides):
    data = {
        "employer_name": "某物流园",
        "position": "分拣员",
        "wage": "6000 元/月",
        "contact": "张经理 13700001111",
    }
    return job_offer_post(request_id=seeking.pk, actor=centre.staff, **{**data, **overrides})


def test_the_form_goes_to_the_regions_employment_centre_with_only_what_it_needs(closed, centre):
    seeking = _register(closed)
    handoff = seeking.handoff
    assert (handoff.kind, handoff.to_org) == (HandoffKind.REEMPLOYMENT, centre.org)
    assert handoff.event.transition == "reemployment_requested"
    packet = handoff.packet
    assert packet["worker"] == {"name": closed.worker_name, "phone": closed.worker_phone}
    assert "id_number" not in packet["worker"]
    for part in ("employer", "claims", "evidence", "amounts"):
        assert part not in packet
    assert closed.facts not in handoff.packet_json
    assert packet["request"]["desired_job"] == "快递分拣员" and packet["request"]["contact_consent"] is True
    texts = [item.text for item in worker_view(case=closed).history]
    assert any("您登记了求职意向，已转交北区公共就业服务中心" in text for text in texts)


@pytest.mark.parametrize("state", [CaseStatus.CLOSED, CaseStatus.FULFILLED, CaseStatus.WITHDRAWN])
def test_after_the_dispute_is_over_for_the_worker(directory, centre, state):
    case = case_in_state(state, station=directory.station, region=directory.north)
    assert _register(case).handoff.to_org == centre.org


def test_not_while_the_dispute_is_open(directory, centre):
    case = case_in_state(CaseStatus.IN_MEDIATION, station=directory.station, region=directory.north)
    with pytest.raises(TransitionConflict):
        _register(case)
    assert not Handoff.objects.exists()


def test_consent_a_job_and_a_known_availability_are_needed(closed, centre):
    for overrides, field in (
        ({"contact_consent": False}, "contact_consent"),
        ({"desired_job": ""}, "desired_job"),
        ({"availability": "someday"}, "availability"),
        ({"skills": "长" * 501}, "skills"),
    ):
        with pytest.raises(ValidationError) as refused:
            _register(closed, **overrides)
        assert field in refused.value.message_dict
    assert not JobSeekingRequest.objects.exists()


def test_one_running_registration_and_no_centre_means_12333(closed, centre, directory):
    _register(closed)
    with pytest.raises(TransitionConflict):
        _register(closed)
    elsewhere = case_in_state(CaseStatus.CLOSED, station=directory.other, region=directory.south)
    with pytest.raises(ValidationError) as refused:
        _register(elsewhere)
    assert "12333" in " ".join(refused.value.messages)


def test_offers_are_posted_by_the_centre_while_it_works_the_request(closed, centre, directory):
    seeking = _register(closed)
    with pytest.raises(TransitionConflict):
        _offer(seeking, centre)  # not accepted yet
    _accepted(seeking, centre)
    with pytest.raises(PermissionDenied):
        job_offer_post(
            request_id=seeking.pk,
            actor=directory.staff["mediator"],
            employer_name="x",
            position="x",
            wage="x",
            contact="x",
        )
    offer, created = _offer(seeking, centre)
    assert created and offer.posted_on is not None and offer.posted_by == centre.staff
    event = CaseEvent.objects.get(case=closed, transition="reemployment_offer_posted")
    assert event.payload["offer"] == offer.pk
    texts = [item.text for item in worker_view(case=closed).history]
    assert any("为您推荐了一个工作岗位：某物流园，分拣员" in text for text in texts)


def test_a_repeated_post_with_the_same_key_has_one_effect(closed, centre):
    seeking = _accepted(_register(closed), centre)
    first, created = _offer(seeking, centre, callback_key="job-1")
    again, created_again = _offer(seeking, centre, callback_key="job-1", position="另一个岗位")
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert JobOffer.objects.count() == 1
    assert CaseEvent.objects.filter(transition="reemployment_offer_posted").count() == 1


def test_a_placement_completes_the_handoff_once(closed, centre):
    seeking = _accepted(_register(closed), centre)
    offer, _ = _offer(seeking, centre)
    placement = job_placement_record(
        request_id=seeking.pk,
        actor=centre.staff,
        employer_name="某物流园",
        position="分拣员",
        placed_on=date(2026, 12, 1),
        offer_id=offer.pk,
    )
    assert placement.offer == offer
    handoff = Handoff.objects.get(pk=seeking.handoff_id)
    assert handoff.completed_at is not None and "某物流园" in handoff.outcome
    with pytest.raises(TransitionConflict):
        job_placement_record(
            request_id=seeking.pk,
            actor=centre.staff,
            employer_name="别处",
            position="x",
            placed_on=date(2026, 12, 2),
        )
    with pytest.raises(TransitionConflict):
        _offer(seeking, centre)  # done: no more offers
    # Done, a new registration may follow.
    assert _register(closed).pk != seeking.pk


def test_a_placement_names_an_offer_of_this_request_only(closed, centre, directory):
    seeking = _accepted(_register(closed), centre)
    other_case = case_in_state(CaseStatus.CLOSED, station=directory.station, region=directory.north)
    other = _accepted(_register(other_case), centre)
    foreign, _ = _offer(other, centre)
    with pytest.raises(ValidationError):
        job_placement_record(
            request_id=seeking.pk,
            actor=centre.staff,
            employer_name="x",
            position="x",
            placed_on=date(2026, 12, 1),
            offer_id=foreign.pk,
        )


def test_the_worker_registers_on_track_and_reads_the_offers(client, closed, centre):
    assert (
        client.post("/track/", {"tracking_code": closed.tracking_code, "access_pin": TEST_PIN}).status_code
        == 302
    )
    page = client.get("/track/").content.decode()
    assert 'data-testid="reemployment-apply"' in page
    url = reverse("referrals:track-reemployment")
    assert "北区公共就业服务中心" in client.get(url).content.decode()
    refused = client.post(url, {"desired_job": "分拣员", "desired_area": "北区", "availability": "now"})
    assert refused.status_code == 200 and "请先勾选同意" in refused.content.decode()
    done = client.post(
        url,
        {
            "desired_job": "分拣员",
            "desired_area": "北区",
            "availability": "within_week",
            "contact_consent": "on",
        },
    )
    assert done.status_code == 302
    seeking = JobSeekingRequest.objects.get(case=closed)
    page = client.get("/track/").content.decode()
    assert "还没有推荐的岗位" in page
    _accepted(seeking, centre)
    _offer(seeking, centre, note="包住宿")
    page = client.get("/track/").content.decode()
    assert "某物流园" in page and "6000 元/月" in page and "包住宿" in page
    job_placement_record(
        request_id=seeking.pk,
        actor=centre.staff,
        employer_name="某物流园",
        position="分拣员",
        placed_on=date(2026, 12, 1),
    )
    assert 'data-testid="reemployment-placement"' in client.get("/track/").content.decode()


def test_an_open_case_offers_no_registration(client, directory, centre):
    case = case_in_state(CaseStatus.IN_MEDIATION, station=directory.station, region=directory.north)
    client.post("/track/", {"tracking_code": case.tracking_code, "access_pin": TEST_PIN})
    assert 'data-testid="reemployment-panel"' not in client.get("/track/").content.decode()
    assert client.get(reverse("referrals:track-reemployment")).status_code == 302


def test_the_centre_posts_offers_and_the_placement_in_the_admin(client, closed, centre, directory):
    seeking = _register(closed)
    client.force_login(centre.staff)
    change = reverse("admin:referrals_handoff_change", args=[seeking.handoff_id])
    page = client.get(change).content.decode()
    assert "快递分拣员" in page and 'data-aftercare="offer"' not in page
    client.post(reverse("admin:referrals_handoff_answer", args=[seeking.handoff_id, "accept"]), {})
    assert Handoff.objects.get(pk=seeking.handoff_id).status == HandoffStatus.ACCEPTED
    offer_url = reverse("admin:referrals_handoff_aftercare", args=[seeking.handoff_id, "offer"])
    client.post(
        offer_url, {"employer_name": "某超市", "position": "理货员", "wage": "5000元/月", "contact": "前台"}
    )
    offer = JobOffer.objects.get(request=seeking)
    page = client.get(change).content.decode()
    assert 'data-testid="offers"' in page and "某超市" in page
    placement_url = reverse("admin:referrals_handoff_aftercare", args=[seeking.handoff_id, "placement"])
    client.post(
        placement_url,
        {
            "employer_name": "某超市",
            "position": "理货员",
            "placed_on": "2026-12-01",
            "offer_id": str(offer.pk),
        },
    )
    assert seeking.placement.offer == offer
    assert 'data-testid="placement"' in client.get(change).content.decode()
    client.force_login(directory.staff["other_mediator"])
    assert (
        client.get(reverse("admin:referrals_jobseekingrequest_change", args=[seeking.pk])).status_code == 404
    )


def test_employment_officer_and_counsellor_are_roles_create_staff_accepts(centre):
    user = staff_create(
        username="jobs2", password="pass-1234", org_code=centre.org.code, role="employment_officer"
    )
    assert user.memberships.get().role == Role.EMPLOYMENT_OFFICER
    assert user.groups.filter(name="employment_officer").exists()
    assert staff_create(username="care2", password="pass-1234", org_code=centre.org.code, role="counsellor")
    assert set(Role.values) >= {"intake_clerk", "mediator", "legal_aid", "official", "counsellor"}


def test_the_packet_with_the_workers_phone_is_stored_encrypted(closed, centre):
    seeking = _register(closed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT packet_json FROM referrals_handoff WHERE id = %s", [seeking.handoff_id])
        raw = cursor.fetchone()[0]
    assert closed.worker_phone not in raw
