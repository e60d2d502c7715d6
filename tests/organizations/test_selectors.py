"""organizations.selectors.scope_for and the case list it scopes (disputes.selectors.case_list_visible_to)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from disputes.selectors import case_get_visible, case_list_visible_to
from disputes.states import CaseStatus
from organizations.selectors import organization_list_visible_to, scope_for
from organizations.states import Role

from ..factories import OrganizationFactory, RegionFactory, UserFactory, case_in_state, make_staff

S = CaseStatus
pytestmark = pytest.mark.django_db


def _ids(*orgs):
    return frozenset(o.pk for o in orgs)


# --- scope_for ----------------------------------------------------------------------------------------------
def test_a_membership_covers_the_org_and_its_branches(directory):
    scope = scope_for(directory.staff["mediator"])
    assert scope.org_ids == _ids(directory.station, directory.branch)
    assert scope.orgs_with_role(Role.MEDIATOR) == _ids(directory.station, directory.branch)
    assert scope.orgs_with_role(Role.STATION_ADMIN) == frozenset()
    assert scope.roles == {Role.MEDIATOR}
    assert scope.region_ids == frozenset()
    assert not scope.is_superuser


def test_branches_of_branches_are_covered(directory):
    sub = OrganizationFactory(code="station-a-1-1", region=directory.north, parent=directory.branch)
    scope = scope_for(directory.staff["station_admin"])
    assert scope.org_ids == _ids(directory.station, directory.branch, sub)


def test_a_branch_membership_does_not_cover_the_parent(directory):
    assert scope_for(directory.staff["branch_mediator"]).org_ids == _ids(directory.branch)


def test_roles_are_kept_apart(directory):
    user = directory.staff["mediator"]
    make_staff(org=directory.commission, role=Role.ARBITRATOR, username=user.username)
    user.refresh_from_db()
    user = type(user).objects.get(pk=user.pk)  # a fresh object: the scope is cached per user object
    scope = scope_for(user)
    assert scope.orgs_with_role(Role.MEDIATOR) == _ids(directory.station, directory.branch)
    assert scope.orgs_with_role(Role.ARBITRATOR) == _ids(directory.commission)
    assert scope.org_ids == _ids(directory.station, directory.branch, directory.commission)


def test_an_official_of_a_bureau_covers_its_region_and_sub_regions(directory):
    scope = scope_for(directory.staff["official"])
    assert scope.region_ids == _ids(directory.city, directory.north, directory.south)
    assert scope.org_ids == _ids(
        directory.station,
        directory.branch,
        directory.other,
        directory.commission,
        directory.court,
        directory.bureau,
    )
    assert scope.orgs_with_role(Role.OFFICIAL) == scope.org_ids


def test_a_district_official_covers_only_the_district(directory):
    street = RegionFactory(code="north-street", name="东街街道", parent=directory.north)
    street_station = OrganizationFactory(code="street-station", region=street)
    outside = RegionFactory(code="elsewhere", name="外市")
    OrganizationFactory(code="elsewhere-station", region=outside)
    district_bureau = OrganizationFactory(code="hrb-north", region=directory.north, bureau=True)
    official = make_staff(org=district_bureau, role=Role.OFFICIAL, username="official_north")
    scope = scope_for(official)
    assert scope.region_ids == _ids(directory.north, street)
    assert scope.org_ids == _ids(
        directory.station, directory.branch, directory.court, district_bureau, street_station
    )


def test_inactive_users_have_an_empty_scope(directory):
    user = directory.staff["station_admin"]
    user.is_active = False
    user.save()
    fresh = type(user).objects.get(pk=user.pk)
    scope = scope_for(fresh)
    assert scope.org_ids == frozenset()
    assert scope.region_ids == frozenset()
    assert not scope.is_superuser


def test_an_inactive_superuser_has_an_empty_scope(db):
    root = UserFactory(username="root", is_superuser=True, is_active=False)
    assert not scope_for(root).is_superuser


@pytest.mark.parametrize("user", [None, AnonymousUser()])
def test_anonymous_has_an_empty_scope(user):
    assert scope_for(user).org_ids == frozenset()


def test_an_inactive_organization_gives_no_scope(directory):
    directory.station.is_active = False
    directory.station.save()
    user = type(directory.staff["mediator"]).objects.get(pk=directory.staff["mediator"].pk)
    assert scope_for(user).org_ids == frozenset()


def test_superuser_scope(db):
    root = UserFactory(username="root", is_superuser=True)
    assert scope_for(root).is_superuser


def test_organization_list_visible_to(directory):
    assert set(organization_list_visible_to(user=directory.staff["mediator"])) == {
        directory.station,
        directory.branch,
    }


# --- case_list_visible_to -----------------------------------------------------------------------------------
@pytest.fixture
def cases(directory):
    outside = RegionFactory(code="elsewhere", name="外市")
    outside_station = OrganizationFactory(code="elsewhere-station", region=outside)
    return {
        "station": case_in_state(S.IN_MEDIATION, station=directory.station),
        "branch": case_in_state(S.ASSIGNED, station=directory.branch),
        "other": case_in_state(S.ACCEPTED, station=directory.other),
        # Station B's case referred to the commission.
        "other_arb": case_in_state(
            S.REFERRED_TO_ARBITRATION, station=directory.other, handling_org=directory.commission
        ),
        # Recorded by station A's intake desk, chosen station still open.
        "intake": case_in_state(
            S.SUBMITTED, station=None, intake_org=directory.station, region=directory.north
        ),
        # Filed online with no station yet, in the south district.
        "unrouted": case_in_state(S.SUBMITTED, station=None, region=directory.south),
        # Another city.
        "outside": case_in_state(S.ASSIGNED, station=outside_station),
    }


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("station_admin", {"station", "branch", "intake"}),
        ("mediator", {"station", "branch", "intake"}),
        ("branch_mediator", {"branch"}),
        ("other_mediator", {"other", "other_arb"}),
        ("arbitrator", {"other_arb"}),
        ("court_clerk", set()),
        ("official", {"station", "branch", "other", "other_arb", "intake", "unrouted"}),
    ],
)
def test_case_list_visible_to(directory, cases, who, visible):
    user = directory.staff[who]
    got = set(case_list_visible_to(user=user).values_list("pk", flat=True))
    assert got == {cases[key].pk for key in visible}


def test_superuser_sees_every_case(cases):
    root = UserFactory(username="root", is_superuser=True)
    assert set(case_list_visible_to(user=root).values_list("pk", flat=True)) == {c.pk for c in cases.values()}


def test_inactive_and_anonymous_see_nothing(directory, cases):
    user = directory.staff["station_admin"]
    user.is_active = False
    user.save()
    fresh = type(user).objects.get(pk=user.pk)
    assert not case_list_visible_to(user=fresh).exists()
    assert not case_list_visible_to(user=AnonymousUser()).exists()


def test_staff_without_membership_see_nothing(cases):
    nobody = UserFactory(username="nobody")
    assert not case_list_visible_to(user=nobody).exists()


def test_a_case_sent_to_the_court_becomes_visible_to_its_clerk(directory, cases):
    case = case_in_state(S.CONFIRMATION_REQUESTED, station=directory.other, handling_org=directory.court)
    assert set(case_list_visible_to(user=directory.staff["court_clerk"])) == {case}


def test_others_cases_are_404(directory, cases):
    user = directory.staff["branch_mediator"]
    assert case_get_visible(user=user, case_id=cases["branch"].pk) == cases["branch"]
    for key in ("station", "other", "outside"):
        with pytest.raises(Http404):
            case_get_visible(user=user, case_id=cases[key].pk)
    with pytest.raises(Http404):
        case_get_visible(user=user, case_id="not-a-number")


@pytest.mark.parametrize(
    "who", ["station_admin", "branch_mediator", "other_mediator", "arbitrator", "official"]
)
def test_can_see_case_agrees_with_the_list(directory, cases, who):
    """disputes.permissions.can_see_case is the one-object mirror of case_list_visible_to."""
    from disputes.permissions import can_see_case

    user = directory.staff[who]
    listed = set(case_list_visible_to(user=user).values_list("pk", flat=True))
    for case in cases.values():
        assert can_see_case(case, user) is (case.pk in listed), case
