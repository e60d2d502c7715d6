"""Special urgent cases (特事急诊): a joint consultation of an arbitrator, a people's mediator and a pro-bono lawyer
convened on one case, and the one-case-one-plan (一案一策) they agree.

Not a state of the case: escalating and recording the plan are history events (see :mod:`disputes.urgent`), and
the countdown is a deadline rule triggered by the escalation event. At most one consultation per case is open
at a time (a partial unique constraint backs the service's check under a race).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization

from .case import Case


class UrgentConsultationStatus(models.TextChoices):
    OPEN = "open", _("会商中")
    CLOSED = "closed", _("已形成一案一策")


class ConsultationRole(models.TextChoices):
    ARBITRATOR = "arbitrator", _("仲裁员")
    PEOPLES_MEDIATOR = "peoples_mediator", _("人民调解员")
    LAWYER = "lawyer", _("公益律师/法律援助")


class UrgentConsultation(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="urgent_consultations"
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=UrgentConsultationStatus.choices,
        default=UrgentConsultationStatus.OPEN,
        db_index=True,
    )
    reason = models.TextField(_("列为特事急诊的理由"))
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(_("发起时间"), default=timezone.now, db_index=True)
    plan_summary = models.TextField(_("一案一策：商定的措施"), blank=True)
    plan_actions = models.JSONField(
        _("一案一策：分工"),
        default=list,
        blank=True,
        help_text=_("每项：事项（what）、负责方（who）、完成日期（due_on）。"),
    )
    plan_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    plan_recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("特事急诊会商")
        verbose_name_plural = _("特事急诊会商")
        ordering = ["-escalated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="open"),
                name="urgentconsultation_one_open_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == UrgentConsultationStatus.OPEN


class UrgentConsultationMember(models.Model):
    """One participant of a consultation, in one of the three seats."""

    consultation = models.ForeignKey(
        UrgentConsultation, verbose_name=_("会商"), on_delete=models.CASCADE, related_name="members"
    )
    role = models.CharField(_("席位"), max_length=32, choices=ConsultationRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("参加人"),
        on_delete=models.PROTECT,
        related_name="urgent_consultation_seats",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("所在机构"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("会商参加人")
        verbose_name_plural = _("会商参加人")
        ordering = ["consultation", "role"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "role"], name="urgentmember_one_per_seat"),
            models.UniqueConstraint(fields=["consultation", "user"], name="urgentmember_one_seat_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.user}"
