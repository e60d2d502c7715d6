"""The append-only history of a case.

Nothing edits or deletes a row: the model refuses a second save and delete, the queryset refuses bulk update and
delete, the admin shows the rows read-only, and on PostgreSQL a trigger (migrations 0002 and 0015) refuses UPDATE
and DELETE from any client at all, but the one sanctioned redaction (:func:`disputes.history_chain.events_redact`).
Each row is linked into its case's hash chain when it is written (:mod:`disputes.history_chain`), so an edit made
around all of that is still detected by ``manage.py verify_history``.
"""

from django.conf import settings
from django.db import models, transaction
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

    def bulk_create(self, objs, *args, **kwargs):
        """Each new row linked into its case's chain, in the order given (rows of one case in one call chain
        one after the other)."""
        from ..history_chain import chain_link, chain_tail_locked

        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            tails = {case_id: chain_tail_locked(case_id) for case_id in sorted({obj.case_id for obj in objs})}
            for obj in objs:
                chain_link(obj, prev_hash=tails[obj.case_id])
                tails[obj.case_id] = obj.hash
            return super().bulk_create(objs, *args, **kwargs)


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
    # The hash chain (disputes.history_chain): set once, when the row is written. db_default: a bulk loader that
    # leaves them out (COPY) writes rows that verify_history reports as unchained instead of failing.
    content_sha256 = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)
    hash = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)
    redacted_at = models.DateTimeField(_("已按保存期限脱敏"), null=True, blank=True, editable=False)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("案件记录")
        verbose_name_plural = _("案件记录")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="caseevent_case_time"),
            # The chain tail (disputes.history_chain): the case's last event by id. Without it PostgreSQL may walk
            # the primary key backwards through the whole table looking for one case's rows.
            models.Index(fields=["case", "id"], name="caseevent_case_id_order"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.transition} {self.from_state}→{self.to_state}"

    def save(self, *args, chain_tail: str | None = None, **kwargs):
        """Write a new row linked to the tail of its case's chain; the case row is locked for the transaction so
        that two writers cannot link to the same tail (the services hold that lock already).

        ``chain_tail``: the tail when the caller knows it without asking, which is only for the first event of a
        case inserted in the same transaction (``history_chain.GENESIS``: no other writer can see the case yet)."""
        if self.pk is not None:
            raise AppendOnlyError("case history is append-only")
        from ..history_chain import chain_link, chain_tail_locked

        # No savepoint of its own: the lock only has to last until the caller's transaction ends.
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            chain_link(
                self, prev_hash=chain_tail if chain_tail is not None else chain_tail_locked(self.case_id)
            )
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("case history is append-only")
