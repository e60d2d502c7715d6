"""A seeded city for the statistics tests: the demo's directory, some of its cases (filed and driven through the
real services, so the case effect keeps the summary tables) and a set of edge cases with known dates: transferred,
dispatched to a branch, withdrawn, rejected, merged as a duplicate, corrected, moved to the government station,
referred to arbitration from mediation, enforced, closed the day it was filed and after more than a year.

Seeding takes a while, so each module seeds once inside a transaction rolled back at its end (the case history is
append-only; a rollback is the only clean-up), as tests/disputes/test_seed_demo.py does.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from disputes import demo
from disputes.permissions import SYSTEM, WORKER
from disputes.related import related_case_merge, related_cases_detect
from disputes.services import ClaimInput, case_create, case_event_record, case_transition
from disputes.triage import case_routing_correct
from organizations.models import Organization, Region
from stats.definitions import AWARD_EVENT

DEMO_CASES = 40


def at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)), timezone.get_default_timezone())


class Seeder:
    def __init__(self, actor, orgs):
        self.actor = actor
        self.orgs = orgs
        self.n = 0

    def case(self, filed, *, station=None, industry="express_delivery", categories=("wages",), amount="8000",
             channel="qr_web", region=None, worker=None, employer="示范快递有限公司", steps=()):  # fmt: skip
        """File a case on ``filed`` and run ``steps`` [(name, payload, days after filing)] as the superuser."""
        self.n += 1
        number = worker or f"3303021990010{self.n:04d}"[:17] + "X"
        case, _pin = case_create(
            actor=self.actor,
            channel=channel,
            worker_name=f"测试{self.n}",
            worker_id_number=number,
            worker_phone=f"139{self.n:08d}",
            employer_name=employer,
            industry=industry,
            claims=[ClaimInput(category=c, amount=Decimal(amount) / len(categories)) for c in categories],
            facts="统计测试。",
            region=region or (self.orgs[station].region if station else None),
            at=at(filed),
            announce=False,
        )
        if station:
            case = case_transition(
                case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": self.orgs[station]},
                at=at(filed, 11), announce=False,
            )  # fmt: skip
        for i, (name, payload, days) in enumerate(steps):
            payload = {k: self.orgs[v] if k in ("station", "branch", "organization", "commission", "court") else v
                       for k, v in payload.items()}  # fmt: skip
            actor = WORKER if name == "move_to_government_station" else self.actor
            case = case_transition(
                case_id=case.pk, name=name, actor=actor, payload=payload,
                at=at(filed + timedelta(days=days), 12 + i % 8), announce=False,
            )  # fmt: skip
        return case


def seed_city(today=None):
    """The demo city with ``DEMO_CASES`` demo cases and the edge cases; returns what the tests need."""
    today = today or timezone.localdate()
    demo.seed(count=DEMO_CASES)
    orgs = {o.code: o for o in Organization.objects.all()}
    actor, _ = get_user_model().objects.get_or_create(
        username="stats_root", defaults={"is_superuser": True, "is_staff": True}
    )
    s = Seeder(actor, orgs)
    base = today - timedelta(days=150)
    mediate = [("accept", {}, 1), ("start_mediation", {}, 2)]
    edge = SimpleNamespace(base=base)
    edge.paid = s.case(base, station="lc-express", categories=("wages", "overtime"), amount="9000", steps=[
        *mediate, ("record_agreement", {"amount_agreed": Decimal("6000")}, 5),
        ("record_fulfilment", {"amount_paid": Decimal("6000")}, 9), ("close", {}, 10)])  # fmt: skip
    edge.arbitration = s.case(base + timedelta(days=3), station="oh-food", industry="food_delivery", steps=[
        *mediate, ("record_failure", {"reason": "双方分歧较大"}, 6),
        ("refer_to_arbitration", {"commission": "wz-arb"}, 7), ("accept_arbitration", {"arbitration_number": "A1"}, 9),
        ("close_arbitration", {"outcome": "裁决", "amount_awarded": Decimal("5000"), "is_final": True}, 40)])  # fmt: skip
    # The commission's award, recorded by the arbitration app as a history event.
    case_event_record(
        case_id=edge.arbitration.pk,
        name=AWARD_EVENT,
        actor=actor,
        payload={"amount": "5000", "is_final": True},
    )
    edge.transferred = s.case(base + timedelta(days=20), station="lc-express", categories=("dismissal",), steps=[
        ("transfer", {"station": "oh-food"}, 1), ("accept", {}, 2), ("start_mediation", {}, 3),
        ("record_agreement", {"amount_agreed": Decimal("5000")}, 6),
        ("request_confirmation", {"route": "judicial_confirmation", "organization": "lc-court"}, 7),
        ("refuse_confirmation", {"reason": "材料不全"}, 12),
        ("record_fulfilment", {"amount_paid": Decimal("3000")}, 20), ("close", {}, 21)])  # fmt: skip
    edge.withdrawn = s.case(base + timedelta(days=21), station="lc-express", steps=[
        ("withdraw", {"reason": "已自行协商"}, 4)])  # fmt: skip
    edge.rejected = s.case(base + timedelta(days=22), station="oh-food", industry="food_delivery", steps=[
        ("reject", {"reason": "不属于劳动争议"}, 1)])  # fmt: skip
    edge.open = s.case(base + timedelta(days=40), station="lc-express", categories=("wages", "social_insurance"),
                       steps=mediate)  # fmt: skip
    edge.enforced = s.case(base + timedelta(days=41), station="lc-express", channel="hotline", steps=[
        ("dispatch_to_branch", {"branch": "lc-express-wuma"}, 1), *mediate,
        ("record_agreement", {"amount_agreed": Decimal("7000")}, 4),
        ("request_confirmation", {"route": "arbitration_review", "organization": "wz-arb"}, 5),
        ("confirm", {"document_number": "C1"}, 8), ("open_enforcement", {"court": "lc-court"}, 30),
        ("close_enforcement", {"amount_recovered": Decimal("4000")}, 60)])  # fmt: skip
    edge.unrouted = s.case(base + timedelta(days=42), region=Region.objects.get(code="wenzhou-ouhai"),
                           industry="construction", channel="walk_in")  # fmt: skip
    edge.left_mediation = s.case(base + timedelta(days=43), station="lc-union", industry="manufacturing", steps=[
        *mediate, ("refer_to_arbitration", {"commission": "wz-arb"}, 20)])  # fmt: skip
    edge.corrected = s.case(base + timedelta(days=44), station="lc-express", steps=[("accept", {}, 1)])
    case_routing_correct(
        case_id=edge.corrected.pk, actor=actor, industry="food_delivery", categories=["wages", "work_injury"]
    )
    edge.moved = s.case(base + timedelta(days=45), station="lc-express", steps=[
        *mediate, ("move_to_government_station", {"station": "lc-gov"}, 3), ("accept", {}, 4),
        ("start_mediation", {}, 5), ("record_agreement", {"amount_agreed": Decimal("2000")}, 8)])  # fmt: skip
    edge.same_day = s.case(base + timedelta(days=46), station="lc-express", steps=[
        ("accept", {}, 0), ("start_mediation", {}, 0), ("record_agreement", {"amount_agreed": Decimal("100")}, 0),
        ("record_fulfilment", {"amount_paid": Decimal("100")}, 0), ("close", {}, 0)])  # fmt: skip
    edge.long = s.case(today - timedelta(days=420), station="oh-food", industry="food_delivery", steps=[
        *mediate, ("record_agreement", {"amount_agreed": Decimal("3000")}, 5),
        ("request_confirmation", {"route": "judicial_confirmation", "organization": "oh-court"}, 6),
        ("confirm", {"document_number": "C2"}, 10), ("open_enforcement", {"court": "oh-court"}, 20),
        ("close_enforcement", {"amount_recovered": Decimal("0")}, 410)])  # fmt: skip
    s.case(base + timedelta(days=50), station="lc-express", worker="33030219850505123X",
                   employer="重复快递有限公司")  # fmt: skip
    second = s.case(base + timedelta(days=51), station="lc-express", worker="33030219850505123X",
                    employer="重复快递有限公司")  # fmt: skip
    links = related_cases_detect(case_id=second.pk)
    related_case_merge(link_id=links[0].pk, actor=actor)
    edge.duplicate = second
    return SimpleNamespace(today=today, actor=actor, orgs=orgs, edge=edge)


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed_city()
        transaction.set_rollback(True)


def build_town():
    """A city with a north and a south district; station-a in the north with a branch, station-b in the south;
    a commission, a bureau for the city and one for the south; staff of each role that matters; and cases filed
    through the services this year: six at station-a (one dispatched to its branch, three agreed), three at
    station-b."""
    from organizations.states import Role
    from tests.factories import OrganizationFactory, RegionFactory, make_staff

    city = RegionFactory(code="city", name="示范市")
    north = RegionFactory(code="north", name="北区", parent=city)
    south = RegionFactory(code="south", name="南区", parent=city)
    station = OrganizationFactory(code="station-a", name="北区快递行业调解站", region=north)
    branch = OrganizationFactory(
        code="station-a-1", name="北区快递调解站东街网点", region=north, parent=station, type="branch_outlet"
    )
    other = OrganizationFactory(
        code="station-b", name="南区外卖配送调解站", region=south, industry="food_delivery"
    )
    OrganizationFactory(code="arb", name="示范市劳动人事争议仲裁委员会", region=city, commission=True)
    bureau = OrganizationFactory(code="hrb", name="示范市人力资源和社会保障局", region=city, bureau=True)
    south_bureau = OrganizationFactory(code="hrb-south", name="南区人社局", region=south, bureau=True)
    staff = {
        "station_admin": make_staff(org=station, role=Role.STATION_ADMIN, username="admin_a"),
        "mediator": make_staff(org=station, role=Role.MEDIATOR, username="mediator_a"),
        "other_admin": make_staff(org=other, role=Role.STATION_ADMIN, username="admin_b"),
        "official": make_staff(org=bureau, role=Role.OFFICIAL, username="official"),
        "south_official": make_staff(org=south_bureau, role=Role.OFFICIAL, username="official_s"),
    }
    root, _ = get_user_model().objects.get_or_create(
        username="stats_root", defaults={"is_superuser": True, "is_staff": True}
    )
    orgs = {o.code: o for o in Organization.objects.all()}
    s = Seeder(root, orgs)
    today = timezone.localdate()
    start = today.replace(month=1, day=1) if today.timetuple().tm_yday > 40 else today - timedelta(days=40)
    mediate = [("accept", {}, 1), ("start_mediation", {}, 1)]
    cases = SimpleNamespace(a=[], b=[])
    for i in range(5):
        steps = mediate + ([("record_agreement", {"amount_agreed": Decimal("1000")}, 2)] if i < 3 else [])
        cases.a.append(s.case(start + timedelta(days=i), station="station-a", steps=steps))
    cases.a.append(s.case(start + timedelta(days=6), station="station-a",
                          steps=[("dispatch_to_branch", {"branch": "station-a-1"}, 1), *mediate]))  # fmt: skip
    for i in range(3):
        cases.b.append(
            s.case(
                start + timedelta(days=i),
                station="station-b",
                industry="food_delivery",
                categories=("overtime",),
            )
        )
    directory = SimpleNamespace(city=city, north=north, south=south, station=station, branch=branch, other=other,
                                staff=staff)  # fmt: skip
    return SimpleNamespace(directory=directory, root=root, start=start, today=today, cases=cases, seeder=s)


@pytest.fixture
def town(db):
    return build_town()


@pytest.fixture(scope="module")
def town_module(django_db_setup, django_db_blocker):
    """:func:`build_town` once for a module, rolled back at its end (read-only tests)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_town()
        transaction.set_rollback(True)
