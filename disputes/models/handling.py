"""What records officials take in hand share: who acknowledged and closed them, when, and a journal of notes."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy


class HandledByOfficials(models.Model):
    """A record with ``status`` open → acknowledged → closed and a ``note`` journal (both declared by the
    subclass). The steps only change fields in memory; the services lock the row, check who may act, and save
    the fields the step returns."""

    ACKNOWLEDGED, CLOSED = "acknowledged", "closed"

    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_lazy("签收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_lazy("签收时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_lazy("办结人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_lazy("办结时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_closed(self) -> bool:
        return self.status == self.CLOSED

    def journal(self, label: str, note: str, at) -> None:
        """Append ``[time label] note`` to the note journal."""
        note = (note or "").strip()
        line = f"[{timezone.localtime(at):%Y-%m-%d %H:%M} {label}]" + (f" {note}" if note else "")
        self.note = f"{self.note}\n{line}" if self.note else line

    def mark_acknowledged(self, *, actor, note: str = "", at=None) -> list[str]:
        """Take the record in hand; returns the fields to save."""
        at = at or timezone.now()
        self.status = self.ACKNOWLEDGED
        self.acknowledged_by, self.acknowledged_at = actor, at
        self.journal(_("签收"), note, at)
        return ["status", "acknowledged_by", "acknowledged_at", "note"]

    def mark_closed(self, *, actor, note: str = "", at=None) -> list[str]:
        """Close the record, acknowledging it on the way if nobody had; returns the fields to save."""
        at = at or timezone.now()
        fields = ["status", "closed_by", "closed_at", "note"]
        if self.acknowledged_at is None:
            self.acknowledged_by, self.acknowledged_at = actor, at
            fields += ["acknowledged_by", "acknowledged_at"]
        self.status = self.CLOSED
        self.closed_by, self.closed_at = actor, at
        self.journal(_("办结"), note, at)
        return fields
