"""A missed payment offers the worker the next steps the law gives (legal-rules.md rules 4–7) and starts the one
they choose: arbitration review at the commission where the station is, judicial confirmation at the basic court
where it sits (a people's mediation committee's payment-only agreement, within 30 days), or a payment order for
wage and compensation items (a handoff to the court without a case transition)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes.exceptions import TransitionConflict
from disputes.models import Case, CaseEvent
from disputes.tracking import worker_view
from mediation.models import Agreement
from mediation.services import remedy_choose, remedy_options
from mediation.states import Remedy
from organizations.models import Organization
from referrals.models import Handoff

from .conftest import draft, file_case, sign_both

pytestmark = pytest.mark.django_db


def missed_day(agreement):
    return agreement.instalments.get(sequence=1).due_on + timedelta(days=1)


def options(case, agreement, today):
    return {o.code: o for o in remedy_options(case=case, agreement=agreement, today=today)}


def test_nothing_is_offered_while_payments_are_on_time(effective):
    case, agreement, _pin = effective
    assert remedy_options(case=case, agreement=agreement) == []
    with pytest.raises(TransitionConflict):
        remedy_choose(case_id=case.pk, remedy=Remedy.PAYMENT_ORDER)


def test_after_a_missed_payment_all_three_routes_are_open_with_their_organizations(directory, effective):
    case, agreement, _pin = effective
    offered = options(case, agreement, missed_day(agreement))
    assert list(offered) == [Remedy.ARBITRATION_REVIEW, Remedy.JUDICIAL_CONFIRMATION, Remedy.PAYMENT_ORDER]
    assert all(o.available for o in offered.values())
    assert offered[Remedy.ARBITRATION_REVIEW].organization_name == directory.commission.name
    assert offered[Remedy.JUDICIAL_CONFIRMATION].organization_name == directory.court.name
    assert offered[Remedy.PAYMENT_ORDER].organization_name == directory.court.name


def test_choosing_arbitration_review_requests_it_from_the_commission_where_the_station_is(
    directory, effective
):
    case, agreement, _pin = effective
    remedy_choose(case_id=case.pk, remedy=Remedy.ARBITRATION_REVIEW, today=missed_day(agreement))

    case = Case.objects.get(pk=case.pk)
    assert case.status == "confirmation_requested"
    assert case.confirmation_route == "arbitration_review" and case.handling_org == directory.commission
    chosen = CaseEvent.objects.get(case=case, transition="remedy_chosen")
    assert chosen.actor_kind == "worker" and chosen.payload["remedy"] == "arbitration_review"
    request = CaseEvent.objects.get(case=case, transition="request_confirmation")
    assert request.actor == directory.staff["mediator"] and "劳动者在查询页面选择" in request.note
    handoff = Handoff.objects.get(case=case)
    assert handoff.kind == "arbitration_review" and handoff.to_org == directory.commission
    assert handoff.packet["agreement"]["number"] == agreement.number
    assert handoff.packet["agreement"]["instalments"][0]["status"] == "pending"
    agreement.refresh_from_db()
    assert agreement.remedy == Remedy.ARBITRATION_REVIEW and agreement.remedy_chosen_at
    assert "您选择了“申请仲裁审查确认”，我们已为您办理。" in [h.text for h in worker_view(case=case).history]


def test_choosing_judicial_confirmation_requests_it_from_the_basic_court(directory, effective):
    case, agreement, _pin = effective
    remedy_choose(case_id=case.pk, remedy=Remedy.JUDICIAL_CONFIRMATION, today=missed_day(agreement))
    case = Case.objects.get(pk=case.pk)
    assert case.status == "confirmation_requested" and case.confirmation_route == "judicial_confirmation"
    assert case.handling_org == directory.court
    assert Handoff.objects.get(case=case).kind == "judicial_confirmation"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ("legal_type", "人民调解委员会"),
        ("payment_only", "其他义务"),
        ("late", "三十日内"),
    ],
)
def test_judicial_confirmation_only_when_the_law_allows_it(directory, effective, change, why):
    case, agreement, _pin = effective
    today = missed_day(agreement)
    if change == "legal_type":
        Organization.objects.filter(pk=directory.station.pk).update(
            mediation_legal_type="enterprise_committee"
        )
    elif change == "payment_only":
        Agreement.objects.filter(pk=agreement.pk).update(payment_only=False)
    else:
        today = agreement.instalments.get(sequence=2).due_on + timedelta(days=1)
    agreement.refresh_from_db()
    case = Case.objects.select_related("station").get(pk=case.pk)
    option = options(case, agreement, today)[Remedy.JUDICIAL_CONFIRMATION]
    assert not option.available and why in option.why_not
    with pytest.raises(ValidationError) as exc:
        remedy_choose(case_id=case.pk, remedy=Remedy.JUDICIAL_CONFIRMATION, today=today)
    assert why in exc.value.message_dict["remedy"][0]
    assert Case.objects.get(pk=case.pk).status == "agreement_reached"
    review = options(case, agreement, today)[Remedy.ARBITRATION_REVIEW]
    if (
        change == "late"
    ):  # thirty days after the agreement, the fifteen days of arbitration review are long gone
        assert not review.available and "15" in review.why_not
    else:  # arbitration review stays open
        assert review.available


def test_arbitration_review_closes_after_its_fifteen_days(directory, effective):
    case, agreement, _pin = effective
    today = timezone.localdate(agreement.effective_at) + timedelta(days=20)
    assert missed_day(agreement) <= today  # a payment is missed, so the options are offered
    option = options(case, agreement, today)[Remedy.ARBITRATION_REVIEW]
    assert not option.available and "15" in option.why_not
    with pytest.raises(ValidationError):
        remedy_choose(case_id=case.pk, remedy=Remedy.ARBITRATION_REVIEW, today=today)
    assert Case.objects.get(pk=case.pk).status == "agreement_reached"


def test_a_branch_outlet_without_a_legal_type_takes_its_stations(directory, mediating):
    from mediation.selectors import station_legal_type

    case, _pin = mediating
    Organization.objects.filter(pk=directory.branch.pk).update(mediation_legal_type="")
    Case.objects.filter(pk=case.pk).update(station=directory.branch)
    case = Case.objects.select_related("station__parent").get(pk=case.pk)
    assert station_legal_type(case=case) == "peoples_mediation_committee"


def test_choosing_a_payment_order_hands_the_agreement_to_the_court_once(directory, effective):
    case, agreement, _pin = effective
    today = missed_day(agreement)
    remedy_choose(case_id=case.pk, remedy=Remedy.PAYMENT_ORDER, today=today)

    case = Case.objects.get(pk=case.pk)
    assert case.status == "agreement_reached"  # no case transition for a payment order
    handoff = Handoff.objects.get(case=case)
    assert handoff.kind == "payment_order" and handoff.to_org == directory.court
    assert handoff.from_org == directory.station and "逾期未付" in handoff.reason
    assert handoff.packet["agreement"]["items"][0]["category"] == "wages"
    assert CaseEvent.objects.filter(case=case, transition="remedy_chosen").count() == 1

    option = options(case, agreement, today)[Remedy.PAYMENT_ORDER]
    assert not option.available and "已经申请过" in option.why_not
    with pytest.raises(ValidationError):
        remedy_choose(case_id=case.pk, remedy=Remedy.PAYMENT_ORDER, today=today)
    assert Handoff.objects.filter(case=case).count() == 1
    # The other routes stay open after a payment order.
    remedy_choose(case_id=case.pk, remedy=Remedy.ARBITRATION_REVIEW, today=today)
    assert Case.objects.get(pk=case.pk).status == "confirmation_requested"


def test_no_payment_order_for_items_the_law_does_not_cover(directory):
    from disputes.services import ClaimInput

    case, pin = file_case(directory, claims=[ClaimInput(category="social_insurance", amount=None)])
    mediator = directory.staff["mediator"]
    agreement = sign_both(
        draft(
            case,
            mediator,
            item_rows=[("social_insurance", "补缴社会保险", "900")],
            schedule_rows=[(5, "900")],
        ),
        pin,
        mediator,
    )
    option = options(Case.objects.get(pk=case.pk), agreement, missed_day(agreement))[Remedy.PAYMENT_ORDER]
    assert not option.available and "支付令只适用于" in option.why_not


def test_an_unknown_choice_is_refused(effective):
    case, agreement, _pin = effective
    with pytest.raises(ValidationError):
        remedy_choose(case_id=case.pk, remedy="lawsuit", today=missed_day(agreement))
