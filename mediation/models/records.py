"""What the mediator records while mediating (sessions, contacts with the employer), and what the worker says
afterwards (satisfaction, a request to reopen). Rows are written by :mod:`mediation.services` only."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Case

from ..states import ContactChannel, ContactDirection, SessionMode


class MediationSession(models.Model):
    """One mediation session: when, how and where, who attended and what was said."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="mediation_sessions"
    )
    held_at = models.DateTimeField(_("调解时间"))
    mode = models.CharField(_("调解方式"), max_length=16, choices=SessionMode.choices)
    place = models.CharField(
        _("地点或线上平台"), max_length=200, help_text=_("现场调解填地址；线上调解填所用平台或会议号。")
    )
    attendees = models.TextField(_("参加人员"), help_text=_("劳动者、用人单位代表、调解员及其他参加人员。"))
    summary = models.TextField(_("调解情况"), help_text=_("双方的主要意见、提出的方案和调解结果。"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["held_at", "id"]
        indexes = [models.Index(fields=["case", "held_at"], name="mediation_session_case")]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.held_at:%Y-%m-%d %H:%M} · {self.get_mode_display()}"


class ContactLog(models.Model):
    """One contact between the mediator and the employer (a call, a visit, a message)."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="employer_contacts"
    )
    at = models.DateTimeField(_("联系时间"))
    direction = models.CharField(_("方向"), max_length=16, choices=ContactDirection.choices)
    channel = models.CharField(_("联系方式"), max_length=16, choices=ContactChannel.choices)
    employer_contact_name = models.CharField(_("用人单位联系人"), max_length=64)
    summary = models.TextField(_("联系内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("用人单位联系记录")
        verbose_name_plural = _("用人单位联系记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="mediation_contact_case")]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.at:%Y-%m-%d %H:%M} · {self.employer_contact_name}"


class SatisfactionSurvey(models.Model):
    """The worker's rating of the mediation service, once per case, after it ended."""

    case = models.OneToOneField(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="satisfaction"
    )
    score = models.PositiveSmallIntegerField(_("满意度（1–5）"))
    comment = models.TextField(_("意见和建议"), blank=True)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)

    class Meta:
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="satisfaction_score_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.score}"


class ReopenRequest(models.Model):
    """The worker asks the station to take the case up again because the agreement is not honoured."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="reopen_requests"
    )
    agreement = models.ForeignKey(
        "mediation.Agreement", verbose_name=_("调解协议"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("劳动者说明"))
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handling_note = models.TextField(_("处理情况"), blank=True)

    class Meta:
        verbose_name = _("重新处理申请")
        verbose_name_plural = _("重新处理申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open request per case: a second tap or a second form waits for the first to be handled.
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(handled_at__isnull=True), name="reopen_one_open_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.created_at:%Y-%m-%d}"
