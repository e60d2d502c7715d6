"""disputes.triage.route: the worker's choice first (unless the station cannot take the case), then the active
rules by priority, then the fallbacks; each condition; sub-regions; and the admin's rules list and tester."""

from decimal import Decimal

import pytest

from disputes.models import RoutingRule, YesNoAny
from disputes.triage import RoutingFacts, route, routing_preview, station_refusal
from organizations.states import OrgType

from ..factories import OrganizationFactory, RegionFactory, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def targets(directory):
    """Three more mediation organizations in the city to route to."""
    return type(
        "Targets",
        (),
        {
            "union": OrganizationFactory(
                code="union-city",
                name="示范市工会调解委员会",
                region=directory.city,
                type=OrgType.UNION_COMMITTEE,
                industry="",
            ),
            "gov": OrganizationFactory(
                code="gov-city",
                name="示范市新业态劳动纠纷调解站",
                region=directory.city,
                type=OrgType.GOVERNMENT_STATION,
                industry="",
            ),
            "peoples": OrganizationFactory(
                code="peoples-north",
                name="北区人民调解委员会",
                region=directory.north,
                type=OrgType.PEOPLES_MEDIATION,
                industry="",
            ),
        },
    )


def rule(target, *, regions=(), **kwargs) -> RoutingRule:
    kwargs.setdefault("name", f"规则→{target.code}")
    created = RoutingRule.objects.create(target=target, **kwargs)
    created.regions.set(regions)
    return created


def facts(**kwargs) -> RoutingFacts:
    for key in ("categories", "services"):
        if key in kwargs:
            kwargs[key] = frozenset(kwargs[key])
    return RoutingFacts(**kwargs)


# --- Order -------------------------------------------------------------------------------------------------
def test_the_lowest_priority_number_wins_then_the_oldest(targets):
    rule(targets.union, priority=20, name="工会")
    first = rule(targets.gov, priority=10, name="政府")
    rule(targets.peoples, priority=10, name="人民调解（后建）")
    result = route(facts(industry="construction"))
    assert result.station == targets.gov and result.rule == first and result.note == "政府"


def test_a_fallback_is_used_only_when_no_ordinary_rule_matches(targets):
    fallback = rule(targets.union, priority=1, is_fallback=True, name="兜底")
    specific = rule(targets.gov, priority=50, industries=["ride_hailing"], name="网约车")
    assert route(facts(industry="ride_hailing")).rule == specific
    assert route(facts(industry="construction")).rule == fallback


def test_an_inactive_rule_and_a_rule_whose_target_no_longer_takes_claims_are_skipped(targets):
    rule(targets.gov, priority=1, is_active=False)
    closed = OrganizationFactory(code="closed", region=targets.gov.region, type=OrgType.UNION_COMMITTEE)
    rule(closed, priority=2)
    closed.accepts_claims = False
    closed.save()
    later = rule(targets.union, priority=3)
    assert route(facts()).rule == later


def test_nothing_matches_means_no_station(targets):
    rule(targets.gov, industries=["ride_hailing"])
    result = route(facts(industry="construction"))
    assert result.station is None and result.rule is None and result.note == ""


# --- Each condition ------------------------------------------------------------------------------------------
def test_industries(targets):
    r = rule(targets.gov, industries=["food_delivery", "ride_hailing"])
    assert route(facts(industry="ride_hailing")).rule == r
    assert route(facts(industry="construction")).rule is None


def test_a_region_matches_itself_and_its_sub_regions_only(directory, targets):
    street = RegionFactory(code="north-east", name="东街街道", parent=directory.north)
    r = rule(targets.peoples, regions=[directory.north])
    assert route(facts(region=directory.north)).rule == r
    assert route(facts(region=street)).rule == r
    assert route(facts(region=directory.south)).rule is None
    assert route(facts(region=directory.city)).rule is None  # the parent is not a sub-region
    assert route(facts(region=None)).rule is None


def test_categories_match_any_of(targets):
    r = rule(targets.union, categories=["work_injury", "social_insurance"])
    assert route(facts(categories={"wages", "social_insurance"})).rule == r
    assert route(facts(categories={"wages"})).rule is None


