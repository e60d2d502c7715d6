"""Choices of the arbitration app. Codes are public (API): add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from disputes.states import Category


class ReviewRefusalReason(models.TextChoices):
    """Why a commission does not confirm an agreement it reviewed (Rules Arts. 76-79, ⚠️ unverified list; the
    Zhejiang regulation Art. 11 confirms the written refusal). Filing defects (late, labor relationship, the other
    route) are refused at filing (disputes.confirmation) and never reach the commission."""

    VIOLATES_LAW = "violates_law", _("违反法律、行政法规的强制性规定")
    HARMS_INTERESTS = "harms_interests", _("损害国家利益、社会公共利益或者他人合法权益")
    FALSE_EVIDENCE = "false_evidence", _("当事人提供的证明材料有弄虚作假嫌疑")
    NOT_VOLUNTARY = "not_voluntary", _("违背当事人真实意思表示")
    UNCLEAR = "unclear", _("调解协议内容不明确")
    OUTSIDE_JURISDICTION = "outside_jurisdiction", _("不属于本仲裁委员会管辖")
    OTHER = "other", _("其他不能确认的情形")


class JudicialRefusalReason(models.TextChoices):
    """Why a court does not confirm an agreement (CPL-Interp Art. 358)."""

    VIOLATES_LAW = "violates_law", _("违反法律强制性规定")
    HARMS_INTERESTS = "harms_interests", _("损害国家利益、社会公共利益、他人合法权益")
    PUBLIC_ORDER = "public_order", _("违背公序良俗")
    NOT_VOLUNTARY = "not_voluntary", _("违反自愿原则")
    UNCLEAR = "unclear", _("内容不明确")
    OTHER = "other", _("其他不能进行司法确认的情形")


class NonAcceptanceReason(models.TextChoices):
    """Why a commission does not accept an application for arbitration (Rules Arts. 30-31; LDMAL Art. 29)."""

    NOT_LABOR_DISPUTE = "not_labor_dispute", _("不属于劳动人事争议仲裁受理范围")
    NO_CLEAR_CLAIM = "no_clear_claim", _("没有明确的仲裁请求和事实、理由")
    NO_RESPONDENT = "no_respondent", _("没有明确的被申请人")
    NOT_INTERESTED = "not_interested", _("申请人与本案没有直接利害关系")
    OUTSIDE_JURISDICTION = "outside_jurisdiction", _("不属于本仲裁委员会管辖")
    ALREADY_DECIDED = "already_decided", _("同一争议已经处理（一事不再理）")


class HearingKind(models.TextChoices):
    HEARING = "hearing", _("开庭审理")
    MEDIATION = "mediation", _("庭前调解")
    EVIDENCE = "evidence", _("证据交换")


class ClosingOutcome(models.TextChoices):
    """How an accepted arbitration case ended."""

    AWARD = "award", _("裁决结案")
    MEDIATION = "mediation", _("调解结案")
    WITHDRAWN = "withdrawn", _("申请人撤回申请")
    DEEMED_WITHDRAWN = "deemed_withdrawn", _("按撤回申请处理")
    OTHER = "other", _("其他方式结案")


class Applicant(models.TextChoices):
    """Who applied for enforcement."""

    WORKER = "worker", _("劳动者本人")
    LEGAL_AID = "legal_aid", _("法律援助律师代为申请")
    STAFF = "staff", _("工作人员代为登记")


class EnforcementBasis(models.TextChoices):
    """The document enforced."""

    CONFIRMED_AGREEMENT = "confirmed_agreement", _("经确认的调解协议")
    AWARD = "award", _("仲裁裁决书")


class EnforcementEnd(models.TextChoices):
    """How enforcement ended (执行结案方式, simplified)."""

    PAID_IN_FULL = "paid_in_full", _("执行完毕")
    PARTLY_PAID = "partly_paid", _("终结本次执行程序（部分执行到位）")
    NOTHING_FOUND = "nothing_found", _("终结本次执行程序（未发现可供执行的财产）")
    SETTLED = "settled", _("双方达成执行和解并履行完毕")
    TERMINATED = "terminated", _("终结执行")


# Award items that can make a final award when each is within 12 months of the local minimum monthly wage
# (LDMAL Art. 47(1): 劳动报酬、工伤医疗费、经济补偿或者赔偿金). An item under "dismissal" with an amount is the damages
# for unlawful termination (赔偿金); "work_injury" here is the work-injury medical costs the tribunal awards.
MONEY_FINAL_CATEGORIES = frozenset(
    {Category.WAGES, Category.OVERTIME, Category.COMPENSATION, Category.WORK_INJURY, Category.DISMISSAL}
)
# Disputes over national labor standards (working hours, rest and leave, social insurance): final whatever the
# amount (LDMAL Art. 47(2)).
STANDARD_FINAL_CATEGORIES = frozenset({Category.SOCIAL_INSURANCE})
FINAL_AWARD_MONTHS = 12
