"""Reminders sent about a case, one row each, so that a reminder goes out once however often the scan runs.

A reminder is a history event (:class:`~disputes.models.CaseEvent`, by the system) that tells people something is
near or past; this row records that the reminder named by ``key`` has been sent for the case. The pair is unique
in the database, and :func:`disputes.reminders.reminder_record_once` writes both in one transaction under the
case's row lock.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .case import Case
from .events import CaseEvent


class Reminder(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reminders")
    key = models.CharField(
        _("提醒键"),
        max_length=200,
        help_text=_("提醒的对象、种类和日期，例如 deadline:mediation.arb_unlock:2026-12-01:overdue。"),
    )
    event = models.OneToOneField(
        CaseEvent, verbose_name=_("案件记录"), on_delete=models.PROTECT, related_name="reminder"
    )
    created_at = models.DateTimeField(_("提醒时间"), default=timezone.now)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="reminder_once_per_key")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.key}"
