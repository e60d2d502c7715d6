"""Cases referred after failed mediation: the commission accepts (the acceptance notice, whose number is the case
number, and a hearing at least five days ahead) or declines (the written notice with the reason and the right to
sue); the award is recorded final or not by the local minimum wage (rule 15); the case is closed; an award that
is not paid is enforced."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from arbitration import services
from arbitration.models import Award, Hearing
from disputes.exceptions import TransitionConflict
from disputes.models import Case, CaseDeadline, CaseEvent, IssuedDocument
from disputes.models.documents import DocumentKind
from disputes.permissions import WORKER
from disputes.services import ClaimInput
from disputes.states import CaseStatus
from disputes.tracking import worker_view
from referrals.models import Handoff
from referrals.states import HandoffKind, HandoffStatus

from .conftest import file_case, hearing_in, pdf_text

pytestmark = pytest.mark.django_db
S = CaseStatus


def item(category, amount, description="拖欠工资"):
    return services.AwardItemInput(category=category, description=description, amount=Decimal(amount))


def test_referral_is_timed_and_accepted_with_a_number_and_a_hearing(directory, referred):
    case, _pin = referred
    assert case.status == S.REFERRED_TO_ARBITRATION and case.handling_org == directory.commission
    acceptance = CaseDeadline.objects.get(case=case, rule__code="arb.acceptance_decision")
    assert acceptance.is_active and acceptance.met_at is None

    arbitrator = directory.staff["arbitrator"]
    document = services.arbitration_accept(case_id=case.pk, actor=arbitrator, hearing=hearing_in(7))

    case = Case.objects.get(pk=case.pk)
    assert case.status == S.ARBITRATION_ACCEPTED
    assert document.kind == DocumentKind.ARBITRATION_ACCEPTANCE and "仲受字" in document.number
    event = CaseEvent.objects.get(case=case, transition="accept_arbitration")
    assert event.payload == {"arbitration_number": document.number}
    assert CaseDeadline.objects.get(case=case, rule__code="arb.acceptance_decision").met_at is not None
    assert CaseDeadline.objects.get(case=case, rule__code="arb.award").is_active
    hearing = Hearing.objects.get(case=case)
    assert hearing.place == "示范市仲裁院第一仲裁庭"
    text = pdf_text(document)
    assert "受理通知书" in text and "示范市仲裁院第一仲裁庭" in text and case.tracking_code in text
    handoff = Handoff.objects.get(case=case, kind=HandoffKind.ARBITRATION)
    assert handoff.status == HandoffStatus.ACCEPTED and handoff.reference == document.number
    history = [i.text for i in worker_view(case=case).history]
    assert any(document.number in t for t in history)
    assert any("示范市仲裁院第一仲裁庭" in t for t in history)


def test_a_hearing_needs_five_days_notice(directory, referred):
    case, _pin = referred
    arbitrator = directory.staff["arbitrator"]
    with pytest.raises(ValidationError) as exc:
        services.arbitration_accept(case_id=case.pk, actor=arbitrator, hearing=hearing_in(3))
    assert "第三十五条" in exc.value.message_dict["hearing_at"][0]
    assert Case.objects.get(pk=case.pk).status == S.REFERRED_TO_ARBITRATION
    assert not IssuedDocument.objects.exists()

    services.arbitration_accept(case_id=case.pk, actor=arbitrator)
    with pytest.raises(ValidationError):
        services.hearing_schedule(case_id=case.pk, actor=arbitrator, hearing=hearing_in(2))
    services.hearing_schedule(case_id=case.pk, actor=arbitrator, hearing=hearing_in(5))
    assert Hearing.objects.filter(case=case).count() == 1
    with pytest.raises(PermissionDenied):
        services.hearing_schedule(case_id=case.pk, actor=directory.staff["mediator"], hearing=hearing_in(9))


def test_declined_with_a_notice_of_the_reason_and_the_right_to_sue(directory, referred):
    case, _pin = referred
    document = services.arbitration_decline(
        case_id=case.pk,
        actor=directory.staff["arbitrator"],
        reason="outside_jurisdiction",
        detail="用人单位注册地和劳动合同履行地均不在本市。",
    )
    case = Case.objects.get(pk=case.pk)
    assert case.status == S.CLOSED and case.closed_at is not None
    assert document.kind == DocumentKind.ARBITRATION_NON_ACCEPTANCE
    text = pdf_text(document)
    assert "不予受理通知书" in text and "不属于本仲裁委员会管辖" in text and "人民法院提起诉讼" in text
    assert "第二十九条" in text
    handoff = Handoff.objects.get(case=case, kind=HandoffKind.ARBITRATION)
    assert handoff.status == HandoffStatus.DECLINED and "不属于本仲裁委员会管辖" in handoff.reason
    history = [i.text for i in worker_view(case=case).history]
    assert any("向人民法院起诉" in t for t in history)


def test_a_small_wage_award_is_final_and_the_case_closes(directory, referred, minimum_wage):
    case, _pin = referred
    arbitrator = directory.staff["arbitrator"]
    services.arbitration_accept(case_id=case.pk, actor=arbitrator)

    award = services.award_record(case_id=case.pk, actor=arbitrator, items=[item("wages", "6000.00")])

    assert award.is_final and award.minimum_wage == minimum_wage
    assert award.effective_on == award.awarded_on == timezone.localdate()
    assert "29,880.00" in award.final_reason  # 12 × 2490
    assert award.document.kind == DocumentKind.ARBITRATION_AWARD
    text = pdf_text(award.document)
    assert "仲裁裁决书" in text and "终局裁决" in text and "6,000.00" in text
    assert CaseDeadline.objects.get(case=case, rule__code="award.worker_suit").is_active
    assert Case.objects.get(pk=case.pk).status == S.ARBITRATION_ACCEPTED  # until closed

    with pytest.raises(TransitionConflict):
        services.award_record(case_id=case.pk, actor=arbitrator, items=[item("wages", "1.00")])
    services.arbitration_close(case_id=case.pk, actor=arbitrator, outcome="award")
    case = Case.objects.get(pk=case.pk)
    assert case.status == S.CLOSED
    event = CaseEvent.objects.get(case=case, transition="close_arbitration")
    assert event.payload == {"outcome": "裁决结案", "amount_awarded": "6000.00", "is_final": True}
    handoff = Handoff.objects.get(case=case, kind=HandoffKind.ARBITRATION)
    assert handoff.completed_at is not None and handoff.outcome == "裁决结案"


@pytest.mark.parametrize(
    "items, why",
    [
        ([("wages", "29880.01")], "超过当地月最低工资标准十二个月金额"),
        ([("wages", "3000.00"), ("labor_relationship", "0")], "不属于"),
    ],
)
def test_an_award_above_the_threshold_or_with_other_items_is_not_final(
    directory, referred, minimum_wage, items, why
):
    case, _pin = referred
    arbitrator = directory.staff["arbitrator"]
    services.arbitration_accept(case_id=case.pk, actor=arbitrator)
    award = services.award_record(case_id=case.pk, actor=arbitrator, items=[item(c, a) for c, a in items])
    assert not award.is_final and why in award.final_reason
    assert award.effective_on > award.awarded_on + timedelta(days=15)
    assert "提起诉讼" in pdf_text(award.document)


def test_exactly_twelve_months_is_still_final(directory, referred, minimum_wage):
    case, _pin = referred
    arbitrator = directory.staff["arbitrator"]
    services.arbitration_accept(case_id=case.pk, actor=arbitrator)
    award = services.award_record(
        case_id=case.pk, actor=arbitrator, items=[item("wages", "29880.00"), item("compensation", "29880.00")]
    )
    assert award.is_final  # each item on its own, "不超过" includes the amount itself


def test_without_a_minimum_wage_the_tribunal_must_say(directory, referred):
    case, _pin = referred
    arbitrator = directory.staff["arbitrator"]
    services.arbitration_accept(case_id=case.pk, actor=arbitrator)
    with pytest.raises(ValidationError) as exc:
        services.award_record(case_id=case.pk, actor=arbitrator, items=[item("wages", "6000.00")])
    assert "月最低工资标准" in exc.value.message_dict["is_final"][0]
    with pytest.raises(ValidationError) as exc:
        services.award_record(
            case_id=case.pk, actor=arbitrator, items=[item("wages", "6000.00")], is_final=True
        )
    assert "final_reason" in exc.value.message_dict
    award = services.award_record(
        case_id=case.pk,
        actor=arbitrator,
        items=[item("wages", "6000.00")],
        is_final=True,
        final_reason="按本省公布的月最低工资标准，金额在终局范围内。",
    )
    assert award.is_final and award.final_reason.startswith("仲裁庭认定")


def test_a_region_minimum_wage_is_found_up_the_tree(directory, referred, minimum_wage):
    from arbitration.models import MinimumWage
    from arbitration.selectors import minimum_wage_for

    case, _pin = referred
    assert minimum_wage_for(case=case) == minimum_wage  # the case is in 北区, the row is the city's
    district = MinimumWage.objects.create(
        region=directory.north,
        monthly_amount=Decimal("2660.00"),
        effective_from=timezone.localdate(),
        source="测试",
    )
    assert minimum_wage_for(case=case) == district
    assert minimum_wage_for(case=case, on=timezone.localdate() - timedelta(days=1)) == minimum_wage


def test_an_unpaid_award_is_enforced_to_the_end(directory, referred, minimum_wage):
    from arbitration.models import EnforcementCase

    case, _pin = referred
    arbitrator, clerk = directory.staff["arbitrator"], directory.staff["court_clerk"]
    services.arbitration_accept(case_id=case.pk, actor=arbitrator)
    services.award_record(case_id=case.pk, actor=arbitrator, items=[item("wages", "6000.00")])

    row = services.enforcement_apply(case_id=case.pk, actor=WORKER)
    case = Case.objects.get(pk=case.pk)
    assert case.status == S.ENFORCEMENT and case.handling_org == directory.court
    assert row.basis == "award" and row.amount_sought == Decimal("6000.00") and row.applied_by == "worker"
    event = CaseEvent.objects.get(case=case, transition="open_enforcement")
    assert event.from_state == S.ARBITRATION_ACCEPTED and event.actor_kind == "worker"
    handoff = Handoff.objects.get(case=case, kind=HandoffKind.ENFORCEMENT)
    assert handoff.to_org == directory.court

    services.enforcement_register(case_id=case.pk, actor=clerk, number="（2026）示0302执100号")
    services.enforcement_record_recovery(case_id=case.pk, actor=clerk, amount="2500", at=timezone.localdate())
    services.enforcement_record_recovery(
        case_id=case.pk, actor=clerk, amount="3500.00", at=timezone.localdate()
    )
    services.enforcement_end(case_id=case.pk, actor=clerk, end="paid_in_full")

    case = Case.objects.get(pk=case.pk)
    assert case.status == S.CLOSED and case.amount_paid == Decimal("6000.00")
    row = EnforcementCase.objects.get(pk=row.pk)
    assert row.number == "（2026）示0302执100号" and row.ended_at is not None and row.end == "paid_in_full"
    handoff.refresh_from_db()
    assert handoff.reference == "（2026）示0302执100号" and handoff.completed_at is not None
    history = [i.text for i in worker_view(case=case).history]
    assert any("执行案号 （2026）示0302执100号" in t for t in history)
    assert any("累计执行到位 6,000.00 元" in t for t in history)


def test_a_non_final_award_is_enforced_only_once_in_effect(directory, referred, minimum_wage):
    case, _pin = referred
    arbitrator = directory.staff["arbitrator"]
    services.arbitration_accept(case_id=case.pk, actor=arbitrator)
    services.award_record(case_id=case.pk, actor=arbitrator, items=[item("wages", "50000.00")])
    with pytest.raises(ValidationError) as exc:
        services.enforcement_apply(case_id=case.pk, actor=WORKER)
    assert "生效" in exc.value.messages[0]
    later = Award.objects.get(case=case).effective_on
    option = services.enforcement_option(case=Case.objects.get(pk=case.pk), today=later)
    assert option.available and option.court_name == directory.court.name


def test_closing_by_award_needs_an_award(directory, referred):
    case, _pin = referred
    arbitrator = directory.staff["arbitrator"]
    services.arbitration_accept(case_id=case.pk, actor=arbitrator)
    with pytest.raises(ValidationError) as exc:
        services.arbitration_close(case_id=case.pk, actor=arbitrator, outcome="award")
    assert "outcome" in exc.value.message_dict
    services.arbitration_close(case_id=case.pk, actor=arbitrator, outcome="withdrawn", note="申请人撤回。")
    assert Case.objects.get(pk=case.pk).status == S.CLOSED


def test_the_worker_goes_straight_to_arbitration(directory, rules):
    """Mediation is optional: a case filed and referred at once follows the same road."""
    from disputes.tracking import tracking_refer_to_arbitration

    case, _pin = file_case(
        directory, mediate=False, claims=[ClaimInput("social_insurance", Decimal("12000.00"))]
    )
    tracking_refer_to_arbitration(case_id=case.pk)
    arbitrator = directory.staff["arbitrator"]
    services.arbitration_accept(case_id=case.pk, actor=arbitrator)
    award = services.award_record(
        case_id=case.pk, actor=arbitrator, items=[item("social_insurance", "12000.00", "补缴社会保险费")]
    )
    assert award.is_final and "国家劳动标准" in award.final_reason  # without a minimum wage: a labor standard
