"""Choices of the mediation app. Codes are public (API): add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from disputes.states import Category


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("现场调解")
    ONLINE = "online", _("线上视频调解")
    PHONE = "phone", _("电话调解")


class ContactDirection(models.TextChoices):
    OUTGOING = "outgoing", _("调解员联系用人单位")
    INCOMING = "incoming", _("用人单位联系调解员")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    MESSAGING = "messaging", _("微信等即时通讯")
    VISIT = "visit", _("上门或来访")
    EMAIL = "email", _("电子邮件")
    LETTER = "letter", _("书面函件")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    AWAITING_SIGNATURES = "awaiting_signatures", _("待双方签署")
    EFFECTIVE = "effective", _("已生效")
    VOID = "void", _("已作废")


# At most one agreement of a case is in one of these states (a database constraint says so).
CURRENT_AGREEMENT_STATES = (
    AgreementStatus.DRAFT,
    AgreementStatus.AWAITING_SIGNATURES,
    AgreementStatus.EFFECTIVE,
)


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("银行转账")
    MOBILE_PAYMENT = "mobile_payment", _("微信或支付宝转账")
    CASH = "cash", _("现金（当面交付）")
    OTHER = "other", _("其他方式")


class InstalmentStatus(models.TextChoices):
    PENDING = "pending", _("待支付")
    PARTIAL = "partial", _("部分支付")
    PAID = "paid", _("已付清")


class Remedy(models.TextChoices):
    """What the worker may start when a payment under an effective agreement is missed (legal-rules.md 4–7)."""

    ARBITRATION_REVIEW = "arbitration_review", _("申请仲裁审查确认")
    JUDICIAL_CONFIRMATION = "judicial_confirmation", _("申请司法确认")
    PAYMENT_ORDER = "payment_order", _("申请支付令")


class FailureReason(models.TextChoices):
    """Why mediation ended without an agreement (a fixed list, so the figures can count them)."""

    EMPLOYER_REFUSED = "employer_refused", _("用人单位拒绝调解或拒绝支付")
    EMPLOYER_UNREACHABLE = "employer_unreachable", _("无法联系用人单位")
    AMOUNTS_APART = "amounts_apart", _("双方对金额分歧过大")
    FACTS_DISPUTED = "facts_disputed", _("双方对事实或劳动关系争议较大")
    WORKER_DECLINED = "worker_declined", _("劳动者不愿继续调解")
    TIME_LIMIT = "time_limit", _("调解期限届满未达成协议")
    OTHER = "other", _("其他原因")


class ConsentChannel(models.TextChoices):
    """How the worker told the mediator they agree to have the case referred to arbitration."""

    IN_PERSON = "in_person", _("当面表示")
    PHONE = "phone", _("电话告知")
    WRITTEN = "written", _("书面确认")


# Items of an agreement for which a missed payment lets the worker ask the court for a payment order
# (LDMAL Art. 16: unpaid wages, work-injury medical costs, economic compensation or damages).
PAYMENT_ORDER_CATEGORIES = frozenset(
    {Category.WAGES, Category.OVERTIME, Category.COMPENSATION, Category.WORK_INJURY}
)
