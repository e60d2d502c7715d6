"""The worker's side of a case: opening it with the tracking code and PIN (with a lock-out), what the worker may see
of it, in plain words, and what the worker may do on it now. Reads and services only; no HTTP.

What the worker sees is built here and nowhere else, so the tracking page and ``POST /api/v1/track/`` cannot show
different things. It never contains a staff member's name, an event's note (notes are written for staff), or the
ID number and phone unmasked.
"""

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from organizations.models import Organization
from organizations.states import OrgType

from . import wording
from .deadlines import EXTEND_EVENT, deadline_state
from .evidence import CheckedFile
from .exceptions import TransitionConflict, UnknownTransition
from .extensions import recorded_events
from .models import Case, CaseDeadline, CaseEvent, Evidence
from .permissions import WORKER
from .pii import normalize
from .scanning import evidence_scan_enqueue
from .selectors import case_for_worker, case_history
from .services import (
    case_check_pin,
    case_event_record,
    case_transition,
    tracking_code_normalize,
    transition_guard,
)
from .states import OPEN_STATES, WORKER_LABELS, ActorKind, CaseStatus, Channel, RejectReason
from .triage import government_station_for

S = CaseStatus

# --- Opening a case: code + PIN, with a lock-out per code and per address ---------------------------------------
TRACK_MAX_FAILURES = 5
TRACK_WINDOW_SECONDS = 15 * 60
TRACK_LOCK_SECONDS = 15 * 60
# A worker may add evidence after filing; a cap keeps one leaked PIN from filling the disk.
TRACKING_MAX_EVIDENCE = 50


