"""Two stations' worth of real objects for the security tests, built once per module through the services.

Station A (北区, with a branch outlet) and station B (南区) each get five cases of one employer (a group warning),
two of them filed by the same worker (a related-case link): one with a signed agreement, a session, a contact
with the employer and a payment with its proof; one failed and referred to the commission (a handoff); one with
a legal-aid request; one escalated as special urgent; one left assigned. Evidence, notifications and the
handoffs' deliveries come with them. Every object A's build created is recorded (model → primary keys) by
comparing the tables before and after, so the tests can try each of them as B without a hand-kept list.

The whole world lives in one transaction rolled back after the module (the history is append-only: a rollback is
the only clean-up); each test runs in a savepoint inside it.
"""

import io
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from organizations.states import OrgType, Role
from tests.factories import OrganizationFactory, RegionFactory, make_staff

CLIENT_IP = "203.0.113.21"


@dataclass
class Side:
    """One station's objects and the strings that identify its cases (that must never reach the other side)."""

    key: str
    station: object
    staff: dict
    cases: list = field(default_factory=list)
    pins: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)  # model class → set of primary keys created for this side
    id_numbers: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    employer: str = ""

    def case_markers(self, case) -> set[str]:
        code = case.tracking_code
        return {
            code,
            f"{code[:4]}-{code[4:]}" if "-" not in code else code.replace("-", ""),
            case.worker_name,
        }

    def markers(self) -> set[str]:
        """Strings only this side's cases and people carry."""
        found = {self.employer}
        for case in self.cases:
            found |= self.case_markers(case)
        for user in self.staff.values():
            found |= {user.username, user.get_full_name()} - {""}
        return found

    def pks(self, model) -> list[int]:
        return sorted(self.objects.get(model, ()))


@dataclass
class World:
    a: Side
    b: Side
    users: dict  # role name → user
    commission: object
    court: object


def _id_number(day: int, n: int) -> str:
    """A well-formed resident ID number (GB 11643 check digit): born on 1990-01-``day``, sequence ``n``."""
    body = f"3303021990010{day % 10}{n:03d}" if day < 10 else f"330302199001{day:02d}{n:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _jpeg(name: str):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _snapshot() -> dict:
    return {model: set(model._base_manager.values_list("pk", flat=True)) for model in apps.get_models()}


def _diff(before: dict, after: dict) -> dict:
    return {
        model: after[model] - before.get(model, set())
        for model in after
        if after[model] - before.get(model, set())
    }


def _build_side(key: str, *, station, staff, region, names: list[str], employer: str, seed: str) -> Side:
    from disputes.evidence import evidence_check
    from disputes.models import Case
    from disputes.permissions import SYSTEM, WORKER
    from disputes.related import related_checks_after_intake
    from disputes.services import ClaimInput, case_create, case_transition
    from disputes.tracking import tracking_evidence_add
    from disputes.urgent import case_escalate_urgent
    from mediation import services as mediation
    from mediation.states import PaymentMethod
    from referrals.legal_aid import legal_aid_request
    from referrals.models import Notification
    from referrals.services import case_event_dispatch

    side = Side(key=key, station=station, staff=staff, employer=employer)
    mediator, admin = staff["mediator"], staff["station_admin"]
    for i, name in enumerate(names):
        worker = 0 if i == 1 else i  # the first two cases share a worker: a related-case link
        id_number = _id_number(int(seed[:2]), worker)
        phone = f"139{seed}{worker:05d}"
        case, pin = case_create(
            actor=WORKER,
            worker_name=name,
            worker_id_number=id_number,
            worker_phone=phone,
            employer_name=employer,
            industry=station.industry or "express_delivery",
            claims=[ClaimInput(category="wages", amount=Decimal("4800.00"))],
            facts="9月、10月工资没有发。",
            station=station,
        )
        case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": station})
        side.cases.append(case)
        side.pins[case.pk] = pin
        side.id_numbers.append(id_number)
        side.phones.append(phone)
    related_checks_after_intake(cases=side.cases)

    agreed, failed, aided, urgent, _waiting = side.cases
    for case in (agreed, failed, aided, urgent):
        case_transition(case_id=case.pk, name="accept", actor=mediator, payload={"mediator": mediator})
    for case in (agreed, failed):
        case_transition(case_id=case.pk, name="start_mediation", actor=mediator)
    tracking_evidence_add(case_id=agreed.pk, files=[evidence_check(_jpeg("工资条.jpg"))])

    now = timezone.now()
    mediation.session_record(
        case_id=agreed.pk,
        actor=mediator,
        held_at=now - timedelta(hours=2),
        mode="in_person",
        place="调解室",
        attendees="双方",
        summary="双方同意分期支付。",
    )
    mediation.contact_record(
        case_id=agreed.pk,
        actor=mediator,
        at=now - timedelta(hours=3),
        direction="outgoing",
        channel="phone",
        employer_contact_name="王经理",
        summary="约定调解时间。",
    )
    today = timezone.localdate()
    agreement = mediation.agreement_draft(
        case_id=agreed.pk,
        actor=mediator,
        items=[mediation.ItemInput(category="wages", description="9月、10月工资", amount=Decimal("4800.00"))],
        instalments=[
            mediation.InstalmentInput(due_on=today + timedelta(days=10), amount=Decimal("2400.00")),
            mediation.InstalmentInput(due_on=today + timedelta(days=40), amount=Decimal("2400.00")),
        ],
        payment_method=PaymentMethod.BANK_TRANSFER,
        employer_contact_name="王经理",
        submit=True,
    )
    mediation.agreement_sign_by_worker(
        agreement_id=agreement.pk, pin=side.pins[agreed.pk], client_ip=CLIENT_IP
    )
    mediation.agreement_sign_by_employer(agreement_id=agreement.pk, actor=mediator, signatory="王经理")
    mediation.payment_record(
        agreement_id=agreement.pk,
        actor=mediator,
        amount=Decimal("1000.00"),
        paid_on=today,
        method=PaymentMethod.BANK_TRANSFER,
        proof=evidence_check(_jpeg("转账记录.jpg")),
    )
    mediation.mediation_failure_record(
        case_id=failed.pk,
        actor=mediator,
        reason="employer_refused",
        worker_consents=True,
        consent_channel="phone",
    )
    legal_aid_request(
        case_id=aided.pk,
        actor=mediator,
        reason="请不起律师。",
        affordability="cannot",
        migrant_worker=True,
        consent=True,
    )
    case_escalate_urgent(case_id=urgent.pk, actor=admin, reason="工人情绪激动，拟聚集讨薪。")
    # Notifications are written after commit, which never comes here: write them as the task would.
    from disputes.models import CaseEvent

    for event_id in CaseEvent.objects.filter(case__in=side.cases).values_list("pk", flat=True):
        case_event_dispatch(event_id=event_id)
    assert Notification.objects.filter(case__in=side.cases).exists()
    side.cases = list(Case.objects.filter(pk__in=[c.pk for c in side.cases]).order_by("pk"))
    return side


