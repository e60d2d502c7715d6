"""The dispute case and its state machine.

Transition methods only change fields in memory: no queries with effects, no mail, no tasks. Every effect (the
history row, deadlines, notifications) is written by :func:`disputes.services.case_transition`, which is the only
caller of these methods.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from organizations.models import Organization, Region
from organizations.states import Industry, OrgType

from .. import conditions as cond
from .. import permissions as perm
from ..pii import EncryptedCharField, mask_id_number, mask_phone
from ..states import (
    BEFORE_AGREEMENT_STATES,
    OPEN_STATES,
    TERMINAL_STATES,
    WORKER_LABELS,
    CaseStatus,
    Category,
    Channel,
    ConfirmationRoute,
)

S = CaseStatus


def closed_rank() -> models.Case:
    """0 for an open case, 1 for a finished one (rejected, withdrawn, closed): the staff lists sort open cases
    first with it, and the index ``case_mediator_open_due`` is built on this very expression."""
    # status = … OR status = …, not status IN (…): PostgreSQL prints an IN list back (pg_get_indexdef) in a form
    # that, parsed again (the bulk loader rebuilds indexes from their definitions), no longer matches the query.
    finished = models.Q()
    for state in TERMINAL_STATES:
        finished |= models.Q(status=state)
    return models.Case(models.When(finished, then=models.Value(1)), default=models.Value(0))


def at_industry_station(case) -> bool:
    """The case is at an industry-association station or one of its branch outlets (the neutrality move's
    condition). Reads the station (and its parent) already related to the case; no writes."""
    station = case.station
    if station is None:
        return False
    if station.type == OrgType.INDUSTRY_STATION:
        return True
    parent = station.parent if station.type == OrgType.BRANCH_OUTLET and station.parent_id else None
    return parent is not None and parent.type == OrgType.INDUSTRY_STATION


def award_enforceable(case) -> bool:
    """An arbitration award has been recorded for the case and has taken effect (a final award on the day it is
    made; a non-final one when the period to sue has passed, LDMAL Arts. 47-50), so the worker may apply for its
    enforcement. The award is kept by the arbitration app as ``case.award`` (a reverse one-to-one); reading it is
    the only query, and nothing is written."""
    award = getattr(case, "award", None) if case.pk is not None else None
    if award is None:
        return False
    effective_on = getattr(award, "effective_on", None)
    return effective_on is not None and effective_on <= timezone.localdate()


def may_apply_for_enforcement(case, user) -> bool:
    """The worker (the applicant), or the staff who may follow up the agreement recording the worker's
    application (disputes.permissions.can_follow_up_agreement)."""
    return user is perm.WORKER or perm.can_follow_up_agreement(case, user)


class Case(ConcurrentTransitionMixin, models.Model):
    tracking_code = models.CharField(_("查询码"), max_length=16, unique=True, editable=False)
    access_pin_hash = models.CharField(max_length=128, editable=False)
    status = FSMField(_("状态"), max_length=32, choices=S.choices, default=S.SUBMITTED, protected=True)
    channel = models.CharField(_("来源渠道"), max_length=32, choices=Channel.choices, default=Channel.QR_WEB)

    intake_org = models.ForeignKey(
        Organization,
        verbose_name=_("登记/移送机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recorded_cases",
    )
    station = models.ForeignKey(
        Organization,
        verbose_name=_("调解组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    handling_org = models.ForeignKey(
        Organization,
        verbose_name=_("承办机构（仲裁/法院）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调解员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediated_cases",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("劳动合同履行地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    industry = models.CharField(_("行业"), max_length=32, choices=Industry.choices, default=Industry.OTHER)

    worker_name = models.CharField(_("劳动者姓名"), max_length=64)
    worker_id_number = EncryptedCharField(_("身份证号"))
    worker_id_hash = models.CharField(max_length=64, editable=False)
    worker_phone = EncryptedCharField(_("手机号"))
    worker_phone_hash = models.CharField(max_length=64, editable=False)

    employer_name = models.CharField(_("用人单位/平台"), max_length=200)
    employer_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    employer_key = models.CharField(max_length=200, editable=False, default="")

    employer_site = models.CharField(_("工作站点/网点"), max_length=200, blank=True)
    collective = models.ForeignKey(
        "disputes.CollectiveFiling",
        verbose_name=_("集体申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    is_representative = models.BooleanField(_("集体申请代表"), default=False)
    referred_by = models.ForeignKey(
        Organization,
        verbose_name=_("移送机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referred_cases",
    )
    referred_by_name = models.CharField(_("移送机构（目录外）"), max_length=200, blank=True)
    receipt = models.ForeignKey(
        "disputes.IntakeReceipt",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        editable=False,
    )

    facts = models.TextField(_("事实与理由"))
    services = models.JSONField(_("申请的服务"), default=list, blank=True)
    confidential = models.BooleanField(_("保密（经本人确认前不联系用人单位）"), default=False)
    language = models.CharField(
        _("劳动者使用的语言"),
        max_length=16,
        default="zh",
        help_text=_("语言代码，如 zh、yue、ug；用于指派调解员。"),
    )
    employment_started_on = models.DateField(_("入职日期"), null=True, blank=True)
    knowledge_date = models.DateField(_("知道权利被侵害之日"), null=True, blank=True)
    employment_ended_on = models.DateField(_("离职日期"), null=True, blank=True)
    still_employed = models.BooleanField(_("仍在职"), default=False)

    amount_claimed = models.DecimalField(
        _("请求金额（元）"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    amount_agreed = models.DecimalField(
        _("协议金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount_paid = models.DecimalField(
        _("已支付金额（元）"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    confirmation_route = models.CharField(
        _("确认途径"), max_length=32, choices=ConfirmationRoute.choices, blank=True
    )
    outcome_note = models.TextField(_("最近一次处理说明"), blank=True)

    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # Set when the retention period ran out and the people's data was anonymised (disputes.retention).
    anonymised_at = models.DateTimeField(_("个人信息已匿名化"), null=True, blank=True, editable=False)
    # Kept by the database, never by Python: a trigger on disputes_casedeadline (migration 0013) sets it to the
    # nearest due date of the case's active, unmet deadlines (None: none), so the staff lists sort and filter by
    # it through an index instead of computing it for every case in scope.
    next_due_on = models.DateField(_("最近期限"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("劳动争议案件")
        verbose_name_plural = _("劳动争议案件")
        ordering = ["-created_at"]
        indexes = [
            # The workbench's scope columns ride along, last, in the indexes of its views' filters, so the list's
            # one capped count (config.admin.BigTablePaginator) is an index-only scan: the visibility test of
            # disputes.selectors.case_list_visible_to is answered from the index, without reading ten thousand rows.
            # (Key columns rather than INCLUDE, which SQLite, the demo's database, does not have.)
            models.Index(
                fields=["station", "status", "handling_org", "intake_org", "region", "id"],
                name="case_station_status",
            ),
            models.Index(fields=["handling_org", "status"], name="case_handling_status"),
            models.Index(fields=["status", "created_at"], name="case_status_created"),
            # Exact matches only (never LIKE), so plain b-trees: Django's db_index would add a second,
            # varchar_pattern_ops index on PostgreSQL that only slows every insert.
            models.Index(fields=["worker_id_hash"], name="case_worker_id_hash"),
            models.Index(fields=["worker_phone_hash"], name="case_worker_phone_hash"),
            models.Index(fields=["employer_key"], name="case_employer_key"),
            models.Index(fields=["employer_credit_code"], name="case_employer_credit_code"),
            # The workbench (disputes.admin), read in index order: a mediator's 我的案件 (open cases first, the
            # nearest deadline first, then the newest), any list sorted by the nearest deadline, and the industry
            # filter in the default newest-first order.
            models.Index(
                "mediator",
                closed_rank(),
                "next_due_on",
                models.F("id").desc(),
                name="case_mediator_open_due",
            ),
            models.Index("next_due_on", models.F("id").desc(), name="case_next_due"),
            models.Index(
                models.F("next_due_on").desc(nulls_last=True),
                models.F("id").desc(),
                name="case_next_due_desc",
            ),
            models.Index(
                fields=["industry", "created_at", "id", "station", "handling_org", "intake_org", "region"],
                name="case_industry_created",
            ),
            # 我的案件 (and a state filter on it), counted from the index as above.
            models.Index(
                fields=["mediator", "status", "station", "handling_org", "intake_org", "region", "id"],
                name="case_mediator_scope",
            ),
            # stats.refresh (beat) reads the cases changed since its last run.
            models.Index(fields=["updated_at"], name="case_updated_at"),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    # --- People's data -------------------------------------------------------------------------------------
    @property
    def worker_id_masked(self) -> str:
        return mask_id_number(self.worker_id_number)

    @property
    def worker_phone_masked(self) -> str:
        return mask_phone(self.worker_phone)

    @property
    def status_for_worker(self) -> str:
        return str(WORKER_LABELS[self.status])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    # --- State machine -------------------------------------------------------------------------------------
    @transition(
        field=status,
        source=S.SUBMITTED,
        target=S.ASSIGNED,
        permission=perm.can_triage,
        custom={"label": _("分派到调解组织")},
    )
    def triage(self, *, station: Organization, rule=None) -> None:
        # ``rule``: the routing rule that chose the station (None: the worker's own choice or a person's);
        # recorded in the event's payload by case_transition.
        self.station = station

    @transition(
        field=status,
        source=S.ASSIGNED,
        target=S.ASSIGNED,
        conditions=[cond.has_station],
        permission=perm.can_manage_station_case,
        custom={"label": _("派至网点")},
    )
    def dispatch_to_branch(self, *, branch: Organization) -> None:
        self.station = branch

    @transition(
        field=status,
        source=S.ASSIGNED,
        target=S.ASSIGNED,
        conditions=[cond.has_station],
        permission=perm.can_transfer,
        custom={"label": _("转至其他调解组织")},
    )
    def transfer(self, *, station: Organization) -> None:
        self.station = station
        self.mediator = None

    @transition(
        field=status,
        source=[S.ASSIGNED, S.ACCEPTED, S.IN_MEDIATION],
        target=S.ASSIGNED,
        conditions=[at_industry_station],
        permission=perm.can_move_to_government_station,
        custom={"label": _("转至政府新业态调解站（劳动者选择）")},
    )
    def move_to_government_station(self, *, station: Organization) -> None:
        # The neutrality safeguard: the worker leaves an industry association's station for the government's.
        self.station = station
        self.mediator = None

    @transition(
        field=status,
        source=S.ASSIGNED,
        target=S.REJECTED,
        permission=perm.can_manage_station_case,
        custom={"label": _("不予受理")},
    )
    def reject(self, *, reason: str) -> None:
        self.outcome_note = reason

    @transition(
        field=status,
        source=S.ASSIGNED,
        target=S.ACCEPTED,
        conditions=[cond.has_station],
        permission=perm.can_accept,
        custom={"label": _("受理")},
    )
    def accept(self, *, mediator=None) -> None:
        if mediator is not None:
            self.mediator = mediator

    @transition(
        field=status,
        source=S.ACCEPTED,
        target=S.IN_MEDIATION,
        permission=perm.can_mediate,
        custom={"label": _("开始调解")},
    )
    def start_mediation(self) -> None:
        pass

    @transition(
        field=status,
        source=S.IN_MEDIATION,
        target=S.AGREEMENT_REACHED,
        permission=perm.can_mediate,
        custom={
            "label": _("达成调解协议"),
            "desk": _("调解协议在案件的调解工作台起草，劳动者和用人单位双方签字后自动生效。"),
        },
    )
    def record_agreement(self, *, amount_agreed: Decimal) -> None:
        self.amount_agreed = amount_agreed

    @transition(
        field=status,
        source=S.IN_MEDIATION,
        target=S.MEDIATION_FAILED,
        permission=perm.can_mediate,
        custom={"label": _("调解不成")},
    )
    def record_failure(self, *, reason: str) -> None:
        self.outcome_note = reason

    @transition(
        field=status,
        source=S.AGREEMENT_REACHED,
        target=S.CONFIRMATION_REQUESTED,
        conditions=[cond.agreement_amount_recorded],
        permission=perm.can_mediate,
        custom={"label": _("申请仲裁审查确认或司法确认")},
    )
    def request_confirmation(self, *, route: str, organization: Organization) -> None:
        self.confirmation_route = route
        self.handling_org = organization

    @transition(
        field=status,
        source=S.CONFIRMATION_REQUESTED,
        target=S.CONFIRMED,
        conditions=[cond.has_handling_org],
        permission=perm.can_review_confirmation,
        custom={
            "label": _("确认调解协议"),
            "desk": _(
                "仲裁审查确认在仲裁委员会的审查队列办理，司法确认在法院的确认队列办理：确认时出具文书。"
            ),
        },
    )
    def confirm(self, *, document_number: str) -> None:
        pass

    @transition(
        field=status,
        source=S.CONFIRMATION_REQUESTED,
        target=S.AGREEMENT_REACHED,
        conditions=[cond.has_handling_org],
        permission=perm.can_review_confirmation,
        custom={
            "label": _("不予确认"),
            "desk": _("不予确认在仲裁委员会的审查队列或法院的确认队列办理：须出具不予确认的文书。"),
        },
    )
    def refuse_confirmation(self, *, reason: str) -> None:
        self.outcome_note = reason
        self.confirmation_route = ConfirmationRoute.NONE
        self.handling_org = None

    @transition(
        field=status,
        source=[S.AGREEMENT_REACHED, S.CONFIRMED],
        target=S.FULFILLED,
        permission=perm.can_follow_up_agreement,
        custom={"label": _("协议履行完毕")},
    )
    def record_fulfilment(self, *, amount_paid: Decimal) -> None:
        self.amount_paid = amount_paid

    # Enforcement of a confirmed agreement, or of an arbitration award the employer has not paid (LDMAL Art. 51).
    # The worker applies (tracking page, or their legal-aid lawyer for them); the station's staff or the court
    # may record an application made on paper.
    @transition(
        field=status,
        source=S.CONFIRMED,
        target=S.ENFORCEMENT,
        conditions=[cond.has_handling_org],
        permission=may_apply_for_enforcement,
        custom={"label": _("移送强制执行")},
    )
    @transition(
        field=status,
        source=S.ARBITRATION_ACCEPTED,
        target=S.ENFORCEMENT,
        conditions=[cond.has_handling_org, award_enforceable],
        permission=may_apply_for_enforcement,
        custom={
            "label": _("移送强制执行"),
            "desk": _("强制执行由劳动者在查询页面申请，或由法律援助律师代为申请，法院在执行队列登记。"),
        },
    )
    def open_enforcement(self, *, court: Organization, enforcement_number: str = "") -> None:
        self.handling_org = court

    @transition(
        field=status,
        source=S.ENFORCEMENT,
        target=S.CLOSED,
        permission=perm.can_enforce,
        custom={"label": _("执行终结"), "desk": _("执行终结在法院的执行队列办理：先记录执行到位的金额。")},
    )
    def close_enforcement(self, *, amount_recovered: Decimal) -> None:
        self.amount_paid = amount_recovered

    @transition(
        field=status,
        source=S.FULFILLED,
        target=S.CLOSED,
        permission=perm.can_close,
        custom={"label": _("结案")},
    )
    def close(self) -> None:
        pass

    @transition(
        field=status,
        source=BEFORE_AGREEMENT_STATES,
        target=S.REFERRED_TO_ARBITRATION,
        permission=perm.can_refer_to_arbitration,
        custom={"label": _("转劳动仲裁")},
    )
    def refer_to_arbitration(self, *, commission: Organization) -> None:
        self.handling_org = commission

    @transition(
        field=status,
        source=S.REFERRED_TO_ARBITRATION,
        target=S.ARBITRATION_ACCEPTED,
        conditions=[cond.has_handling_org],
        permission=perm.can_arbitrate,
        custom={
            "label": _("仲裁立案"),
            "desk": _("仲裁立案在仲裁委员会的仲裁案件队列办理：立案时出具受理通知书。"),
        },
    )
    def accept_arbitration(self, *, arbitration_number: str) -> None:
        pass

    @transition(
        field=status,
        source=S.REFERRED_TO_ARBITRATION,
        target=S.CLOSED,
        conditions=[cond.has_handling_org],
        permission=perm.can_arbitrate,
        custom={
            "label": _("仲裁不予受理"),
            "desk": _("不予受理在仲裁委员会的仲裁案件队列办理：须出具不予受理通知书。"),
        },
    )
    def decline_arbitration(self, *, reason: str) -> None:
        self.outcome_note = reason

    @transition(
        field=status,
        source=S.ARBITRATION_ACCEPTED,
        target=S.CLOSED,
        permission=perm.can_arbitrate,
        custom={"label": _("仲裁结案"), "desk": _("仲裁结案在仲裁委员会的仲裁案件队列办理：先记录裁决。")},
    )
    def close_arbitration(
        self, *, outcome: str, amount_awarded: Decimal | None = None, is_final: bool = False
    ):
        self.outcome_note = outcome

    @transition(
        field=status,
        source=OPEN_STATES,
        target=S.WITHDRAWN,
        permission=perm.can_withdraw,
        custom={"label": _("撤回申请")},
    )
    def withdraw(self, *, reason: str = "") -> None:
        self.outcome_note = reason


class Claim(models.Model):
    """One claimed item: a category and its amount."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="claims")
    category = models.CharField(_("争议类别"), max_length=32, choices=Category.choices)
    amount = models.DecimalField(
        _("金额（元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("空表示未分项填写。"),
    )

    class Meta:
        verbose_name = _("请求事项")
        verbose_name_plural = _("请求事项")
        constraints = [models.UniqueConstraint(fields=["case", "category"], name="claim_one_per_category")]
        indexes = [models.Index(fields=["category", "case"], name="claim_category_case")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} ¥{self.amount}"
