"""Choices of the organization directory. The codes are public (API, commands): add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgType(models.TextChoices):
    INDUSTRY_STATION = "industry_station", _("行业协会调解站")
    BRANCH_OUTLET = "branch_outlet", _("调解站网点")
    GOVERNMENT_STATION = "government_station", _("新业态劳动纠纷调解站")
    UNION_COMMITTEE = "union_committee", _("工会调解委员会")
    PEOPLES_MEDIATION = "peoples_mediation", _("人民调解委员会")
    ARBITRATION_COMMISSION = "arbitration_commission", _("劳动人事争议仲裁委员会")
    COURT = "court", _("人民法院")
    LEGAL_AID = "legal_aid", _("法律援助中心")
    POLICE_STATION = "police_station", _("派出所")
    JUDICIAL_OFFICE = "judicial_office", _("司法所")
    LAW_FIRM = "law_firm", _("律师事务所")
    EMPLOYMENT_SERVICE = "employment_service", _("就业服务中心")
    COUNSELLING = "counselling", _("心理咨询服务机构")
    HR_BUREAU = "hr_bureau", _("人力资源和社会保障局")
    UNION_FEDERATION = "union_federation", _("总工会")

    @classmethod
    def mediation_types(cls) -> set[str]:
        """Types that mediate claims, so take them at intake."""
        return {
            cls.INDUSTRY_STATION,
            cls.BRANCH_OUTLET,
            cls.GOVERNMENT_STATION,
            cls.UNION_COMMITTEE,
            cls.PEOPLES_MEDIATION,
        }


class MediationLegalType(models.TextChoices):
    """The legal form a mediation organization is registered as; it decides the confirmation routes."""

    NONE = "", _("不适用")
    PEOPLES_MEDIATION_COMMITTEE = "peoples_mediation_committee", _("人民调解委员会")
    ENTERPRISE_COMMITTEE = "enterprise_committee", _("企业劳动争议调解委员会")
    TOWNSHIP_STREET = "township_street", _("乡镇、街道劳动争议调解组织")


class Industry(models.TextChoices):
    EXPRESS_DELIVERY = "express_delivery", _("快递")
    FOOD_DELIVERY = "food_delivery", _("外卖配送")
    RIDE_HAILING = "ride_hailing", _("网约车")
    DOMESTIC_SERVICES = "domestic_services", _("家政")
    MANUFACTURING = "manufacturing", _("制造业")
    CONSTRUCTION = "construction", _("建筑业")
    OTHER = "other", _("其他")


class Role(models.TextChoices):
    INTAKE_CLERK = "intake_clerk", _("受理登记员")
    MEDIATOR = "mediator", _("调解员")
    STATION_ADMIN = "station_admin", _("调解站管理员")
    ARBITRATOR = "arbitrator", _("仲裁员")
    COURT_CLERK = "court_clerk", _("法院书记员")
    LEGAL_AID = "legal_aid", _("法律援助工作人员")
    OFFICIAL = "official", _("主管部门工作人员")
    EMPLOYMENT_OFFICER = "employment_officer", _("就业服务工作人员")
    COUNSELLOR = "counsellor", _("心理咨询工作人员")