def build_world() -> World:
    """The directory, then A's objects, then B's (see the module docstring)."""
    from disputes.models import DeadlineRule
    from tests.arbitration.conftest import seed_deadline_rules

    seed_deadline_rules()
    assert DeadlineRule.objects.exists()
    city = RegionFactory(code="sec-city", name="安全市")
    north = RegionFactory(code="sec-north", name="安全市北区", parent=city)
    south = RegionFactory(code="sec-south", name="安全市南区", parent=city)
    station_a = OrganizationFactory(code="sec-a", name="北区快递行业调解站（安全测试）", region=north)
    branch_a = OrganizationFactory(
        code="sec-a-1",
        name="北区快递调解站网点（安全测试）",
        region=north,
        parent=station_a,
        type="branch_outlet",
    )
    station_b = OrganizationFactory(
        code="sec-b", name="南区外卖配送调解站（安全测试）", region=south, industry="food_delivery"
    )
    commission = OrganizationFactory(code="sec-arb", name="安全市仲裁委员会", region=city, commission=True)
    court = OrganizationFactory(code="sec-court", name="安全市北区人民法院", region=north, court=True)
    bureau = OrganizationFactory(code="sec-hrb", name="安全市人社局", region=city, bureau=True)
    legal_aid = OrganizationFactory(
        code="sec-aid",
        name="安全市法律援助中心",
        region=city,
        type=OrgType.LEGAL_AID,
        industry="",
        accepts_claims=False,
        mediation_legal_type="",
    )
    pmc = OrganizationFactory(
        code="sec-pmc", name="安全市人民调解委员会", region=city, type=OrgType.PEOPLES_MEDIATION, industry=""
    )
    from disputes.models import GroupWarningSetting

    # Four workers of one employer raise a warning here (the default is five): each side's cases make one.
    GroupWarningSetting.objects.create(region=city, min_cases=3, window_days=30, collective_min_workers=10)
    users = {
        "arbitrator": make_staff(org=commission, role=Role.ARBITRATOR, username="sec_arbitrator"),
        "court_clerk": make_staff(org=court, role=Role.COURT_CLERK, username="sec_clerk"),
        "official": make_staff(org=bureau, role=Role.OFFICIAL, username="sec_official"),
        "lawyer": make_staff(org=legal_aid, role=Role.LEGAL_AID, username="sec_lawyer"),
        "peoples_mediator": make_staff(org=pmc, role=Role.MEDIATOR, username="sec_pmc"),
    }
    for user in users.values():
        user.first_name = ""
        user.save(update_fields=["first_name"])

    before = _snapshot()
    staff_a = {
        "mediator": make_staff(org=station_a, role=Role.MEDIATOR, username="secA_mediator"),
        "station_admin": make_staff(org=station_a, role=Role.STATION_ADMIN, username="secA_admin"),
        "branch_mediator": make_staff(org=branch_a, role=Role.MEDIATOR, username="secA_branch"),
    }
    for user, name in zip(staff_a.values(), ("甲调解员", "甲站长", "甲网点调解员"), strict=True):
        user.last_name = name
        user.save(update_fields=["last_name"])
    a = _build_side(
        "A",
        station=station_a,
        staff=staff_a,
        region=north,
        names=["甲秘一", "甲秘二", "甲秘三", "甲秘四", "甲秘五"],
        employer="甲标记快递服务有限公司",
        seed="110",
    )
    middle = _snapshot()
    a.objects = _diff(before, middle)
    staff_b = {
        "mediator": make_staff(org=station_b, role=Role.MEDIATOR, username="secB_mediator"),
        "station_admin": make_staff(org=station_b, role=Role.STATION_ADMIN, username="secB_admin"),
    }
    b = _build_side(
        "B",
        station=station_b,
        staff=staff_b,
        region=south,
        names=["乙秘一", "乙秘二", "乙秘三", "乙秘四", "乙秘五"],
        employer="乙标记外卖配送有限公司",
        seed="220",
    )
    b.objects = _diff(middle, _snapshot())
    inactive = make_staff(org=station_a, role=Role.STATION_ADMIN, username="secA_inactive")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    users.update(
        {
            "mediator_a": staff_a["mediator"],
            "admin_a": staff_a["station_admin"],
            "mediator_b": staff_b["mediator"],
            "admin_b": staff_b["station_admin"],
            "inactive": inactive,
        }
    )
    return World(a=a, b=b, users=users, commission=commission, court=court)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
