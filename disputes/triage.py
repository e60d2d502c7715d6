"""Triage and routing: which station gets a case, sending it there right after intake, re-routing when staff
correct the facts the rules read, the acceptance alarm, and assigning a mediator.

Routing (:func:`route`) is pure apart from reads: the same facts give the same answer, so the admin's tester
(:func:`routing_preview`) shows exactly what intake will do. The order is:

1. The worker's own choice of station is honoured unless that station cannot take the case
   (:func:`station_refusal`): it is inactive, does not take claims (or is not a mediation organization), or it is
   an industry-association station (or a branch outlet of one) whose industry differs from the case's. A case whose
   industry is "other" is not refused on industry: the worker who picked a delivery station from its QR poster
   but did not know which industry to tick still reaches the station they chose.
2. Otherwise the active ordinary rules by priority (then id), first match wins; a rule whose target can no longer
   take claims is skipped.
3. Then the active fallback rules in the same order.
4. Nothing matched: the case stays submitted, in front of the officials of its region and the clerks who recorded
   it (:func:`disputes.selectors.case_list_visible_to`).

Every write goes through :func:`disputes.services.case_transition` or :func:`disputes.services.case_event_record`.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Membership, Organization, Region
from organizations.selectors import scope_for
from organizations.states import Industry, OrgType, Role

from .exceptions import TransitionConflict
from .models import Case, Claim, RoutingRule, YesNoAny
from .permissions import SYSTEM, can_assign_mediator, can_correct_routing

# The acceptance alarm is a reminder like the others (disputes.reminders: once per case per day, through the one
# reminder mechanism), still importable from here, where routing puts a case in front of a station.
from .reminders import ACCEPTANCE_RULE_PREFIX, acceptance_overdue_alerts
from .services import case_deadlines_refresh, case_event_record, case_transition
from .states import OPEN_STATES, CaseStatus

S = CaseStatus
# The triage note when the worker's own choice was honoured (a fixed code that reports may count).
WORKER_CHOICE = "劳动者选择"
REROUTABLE_STATES = (S.SUBMITTED, S.ASSIGNED)
ASSIGNABLE_STATES = (S.ASSIGNED, S.ACCEPTED, S.IN_MEDIATION)


# --- Facts and answers --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RoutingFacts:
    """What the rules read of a case (or of the tester's form)."""

    industry: str = Industry.OTHER
    region: Region | None = None
    categories: frozenset[str] = frozenset()
    amount: Decimal = Decimal("0")
    services: frozenset[str] = frozenset()
    chosen_station: Organization | None = None
    collective: bool = False
    confidential: bool = False


@dataclass(frozen=True)
class RoutingResult:
    station: Organization | None
    rule: RoutingRule | None = None
    honoured_choice: bool = False
    choice_refused: str = ""  # why the worker's choice was not honoured ("" when there was none or it was)

    @property
    def note(self) -> str:
        """The triage event's note: the rule's name, or 劳动者选择."""
        if self.honoured_choice:
            return WORKER_CHOICE
        return self.rule.name if self.rule is not None else ""


def _worker_choice(case: Case) -> Organization | None:
    """The station the worker chose when filing (the filing event keeps it; the case's station moves on)."""
    # case_id too: the related manager sets the case on the row, which reads it (deferred: one more query).
    event = case.events.filter(transition="submit").order_by("id").only("case_id", "payload").first()
    code = (event.payload or {}).get("station") if event is not None else None
    if not code:
        return case.station if case.status == S.SUBMITTED else None
    return Organization.objects.select_related("parent").filter(code=code).first()


def routing_facts_for(case: Case, *, filed_categories: Iterable[str] | None = None) -> RoutingFacts:
    """The facts of ``case`` as stored. ``filed_categories``: the claims' categories of a case created in the
    current transaction (intake), which then needs no read: its worker's choice is its station (what its
    ``submit`` event records)."""
    if filed_categories is not None:
        categories, chosen = frozenset(filed_categories), case.station
    else:
        categories, chosen = frozenset(case.claims.values_list("category", flat=True)), _worker_choice(case)
    return RoutingFacts(
        industry=case.industry,
        region=case.region,
        categories=categories,
        amount=case.amount_claimed or Decimal("0"),
        services=frozenset(case.services or []),
        chosen_station=chosen,
        collective=case.collective_id is not None,
        confidential=bool(case.confidential),
    )


def _station_industry(station: Organization) -> str:
    """The industry of an industry station, or of the industry station a branch outlet belongs to; "" otherwise."""
    if station.type == OrgType.INDUSTRY_STATION:
        return station.industry
    if station.type == OrgType.BRANCH_OUTLET and station.parent_id:
        parent = station.parent
        if parent.type == OrgType.INDUSTRY_STATION:
            return station.industry or parent.industry
    return ""


def station_refusal(station: Organization, *, industry: str) -> str:
    """Why ``station`` cannot take a case of ``industry`` ("" when it can). See the module docstring."""
    if not station.is_active:
        return _("已停用")
    if not station.accepts_claims or station.type not in OrgType.mediation_types():
        return _("不受理劳动者申请")
    own = _station_industry(station)
    if own and industry and industry != Industry.OTHER and industry != own:
        return _("行业不符（该站受理%(industry)s行业的纠纷）") % {"industry": Industry(own).label}
    return ""


def _region_chain(region: Region | None) -> set[int]:
    """The region and every region above it: a rule naming a region matches that region and its sub-regions."""
    chain: set[int] = set()
    region_id = region.pk if region is not None else None
    while region_id is not None and region_id not in chain:
        chain.add(region_id)
        region_id = Region.objects.filter(pk=region_id).values_list("parent_id", flat=True).first()
    return chain


def _rule_matches(rule: RoutingRule, facts: RoutingFacts, region_chain: set[int]) -> bool:
    if rule.industries and facts.industry not in rule.industries:
        return False
    rule_regions = {r.pk for r in rule.regions.all()} if getattr(rule, "has_regions", True) else set()
    if rule_regions and not rule_regions & region_chain:
        return False
    if rule.categories and not facts.categories.intersection(rule.categories):
        return False
    if rule.amount_min is not None and facts.amount < rule.amount_min:
        return False
    if rule.amount_max is not None and facts.amount > rule.amount_max:
        return False
    if rule.services and not facts.services.intersection(rule.services):
        return False
    chosen_id = facts.chosen_station.pk if facts.chosen_station is not None else None
    if rule.chosen_station_id is not None and rule.chosen_station_id != chosen_id:
        return False
    for flag, value in ((rule.collective, facts.collective), (rule.confidential, facts.confidential)):
        if flag == YesNoAny.YES and not value or flag == YesNoAny.NO and value:
            return False
    return True


def _target_usable(target: Organization) -> bool:
    return target.is_active and target.accepts_claims and target.type in OrgType.mediation_types()


def active_rules() -> list[RoutingRule]:
    """The active rules in the order they are tried: ordinary rules, then fallbacks, each by priority then id.
    Their regions are read only for the rules that name some (``has_regions``): none name any, no second query."""
    rules = list(
        RoutingRule.objects.filter(is_active=True)
        .select_related("target__parent")
        .annotate(
            has_regions=Exists(RoutingRule.regions.through.objects.filter(routingrule_id=OuterRef("pk")))
        )
        .order_by("is_fallback", "priority", "id")
    )
    prefetch_related_objects([rule for rule in rules if rule.has_regions], "regions")
    return rules


def route(facts: RoutingFacts, *, rules: list[RoutingRule] | None = None) -> RoutingResult:
    """The station the facts lead to, and why. Reads only."""
    refused = ""
    if facts.chosen_station is not None:
        refused = station_refusal(facts.chosen_station, industry=facts.industry)
        if not refused:
            return RoutingResult(station=facts.chosen_station, honoured_choice=True)
    chain = _region_chain(facts.region)
    for rule in active_rules() if rules is None else rules:
        if _target_usable(rule.target) and _rule_matches(rule, facts, chain):
            return RoutingResult(station=rule.target, rule=rule, choice_refused=refused)
    return RoutingResult(station=None, choice_refused=refused)


def routing_preview(**facts) -> RoutingResult:
    """The tester: which station would get a case with these facts, creating nothing."""
    for key in ("categories", "services"):
        facts[key] = frozenset(facts.get(key) or ())
    if facts.get("amount") is None:
        facts["amount"] = Decimal("0")
    return route(RoutingFacts(**facts))


# --- Auto-triage at intake ------------------------------------------------------------------------------------
@transaction.atomic(savepoint=False)  # a part of the caller's filing: no savepoint of its own to roll back to
def case_triage_auto(
    *, case_id: int, filed: Case | None = None, filed_categories: Iterable[str] | None = None
) -> Case:
    """Send a submitted case to the station routing chooses, as SYSTEM, with the rule in the note and payload.
    A case that is no longer submitted, or that nothing matches, is returned unchanged (it stays in front of the
    officials and intake clerks).

    Intake passes the case it created in the current transaction (``filed``, with its claims' categories): no
    other transaction can see it yet, so it is routed as it is in memory instead of being read again. Either
    way the case is locked here, and :func:`case_transition` takes it as it is."""
    if filed is not None and filed_categories is not None:
        case = filed
    else:
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("station__parent", "region")
            .get(pk=case_id)
        )
        filed_categories = None
    if case.status != S.SUBMITTED:
        return case
    result = route(routing_facts_for(case, filed_categories=filed_categories))
    if result.station is None:
        return case
    return case_transition(
        case_id=case.pk,
        name="triage",
        actor=SYSTEM,
        payload={"station": result.station, "rule": result.rule},
        note=result.note,
        locked=case,
    )


