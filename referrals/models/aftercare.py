"""What a worker asks for beside and after the dispute: legal aid, a new job, counselling; and the check-ins after
closure with the worker's answers.

Each request is a :class:`~referrals.models.Handoff` to the organization that provides the service (its inbox,
deliveries and answers are the handoff's) plus a row that holds what only this kind of handoff has: the legal-aid
deadlines and the lawyer assigned, the job-seeking form with the offers and the placement posted back, the
counselling request. Rows are written by :mod:`referrals.legal_aid` and :mod:`referrals.aftercare` only.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Case, CaseEvent
from disputes.pii import EncryptedCharField
from disputes.states import ActorKind

from ..states import (
    Affordability,
    Availability,
    CounsellingContact,
    LegalAidResult,
    WorkSituation,
)
from .handoffs import Handoff


class LegalAidRequest(models.Model):
    """A request for legal aid (法律援助法 Arts. 42–44), sent as a handoff to the legal-aid centre of the case's
    region, with the deadlines the law gives the centre and whether aid must start first."""

    handoff = models.OneToOneField(
        Handoff, verbose_name=_("移交"), on_delete=models.PROTECT, related_name="legal_aid_request"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="legal_aid_requests"
    )
    requested_by = models.CharField(_("申请方式"), max_length=16, choices=ActorKind.choices)
    reason = models.TextField(_("申请理由"))
    affordability = models.CharField(_("能否负担律师费"), max_length=16, choices=Affordability.choices)
    migrant_worker = models.BooleanField(_("进城务工人员"), default=False)
    means_test_exempt = models.BooleanField(
        _("免予经济困难审查"),
        default=False,
        help_text=_(
            "进城务工人员请求支付劳动报酬或者工伤赔偿的，不受经济困难条件限制（法律援助法第四十二条）。"
        ),
    )
    urgent = models.BooleanField(
        _("先行提供援助"),
        default=False,
        help_text=_("案件有期限在七日内届满：可以先行提供法律援助，再补办手续（法律援助法第四十四条）。"),
    )
    urgent_deadline = models.CharField(_("即将届满的期限"), max_length=200, blank=True)
    urgent_due_on = models.DateField(_("该期限届满日"), null=True, blank=True)
    decision_due_on = models.DateField(_("决定期限"), help_text=_("收到申请之日起七日内决定是否给予援助。"))
    assign_due_on = models.DateField(
        _("指派期限"), null=True, blank=True, help_text=_("决定给予援助之日起三日内指派律师。")
    )
    due_provisional = models.BooleanField(_("期限暂定"), default=False)
    result = models.CharField(_("援助结果"), max_length=32, choices=LegalAidResult.choices, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("法律援助申请")
        verbose_name_plural = _("法律援助申请")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case.tracking_code} · {self.handoff.to_org}"

    @property
    def lawyer(self) -> "LegalAidAssignment | None":
        """The lawyer assigned last (a re-assignment replaces the earlier one)."""
        return self.assignments.order_by("-assigned_at", "-id").first()


class LegalAidAssignment(models.Model):
    """A lawyer the legal-aid centre assigned to the worker; the latest row is the current lawyer."""

    request = models.ForeignKey(
        LegalAidRequest, verbose_name=_("法律援助申请"), on_delete=models.PROTECT, related_name="assignments"
    )
    lawyer_name = models.CharField(_("律师姓名"), max_length=64)
    law_firm = models.CharField(_("律师事务所/法律援助机构"), max_length=200)
    lawyer_phone = models.CharField(_("律师联系电话"), max_length=32)
    note = models.TextField(_("备注"), blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(_("指派时间"), default=timezone.now)

    class Meta:
        verbose_name = _("指派律师")
        verbose_name_plural = _("指派律师")
        ordering = ["-assigned_at", "-id"]

    def __str__(self) -> str:
        return f"{self.lawyer_name}（{self.law_firm}）"


class JobSeekingRequest(models.Model):
    """The worker's job-seeking form after the dispute, sent to the employment service centre of the region."""

    handoff = models.OneToOneField(
        Handoff, verbose_name=_("移交"), on_delete=models.PROTECT, related_name="job_seeking_request"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="job_seeking_requests"
    )
    desired_job = models.CharField(_("想找的工作"), max_length=100)
    desired_area = models.CharField(_("希望的工作地点"), max_length=100)
    skills = models.TextField(_("技能和经验"), blank=True)
    availability = models.CharField(_("何时可以上岗"), max_length=16, choices=Availability.choices)
    contact_consent = models.BooleanField(
        _("同意转交并联系"),
        default=False,
        help_text=_(
            "劳动者同意把求职信息和联系方式提供给就业服务中心，由其联系推荐工作（个人信息保护法第二十三条）。"
        ),
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("求职登记")
        verbose_name_plural = _("求职登记")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case.tracking_code} · {self.desired_job}"


