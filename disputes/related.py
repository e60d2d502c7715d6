"""Probable duplicates: the same worker against the same employer twice.

A worker is the same when the keyed hash of the ID number matches, or the phone hash does while the ID numbers do
not contradict it (a family phone shared by two workers is not a duplicate). An employer is the same when the
unified social credit code matches, or the normalized name (:func:`disputes.matching.employer_key`) does while
the credit codes do not contradict it. Only open cases are linked: an earlier dispute that ended is history, not a
duplicate.

Detection runs after every filing (:func:`related_checks_after_intake`) and can be re-run for any case
(:func:`related_cases_detect`); it only ever adds links. Staff who work either case merge a link (the duplicate
leaves through a transition whose note names the kept case; both cases record it in their history) or dismiss it.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from .exceptions import TransitionConflict
from .models import Case, RelatedCaseLink
from .models.related import EmployerMatch, RelatedLinkReason, RelatedLinkStatus
from .permissions import can_see_case, can_see_personal_data
from .services import case_event_record, case_transition
from .states import OPEN_STATES, CaseStatus, RejectReason

logger = logging.getLogger(__name__)


class RelatedLinkConflict(TransitionConflict):
    """The link was decided already (409): two staff clicked at once, or the page was stale."""

    def __init__(self, link: RelatedCaseLink):
        self.name = "related_link"
        self.current_state = link.status
        Exception.__init__(
            self,
            _("该疑似重复记录已处理（%(status)s），请刷新后查看。") % {"status": link.get_status_display()},
        )


# --- Detection -----------------------------------------------------------------------------------------------
# What detection reads of a case (the personal data stays encrypted in its columns, undecrypted).
_MATCH_FIELDS = (
    "status",
    "worker_id_hash",
    "worker_phone_hash",
    "employer_credit_code",
    "employer_key",
)


def related_candidates(*, case: Case) -> list[Case]:
    """Open cases other than ``case`` of the same worker against the same employer.

    The database is asked only what its indexes answer (the two hash columns: a worker's few cases); whether the
    other identifiers contradict a match is decided here. As SQL, "the same phone, and the other ID number is
    this one or none" lets the planner scan every case without an ID number (or without a credit code), which
    grows with the table."""
    worker = Q()
    if case.worker_id_hash:
        worker |= Q(worker_id_hash=case.worker_id_hash)
    if case.worker_phone_hash:
        worker |= Q(worker_phone_hash=case.worker_phone_hash)
    if not worker or not (case.employer_credit_code or case.employer_key):
        return []
    # status too: the state machine reads it when a case is built (deferred, one query per candidate).
    found = Case.objects.filter(worker, status__in=OPEN_STATES).exclude(pk=case.pk).only(*_MATCH_FIELDS)
    return [
        other
        for other in found
        if _same_party(
            case.worker_id_hash, other.worker_id_hash, case.worker_phone_hash, other.worker_phone_hash
        )
        and _same_party(
            case.employer_credit_code, other.employer_credit_code, case.employer_key, other.employer_key
        )
    ]


def _same_party(strong: str, other_strong: str, weak: str, other_weak: str) -> bool:
    """The same party by its strong identifier, or by its weak one unless the strong ones say two parties: the ID
    number then the phone for a worker (a family phone shared by two workers), the credit code then the name for
    an employer (two known codes under one name are two employers)."""
    if strong and other_strong == strong:
        return True
    return bool(weak) and other_weak == weak and (not strong or other_strong in (strong, ""))


def _reasons(case: Case, other: Case) -> tuple[str, str]:
    same_id = bool(case.worker_id_hash) and case.worker_id_hash == other.worker_id_hash
    same_code = bool(case.employer_credit_code) and case.employer_credit_code == other.employer_credit_code
    return (
        RelatedLinkReason.ID_NUMBER if same_id else RelatedLinkReason.PHONE,
        EmployerMatch.CREDIT_CODE if same_code else EmployerMatch.NAME,
    )


@transaction.atomic(savepoint=False)  # inside the checks after intake, a failure rolls them all back anyway
def related_cases_detect(*, case_id: int, case: Case | None = None) -> list[RelatedCaseLink]:
    """Link ``case`` to each probable duplicate not linked yet; returns the new links. Safe to run again and
    concurrently (one row per pair: the unique constraint, and conflicts are ignored). ``case``: the case as
    the caller holds it (intake, the one it has just filed), instead of reading it again."""
    if case is None:
        case = Case.objects.filter(pk=case_id).only(*_MATCH_FIELDS).first()
    if case is None or case.status not in OPEN_STATES:
        return []
    others = related_candidates(case=case)
    if not others:
        return []
    pairs = {(max(case.pk, o.pk), min(case.pk, o.pk)): o for o in others}
    existing = set(
        RelatedCaseLink.objects.filter(
            Q(case_id=case.pk, other_case_id__in=[o.pk for o in others])
            | Q(other_case_id=case.pk, case_id__in=[o.pk for o in others])
        ).values_list("case_id", "other_case_id")
    )
    rows = []
    for (later, earlier), other in pairs.items():
        if (later, earlier) in existing:
            continue
        reason, employer_match = _reasons(case, other)
        rows.append(
            RelatedCaseLink(
                case_id=later, other_case_id=earlier, reason=reason, employer_match=employer_match
            )
        )
    if not rows:
        return []
    RelatedCaseLink.objects.bulk_create(rows, ignore_conflicts=True)
    made = Q()
    for row in rows:
        made |= Q(case_id=row.case_id, other_case_id=row.other_case_id)
    return list(RelatedCaseLink.objects.filter(made))


def related_checks_after_intake(*, cases: list[Case]) -> None:
    """At the end of a filing, in its transaction: link duplicates and check the group-dispute thresholds for the
    new ``cases``, as the filing holds them (not read again).

    Never fails the filing (the worker must get their tracking code): an error is logged and rolled back to a
    savepoint, and the checks can be re-run later (:func:`related_cases_detect`,
    :func:`disputes.warnings.group_warning_check`)."""
    from .warnings import group_warning_check  # warnings uses this module's matching rules

    try:
        with transaction.atomic():
            for case in cases:
                related_cases_detect(case_id=case.pk, case=case)
            group_warning_check(cases=cases)
    except Exception:  # noqa: BLE001 - see the docstring
        logger.exception("related-case checks failed for cases %s", [case.pk for case in cases])


# --- Reading ---------------------------------------------------------------------------------------------------
def can_decide_related_link(link: RelatedCaseLink, user) -> bool:
    """Staff who work either case (its station, the commission or court holding it, or the desk that recorded
    it). Officials see links but do not decide them."""
    return can_see_personal_data(link.case, user) or can_see_personal_data(link.other_case, user)


def related_links_for_case(*, case: Case, user) -> list[dict]:
    """The links of a case the user may see, each with the other case and what the user may do: the other case
    is named (tracking code, state, station) even when it lies outside the user's scope, because deciding a
    duplicate needs it; it opens only for those who may see it."""
    links = (
        RelatedCaseLink.objects.filter(Q(case=case) | Q(other_case=case))
        .select_related(
            "case__station", "other_case__station", "decided_by", "kept_case", "case", "other_case"
        )
        .order_by("-created_at", "-id")
    )
    rows = []
    for link in links:
        other = link.other_than(case.pk)
        rows.append(
            {
                "link": link,
                "other": other,
                "other_visible": can_see_case(other, user),
                "may_decide": link.status == RelatedLinkStatus.OPEN and can_decide_related_link(link, user),
            }
        )
    return rows


def related_link_get_for_case(*, case: Case, link_id) -> RelatedCaseLink:
    """The link ``link_id`` of ``case`` (404 when it is not one of its links)."""
    try:
        return RelatedCaseLink.objects.select_related("case", "other_case").get(
            Q(case=case) | Q(other_case=case), pk=link_id
        )
    except (RelatedCaseLink.DoesNotExist, ValueError, TypeError):
        raise Http404(_("未找到该疑似重复记录。")) from None


# --- Deciding ---------------------------------------------------------------------------------------------------
def _locked_open_link(*, link_id: int, actor) -> RelatedCaseLink:
    link = RelatedCaseLink.objects.select_for_update().select_related("case", "other_case").get(pk=link_id)
    if not can_decide_related_link(link, actor):
        raise PermissionDenied(_("只有承办其中一件案件的工作人员可以处理疑似重复。"))
    if link.status != RelatedLinkStatus.OPEN:
        raise RelatedLinkConflict(link)
    return link


def _close_duplicate_transition(duplicate: Case, actor) -> str:
    """``reject`` as a duplicate while the station has not accepted it and the actor may return it; otherwise
    ``withdraw`` (which the staff holding the case may record at any open state)."""
    if (
        duplicate.status == CaseStatus.ASSIGNED
        and can_proceed(duplicate.reject, check_conditions=False)
        and has_transition_perm(duplicate.reject, actor)
    ):
        return "reject"
    return "withdraw"


@transaction.atomic
def related_case_merge(
    *, link_id: int, actor, keep_case_id: int | None = None, note: str = ""
) -> RelatedCaseLink:
    """Merge two probable duplicates: the one kept (by default the earlier) goes on; the other is rejected as a
    duplicate or withdrawn, by :func:`disputes.services.case_transition`, with a note naming the kept case, so its
    own permission and state rules apply (403, 409). Both histories stay whole and each records the merge."""
    link = _locked_open_link(link_id=link_id, actor=actor)
    keep_case_id = keep_case_id or link.other_case_id
    if keep_case_id not in (link.case_id, link.other_case_id):
        raise ValidationError({"keep_case_id": [_("保留的案件必须是这两件案件之一。")]})
    keep = link.case if keep_case_id == link.case_id else link.other_case
    duplicate = link.other_than(keep.pk)
    duplicate = Case.objects.select_for_update().get(pk=duplicate.pk)
    if duplicate.status not in OPEN_STATES:
        raise TransitionConflict(
            name="withdraw", current_state=duplicate.status, current_label=duplicate.get_status_display()
        )
    note = (note or "").strip()
    pointer = _("与案件 %(code)s 重复，并入该案件办理。") % {"code": keep.tracking_code}
    full_note = f"{pointer}{note}" if note else pointer
    name = _close_duplicate_transition(duplicate, actor)
    payload = {"reason": str(RejectReason.DUPLICATE.label)} if name == "reject" else {"reason": pointer}
    case_transition(case_id=duplicate.pk, name=name, actor=actor, note=full_note, payload=payload)
    case_event_record(
        case_id=duplicate.pk,
        name="merged_into",
        actor=actor,
        note=full_note,
        payload={"kept_case": keep.tracking_code, "link": link.pk},
    )
    case_event_record(
        case_id=keep.pk,
        name="merge_duplicate",
        actor=actor,
        note=_("并入重复申请 %(code)s。") % {"code": duplicate.tracking_code} + note,
        payload={"duplicate_case": duplicate.tracking_code, "link": link.pk},
    )
    link.status = RelatedLinkStatus.MERGED
    link.kept_case = keep
    link.decided_by = actor
    link.decided_at = timezone.now()
    link.note = note
    link.save(update_fields=["status", "kept_case", "decided_by", "decided_at", "note"])
    return link


@transaction.atomic
def related_case_dismiss(*, link_id: int, actor, note: str = "") -> RelatedCaseLink:
    """Record that the two cases are not one dispute (two jobs at one employer, say). Neither case changes."""
    link = _locked_open_link(link_id=link_id, actor=actor)
    link.status = RelatedLinkStatus.DISMISSED
    link.decided_by = actor
    link.decided_at = timezone.now()
    link.note = (note or "").strip()
    link.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return link
