"""The append-only history of a case.

Nothing edits or deletes a row: the model refuses a second save and delete, the queryset refuses bulk update and
delete, the admin shows the rows read-only, and on PostgreSQL a trigger (migration 0002) refuses UPDATE and
DELETE from any client at all.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..states import ActorKind, CaseStatus
from .case import Case


class AppendOnlyError(Exception):
    pass


class CaseEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("case history is append-only")

    def delete(self):
        raise AppendOnlyError("case history is append-only")


class CaseEvent(models.Model):
    # Indexed by caseevent_case_time (case, created_at), which also serves lookups by case alone.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    transition = models.CharField(_("操作"), max_length=48)
    from_state = models.CharField(_("原状态"), max_length=32, choices=CaseStatus.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=32, choices=CaseStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_kind = models.CharField(_("操作人类型"), max_length=16, choices=ActorKind.choices)
    note = models.TextField(_("理由/说明"), blank=True)
    payload = models.JSONField(_("详情"), default=dict, blank=True)
    announce = models.BooleanField(
        _("通知相关人员"), default=True, db_default=True, help_text=_("导入或补录的历史记录不发送通知。")
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("案件记录")
        verbose_name_plural = _("案件记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="caseevent_case_time")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.transition} {self.from_state}→{self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("case history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("case history is append-only")