class TrackingLocked(Exception):
    """Too many wrong PINs for this tracking code or from this address: refuse everything for a while (429)."""

    def __init__(self, retry_after: int):
        self.retry_after = max(1, int(retry_after))
        minutes = max(1, -(-self.retry_after // 60))
        super().__init__(
            _(
                "查询码或密码错误次数过多，为保护您的信息，查询已暂停。请 %(n)d 分钟后再试；"
                "忘记密码请联系受理您申请的调解组织或拨打 12333。"
            )
            % {"n": minutes}
        )


def tracking_failure_message() -> str:
    """One message for an unknown code and a wrong PIN: the answer must not confirm that a code exists."""
    return _("查询码或密码不正确，请核对后重试。查询码在申请成功页面和短信中，密码只在申请成功时显示。")


def _keys(kind: str, value: str) -> tuple[str, str]:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"track:fail:{kind}:{digest}", f"track:lock:{kind}:{digest}"


def _subjects(tracking_code: str, client_ip: str) -> list[tuple[str, str]]:
    code = tracking_code_normalize(tracking_code)[:32]
    return [("code", code), ("ip", client_ip or "unknown")]


def _locked_for(subjects) -> int:
    now = time.time()
    waits = [cache.get(_keys(kind, value)[1]) for kind, value in subjects]
    return max((int(until - now) for until in waits if until and until > now), default=0)


def _record_failure(subjects) -> None:
    for kind, value in subjects:
        count_key, lock_key = _keys(kind, value)
        cache.add(count_key, 0, TRACK_WINDOW_SECONDS)
        try:
            count = cache.incr(count_key)
        except ValueError:  # expired between add and incr
            cache.set(count_key, 1, TRACK_WINDOW_SECONDS)
            count = 1
        if count >= TRACK_MAX_FAILURES:
            cache.set(lock_key, time.time() + TRACK_LOCK_SECONDS, TRACK_LOCK_SECONDS)
            cache.delete(count_key)


@sensitive_variables("pin")
def tracking_open(*, tracking_code: str, pin: str, client_ip: str) -> Case | None:
    """The case whose code and PIN match, else None; the same None for an unknown code and a wrong PIN.

    Raises :class:`TrackingLocked` when the code or the address has had ``TRACK_MAX_FAILURES`` failures within
    ``TRACK_WINDOW_SECONDS``; while locked, even the right PIN is refused (else guessing would simply go on).
    Counters live in the cache (Redis in production, so every process shares them)."""
    subjects = _subjects(tracking_code or "", client_ip)
    wait = _locked_for(subjects)
    if wait:
        raise TrackingLocked(wait)
    code = normalize(tracking_code or "")
    case = case_for_worker(tracking_code=code, pin=pin or "") if 0 < len(code) <= 16 else None
    if case is None:
        _record_failure(subjects)
        wait = _locked_for(subjects)
        if wait:
            raise TrackingLocked(wait)
        return None
    cache.delete(_keys("code", subjects[0][1])[0])  # the right PIN clears its code's count, not the address's
    return case


def tracking_pin_recheck(*, case: Case, pin: str, client_ip: str) -> bool:
    """Whether ``pin`` is the PIN of ``case``, a case the worker already opened (asked again before signing an
    agreement with it). A wrong PIN counts towards the same lock-out as :func:`tracking_open`, by code and by
    address; raises :class:`TrackingLocked` while either is locked, even for the right PIN."""
    subjects = _subjects(case.tracking_code, client_ip)
    wait = _locked_for(subjects)
    if wait:
        raise TrackingLocked(wait)
    if case_check_pin(case=case, pin=pin or ""):
        return True
    _record_failure(subjects)
    wait = _locked_for(subjects)
    if wait:
        raise TrackingLocked(wait)
    return False


def tracking_case(*, case_id) -> Case | None:
    """The case a worker opened earlier in this session (its id kept server-side), or None if it is gone."""
    try:
        return Case.objects.select_related("station", "handling_org", "region").get(pk=int(case_id))
    except (Case.DoesNotExist, TypeError, ValueError):
        return None


# --- What the worker sees -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    text: str
    status: str
    status_display: str


@dataclass(frozen=True)
class DeadlineItem:
    code: str
    text: str
    source: str
    due_on: date
    provisional: bool
    state: str
    state_display: str
    extended_days: int = 0


@dataclass(frozen=True)
class EvidenceItem:
    name: str
    kind: str
    kind_display: str
    uploaded_at: datetime
    by_worker: bool


@dataclass(frozen=True)
class WorkerActions:
    add_evidence: bool = False
    withdraw: bool = False
    refer_to_arbitration: bool = False
    commission_name: str = ""
    move_to_government: bool = False  # the neutrality move (disputes.triage.government_station_for)
    government_station_name: str = ""


@dataclass(frozen=True)
class WorkerView:
    case_id: int
    tracking_code: str
    status: str
    status_display: str
    filed_at: datetime
    worker_name: str
    worker_id_masked: str
    worker_phone_masked: str
    employer_name: str
    industry_display: str
    categories: list[str]
    amount_claimed: str
    station_name: str
    handling_org_name: str
    history: list[HistoryItem] = field(default_factory=list)
    deadlines: list[DeadlineItem] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    evidence: list[EvidenceItem] = field(default_factory=list)
    actions: WorkerActions = WorkerActions()


def _org_names(events: list[CaseEvent]) -> dict[str, str]:
    codes = {
        value
        for event in events
        for key, value in (event.payload or {}).items()
        if key in ("station", "branch", "organization", "court", "commission") and isinstance(value, str)
    }
    return dict(Organization.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}


# Steps that concern the officials' work, not the worker's case: the group-dispute warning is about an employer.
# A deadline's "due soon" reminder is for staff: the worker's page already lists each deadline with its days left.
WORKER_HIDDEN_EVENTS = {"group_warning", "deadline_due_soon"}


def _deadline_overdue_sentence(payload: dict) -> str:
    """What a legal deadline passing unmet means for the worker (disputes.reminders, ``deadline_overdue``)."""
    rule = str(payload.get("rule") or "")
    due = str(payload.get("due_on") or "")[:10]
    if rule == "mediation.arb_unlock":
        return _(
            "调解组织受理您的申请已满十五日，仍未达成调解协议。根据《劳动争议调解仲裁法》第十四条，"
            "您现在可以申请劳动仲裁，也可以继续调解。"
        )
    if rule == "arb.acceptance_decision":
        return _(
            "仲裁委员会未在五日内作出是否受理的决定。根据《劳动争议调解仲裁法》第二十九条，"
            "您可以就该劳动争议事项向人民法院提起诉讼。"
        )
    if rule.startswith("limitation."):
        return _(
            "申请劳动仲裁的时效可能已于 %(due)s 届满。时效届满不影响仲裁委员会受理，但对方可能提出时效抗辩，"
            "请尽快申请仲裁或咨询工作人员。"
        ) % {"due": due}
    return _("“%(rule)s”已于 %(due)s 届满，我们已提醒工作人员尽快办理。") % {
        "rule": str(payload.get("rule_name") or _("办理期限"))[:100],
        "due": due,
    }


def history_sentence(event: CaseEvent, *, org_names: dict[str, str] | None = None) -> str:
    """One history event as a sentence for the worker. Uses the payload's public facts only (organizations,
    amounts, document numbers, a rejection reason from the fixed list), never the note or who did it."""
    payload = event.payload or {}
    names = org_names or {}

    def org(key: str, fallback: str) -> str:
        return names.get(payload.get(key) or "", "") or fallback

    by_worker = event.actor_kind == ActorKind.WORKER
    name = event.transition
    if name == "submit":
        if by_worker and payload.get("channel", Channel.QR_WEB) == Channel.QR_WEB:
            return _("您在网上提交了申请。")
        return _("您的申请已登记（%(channel)s）。") % {
            "channel": dict(Channel.choices).get(payload.get("channel"), _("工作人员登记"))
        }
    if name == "triage":
        return _("您的申请已转交%(org)s。") % {"org": org("station", _("调解组织"))}
    if name == "dispatch_to_branch":
        return _("您的申请已转交%(org)s就近办理。") % {"org": org("branch", _("调解站的网点"))}
    if name == "transfer":
        return _("您的申请已转交%(org)s办理。") % {"org": org("station", _("另一个调解组织"))}
    if name == "reject":
        reasons = {str(label) for label in RejectReason.labels}
        reason = payload.get("reason") if payload.get("reason") in reasons else ""
        if reason:
            return _("调解组织未受理您的申请，原因：%(reason)s。") % {"reason": reason}
        return _("调解组织未受理您的申请。")
    if name == "accept":
        return _("调解组织受理了您的申请，调解员会与您联系。")
    if name == "start_mediation":
        return _("调解开始。")
    if name == "record_agreement":
        amount = wording.money(payload.get("amount_agreed"))
        if amount:
            return _("双方达成了调解协议，协议金额 %(amount)s 元。") % {"amount": amount}
        return _("双方达成了调解协议。")
    if name == "record_failure":
        return _("调解没有达成协议。")
    if name == "request_confirmation":
        return _("调解协议已提交%(org)s确认，确认后具有强制执行效力。") % {
            "org": org("organization", _("仲裁委员会或人民法院"))
        }
    if name == "confirm":
        number = str(payload.get("document_number") or "")[:64]
        if number:
            return _("调解协议已经确认，文书编号 %(number)s。对方不履行的，您可以申请强制执行。") % {
                "number": number
            }
        return _("调解协议已经确认。")
    if name == "refuse_confirmation":
        return _("调解协议没有获得确认。对方不履行协议的，您可以申请劳动仲裁。")
    if name == "record_fulfilment":
        amount = wording.money(payload.get("amount_paid"))
        if amount:
            return _("调解协议已履行，实际支付 %(amount)s 元。") % {"amount": amount}
        return _("调解协议已履行。")
    if name == "open_enforcement":
        return _("已移送%(org)s强制执行。") % {"org": org("court", _("人民法院"))}
    if name == "close_enforcement":
        amount = wording.money(payload.get("amount_recovered"))
        if amount:
            return _("强制执行结束，执行到位 %(amount)s 元。") % {"amount": amount}
        return _("强制执行结束。")
    if name == "close":
        return _("案件已办结。")
    if name == "refer_to_arbitration":
        commission = org("commission", _("劳动人事争议仲裁委员会"))
        if by_worker:
            return _("您申请了劳动仲裁，案件已转交%(org)s。") % {"org": commission}
        return _("根据您的申请，案件已转交%(org)s。") % {"org": commission}
    if name == "accept_arbitration":
        number = str(payload.get("arbitration_number") or "")[:64]
        if number:
            return _("仲裁委员会已立案受理，仲裁案号 %(number)s。") % {"number": number}
        return _("仲裁委员会已立案受理。")
    if name == "decline_arbitration":
        return _("仲裁委员会决定不予受理。您可以凭不予受理通知书向人民法院起诉。")
    if name == "close_arbitration":
        return _("仲裁程序已结束。")
    if name == "withdraw":
        return _("您撤回了申请。") if by_worker else _("根据您的要求，申请已撤回。")
    if name == "add_evidence":
        return _("您补充了 %(n)s 份证据材料。") % {"n": payload.get("files", "")}
    if name == "move_to_government_station":
        return _("您选择改由政府设立的新业态劳动纠纷调解站办理，申请已转交%(org)s。") % {
            "org": org("station", _("新业态劳动纠纷调解站"))
        }
    if name == "routing_correct":
        return _("工作人员更正了您申请中的行业、地区或争议类别。")
    if name == "assign_mediator":
        return _("调解组织已为您的案件指定调解员，调解员会与您联系。")
    if name == "acceptance_overdue":
        return _("调解组织尚未在规定时间内决定是否受理，我们已提醒其尽快处理。")
    if name == "deadline_overdue":
        return _deadline_overdue_sentence(payload)
    if name == "escalate_urgent":
        return _("您的案件已列为特事急诊：仲裁员、人民调解员和律师将联合会商，尽快拿出处理方案。")
    if name == "record_urgent_plan":
        return _("联合会商已为您的案件制定处理方案（一案一策），工作人员会按方案办理并与您联系。")
    if name == "merged_into":
        return _("您的这份申请与您就同一事项提交的另一份申请合并办理。")
    if name == "merge_duplicate":
        return _("您就同一事项提交的另一份申请已合并到本案一并办理。")
    if name == "correct_respondent":
        return _("工作人员核实并更正了被申请人（用人单位等）的信息。")
    if name == EXTEND_EVENT:
        return _("“%(rule)s”依法延长 %(days)s 日，现在于 %(due)s 届满。") % {
            "rule": str(payload.get("rule_name") or _("办理期限"))[:100],
            "days": payload.get("days", ""),
            "due": str(payload.get("due_on") or "")[:10],
        }
    registered = recorded_events().get(name)
    if registered is not None and registered.worker_sentence is not None:
        return registered.worker_sentence(event)
    # A step added to the process later: say where the case now stands.
    return _("案件进展：%(status)s。") % {"status": WORKER_LABELS.get(event.to_state, _("已更新"))}


def next_steps_for(case: Case, actions: WorkerActions) -> list[str]:
    """What happens next and what the worker can do, in plain words."""
    steps = {
        S.SUBMITTED: [_("我们正在为您的申请确定调解组织，转交后会发短信告诉您。请保持手机畅通。")],
        S.ASSIGNED: [_("调解组织会审查是否受理，受理后调解员会打电话联系您。请保持手机畅通。")],
        S.ACCEPTED: [
            _("调解员会联系您和对方，约定调解的时间和方式。请准备好身份证和证据材料。"),
            _("调解组织受理后十五日内没有达成协议的，您可以申请劳动仲裁。"),
        ],
        S.IN_MEDIATION: [
            _("请按调解员约定的时间参加调解。达成协议前，您可以随时补充证据。"),
            _("调解组织受理后十五日内没有达成协议的，您可以申请劳动仲裁。"),
        ],
        S.AGREEMENT_REACHED: [
            _("请留意对方是否按协议约定的时间和金额付款。"),
            _(
                "对方到期不履行的，您可以申请劳动仲裁；拖欠工资、工伤医疗费、经济补偿或赔偿金的，还可以向人民法院申请支付令。"
            ),
        ],
        S.CONFIRMATION_REQUESTED: [_("调解协议正在审查确认，结果出来后会通知您。")],
        S.CONFIRMED: [_("调解协议已经确认。对方不履行的，您可以向人民法院申请强制执行（申请期限为二年）。")],
        S.ENFORCEMENT: [_("人民法院正在强制执行，请留意法院的通知。")],
        S.FULFILLED: [_("协议已经履行完毕，案件即将办结。")],
        S.MEDIATION_FAILED: [_("调解没有达成协议，您可以申请劳动仲裁。劳动仲裁不收费。")],
        S.REFERRED_TO_ARBITRATION: [
            _("仲裁委员会应在收到申请之日起五日内决定是否受理，请留意短信和电话。"),
            _("请准备好身份证、劳动合同、工资记录、聊天记录等证据的原件。"),
        ],
        S.ARBITRATION_ACCEPTED: [
            _("请按仲裁委员会的通知按时参加开庭。"),
            _("仲裁庭应在受理之日起四十五日内结束仲裁；裁决生效后对方不履行的，您可以申请强制执行。"),
        ],
        S.REJECTED: [
            _("您可以直接申请劳动仲裁，或向其他调解组织申请调解。"),
            _("不清楚怎么办，可以拨打 12348 法律服务热线或 12333 人社服务热线咨询。"),
        ],
        S.WITHDRAWN: [_("您的申请已撤回。如果还需要帮助，可以重新提交申请。")],
        S.CLOSED: [_("案件已办结。对结果有疑问，可以拨打 12333 咨询。")],
    }
    if case.status == S.SUBMITTED and case.station_id:
        steps[S.SUBMITTED] = [
            _("您的申请将交给%(org)s办理，转交后会发短信告诉您。请保持手机畅通。")
            % {"org": case.station.name}
        ]
    result = [str(s) for s in steps.get(case.status, [])]
    if actions.refer_to_arbitration and case.status not in (S.MEDIATION_FAILED, S.REJECTED):
        result.append(str(_("调解不是必经程序：您随时可以不经调解，直接申请劳动仲裁。")))
    return result


def arbitration_commission_for(case: Case) -> Organization | None:
    """The arbitration commission of the case's region, or of the nearest region above it (LDMAL Art. 21: where
    the contract is performed)."""
    region = case.region or (case.station.region if case.station_id else None)
    seen: set[int] = set()
    while region is not None and region.pk not in seen:
        seen.add(region.pk)
        commission = (
            Organization.objects.filter(
                type=OrgType.ARBITRATION_COMMISSION, is_active=True, region_id=region.pk
            )
            .order_by("code")
            .first()
        )
        if commission is not None:
            return commission
        region = region.parent
    return None


def _worker_may(case: Case, name: str) -> bool:
    try:
        transition_guard(case=case, name=name, actor=WORKER)
    except (TransitionConflict, UnknownTransition, PermissionDenied):
        return False
    return True


def worker_actions(case: Case) -> WorkerActions:
    """The actions the worker may take now; a transition is offered only when its guard allows it for WORKER."""
    commission = arbitration_commission_for(case) if _worker_may(case, "refer_to_arbitration") else None
    government = government_station_for(case) if _worker_may(case, "move_to_government_station") else None
    return WorkerActions(
        add_evidence=case.status in OPEN_STATES,
        withdraw=_worker_may(case, "withdraw"),
        refer_to_arbitration=commission is not None,
        commission_name=commission.name if commission else "",
        move_to_government=government is not None,
        government_station_name=government.name if government else "",
    )


def worker_view(*, case: Case, today: date | None = None) -> WorkerView:
    """The case as the worker may see it."""
    staff_only = {name for name, event in recorded_events().items() if event.worker_sentence is None}
    events = [e for e in case_history(case=case) if e.transition not in WORKER_HIDDEN_EVENTS | staff_only]
    names = _org_names(events)
    history = [
        HistoryItem(
            at=event.created_at,
            text=str(history_sentence(event, org_names=names)),
            status=event.to_state,
            status_display=str(WORKER_LABELS.get(event.to_state, "")),
        )
        for event in events
    ]
    deadlines = []
    rows = CaseDeadline.objects.filter(case=case).select_related("rule").order_by("due_on", "id")
    for row in rows:
        state, label = deadline_state(row, today=today)
        if state == "inactive":
            continue  # a deadline of a stage the case has left no longer matters to the worker
        deadlines.append(
            DeadlineItem(
                code=row.rule.code,
                text=row.rule.worker_text,
                source=row.rule.source,
                due_on=row.due_on,
                provisional=row.provisional,
                state=state,
                state_display=label,
                extended_days=row.extended_days,
            )
        )
    evidence = [
        EvidenceItem(
            name=item.display_name,
            kind=item.kind,
            kind_display=str(item.get_kind_display()),
            uploaded_at=item.uploaded_at,
            by_worker=item.uploaded_by == ActorKind.WORKER,
        )
        for item in case.evidence.order_by("uploaded_at", "id")
    ]
    actions = worker_actions(case)
    return WorkerView(
        case_id=case.pk,
        tracking_code=case.tracking_code,
        status=case.status,
        status_display=case.status_for_worker,
        filed_at=case.created_at,
        worker_name=case.worker_name,
        worker_id_masked=case.worker_id_masked,
        worker_phone_masked=case.worker_phone_masked,
        employer_name=case.employer_name,
        industry_display=str(case.get_industry_display()),
        categories=[str(c.get_category_display()) for c in case.claims.all()],
        amount_claimed=wording.money(case.amount_claimed),
        station_name=case.station.name if case.station_id else "",
        handling_org_name=case.handling_org.name if case.handling_org_id else "",
        history=history,
        deadlines=deadlines,
        next_steps=next_steps_for(case, actions),
        evidence=evidence,
        actions=actions,
    )


# --- What the worker may do ---------------------------------------------------------------------------------
@transaction.atomic
def tracking_evidence_add(*, case_id: int, files: list[CheckedFile]) -> list[Evidence]:
    """Attach files the worker checked with :func:`disputes.evidence.evidence_check` to their open case.

    Raises ValidationError (plain Chinese) when the case is no longer open or the case would hold more than
    ``TRACKING_MAX_EVIDENCE`` files; then nothing is attached."""
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.status not in OPEN_STATES:
        raise ValidationError(_("案件已经结束，不能再补充材料。"), code="closed")
    if not files:
        raise ValidationError(_("请选择要上传的文件。"), code="empty")
    if case.evidence.count() + len(files) > TRACKING_MAX_EVIDENCE:
        raise ValidationError(
            _("每个案件最多保存 %(n)d 个文件，请把更多材料带到调解现场。"),
            code="too_many",
            params={"n": TRACKING_MAX_EVIDENCE},
        )
    rows = []
    for checked in files:
        item = Evidence(
            case=case,
            kind=checked.kind,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            display_name=checked.display_name,
            uploaded_by=ActorKind.WORKER,
            uploaded_at=timezone.now(),
        )
        item.file.save(f"{checked.sha256[:16]}.{checked.extension}", checked.file(), save=False)
        if checked.preview:
            item.preview.save(f"{checked.sha256[:16]}.jpg", checked.preview_file(), save=False)
        item.save()
        rows.append(item)
    case.save(update_fields=["updated_at"])
    evidence_scan_enqueue(evidence_ids=[row.pk for row in rows])
    case_event_record(
        case_id=case.pk,
        name="add_evidence",
        actor=WORKER,
        payload={"files": len(rows), "sha256": [row.sha256 for row in rows]},
    )
    return rows


def tracking_withdraw(*, case_id: int, reason: str = "") -> Case:
    """The worker withdraws their application (recorded with actor_kind "worker")."""
    return case_transition(
        case_id=case_id, name="withdraw", actor=WORKER, payload={"reason": (reason or "").strip()[:500]}
    )


def tracking_refer_to_arbitration(*, case_id: int) -> Case:
    """The worker asks to go to arbitration (mediation is optional, LDMAL Art. 5): the case goes to the commission
    of its region or the nearest region above. Raises ValidationError when no commission is known there."""
    case = Case.objects.select_related("region", "station__region").get(pk=case_id)
    commission = arbitration_commission_for(case)
    if commission is None:
        raise ValidationError(
            _("暂未找到您所在地区的劳动人事争议仲裁委员会，请直接到当地仲裁委员会申请，或拨打 12333 咨询。"),
            code="no_commission",
        )
    return case_transition(
        case_id=case_id, name="refer_to_arbitration", actor=WORKER, payload={"commission": commission}
    )


def tracking_move_to_government_station(*, case_id: int) -> Case:
    """The worker moves their case from an industry association's station to the government new-employment-form
    station of their region or the nearest region above (a neutrality safeguard, any time before an agreement).
    Raises ValidationError when no such station is known there; the transition's guard does the rest (only the
    worker, only from an industry station or its branch, only before an agreement)."""
    case = Case.objects.select_related("region", "station__region", "station__parent").get(pk=case_id)
    station = government_station_for(case)
    if station is None:
        raise ValidationError(
            _("暂未找到您所在地区的新业态劳动纠纷调解站，请拨打 12333 咨询。"), code="no_government_station"
        )
    return case_transition(
        case_id=case_id, name="move_to_government_station", actor=WORKER, payload={"station": station}
    )


def evidence_limits_text() -> str:
    """The upload limits in words, for the forms."""
    return _("最多 %(files)d 个文件，每个不超过 %(mb)d MB；可以上传照片、截图（JPG、PNG）或 PDF 文件。") % {
        "files": settings.EVIDENCE_MAX_FILES,
        "mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
    }
