"""What a claim brings with it: the respondents the worker can name, the evidence, the collective filing that
groups several workers' cases, and the receipts that make a resubmitted form create nothing twice."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..pii import EncryptedCharField
from ..scanning import initial_scan_status
from ..states import ActorKind, EvidenceKind, EvidenceScanStatus, RespondentRole
from .case import Case


class CollectiveFiling(models.Model):
    """One filing for several workers against the same employer (LDMAL Art. 7): each worker has a case of their
    own, with their own amounts; at ten workers or more, three to five of them represent the others."""

    employer_name = models.CharField(_("用人单位/平台"), max_length=200)
    worker_count = models.PositiveIntegerField(_("人数"))
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("集体申请")
        verbose_name_plural = _("集体申请")

    def __str__(self) -> str:
        return f"{self.employer_name}（{self.worker_count}人）"


class Respondent(models.Model):
    """Someone the worker names as responsible: a gig worker often knows the app, the station and who pays, not
    the legal employer. Staff correct and link them later; the credit code ties them together across cases."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="respondents")
    role = models.CharField(_("身份"), max_length=24, choices=RespondentRole.choices)
    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    details = models.TextField(
        _("补充说明"), blank=True, help_text=_("如所用App、工牌或工服、谁发工资以及怎么发。")
    )
    is_primary = models.BooleanField(_("主要被申请人"), default=False)

    class Meta:
        verbose_name = _("被申请人")
        verbose_name_plural = _("被申请人")
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}：{self.name}"


class Evidence(models.Model):
    """A file the worker (or staff) attached. Stored under MEDIA_ROOT, outside the static root, under a server
    name; served only through an authorization check, as an attachment, and only once the virus scanner passed
    it (or when no scanner is configured: disputes.scanning)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("类型"), max_length=16, choices=EvidenceKind.choices)
    file = models.FileField(_("文件"), upload_to="evidence/%Y/%m/")
    preview = models.FileField(_("预览图"), upload_to="evidence/previews/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    display_name = models.CharField(_("文件名"), max_length=120)
    uploaded_by = models.CharField(max_length=16, choices=ActorKind.choices, default=ActorKind.WORKER)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    scan_status = models.CharField(
        _("病毒检查"), max_length=16, choices=EvidenceScanStatus.choices, default=initial_scan_status
    )
    scanned_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    scan_signature = models.CharField(_("检出内容"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("证据材料")
        verbose_name_plural = _("证据材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.display_name


class PendingUpload(models.Model):
    """A checked file waiting for its form: when a form comes back with errors, the files already sent are kept
    here under an unguessable token, so the worker does not have to pick them again."""

    token = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=EvidenceKind.choices)
    file = models.FileField(upload_to="pending/%Y/%m/")
    preview = models.FileField(upload_to="pending/previews/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    display_name = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.display_name


class IntakeReceipt(models.Model):
    """The idempotency key of one submitted form and the cases it created: a double tap, a reload or a retry on a
    bad connection finds the receipt and creates nothing."""

    key = models.CharField(max_length=64, unique=True)
    case_ids = models.JSONField(default=list)
    # The answer given the first time (tracking codes and PINs), encrypted, so that a retry gets the same answer;
    # emptied a day later by the clean-up task, when nobody can be retrying any more.
    answer = EncryptedCharField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.key