# --- Correcting the facts the rules read ----------------------------------------------------------------------
def _same_place(current: Organization | None, target: Organization) -> bool:
    """The case is already at ``target`` or at one of its branch outlets (dispatched there)."""
    return current is not None and (current.pk == target.pk or current.parent_id == target.pk)


@transaction.atomic
def case_routing_correct(
    *,
    case_id: int,
    actor,
    industry: str | None = None,
    region: Region | None = None,
    categories: list[str] | None = None,
    note: str = "",
) -> Case:
    """Correct the case's industry, region or claim categories (``None``: unchanged), record the correction, and
    re-run routing: a case still submitted or assigned whose routing answer changes is triaged or transferred
    (as SYSTEM, the rule in the note). An answer that did not change leaves a person's earlier transfer alone.

    Raises TransitionConflict (409) for a closed case, PermissionDenied (403) unless the actor works the case
    (:func:`disputes.permissions.can_correct_routing`), ValidationError (400) when nothing changes."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("station__parent", "region")
        .get(pk=case_id)
    )
    if case.status not in OPEN_STATES:
        raise TransitionConflict(
            name="routing_correct", current_state=case.status, current_label=case.get_status_display()
        )
    if not can_correct_routing(case, actor):
        raise PermissionDenied(_("您没有权限更正该案件。"))
    before = routing_facts_for(case)
    answer_before = route(before)
    changes: dict = {}
    if industry is not None and industry != case.industry:
        if industry not in Industry.values:
            raise ValidationError({"industry": [_("未知行业：%(v)s") % {"v": industry}]})
        changes["industry"] = [case.industry, industry]
    if region is not None and region.pk != case.region_id:
        changes["region"] = [case.region.code if case.region_id else None, region.code]
    old_categories = sorted(before.categories)
    if categories is not None:
        new_categories = sorted(set(categories))
        if not new_categories:
            raise ValidationError({"categories": [_("至少保留一项争议类别。")]})
        if new_categories != old_categories:
            changes["categories"] = [old_categories, new_categories]
    if not changes:
        raise ValidationError(_("没有需要更正的内容。"))

    fields: dict = {"updated_at": timezone.now()}
    if "industry" in changes:
        fields["industry"] = industry
    if "region" in changes:
        fields["region"] = region
    Case.objects.filter(pk=case.pk).update(**fields)
    if "categories" in changes:
        kept = set(changes["categories"][1])
        Claim.objects.filter(case=case).exclude(category__in=kept).delete()
        Claim.objects.bulk_create(
            [Claim(case=case, category=c, amount=None) for c in sorted(kept - set(old_categories))]
        )
    case_event_record(case_id=case.pk, name="routing_correct", actor=actor, note=note, payload=changes)
    case = Case.objects.select_related("station__parent", "region").get(pk=case.pk)
    case_deadlines_refresh(case=case)

    if case.status not in REROUTABLE_STATES:
        return case
    answer = route(routing_facts_for(case))
    if answer.station is None:
        return case
    if case.status == S.SUBMITTED:
        return case_transition(
            case_id=case.pk,
            name="triage",
            actor=SYSTEM,
            payload={"station": answer.station, "rule": answer.rule},
            note=answer.note,
        )
    unchanged = answer_before.station is not None and answer_before.station.pk == answer.station.pk
    if unchanged or _same_place(case.station, answer.station):
        return case
    return case_transition(
        case_id=case.pk,
        name="transfer",
        actor=SYSTEM,
        payload={"station": answer.station},
        note=_("更正后重新分流：%(rule)s") % {"rule": answer.note},
    )


# --- The government station (the neutrality move) ------------------------------------------------------------
def government_station_for(case: Case) -> Organization | None:
    """The government new-employment-form station (新业态劳动纠纷调解站) of the case's region, or of the nearest
    region above it, that takes claims."""
    region = case.region or (case.station.region if case.station_id else None)
    seen: set[int] = set()
    while region is not None and region.pk not in seen:
        seen.add(region.pk)
        station = (
            Organization.objects.filter(
                type=OrgType.GOVERNMENT_STATION, is_active=True, accepts_claims=True, region_id=region.pk
            )
            .order_by("code")
            .first()
        )
        if station is not None:
            return station
        region = region.parent
    return None


# --- Assigning a mediator -------------------------------------------------------------------------------------
def mediator_memberships(*, station_id: int | None) -> QuerySet[Membership]:
    """The station's mediators who may get a case now: available, with an active account."""
    return Membership.objects.filter(
        organization_id=station_id, role=Role.MEDIATOR, is_available=True, user__is_active=True
    ).select_related("user")