@pytest.mark.parametrize(
    ("amount", "matches"),
    [("999.99", False), ("1000.00", True), ("5000.00", True), ("5000.01", False)],
)
def test_the_amount_range_includes_both_ends(targets, amount, matches):
    r = rule(targets.gov, amount_min=Decimal("1000"), amount_max=Decimal("5000"))
    assert (route(facts(amount=Decimal(amount))).rule == r) is matches


def test_an_open_ended_amount(targets):
    r = rule(targets.union, amount_min=Decimal("50000"))
    assert route(facts(amount=Decimal("80000"))).rule == r
    assert route(facts(amount=Decimal("100"))).rule is None


def test_services_match_any_of(targets):
    r = rule(targets.union, services=["union_mediation", "legal_aid"])
    assert route(facts(services={"legal_aid"})).rule == r
    assert route(facts(services={"peoples_mediation"})).rule is None
    assert route(facts()).rule is None


@pytest.mark.parametrize(
    ("flag", "value", "matches"),
    [
        (YesNoAny.YES, True, True),
        (YesNoAny.YES, False, False),
        (YesNoAny.NO, True, False),
        (YesNoAny.NO, False, True),
        (YesNoAny.ANY, True, True),
        (YesNoAny.ANY, False, True),
    ],
)
@pytest.mark.parametrize("condition", ["collective", "confidential"])
def test_collective_and_confidential_yes_no_any(targets, condition, flag, value, matches):
    r = rule(targets.union, **{condition: flag})
    assert (route(facts(**{condition: value})).rule == r) is matches


def test_the_workers_chosen_station_condition(directory, targets):
    directory.other.is_active = False
    directory.other.save()
    r = rule(targets.gov, chosen_station=directory.other)
    assert route(facts(industry="food_delivery", chosen_station=directory.other)).rule == r
    assert route(facts(industry="food_delivery")).rule is None


def test_all_conditions_together(directory, targets):
    r = rule(
        targets.union,
        regions=[directory.city],
        industries=["construction"],
        categories=["wages"],
        amount_min=Decimal("10000"),
        services=["union_mediation"],
        collective=YesNoAny.YES,
        confidential=YesNoAny.NO,
    )
    good = dict(
        region=directory.south,
        industry="construction",
        categories={"wages", "overtime"},
        amount=Decimal("120000"),
        services={"union_mediation"},
        collective=True,
        confidential=False,
    )
    assert route(facts(**good)).rule == r
    for key, bad in [
        ("industry", "manufacturing"),
        ("categories", {"overtime"}),
        ("amount", Decimal("9999")),
        ("services", {"legal_aid"}),
        ("collective", False),
        ("confidential", True),
    ]:
        assert route(facts(**{**good, key: bad})).rule is None, key


# --- The worker's choice -------------------------------------------------------------------------------------
def test_the_workers_choice_is_honoured_before_any_rule(directory, targets):
    rule(targets.gov, priority=1)
    result = route(facts(industry="express_delivery", chosen_station=directory.station))
    assert result.station == directory.station and result.honoured_choice and result.rule is None
    assert result.note == "劳动者选择"


def test_a_branch_outlet_of_the_right_industry_is_honoured(directory, targets):
    result = route(facts(industry="express_delivery", chosen_station=directory.branch))
    assert result.station == directory.branch and result.honoured_choice


@pytest.mark.parametrize("problem", ["inactive", "not_accepting", "other_industry", "branch_other_industry"])
def test_a_choice_that_cannot_take_the_case_is_overridden_by_the_rules(directory, targets, problem):
    fallback = rule(targets.gov, is_fallback=True, name="兜底：政府站")
    chosen = directory.station
    industry = "express_delivery"
    if problem == "inactive":
        chosen.is_active = False
    elif problem == "not_accepting":
        chosen.accepts_claims = False
    elif problem == "other_industry":
        industry = "food_delivery"
    else:
        chosen = directory.branch
        industry = "ride_hailing"
    chosen.save()
    result = route(facts(industry=industry, chosen_station=chosen))
    assert result.station == targets.gov and result.rule == fallback and not result.honoured_choice
    assert result.choice_refused


def test_an_unknown_industry_does_not_refuse_the_chosen_industry_station(directory):
    assert station_refusal(directory.station, industry="other") == ""
    assert "行业不符" in station_refusal(directory.station, industry="food_delivery")


def test_a_non_industry_station_takes_any_industry(targets):
    assert station_refusal(targets.union, industry="construction") == ""
    assert station_refusal(targets.gov, industry="food_delivery") == ""


