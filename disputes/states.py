"""The case's states and the other choices of a dispute. Codes are public (API, contract): add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    """Internal labels (what staff see). Worker-facing labels are in :data:`WORKER_LABELS`."""

    SUBMITTED = "submitted", _("已提交")
    ASSIGNED = "assigned", _("已分派调解组织")
    ACCEPTED = "accepted", _("已受理")
    IN_MEDIATION = "in_mediation", _("调解中")
    AGREEMENT_REACHED = "agreement_reached", _("已达成调解协议")
    CONFIRMATION_REQUESTED = "confirmation_requested", _("已申请审查确认")
    CONFIRMED = "confirmed", _("协议已确认")
    ENFORCEMENT = "enforcement", _("强制执行中")
    FULFILLED = "fulfilled", _("协议已履行")
    MEDIATION_FAILED = "mediation_failed", _("调解不成")
    REFERRED_TO_ARBITRATION = "referred_to_arbitration", _("已移送仲裁")
    ARBITRATION_ACCEPTED = "arbitration_accepted", _("仲裁已立案")
    REJECTED = "rejected", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    CLOSED = "closed", _("已结案")


S = CaseStatus

WORKER_LABELS: dict[str, str] = {
    S.SUBMITTED: _("我们已收到您的申请"),
    S.ASSIGNED: _("已转交调解组织，等待受理"),
    S.ACCEPTED: _("调解组织已受理您的申请"),
    S.IN_MEDIATION: _("正在调解"),
    S.AGREEMENT_REACHED: _("已达成调解协议，等待履行"),
    S.CONFIRMATION_REQUESTED: _("调解协议正在审查确认"),
    S.CONFIRMED: _("调解协议已确认，可申请强制执行"),
    S.ENFORCEMENT: _("法院正在强制执行"),
    S.FULFILLED: _("调解协议已履行完毕"),
    S.MEDIATION_FAILED: _("调解未达成协议，您可以申请劳动仲裁"),
    S.REFERRED_TO_ARBITRATION: _("已转交劳动人事争议仲裁委员会，等待立案审查"),
    S.ARBITRATION_ACCEPTED: _("仲裁委员会已立案受理"),
    S.REJECTED: _("调解组织未受理，请查看原因和建议"),
    S.WITHDRAWN: _("您已撤回申请"),
    S.CLOSED: _("案件已办结"),
}

TERMINAL_STATES = [S.REJECTED, S.WITHDRAWN, S.CLOSED]
OPEN_STATES = [s for s in S.values if s not in TERMINAL_STATES]
# Mediation is optional (LDMAL Art. 5): from each of these the worker may go to arbitration at any time.
BEFORE_AGREEMENT_STATES = [S.SUBMITTED, S.ASSIGNED, S.ACCEPTED, S.IN_MEDIATION, S.MEDIATION_FAILED]


class Channel(models.TextChoices):
    QR_WEB = "qr_web", _("扫码/网上申请")
    HOTLINE = "hotline", _("12351 热线")
    WALK_IN = "walk_in", _("窗口来访")
    POLICE_REFERRAL = "police_referral", _("派出所移送")
    COURT_REFERRAL = "court_referral", _("法院委派")
    INSPECTION_REFERRAL = "inspection_referral", _("劳动监察移送")
    PLATFORM_API = "platform_api", _("其他平台推送")
    RISK_REPORT = "risk_report", _("风险信息员报告")


class Category(models.TextChoices):
    WAGES = "wages", _("劳动报酬")
    OVERTIME = "overtime", _("加班费")
    DISMISSAL = "dismissal", _("解除、终止劳动合同")
    COMPENSATION = "compensation", _("经济补偿")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险")
    WORK_INJURY = "work_injury", _("工伤待遇")
    LABOR_RELATIONSHIP = "labor_relationship", _("确认劳动关系")
    OTHER = "other", _("其他")


class Service(models.TextChoices):
    INDUSTRY_MEDIATION = "industry_mediation", _("行业调解")
    UNION_MEDIATION = "union_mediation", _("工会调解")
    PEOPLES_MEDIATION = "peoples_mediation", _("人民调解")
    PRE_ARBITRATION_MEDIATION = "pre_arbitration_mediation", _("仲裁前调解")
    LEGAL_AID = "legal_aid", _("法律援助")


class ConfirmationRoute(models.TextChoices):
    NONE = "", _("无")
    ARBITRATION_REVIEW = "arbitration_review", _("仲裁审查确认")
    JUDICIAL_CONFIRMATION = "judicial_confirmation", _("司法确认")


class RejectReason(models.TextChoices):
    NOT_LABOR_DISPUTE = "not_labor_dispute", _("不属于劳动争议")
    OUTSIDE_JURISDICTION = "outside_jurisdiction", _("不属于本站受理范围")
    DUPLICATE = "duplicate", _("重复申请")


class ActorKind(models.TextChoices):
    STAFF = "staff", _("工作人员")
    WORKER = "worker", _("劳动者")
    SYSTEM = "system", _("系统")
    AGENCY = "agency", _("外部机构")


class DayType(models.TextChoices):
    CALENDAR = "calendar", _("自然日")
    WORKING = "working", _("工作日")


class SourceStatus(models.TextChoices):
    VERIFIED = "verified", _("已核对法条原文")
    SECONDARY = "secondary", _("仅核对二手资料")
    UNVERIFIED = "unverified", _("未核实")


class RespondentRole(models.TextChoices):
    EMPLOYER = "employer", _("用人单位")
    PLATFORM = "platform", _("平台企业")
    LABOR_AGENCY = "labor_agency", _("劳务派遣/劳务公司")
    OUTSOURCING = "outsourcing", _("外包公司")
    SITE = "site", _("站点/网点/门店")
    OTHER = "other", _("其他")


class EvidenceKind(models.TextChoices):
    IMAGE = "image", _("图片")
    PDF = "pdf", _("PDF 文件")


class EvidenceScanStatus(models.TextChoices):
    """Where a file stands with the virus scanner (disputes.scanning). Only clean and not-scanned files are served."""

    PENDING = "pending", _("待病毒检查")
    CLEAN = "clean", _("已通过病毒检查")
    INFECTED = "infected", _("发现病毒，已隔离")
    NOT_SCANNED = "not_scanned", _("未检查（未配置病毒扫描）")