class JobOffer(models.Model):
    """A job the employment service centre recommends to the worker; the worker reads it on ``/track/``."""

    request = models.ForeignKey(
        JobSeekingRequest, verbose_name=_("求职登记"), on_delete=models.PROTECT, related_name="offers"
    )
    employer_name = models.CharField(_("用人单位"), max_length=200)
    position = models.CharField(_("岗位"), max_length=100)
    wage = models.CharField(_("工资待遇"), max_length=64, help_text=_("如：6000–8000 元/月，计件另算。"))
    contact = models.CharField(_("联系方式"), max_length=100, help_text=_("招聘联系人及电话，或到哪里报名。"))
    posted_on = models.DateField(_("发布日期"), default=timezone.localdate)
    note = models.TextField(_("说明"), blank=True)
    # The receiving system's Idempotency-Key: a repeated post of the same offer returns the first one.
    callback_key = models.CharField(max_length=120, blank=True, editable=False)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("推荐岗位")
        verbose_name_plural = _("推荐岗位")
        ordering = ["-posted_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "callback_key"],
                condition=~models.Q(callback_key=""),
                name="joboffer_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.employer_name} · {self.position}"


class JobPlacement(models.Model):
    """The worker placed in a job through the employment service centre: one per job-seeking request."""

    request = models.OneToOneField(
        JobSeekingRequest, verbose_name=_("求职登记"), on_delete=models.PROTECT, related_name="placement"
    )
    offer = models.ForeignKey(
        JobOffer,
        verbose_name=_("对应的推荐岗位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    employer_name = models.CharField(_("就业单位"), max_length=200)
    position = models.CharField(_("岗位"), max_length=100)
    placed_on = models.DateField(_("上岗日期"))
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("就业安置")
        verbose_name_plural = _("就业安置")

    def __str__(self) -> str:
        return f"{self.employer_name} · {self.position} · {self.placed_on}"


class CounsellingRequest(models.Model):
    """A referral to a counselling service. What troubles the worker is health information (PIPL Art. 28):
    stored encrypted, shown to the counselling service only (in the handoff's packet)."""

    handoff = models.OneToOneField(
        Handoff, verbose_name=_("移交"), on_delete=models.PROTECT, related_name="counselling_request"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="counselling_requests"
    )
    requested_by = models.CharField(_("申请方式"), max_length=16, choices=ActorKind.choices)
    concern = EncryptedCharField(_("想聊的事"), blank=True)
    preferred_contact = models.CharField(_("希望的方式"), max_length=16, choices=CounsellingContact.choices)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("心理疏导转介")
        verbose_name_plural = _("心理疏导转介")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case.tracking_code} · {self.handoff.to_org}"


class AftercareCheckIn(models.Model):
    """A check-in sent ``days`` after the case was closed: at most one per case and offset, ever (the unique
    constraint backs the check made under the case's row lock in :func:`referrals.aftercare.checkin_record_once`)."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="checkins")
    days = models.PositiveSmallIntegerField(_("办结后天数"))
    event = models.OneToOneField(
        CaseEvent, verbose_name=_("案件记录"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("回访时间"), default=timezone.now)

    class Meta:
        verbose_name = _("办结回访")
        verbose_name_plural = _("办结回访")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case", "days"], name="checkin_once_per_offset")]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.days}"


class CheckInAnswer(models.Model):
    """The worker's answer to a check-in (one per check-in): have they found work, do they need help."""

    check_in = models.OneToOneField(
        AftercareCheckIn, verbose_name=_("回访"), on_delete=models.PROTECT, related_name="answer"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="checkin_answers"
    )
    work_situation = models.CharField(_("就业情况"), max_length=16, choices=WorkSituation.choices)
    help_wanted = models.JSONField(_("需要的帮助"), default=list, blank=True)
    note = models.TextField(_("想说的话"), blank=True)
    created_at = models.DateTimeField(_("回复时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("回访回复")
        verbose_name_plural = _("回访回复")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.get_work_situation_display()}"