# --- The tester ----------------------------------------------------------------------------------------------
def test_the_tester_answers_without_creating_anything(directory, targets):
    from disputes.models import Case, CaseEvent

    r = rule(targets.peoples, regions=[directory.north], categories=["dismissal"])
    result = routing_preview(region=directory.north, categories=["dismissal"], industry="construction")
    assert result.station == targets.peoples and result.rule == r
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_the_admin_tester_shows_the_target_and_the_rule(client, directory, targets):
    rule(targets.peoples, regions=[directory.north], name="北区解除劳动合同")
    client.force_login(directory.staff["official"])
    page = client.get("/admin/disputes/routingrule/preview/")
    assert page.status_code == 200
    response = client.post(
        "/admin/disputes/routingrule/preview/",
        {"industry": "construction", "region": directory.north.pk, "categories": ["dismissal"]},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "北区人民调解委员会" in text and "北区解除劳动合同" in text


def test_the_admin_tester_says_when_nothing_matches(client, directory, targets):
    client.force_login(directory.staff["official"])
    response = client.post("/admin/disputes/routingrule/preview/", {"industry": "construction"})
    assert "没有匹配的规则" in response.content.decode()


def test_a_mediator_cannot_open_the_rules_or_the_tester(client, directory):
    client.force_login(directory.staff["mediator"])
    assert client.get("/admin/disputes/routingrule/").status_code == 403
    assert client.get("/admin/disputes/routingrule/preview/").status_code == 403


def test_an_official_edits_rules_in_the_admin_within_their_scope(client, directory, targets):
    far = RegionFactory(code="far", name="外市")
    elsewhere = OrganizationFactory(code="far-union", region=far, type=OrgType.UNION_COMMITTEE, industry="")
    rule(elsewhere, name="外市规则")
    mine = rule(targets.union, name="本市规则")
    client.force_login(directory.staff["official"])
    listing = client.get("/admin/disputes/routingrule/").content.decode()
    assert "本市规则" in listing and "外市规则" not in listing
    response = client.post(
        "/admin/disputes/routingrule/add/",
        {
            "name": "建筑业欠薪",
            "priority": "5",
            "is_active": "on",
            "industries": ["construction"],
            "regions": [directory.south.pk],
            "categories": ["wages"],
            "collective": "any",
            "confidential": "any",
            "target": targets.union.pk,
            "description": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = RoutingRule.objects.get(name="建筑业欠薪")
    assert created.industries == ["construction"] and list(created.regions.all()) == [directory.south]
    refused = client.post(
        f"/admin/disputes/routingrule/{mine.pk}/change/",
        {
            "name": "本市规则",
            "priority": "1",
            "collective": "any",
            "confidential": "any",
            "target": elsewhere.pk,
        },
    )
    assert refused.status_code == 200  # the target is not offered: the form comes back with an error
    assert RoutingRule.objects.get(pk=mine.pk).target == targets.union


def test_an_official_of_another_city_cannot_open_this_citys_rule(client, directory, targets):
    far = RegionFactory(code="far", name="外市")
    far_bureau = OrganizationFactory(code="far-hrb", region=far, bureau=True)
    stranger = make_staff(org=far_bureau, role="official", username="far_official")
    mine = rule(targets.union)
    client.force_login(stranger)
    assert client.get(f"/admin/disputes/routingrule/{mine.pk}/change/").status_code == 404


def test_the_rule_pages_and_the_case_panel_render(client, directory, targets):
    from django.template.loader import render_to_string

    from ..factories import case_in_state

    r = rule(targets.union, regions=[directory.north], industries=["construction"], categories=["wages"])
    client.force_login(directory.staff["official"])
    assert client.get("/admin/disputes/routingrule/add/").status_code == 200
    assert client.get(f"/admin/disputes/routingrule/{r.pk}/change/").status_code == 200
    listing = client.get("/admin/disputes/routingrule/").content.decode()
    assert "行业：建筑业" in listing and "区域：北区（含下级）" in listing and "分流测试" in listing
    case = case_in_state("assigned", station=directory.station)
    panel = render_to_string("admin/disputes/routingrule/case_panel.html", {"case": case})
    assert f"/admin/disputes/routingrule/case/{case.pk}/correct/" in panel
    assert f"/admin/disputes/routingrule/case/{case.pk}/assign/" in panel
