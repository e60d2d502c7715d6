"""Documents the platform issues for a case (a mediation agreement, an arbitration mediation document, a court
ruling, a notice of non-acceptance): each with its number and a verification code that anyone can check on
``/verify/``."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization

from .case import Case


class DocumentKind(models.TextChoices):
    MEDIATION_AGREEMENT = "mediation_agreement", _("调解协议书")
    ARBITRATION_MEDIATION = "arbitration_mediation", _("仲裁调解书")
    REVIEW_REFUSAL = "review_refusal", _("不予确认决定书")
    JUDICIAL_RULING = "judicial_ruling", _("司法确认裁定书")
    JUDICIAL_REFUSAL = "judicial_refusal", _("不予确认裁定书")
    ARBITRATION_ACCEPTANCE = "arbitration_acceptance", _("受理通知书")
    ARBITRATION_NON_ACCEPTANCE = "arbitration_non_acceptance", _("不予受理通知书")
    ARBITRATION_AWARD = "arbitration_award", _("仲裁裁决书")


class DocumentCounter(models.Model):
    """The last number an issuer gave to a kind of document in a year; incremented under a row lock, so numbers
    are unique and without gaps however many people issue at once."""

    issuer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "kind", "year"], name="document_counter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer_id} {self.kind} {self.year}: {self.last}"


class IssuedDocument(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("文书种类"), max_length=32, choices=DocumentKind.choices)
    issuer = models.ForeignKey(
        Organization, verbose_name=_("出具机构"), on_delete=models.PROTECT, related_name="issued_documents"
    )
    number = models.CharField(_("文书编号"), max_length=80)
    sequence = models.PositiveIntegerField(editable=False)
    year = models.PositiveSmallIntegerField(editable=False)
    verification_code = models.CharField(_("验证码"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("标题"), max_length=120)
    file = models.FileField(_("文件"), upload_to="documents/%Y/%m/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    issued_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    issued_at = models.DateTimeField(_("出具时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("出具的文书")
        verbose_name_plural = _("出具的文书")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "kind", "year", "sequence"], name="document_number_once"
            ),
        ]
        indexes = [models.Index(fields=["case", "kind"], name="document_case_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"
