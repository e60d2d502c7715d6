"""factory_boy factories. A case's state is passed at construction (the FSM field is protected), with a trait per
state that also fills in what that state implies (a station, a handling organization, amounts)."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from disputes.models import Case, Claim
from disputes.pii import keyed_hash
from disputes.services import _pin_hash
from disputes.states import CaseStatus
from organizations.models import Membership, Organization, Region
from organizations.services import role_group_ensure
from organizations.states import Industry, OrgType

S = CaseStatus
TEST_PIN = "246810"


def _test_code(n: int) -> str:
    """``T000-TEST``, ``T001-TEST``, … as a real code reads (four, a dash, four), however long the run: past 999
    the three characters after the ``T`` count in base 36, so a code never grows a fifth character (which the
    tracking form would read as another code)."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if n < 1000:
        return f"T{n:03d}-TEST"
    head = ""
    for _ in range(3):
        n, rest = divmod(n, 36)
        head = digits[rest] + head
    return f"T{head}-TSTX"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"区域{n}")


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"快递行业调解站{n}")
    type = OrgType.INDUSTRY_STATION
    industry = Industry.EXPRESS_DELIVERY
    region = factory.SubFactory(RegionFactory)
    accepts_claims = True
    mediation_legal_type = "peoples_mediation_committee"

    class Params:
        commission = factory.Trait(
            type=OrgType.ARBITRATION_COMMISSION, industry="", accepts_claims=False, mediation_legal_type=""
        )
        court = factory.Trait(type=OrgType.COURT, industry="", accepts_claims=False, mediation_legal_type="")
        bureau = factory.Trait(
            type=OrgType.HR_BUREAU, industry="", accepts_claims=False, mediation_legal_type=""
        )


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_staff(*, org: Organization, role: str, username: str | None = None):
    """A staff account with ``role`` in ``org``, in the role's group (as create_staff makes it)."""
    user = UserFactory(**({"username": username} if username else {}))
    Membership.objects.get_or_create(user=user, organization=org, role=role)
    user.groups.add(role_group_ensure(role))
    return user


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case
        skip_postgeneration_save = True

    tracking_code = factory.Sequence(lambda n: _test_code(n))
    access_pin_hash = factory.LazyAttribute(lambda o: _pin_hash(o.tracking_code, TEST_PIN))
    status = S.SUBMITTED
    station = factory.SubFactory(OrganizationFactory)
    region = factory.LazyAttribute(lambda o: o.station.region if o.station else None)
    industry = Industry.EXPRESS_DELIVERY
    worker_name = "张伟"
    worker_id_number = "330302199001011234"
    worker_id_hash = factory.LazyAttribute(lambda o: keyed_hash(o.worker_id_number))
    worker_phone = "13812345678"
    worker_phone_hash = factory.LazyAttribute(lambda o: keyed_hash(o.worker_phone))
    employer_name = "某某快递有限公司"
    facts = "2026年9月至10月的工资未发放。"
    amount_claimed = Decimal("8000.00")

    class Params:
        agreed = factory.Trait(amount_agreed=Decimal("6000.00"))

    @factory.post_generation
    def claims(obj, create, extracted, **kwargs):
        if create:
            for category in extracted or ["wages"]:
                Claim.objects.create(case=obj, category=category, amount=obj.amount_claimed)


def case_in_state(state: str, **kwargs) -> Case:
    """A case in ``state`` with what that state implies; ``kwargs`` override."""
    defaults: dict = {}
    if state in (S.AGREEMENT_REACHED, S.CONFIRMATION_REQUESTED, S.CONFIRMED, S.ENFORCEMENT, S.FULFILLED):
        defaults["amount_agreed"] = Decimal("6000.00")
    if state in (S.CONFIRMATION_REQUESTED, S.CONFIRMED, S.ENFORCEMENT):
        defaults["handling_org"] = OrganizationFactory(code="court-test", court=True)
    if state in (S.REFERRED_TO_ARBITRATION, S.ARBITRATION_ACCEPTED):
        defaults["handling_org"] = OrganizationFactory(code="arb-test", commission=True)
    if state == S.SUBMITTED:
        defaults["station"] = None
    defaults.update(kwargs)
    return CaseFactory(status=state, **defaults)
