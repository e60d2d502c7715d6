from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")
    IN_APP = "in_app", _("站内消息")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class HandoffKind(models.TextChoices):
    """Why a case (or part of it) goes from one organization to another."""

    ARBITRATION_REVIEW = "arbitration_review", _("仲裁审查确认")
    JUDICIAL_CONFIRMATION = "judicial_confirmation", _("司法确认")
    ARBITRATION = "arbitration", _("劳动仲裁")
    ENFORCEMENT = "enforcement", _("强制执行")
    PAYMENT_ORDER = "payment_order", _("支付令申请")
    LEGAL_AID = "legal_aid", _("法律援助")
    REEMPLOYMENT = "reemployment", _("再就业服务")
    COUNSELLING = "counselling", _("心理疏导")


class HandoffStatus(models.TextChoices):
    """What the sender sees: pending → delivered → acknowledged → accepted / declined."""

    PENDING = "pending", _("待送达")
    DELIVERED = "delivered", _("已送达")
    ACKNOWLEDGED = "acknowledged", _("已签收")
    ACCEPTED = "accepted", _("已接收办理")
    DECLINED = "declined", _("不予接收")


HANDOFF_DECIDED = (HandoffStatus.ACCEPTED, HandoffStatus.DECLINED)


class DeliveryChannel(models.TextChoices):
    INBOX = "inbox", _("平台内收件箱")
    WEBHOOK = "webhook", _("对方系统接口（Webhook）")
    EMAIL = "email", _("电子邮件")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    SENDING = "sending", _("投递中")
    DELIVERED = "delivered", _("已投递")
    DEAD = "dead", _("投递失败（死信）")


# --- Legal aid, re-employment, counselling and check-ins after closure (referrals.legal_aid, referrals.aftercare) ---
class Affordability(models.TextChoices):
    """What the worker says about paying a lawyer (a self-declaration, not a means test)."""

    CANNOT = "cannot", _("请不起律师")
    UNSURE = "unsure", _("不确定")
    CAN = "can", _("请得起律师")


class LegalAidResult(models.TextChoices):
    """What the legal-aid centre did for the worker, reported with its outcome."""

    REPRESENTED_ARBITRATION = "represented_arbitration", _("代理劳动仲裁")
    REPRESENTED_LITIGATION = "represented_litigation", _("代理诉讼")
    REPRESENTED_MEDIATION = "represented_mediation", _("代理调解")
    DOCUMENTS = "documents", _("代写法律文书")
    ADVICE = "advice", _("提供法律咨询")
    OTHER = "other", _("其他")


class Availability(models.TextChoices):
    NOW = "now", _("随时可以上岗")
    WITHIN_WEEK = "within_week", _("一周内可以上岗")
    WITHIN_MONTH = "within_month", _("一个月内可以上岗")
    PART_TIME = "part_time", _("只能做兼职或灵活时间的工作")


class CounsellingContact(models.TextChoices):
    PHONE = "phone", _("电话")
    IN_PERSON = "in_person", _("当面")
    ONLINE = "online", _("网上（视频或文字）")


class WorkSituation(models.TextChoices):
    """The worker's answer to a check-in: have they found work?"""

    WORKING = "working", _("已经找到工作")
    LOOKING = "looking", _("还在找工作")
    NOT_LOOKING = "not_looking", _("暂时不找工作")


class HelpWanted(models.TextChoices):
    LEGAL_AID = "legal_aid", _("法律援助")
    REEMPLOYMENT = "reemployment", _("找工作")
    COUNSELLING = "counselling", _("心理疏导")
    OTHER = "other", _("其他帮助")