def _speaks(membership: Membership, language: str) -> bool:
    return language in (membership.languages or ["zh"])  # no languages listed: Mandarin only


def mediator_auto_pick(*, case: Case):
    """The mediator automatic assignment gives the case, or None when the station does not assign automatically
    or has nobody available. Preference: speaks the case's language, then fewest open cases, then the lowest
    user id (deterministic). Reads only."""
    station = case.station
    if station is None or not station.auto_assign:
        return None
    members = list(mediator_memberships(station_id=station.pk))
    if not members:
        return None
    loads = dict(
        Case.objects.filter(mediator_id__in=[m.user_id for m in members], status__in=OPEN_STATES)
        .exclude(pk=case.pk)
        .values("mediator_id")
        .annotate(n=Count("id"))
        .values_list("mediator_id", "n")
    )
    language = case.language or "zh"
    best = min(members, key=lambda m: (not _speaks(m, language), loads.get(m.user_id, 0), m.user_id))
    return best.user


@transaction.atomic
def case_assign_mediator(*, case_id: int, mediator, actor, note: str = "") -> Case:
    """Make ``mediator`` the case's mediator and record it (a history event, not a state change).

    Raises TransitionConflict (409) unless the case is assigned, accepted or in mediation; PermissionDenied
    (403) unless the actor administers the case's station; ValidationError (400) unless ``mediator`` is an
    available mediator of the case's own station."""
    case = Case.objects.select_for_update(of=("self",)).select_related("station").get(pk=case_id)
    if case.status not in ASSIGNABLE_STATES or case.station_id is None:
        raise TransitionConflict(
            name="assign_mediator", current_state=case.status, current_label=case.get_status_display()
        )
    if not can_assign_mediator(case, actor):
        raise PermissionDenied(_("只有调解组织管理员可以指派调解员。"))
    if (
        mediator is None
        or not mediator_memberships(station_id=case.station_id).filter(user=mediator).exists()
    ):
        raise ValidationError({"mediator": [_("请选择本调解组织在岗的调解员。")]})
    if case.mediator_id == mediator.pk:
        raise ValidationError({"mediator": [_("该调解员已是本案承办人。")]})
    previous = case.mediator
    Case.objects.filter(pk=case.pk).update(mediator=mediator, updated_at=timezone.now())
    case_event_record(
        case_id=case.pk,
        name="assign_mediator",
        actor=actor,
        note=note,
        payload={"mediator": mediator, "previous": previous},
    )
    return Case.objects.select_related("station", "mediator").get(pk=case.pk)


def mediator_choices(*, case: Case) -> list:
    """Users the station admin may assign this case to (for the admin and the API's validation)."""
    return [m.user for m in mediator_memberships(station_id=case.station_id).order_by("user__username")]


# --- Routing rules: who may see and edit which ---------------------------------------------------------------
def routing_rule_list_visible_to(*, user) -> QuerySet[RoutingRule]:
    """Rules whose target is an organization the official oversees (their region and below); all for superusers.
    Others' rules are absent (404)."""
    scope = scope_for(user)
    qs = RoutingRule.objects.select_related("target", "chosen_station").prefetch_related("regions")
    if scope.is_superuser:
        return qs.order_by("is_fallback", "priority", "id")
    return qs.filter(target_id__in=scope.orgs_with_role(Role.OFFICIAL)).order_by(
        "is_fallback", "priority", "id"
    )


def routing_targets_for(*, user) -> QuerySet[Organization]:
    """Organizations an official may make a rule's target: mediation organizations taking claims in their scope."""
    qs = Organization.objects.filter(is_active=True, accepts_claims=True, type__in=OrgType.mediation_types())
    scope = scope_for(user)
    if scope.is_superuser:
        return qs.order_by("code")
    return qs.filter(pk__in=scope.orgs_with_role(Role.OFFICIAL)).order_by("code")


_RULE_FIELDS = (
    "name",
    "priority",
    "is_active",
    "is_fallback",
    "industries",
    "categories",
    "amount_min",
    "amount_max",
    "services",
    "chosen_station",
    "collective",
    "confidential",
    "target",
    "description",
)


def _rule_validate(*, user, values: dict) -> None:
    target = values.get("target")
    if target is not None and not routing_targets_for(user=user).filter(pk=target.pk).exists():
        raise ValidationError({"target": [_("只能分派至您主管范围内受理申请的调解组织。")]})
    low, high = values.get("amount_min"), values.get("amount_max")
    if low is not None and high is not None and low > high:
        raise ValidationError({"amount_max": [_("金额上限不能小于下限。")]})


@transaction.atomic
def routing_rule_create(*, actor, regions: list[Region] | None = None, **values) -> RoutingRule:
    """Create a rule. PermissionDenied without ``disputes.add_routingrule``; ValidationError for a target
    outside the actor's scope or an inverted amount range."""
    if not actor.has_perm("disputes.add_routingrule"):
        raise PermissionDenied(_("您没有权限新增分流规则。"))
    unknown = set(values) - set(_RULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown rule fields: {sorted(unknown)}")
    _rule_validate(user=actor, values=values)
    rule = RoutingRule.objects.create(**values)
    rule.regions.set(regions or [])
    return rule


@transaction.atomic
def routing_rule_update(
    *, rule: RoutingRule, actor, regions: list[Region] | None = None, **values
) -> RoutingRule:
    """Change the given fields of a rule the actor may see (resolve it with :func:`routing_rule_list_visible_to`)."""
    if not actor.has_perm("disputes.change_routingrule"):
        raise PermissionDenied(_("您没有权限修改分流规则。"))
    unknown = set(values) - set(_RULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown rule fields: {sorted(unknown)}")
    rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    merged = {"amount_min": rule.amount_min, "amount_max": rule.amount_max, **values}
    _rule_validate(user=actor, values=merged)
    for key, value in values.items():
        setattr(rule, key, value)
    rule.save()
    if regions is not None:
        rule.regions.set(regions)
    return rule


def filed_case_status(filed, *, case: Case):
    """A FiledCase (intake's answer row) with the case's state after triage."""
    return replace(filed, status=str(case.status))


__all__ = [
    "ACCEPTANCE_RULE_PREFIX",
    "RoutingFacts",
    "RoutingResult",
    "WORKER_CHOICE",
    "acceptance_overdue_alerts",
    "active_rules",
    "case_assign_mediator",
    "case_routing_correct",
    "case_triage_auto",
    "government_station_for",
    "mediator_auto_pick",
    "mediator_choices",
    "route",
    "routing_facts_for",
    "routing_preview",
    "routing_rule_create",
    "routing_rule_list_visible_to",
    "routing_rule_update",
    "routing_targets_for",
    "station_refusal",
]
