"""The demo city: a directory of stations and agencies in Wenzhou, their staff, and 200 cases in every state.

Guarantees (tested in ``tests/disputes/test_seed_demo.py``):

- Re-runnable. Regions and organizations are updated or created by code, staff by username (their password
  is reset to :data:`DEMO_PASSWORD`), and cases are topped up to :data:`DEMO_CASE_COUNT`: a demo case is
  recognised by its worker's keyed ID hash, so a second run creates none and cases filed by hand never count.
- Deterministic. Every name, number, amount, path and gap comes from ``random.Random(2026)``; only the dates
  move with the day the seeder runs (filings fall within the last ~150 days, nothing lies in the future).
- The real path. Each case is filed with :func:`disputes.services.case_create` and driven to its state by
  :func:`disputes.services.case_transition`, one call per step, as an actor the permission predicates allow,
  each backdated with ``at=``; so its history, deadlines and fields are what the live system would write.
- Fictional people. ID numbers are well formed (GB 11643 check digit) and phone numbers look real, so the
  seeded history does not publish notifications by default: see :func:`_notifications_held`.
"""

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from organizations.models import Membership, Organization, Region
from organizations.services import role_groups_ensure, staff_create
from organizations.states import Industry, MediationLegalType, OrgType, Role

from .models import Case
from .permissions import SYSTEM, WORKER
from .pii import keyed_hash
from .services import ClaimInput, case_create, case_transition
from .states import CaseStatus, Category, Channel, ConfirmationRoute, RejectReason, Service
from .validators import credit_code_check_char, id_number_check_digit
from .workdays import WorkingCalendar

S = CaseStatus
I = Industry  # noqa: E741
PMC = MediationLegalType.PEOPLES_MEDIATION_COMMITTEE

DEMO_PASSWORD = "onestop-demo-2026"  # published on purpose (README); production refuses to seed  # nosec B105
DEMO_CASE_COUNT = 200
SEED = 2026
WINDOW_DAYS = 150
SUPERUSER = "demo_admin"
BASE_URL = "http://127.0.0.1:8000"

# --- The directory ------------------------------------------------------------------------------------------
REGIONS = [
    ("wenzhou", "温州市", None),
    ("wenzhou-lucheng", "鹿城区", "wenzhou"),
    ("wenzhou-ouhai", "瓯海区", "wenzhou"),
]
LC, OH, WZ = "wenzhou-lucheng", "wenzhou-ouhai", "wenzhou"


@dataclass(frozen=True)
class OrgSpec:
    code: str
    name: str
    type: str
    region: str
    industry: str = ""
    parent: str | None = None
    legal_type: str = ""
    address: str = ""
    phone: str = ""

    @property
    def accepts_claims(self) -> bool:
        return self.type in OrgType.mediation_types()


_CITY = {LC: "温州市鹿城区", OH: "温州市瓯海区", WZ: "温州市鹿城区"}  # the city's own offices sit in Lucheng


def _org(code, name, type_, region, industry, parent, legal_type, address, phone) -> OrgSpec:
    address = f"{_CITY[region]}{address}（演示地址）"
    return OrgSpec(code, name, type_, region, industry, parent, legal_type, address, phone)


T = OrgType
TS = MediationLegalType.TOWNSHIP_STREET
# fmt: off
ORGANIZATIONS: list[OrgSpec] = [
    # Industry-association stations (registered as people's mediation committees) and their branch outlets.
    _org("lc-express", "鹿城区快递行业劳动争议调解站", T.INDUSTRY_STATION, LC, I.EXPRESS_DELIVERY, None, PMC,
         "车站大道 101 号", "0577-88100101"),
    _org("lc-express-wuma", "鹿城区快递行业调解站五马网点", T.BRANCH_OUTLET, LC, I.EXPRESS_DELIVERY,
         "lc-express", PMC, "五马街 12 号", "0577-88100102"),
    _org("lc-express-nanhui", "鹿城区快递行业调解站南汇网点", T.BRANCH_OUTLET, LC, I.EXPRESS_DELIVERY,
         "lc-express", PMC, "南汇路 66 号", "0577-88100103"),
    _org("oh-food", "瓯海区外卖配送行业劳动争议调解站", T.INDUSTRY_STATION, OH, I.FOOD_DELIVERY, None, PMC,
         "娄桥街道古岸路 8 号", "0577-88200201"),
    _org("oh-food-louqiao", "瓯海区外卖配送行业调解站娄桥网点", T.BRANCH_OUTLET, OH, I.FOOD_DELIVERY,
         "oh-food", PMC, "娄桥商贸街 3 号", "0577-88200202"),
    _org("lc-ride", "鹿城区网约车行业劳动争议调解站", T.INDUSTRY_STATION, LC, I.RIDE_HAILING, None, PMC,
         "双屿街道鹿城路 200 号", "0577-88100301"),
    _org("lc-ride-shuangyu", "鹿城区网约车行业调解站双屿网点", T.BRANCH_OUTLET, LC, I.RIDE_HAILING,
         "lc-ride", PMC, "双屿客运中心一楼", "0577-88100302"),
    _org("oh-domestic", "瓯海区家政服务行业劳动争议调解站", T.INDUSTRY_STATION, OH, I.DOMESTIC_SERVICES, None,
         PMC, "梧田街道南湖路 18 号", "0577-88200401"),
    _org("oh-domestic-nanbaixiang", "瓯海区家政服务行业调解站南白象网点", T.BRANCH_OUTLET, OH,
         I.DOMESTIC_SERVICES, "oh-domestic", PMC, "南白象街道社区服务中心", "0577-88200402"),
    # Government, union and people's mediation.
    _org("lc-gov", "鹿城区新业态劳动纠纷调解站", T.GOVERNMENT_STATION, LC, "", None, TS,
         "南汇街道矮凳桥 9 号", "0577-88100501"),
    _org("lc-union", "鹿城区总工会劳动争议调解委员会", T.UNION_COMMITTEE, LC, "", None, PMC,
         "学院中路 38 号", "0577-88100601"),
    _org("oh-pmc", "瓯海区劳动争议人民调解委员会", T.PEOPLES_MEDIATION, OH, "", None, PMC,
         "娄桥街道瓯海大道 500 号", "0577-88200701"),
    # Arbitration, courts, legal aid, police; the bureau and the federation, whose officials see the city.
    _org("wz-arb", "温州市劳动人事争议仲裁委员会", T.ARBITRATION_COMMISSION, WZ, "", None, "",
         "市府路 88 号", "0577-88000801"),
    _org("lc-court", "温州市鹿城区人民法院", T.COURT, LC, "", None, "", "府东路 1 号", "0577-88100901"),
    _org("oh-court", "温州市瓯海区人民法院", T.COURT, OH, "", None, "", "新城大道 99 号", "0577-88200901"),
    _org("wz-legal-aid", "温州市法律援助中心", T.LEGAL_AID, WZ, "", None, "",
         "江滨西路 2 号", "0577-88001001"),
    _org("wz-employment", "温州市就业服务中心", T.EMPLOYMENT_SERVICE, WZ, "", None, "",
         "人民西路 9 号", "0577-88001401"),
    _org("wz-counselling", "温州市职工心理关爱服务中心", T.COUNSELLING, WZ, "", None, "",
         "学院中路 100 号三楼", "0577-88001501"),
    _org("lc-police-wuma", "温州市公安局鹿城区分局五马派出所", T.POLICE_STATION, LC, "", None, "",
         "公园路 7 号", "0577-88101101"),
    _org("wz-hrb", "温州市人力资源和社会保障局", T.HR_BUREAU, WZ, "", None, "",
         "市府路 500 号", "0577-88001201"),
    _org("wz-union-fed", "温州市总工会", T.UNION_FEDERATION, WZ, "", None, "",
         "学院中路 100 号", "0577-88001301"),
]
# fmt: on
ORG_BY_CODE = {o.code: o for o in ORGANIZATIONS}

R = Role
# (username, role, organization code, full name)
STAFF: list[tuple[str, str, str, str]] = [
    ("admin_express", R.STATION_ADMIN, "lc-express", "陈建国"),
    ("mediator_express", R.MEDIATOR, "lc-express", "林晓燕"),
    ("mediator_express2", R.MEDIATOR, "lc-express", "黄志强"),
    ("mediator_wuma", R.MEDIATOR, "lc-express-wuma", "周丽娟"),
    ("admin_food", R.STATION_ADMIN, "oh-food", "王海涛"),
    ("mediator_food", R.MEDIATOR, "oh-food", "郑雅文"),
    ("mediator_louqiao", R.MEDIATOR, "oh-food-louqiao", "潘卫东"),
    ("admin_ride", R.STATION_ADMIN, "lc-ride", "金伟民"),
    ("mediator_ride", R.MEDIATOR, "lc-ride", "李国平"),
    ("admin_domestic", R.STATION_ADMIN, "oh-domestic", "吴秀英"),
    ("mediator_domestic", R.MEDIATOR, "oh-domestic", "叶美华"),
    ("admin_gov", R.STATION_ADMIN, "lc-gov", "胡志刚"),
    ("mediator_gov", R.MEDIATOR, "lc-gov", "蔡丽萍"),
    ("clerk_gov", R.INTAKE_CLERK, "lc-gov", "徐佳琪"),
    ("admin_union", R.STATION_ADMIN, "lc-union", "朱海燕"),
    ("mediator_union", R.MEDIATOR, "lc-union", "章建平"),
    ("clerk_hotline", R.INTAKE_CLERK, "wz-union-fed", "董晓敏"),
    ("admin_pmc", R.STATION_ADMIN, "oh-pmc", "池永康"),
    ("mediator_pmc", R.MEDIATOR, "oh-pmc", "季红梅"),
    ("arbitrator", R.ARBITRATOR, "wz-arb", "孙建华"),
    ("court_clerk", R.COURT_CLERK, "lc-court", "姜文静"),
    ("court_clerk_oh", R.COURT_CLERK, "oh-court", "厉晓东"),
    ("legal_aid", R.LEGAL_AID, "wz-legal-aid", "何志明"),
    ("employment", R.EMPLOYMENT_OFFICER, "wz-employment", "邵晓峰"),
    ("counsellor", R.COUNSELLOR, "wz-counselling", "钱静怡"),
    ("official_hrb", R.OFFICIAL, "wz-hrb", "谢国强"),
    ("official_union", R.OFFICIAL, "wz-union-fed", "马晓红"),
]


def _by_role(role: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for username, r, org, _name in STAFF:
        if r == role:
            result.setdefault(org, []).append(username)
    return result


MEDIATORS = _by_role(R.MEDIATOR)
ADMINS = {org: users[0] for org, users in _by_role(R.STATION_ADMIN).items()}
COURT_CLERKS = {org: users[0] for org, users in _by_role(R.COURT_CLERK).items()}
COMMISSION = "wz-arb"
COURT_OF_REGION = {LC: "lc-court", OH: "oh-court"}
INDUSTRY_STATION = {
    I.EXPRESS_DELIVERY: "lc-express",
    I.FOOD_DELIVERY: "oh-food",
    I.RIDE_HAILING: "lc-ride",
    I.DOMESTIC_SERVICES: "oh-domestic",
}
GENERAL_STATIONS = ["lc-union", "oh-pmc", "lc-union", "oh-pmc", "lc-gov"]
# Branches a station dispatches to: only those with a mediator of their own, who then takes the case.
DISPATCH_TO = {"lc-express": "lc-express-wuma", "oh-food": "oh-food-louqiao"}


def _top(code: str) -> str:
    """The station itself, or the station above a branch outlet."""
    return ORG_BY_CODE[code].parent or code


# --- How many cases in each state (all 15; sums to 200) -----------------------------------------------------
STATE_COUNTS: dict[str, int] = {
    S.CLOSED: 60,
    S.IN_MEDIATION: 15,
    S.FULFILLED: 14,
    S.ARBITRATION_ACCEPTED: 14,
    S.WITHDRAWN: 13,
    S.AGREEMENT_REACHED: 11,
    S.REJECTED: 11,
    S.ASSIGNED: 9,
    S.CONFIRMED: 9,
    S.CONFIRMATION_REQUESTED: 8,
    S.MEDIATION_FAILED: 8,
    S.REFERRED_TO_ARBITRATION: 8,
    S.ENFORCEMENT: 8,
    S.ACCEPTED: 7,
    S.SUBMITTED: 5,
}
# How long (days, at most) a case has sat in an open state since its last step: short for the early states, so
# the demo is not all overdue; a few in_mediation and referred cases run past their legal deadline on purpose.
MAX_DWELL_DAYS: dict[str, float] = {
    S.SUBMITTED: 0.8,
    S.ASSIGNED: 3,
    S.ACCEPTED: 4,
    S.IN_MEDIATION: 18,
    S.AGREEMENT_REACHED: 25,  # paid in instalments
    S.CONFIRMATION_REQUESTED: 10,
    S.CONFIRMED: 30,
    S.ENFORCEMENT: 90,
    S.FULFILLED: 15,
    S.MEDIATION_FAILED: 12,
    S.REFERRED_TO_ARBITRATION: 7,
    S.ARBITRATION_ACCEPTED: 45,
}

CHANNEL_WEIGHTS = {
    Channel.QR_WEB: 44,
    Channel.HOTLINE: 14,
    Channel.WALK_IN: 14,
    Channel.POLICE_REFERRAL: 5,
    Channel.COURT_REFERRAL: 5,
    Channel.INSPECTION_REFERRAL: 6,
    Channel.PLATFORM_API: 6,
    Channel.RISK_REPORT: 6,
}
# Who records a claim that came in by each channel, and from which organization (None: the worker, a system).
CHANNEL_INTAKE: dict[str, tuple[str, str | None]] = {
    Channel.QR_WEB: ("worker", None),
    Channel.HOTLINE: ("clerk_hotline", "wz-union-fed"),
    Channel.WALK_IN: ("clerk_gov", "lc-gov"),
    Channel.POLICE_REFERRAL: ("system", "lc-police-wuma"),
    Channel.COURT_REFERRAL: ("court_clerk", "lc-court"),
    Channel.INSPECTION_REFERRAL: ("system", "wz-hrb"),
    Channel.PLATFORM_API: ("system", None),
    Channel.RISK_REPORT: ("system", "lc-gov"),
}
INDUSTRY_WEIGHTS = {
    I.EXPRESS_DELIVERY: 25,
    I.FOOD_DELIVERY: 25,
    I.RIDE_HAILING: 14,
    I.DOMESTIC_SERVICES: 13,
    I.MANUFACTURING: 11,
    I.CONSTRUCTION: 8,
    I.OTHER: 4,
}

# --- People and employers -----------------------------------------------------------------------------------
SURNAMES = (
    "陈林黄王李张刘吴周徐郑潘叶金胡朱杨赵孙何谢蔡池章董季厉包应高罗梁宋唐许邓冯曾彭萧蒋余杜戴夏钟汪田任姜范方石姚谭廖邹"
    "熊陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
# fmt: off
GIVEN_MALE = [
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平",
    "辉", "鹏", "华", "飞", "建华", "志强", "国庆", "海波", "晓东", "建军", "文斌", "永康",
    "子豪", "浩然", "宇航", "俊杰", "家豪", "志明", "立新", "正阳", "德福", "国栋", "春生", "明亮",
    "大勇", "小龙", "振宇", "成林", "金龙", "海峰", "向阳", "旭东", "光荣",
]
GIVEN_FEMALE = [
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "萍",
    "红", "秀英", "桂兰", "美玲", "晓燕", "丽华", "海燕", "春梅", "玉兰", "雪梅", "佳怡", "欣怡",
    "思琪", "雅婷", "梦瑶", "秀芳", "小红", "翠花", "月娥", "金凤", "凤英", "慧敏", "淑珍", "彩霞",
]
# 3303xx: the districts and counties of Wenzhou.
ID_PREFIXES = [
    "330302", "330303", "330304", "330305", "330324", "330326", "330327", "330328", "330329", "330381",
    "330382", "330383",
]
MOBILE_PREFIXES = [
    "133", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159",
    "166", "177", "180", "182", "183", "185", "187", "188", "189", "198", "199",
]
# fmt: on
# Ages (min, max) and the share of women, per industry.
AGES = {
    I.EXPRESS_DELIVERY: (20, 48, 0.12),
    I.FOOD_DELIVERY: (19, 45, 0.1),
    I.RIDE_HAILING: (25, 55, 0.06),
    I.DOMESTIC_SERVICES: (32, 60, 0.9),
    I.MANUFACTURING: (19, 55, 0.45),
    I.CONSTRUCTION: (25, 60, 0.05),
    I.OTHER: (19, 55, 0.5),
}

# Fictional employers: (name, kind). Kinds: company, platform, agency (labor-service or dispatch), individual.
EMPLOYERS: dict[str, list[tuple[str, str]]] = {
    I.EXPRESS_DELIVERY: [
        ("温州市鹿城区顺达速运有限公司", "company"),
        ("温州市瓯海区迅邦快递服务有限公司", "company"),
        ("温州捷运通物流有限公司", "company"),
        ("温州市鹿城区百川快递服务部", "company"),
        ("浙江驿达供应链管理有限公司温州分公司", "company"),
        ("温州市鹿城区鸿运人力资源服务有限公司", "agency"),
    ],
    I.FOOD_DELIVERY: [
        ("浙江食速达网络科技有限公司", "platform"),
        ("温州市瓯海区骑速配送服务有限公司", "company"),
        ("温州飞鸽即时配送有限公司", "company"),
        ("浙江众邦优选人力资源有限公司温州分公司", "agency"),
        ("温州市瓯海区乐送餐饮配送站", "company"),
    ],
    I.RIDE_HAILING: [
        ("浙江易行出行科技有限公司温州分公司", "platform"),
        ("温州市畅行网约车服务有限公司", "company"),
        ("温州市鹿城区顺风汽车租赁有限公司", "company"),
        ("温州瓯江约车服务有限公司", "company"),
    ],
    I.DOMESTIC_SERVICES: [
        ("温州市瓯海区安心家政服务有限公司", "company"),
        ("温州好帮手家政服务有限公司", "company"),
        ("温州市鹿城区月满月嫂服务中心", "company"),
        ("浙江到家帮网络科技有限公司", "platform"),
    ],
    I.MANUFACTURING: [
        ("温州市瓯海区鑫达鞋业有限公司", "company"),
        ("温州市鹿城区东瓯眼镜制造有限公司", "company"),
        ("温州市瓯海区精工阀门有限公司", "company"),
        ("温州市鹿城区华泰服装有限公司", "company"),
        ("温州市瓯海区锦程劳务派遣有限公司", "agency"),
    ],
    I.CONSTRUCTION: [
        ("温州市鹿城区宏建建筑劳务有限公司", "company"),
        ("浙江瓯江建设工程有限公司温州分公司", "company"),
        ("温州市瓯海区恒基装饰工程有限公司", "company"),
        ("包工头郑某某（个人）", "individual"),
    ],
    I.OTHER: [
        ("温州市鹿城区聚鑫餐饮管理有限公司", "company"),
        ("温州市瓯海区优选人力资源服务有限公司", "agency"),
        ("温州市鹿城区安泰物业服务有限公司", "company"),
    ],
}
GROUP_EMPLOYER = "温州市瓯海区鑫达鞋业有限公司"

JOBS = {
    I.EXPRESS_DELIVERY: ["快递派送员", "快递分拣员", "快递揽收员"],
    I.FOOD_DELIVERY: ["外卖专送骑手", "外卖众包骑手", "外卖配送员"],
    I.RIDE_HAILING: ["网约车司机", "网约车专职司机"],
    I.DOMESTIC_SERVICES: ["家政服务员", "育婴员", "住家保姆", "保洁员", "月嫂"],
    I.MANUFACTURING: ["车间操作工", "流水线工人", "质检员", "仓库管理员"],
    I.CONSTRUCTION: ["钢筋工", "木工", "泥水工", "架子工"],
    I.OTHER: ["餐厅服务员", "保安", "物业保洁员"],
}
# (the boss, where an injury happens, the deposit held back, the excuse for not paying, dismissal pretexts)
CONTEXT = {
    I.EXPRESS_DELIVERY: (
        "站点负责人",
        "派件途中骑电动三轮车",
        "电动三轮车和巴枪",
        "总部结算款还没到账",
        ["派件时效考核不达标", "客户投诉过多", "旺季后网点要减员"],
    ),
    I.FOOD_DELIVERY: (
        "配送站站长",
        "送餐途中",
        "电动车和餐箱",
        "平台补贴还没发下来",
        ["超时单太多", "拒绝接受调度", "差评率偏高"],
    ),
    I.RIDE_HAILING: (
        "车队队长",
        "接送乘客途中",
        "营运车辆",
        "车辆租金还没结清",
        ["乘客评分低于标准", "未完成月度流水任务"],
    ),
    I.DOMESTIC_SERVICES: (
        "公司负责人",
        "在客户家中擦窗时",
        "工作服和工具",
        "客户还没把钱打过来",
        ["客户对服务不满意", "年纪大了不适合再派单"],
    ),
    I.MANUFACTURING: (
        "车间主任",
        "操作冲床时",
        "宿舍",
        "订单回款太慢",
        ["订单减少需要裁员", "试用期不符合录用条件"],
    ),
    I.CONSTRUCTION: (
        "包工头",
        "在工地高处作业时",
        "工具",
        "上面的工程款还没结算",
        ["工程已经结束", "手上没活了"],
    ),
    I.OTHER: ("店长", "搬运货物时", "工作服", "这几个月生意不好", ["店铺装修停业", "不服从排班"]),
}
INJURIES = [
    "右手桡骨骨折",
    "左腿胫骨骨折",
    "腰椎压缩性骨折",
    "右手食指离断伤",
    "左锁骨骨折",
    "多处软组织挫伤",
]
EXCUSE_WITHDRAW = [
    "已与公司自行协商解决，撤回申请。",
    "公司已将拖欠的工资转账支付，撤回申请。",
    "家中有事返乡，暂不主张，撤回申请。",
    "准备委托律师另行处理，撤回本次调解申请。",
]
# Claims a station rejects: (facts, or a sentence added to the facts; the station's note). {name} {employer}
# {amount} are filled in.
NOT_LABOR = [
    (
        "本人{name}从{employer}负责人处购买二手电动车一辆，车辆多次出现故障，要求退还购车款{amount}元。",
        "申请事项为二手车买卖纠纷，不属于劳动争议，已告知可向消费者协会投诉或向人民法院起诉。",
    ),
    (
        "本人{name}借给{employer}负责人个人{amount}元，约定三个月归还，至今未还，请求帮助追回。",
        "申请事项为个人之间的借款纠纷，不属于劳动争议，已引导至所在地人民调解委员会。",
    ),
]
OUTSIDE = [
    (
        "本人实际工作地点在江西省上饶市广丰区，由当地站点管理。",
        "劳动合同履行地在外省，已告知向履行地的调解组织或仲裁委员会申请。",
    ),
    ("本人实际工作地点在乐清市柳市镇。", "争议发生在乐清市，已告知向乐清市相关调解组织申请。"),
]
DUPLICATE_NOTE = "同一申请人就同一事项已提交申请且正在调解中，本次申请作重复处理。"
AGREEMENT_NOTES = [
    "经调解双方自愿达成协议，用人单位分期支付。",
    "经调解双方达成协议，用人单位于十日内一次性支付。",
    "经背靠背调解，双方各让一步，达成调解协议。",
]
FAILURE_REASONS = [
    "用人单位经两次通知均未到场参加调解，调解不成。",
    "双方对解除原因和补偿金额分歧较大，经三次调解未能达成一致。",
    "用人单位否认存在劳动关系，不同意调解。",
    "调解期限已满，双方未达成协议，告知申请人可申请劳动仲裁。",
]
REFUSE_REASONS = [
    "调解协议约定的支付期限不明确，不予确认，请补正后重新申请。",
    "协议一方未到场确认签字，不予确认。",
]
ARBITRATION_OUTCOMES = [
    ("裁决支持申请人部分仲裁请求", True),
    ("仲裁庭主持调解，双方达成调解协议，出具仲裁调解书", True),
    ("裁决支持申请人全部仲裁请求", True),
    ("申请人撤回仲裁申请", False),
]
DECLINE_REASONS = [
    "申请人的请求不属于劳动人事争议处理范围，不予受理。",
    "申请人未在补正期限内补正材料，视为撤回申请，不予受理。",
]


# --- Identity numbers ---------------------------------------------------------------------------------------
def id_number(*, prefix: str, birth: date, sequence: int, male: bool) -> str:
    """A well-formed 18-digit ID number; the 17th digit is odd for a man and even for a woman."""
    gender = sequence % 10
    gender = gender if (gender % 2 == 1) == male else (gender + 1) % 10
    first17 = f"{prefix}{birth:%Y%m%d}{sequence // 10:02d}{gender}"
    return first17 + id_number_check_digit(first17)


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORGCODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def credit_code(rng: random.Random, *, division: str) -> str:
    """A well-formed unified social credit code (GB 32100-2015), its organization code well formed too."""
    body = "MA2" + "".join(rng.choice(_USCC_CHARS[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(5))
    value = sum(int(ch, 36) * w for ch, w in zip(body, _ORGCODE_WEIGHTS, strict=True))
    c = 11 - value % 11
    org_code = body + ("X" if c == 10 else "0" if c == 11 else str(c))
    first17 = f"91{division}{org_code}"
    return first17 + credit_code_check_char(first17)


def _division(name: str) -> str:
    if "鹿城区" in name:
        return "330302"
    if "瓯海区" in name:
        return "330304"
    if name.startswith("温州"):
        return "330300"
    return "330000"


# --- The plan: what each demo case is and the steps that lead it to its state -------------------------------
@dataclass(frozen=True)
class OrgRef:
    code: str


@dataclass(frozen=True)
class UserRef:
    username: str


@dataclass
class Step:
    name: str
    actor: str  # "system", "worker" or a staff username
    gap_hours: float  # after the previous step, before moving it into the actor's hours
    clock: str  # "system" (any time), "worker" (waking hours) or "staff" (working hours of working days)
    tod: float  # where in the actor's hours a moved step lands, 0..1
    payload: dict = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Job:
    """The worker's job as the facts tell it; amounts claimed follow from it. Days count back from filing."""

    title: str
    monthly: int
    tenure_days: int
    unpaid_months: int
    still_employed: bool
    ended_days: int | None
    incident_days: int  # a dismissal, or an injury


@dataclass
class CaseSpec:
    index: int
    target: str
    channel: str
    industry: str
    worker_name: str
    worker_id_number: str
    worker_phone: str
    employer_name: str
    employer_credit_code: str
    claims: list[ClaimInput]
    facts: str  # may hold {date:N} placeholders: the date N days before filing
    job: Job
    services: list[str]
    home_station: str  # where the case is mediated (after a transfer), which gives its region
    chosen_station: str | None
    intake_actor: str
    intake_org: str | None
    knowledge_days: int | None
    ended_days: int | None
    still_employed: bool
    confidential: bool
    steps: list[Step]
    intake_tod: float
    dwell_fraction: float
    filed_days_ago: float | None = None


def _round_down(amount: Decimal, unit: int = 100) -> Decimal:
    return (amount // unit * unit).quantize(Decimal("0.01"))


def _yuan(value: float) -> Decimal:
    return Decimal(round(value)).quantize(Decimal("0.01"))


MONTHLY_PAY = {  # yuan a month, (low, high)
    I.EXPRESS_DELIVERY: (5500, 9000),
    I.FOOD_DELIVERY: (5000, 9500),
    I.RIDE_HAILING: (6000, 11000),
    I.DOMESTIC_SERVICES: (4500, 8000),
    I.MANUFACTURING: (4500, 7500),
    I.CONSTRUCTION: (7000, 12000),
    I.OTHER: (3800, 6000),
}
# Weighted categories per industry: platform work brings labor-relationship and injury claims, factories
# overtime.
CATEGORY_WEIGHTS = {
    I.EXPRESS_DELIVERY: {
        "wages": 10,
        "overtime": 3,
        "dismissal": 4,
        "compensation": 2,
        "social_insurance": 2,
        "work_injury": 3,
        "labor_relationship": 3,
        "other": 2,
    },
    I.FOOD_DELIVERY: {
        "wages": 8,
        "overtime": 1,
        "dismissal": 3,
        "compensation": 1,
        "social_insurance": 2,
        "work_injury": 5,
        "labor_relationship": 5,
        "other": 3,
    },
    I.RIDE_HAILING: {
        "wages": 6,
        "dismissal": 3,
        "compensation": 1,
        "social_insurance": 2,
        "work_injury": 2,
        "labor_relationship": 5,
        "other": 4,
    },
    I.DOMESTIC_SERVICES: {
        "wages": 10,
        "overtime": 2,
        "dismissal": 3,
        "compensation": 2,
        "social_insurance": 2,
        "work_injury": 2,
        "labor_relationship": 2,
        "other": 2,
    },
    I.MANUFACTURING: {
        "wages": 10,
        "overtime": 6,
        "dismissal": 4,
        "compensation": 4,
        "social_insurance": 4,
        "work_injury": 3,
        "other": 1,
    },
    I.CONSTRUCTION: {
        "wages": 14,
        "overtime": 1,
        "dismissal": 1,
        "compensation": 1,
        "social_insurance": 1,
        "work_injury": 5,
        "labor_relationship": 2,
    },
    I.OTHER: {
        "wages": 8,
        "overtime": 3,
        "dismissal": 3,
        "compensation": 3,
        "social_insurance": 2,
        "other": 2,
    },
}


def _weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _facts(
    rng: random.Random, *, industry: str, employer: str, claims: list[ClaimInput], name: str, job: Job
) -> str:
    """Facts as a worker tells them; ``{date:N}``/``{month:N}`` stand for N days before filing."""
    boss, injury_place, deposit, excuse, pretexts = CONTEXT[industry]
    pay = (
        "按单计酬，每单{}元，月收入约{}元".format(rng.choice(["3.5", "4", "4.5", "5", "6"]), job.monthly)
        if industry in (I.EXPRESS_DELIVERY, I.FOOD_DELIVERY)
        else f"约定月工资{job.monthly}元"
    )
    parts = [f"本人{name}自{{month:{job.tenure_days}}}起在{employer}从事{job.title}工作，{pay}。"]
    for claim in claims:
        amount = f"{claim.amount}"
        match claim.category:
            case Category.WAGES:
                parts.append(
                    f"{{month:{30 * job.unpaid_months + (job.ended_days or 0) + 10}}}起"
                    f"共{job.unpaid_months}个月工资未发放，合计{amount}元，本人多次向{boss}催讨，对方一直以“{excuse}”为由拖延。"
                )
            case Category.OVERTIME:
                parts.append(
                    f"工作期间每天工作约{rng.randint(10, 13)}小时，每月仅休息{rng.randint(1, 3)}天，"
                    f"公司从未支付加班工资，要求支付加班费{amount}元。"
                )
            case Category.DISMISSAL:
                parts.append(
                    f"{{date:{job.incident_days}}}，{boss}以“{rng.choice(pretexts)}”为由口头通知本人不用再来上班，"
                    f"未提前三十日书面通知，也未说明依据，本人认为属违法解除，要求支付赔偿金{amount}元。"
                )
            case Category.COMPENSATION:
                parts.append(
                    f"因公司长期未足额支付劳动报酬，本人于{{date:{job.ended_days or 10}}}"
                    "书面通知解除劳动合同，"
                    f"要求支付经济补偿{amount}元，公司拒绝。"
                )
            case Category.SOCIAL_INSURANCE:
                parts.append(
                    f"入职以来公司未为本人缴纳社会保险，只是每月发放{rng.choice([200, 300, 400])}元补贴，"
                    f"要求补缴或赔偿损失{amount}元。"
                )
            case Category.WORK_INJURY:
                parts.append(
                    f"{{date:{job.incident_days}}}本人{injury_place}受伤，经医院诊断为{rng.choice(INJURIES)}，"
                    f"住院{rng.randint(6, 30)}天，公司仅垫付部分医疗费，"
                    f"要求支付医疗费、停工留薪期工资等共计{amount}元。"
                )
            case Category.LABOR_RELATIONSHIP:
                parts.append(
                    "公司称双方是“合作关系”，不承认劳动关系；但本人接受公司排班、考勤和奖惩管理，"
                    "工作服和设备由公司统一配发，报酬按月发放，请求确认双方存在劳动关系。"
                )
            case _:
                parts.append(f"离职时公司扣押{deposit}押金{amount}元不予退还。")
    parts.append("请求依法调解，维护本人合法权益。")
    return "".join(parts)


def _station_plan(rng: random.Random, industry: str, target: str) -> tuple[str, str | None, str | None]:
    """(the station triage picks, the station it is transferred to, the branch it is dispatched to)."""
    home = INDUSTRY_STATION.get(industry) or rng.choice(GENERAL_STATIONS)
    transfer_to = dispatch = None
    if target in (S.SUBMITTED,):
        return home, None, None
    if industry in INDUSTRY_STATION and rng.random() < 0.12:
        # The government one-stop station receives it first and hands it to the industry station.
        transfer_to, first = home, "lc-gov"
    else:
        first = home
    if home in DISPATCH_TO and target != S.REJECTED and rng.random() < 0.35:
        dispatch = DISPATCH_TO[home]
    return first, transfer_to, dispatch


class _Planner:
    """Draws one case's steps towards its target state; every random draw happens here, none at run time."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.steps: list[Step] = []

    def add(self, name, actor, low_h, high_h, clock="staff", note="", **payload):
        self.steps.append(
            Step(name, actor, self.rng.uniform(low_h, high_h), clock, self.rng.random(), payload, note)
        )


def _plan_steps(rng, index, *, target, claims, first, transfer_to, dispatch, reject):
    p = _Planner(rng)
    station = first
    amount_claimed = sum((c.amount for c in claims), Decimal("0"))
    has_relationship = any(c.category == Category.LABOR_RELATIONSHIP for c in claims)
    state = {"agreed": None, "handling": None}

    def mediator():
        return rng.choice(MEDIATORS[station])

    def assigned(to_reject=False):
        nonlocal station
        p.add("triage", "system", 0.05, 2.5, clock="system", station=OrgRef(first))
        if transfer_to:
            p.add(
                "transfer",
                ADMINS[first],
                2,
                30,
                station=OrgRef(transfer_to),
                note="属新就业形态行业纠纷，转行业调解站办理。",
            )
            station = transfer_to
        if dispatch and not to_reject:
            p.add(
                "dispatch_to_branch",
                ADMINS[_top(station)],
                1,
                20,
                branch=OrgRef(dispatch),
                note="就近派至网点调解。",
            )
            station = dispatch

    def accepted():
        assigned()
        chosen = mediator()
        actor = rng.choice([chosen, ADMINS[_top(station)]])
        p.add("accept", actor, 2, 60, mediator=UserRef(chosen), note="材料齐全，予以受理。")
        state["mediator"] = chosen

    def in_mediation():
        accepted()
        p.add("start_mediation", state["mediator"], 1, 72, note="已电话通知用人单位，约定到站调解。")

    def agreement():
        in_mediation()
        agreed = _round_down(amount_claimed * Decimal(str(rng.uniform(0.55, 1.0))))
        agreed = max(agreed, Decimal("500.00"))
        state["agreed"] = agreed
        p.add(
            "record_agreement",
            state["mediator"],
            24,
            14 * 24,
            amount_agreed=agreed,
            note=rng.choice(AGREEMENT_NOTES),
        )

    def confirmation_requested():
        agreement()
        top = ORG_BY_CODE[_top(station)]
        judicial_ok = top.legal_type == PMC and not has_relationship
        route = (
            ConfirmationRoute.JUDICIAL_CONFIRMATION
            if judicial_ok and rng.random() < 0.5
            else ConfirmationRoute.ARBITRATION_REVIEW
        )
        handling = (
            COURT_OF_REGION[top.region] if route == ConfirmationRoute.JUDICIAL_CONFIRMATION else COMMISSION
        )
        state["handling"] = handling
        p.add(
            "request_confirmation",
            state["mediator"],
            24,
            10 * 24,
            route=str(route),
            organization=OrgRef(handling),
            note="双方共同申请确认调解协议。",
        )

    def reviewer():
        return "arbitrator" if state["handling"] == COMMISSION else COURT_CLERKS[state["handling"]]

    def document_number():
        if state["handling"] == COMMISSION:
            return f"温劳人仲调字〔{{year}}〕第{300 + index}号"
        court_no = "0302" if state["handling"] == "lc-court" else "0304"
        return f"（{{year}}）浙{court_no}民特{400 + index}号"

    def confirmed():
        confirmation_requested()
        p.add(
            "confirm",
            reviewer(),
            48,
            9 * 24,
            document_number=document_number(),
            note="经审查，协议合法有效，予以确认。",
        )

    def enforcement():
        confirmed()
        court = COURT_OF_REGION[ORG_BY_CODE[_top(station)].region]
        state["court"] = court
        court_no = "0302" if court == "lc-court" else "0304"
        p.add(
            "open_enforcement",
            state["mediator"],
            10 * 24,
            25 * 24,
            court=OrgRef(court),
            enforcement_number=f"（{{year}}）浙{court_no}执{600 + index}号",
            note="用人单位逾期未履行，劳动者申请强制执行。",
        )

    def fulfilled():
        if rng.random() < 0.3:
            confirmed()
        else:
            agreement()
        p.add(
            "record_fulfilment",
            state["mediator"],
            3 * 24,
            30 * 24,
            amount_paid=state["agreed"],
            note="劳动者确认款项已全部到账。",
        )

    def failed():
        in_mediation()
        reason = rng.choice(FAILURE_REASONS)
        p.add("record_failure", state["mediator"], 3 * 24, 15 * 24, reason=reason, note=reason)

    def referred():
        roll = rng.random()
        if roll < 0.6:
            failed()
        elif roll < 0.7:
            pass  # straight from the intake: mediation is optional
        elif roll < 0.8:
            assigned()
        elif roll < 0.87:
            accepted()
        else:
            in_mediation()
        state["handling"] = COMMISSION
        p.add(
            "refer_to_arbitration",
            "worker",
            6,
            8 * 24,
            clock="worker",
            commission=OrgRef(COMMISSION),
            note="本人申请转劳动仲裁。",
        )

    def arbitration_accepted():
        referred()
        p.add(
            "accept_arbitration",
            "arbitrator",
            20,
            5 * 24,
            arbitration_number=f"温劳人仲案字〔{{year}}〕第{1000 + index}号",
            note="符合受理条件，予以立案。",
        )

    def agreement_reached():
        agreement()
        if not has_relationship and rng.random() < 0.2:
            confirmation_requested_after_agreement()

    def confirmation_requested_after_agreement():
        top = ORG_BY_CODE[_top(station)]
        state["handling"] = COMMISSION
        p.add(
            "request_confirmation",
            state["mediator"],
            24,
            10 * 24,
            route=str(ConfirmationRoute.ARBITRATION_REVIEW),
            organization=OrgRef(COMMISSION),
            note=f"{top.name}协助双方申请仲裁审查确认。",
        )
        reason = rng.choice(REFUSE_REASONS)
        p.add("refuse_confirmation", "arbitrator", 48, 8 * 24, reason=reason, note=reason)

    match target:
        case S.SUBMITTED:
            pass
        case S.ASSIGNED:
            assigned()
        case S.REJECTED:
            assigned(to_reject=True)
            reason, note = reject
            p.add(
                "reject",
                ADMINS[_top(station)],
                3,
                48,
                reason=str(RejectReason(reason).label),
                note=note,
            )
        case S.ACCEPTED:
            accepted()
        case S.IN_MEDIATION:
            in_mediation()
        case S.AGREEMENT_REACHED:
            agreement_reached()
        case S.CONFIRMATION_REQUESTED:
            confirmation_requested()
        case S.CONFIRMED:
            confirmed()
        case S.ENFORCEMENT:
            enforcement()
        case S.FULFILLED:
            fulfilled()
        case S.MEDIATION_FAILED:
            failed()
        case S.REFERRED_TO_ARBITRATION:
            referred()
        case S.ARBITRATION_ACCEPTED:
            arbitration_accepted()
        case S.WITHDRAWN:
            source = _weighted(rng, {S.SUBMITTED: 1, S.ASSIGNED: 3, S.ACCEPTED: 2, S.IN_MEDIATION: 4})
            {
                S.SUBMITTED: lambda: None,
                S.ASSIGNED: assigned,
                S.ACCEPTED: accepted,
                S.IN_MEDIATION: in_mediation,
            }[source]()
            reason = rng.choice(EXCUSE_WITHDRAW)
            p.add("withdraw", "worker", 12, 12 * 24, clock="worker", reason=reason, note=reason)
        case S.CLOSED:
            way = _weighted(rng, {"fulfilled": 45, "arbitration": 25, "enforcement": 12, "declined": 6})
            if way == "fulfilled":
                fulfilled()
                p.add("close", state["mediator"], 12, 5 * 24, note="协议履行完毕，结案归档。")
            elif way == "enforcement":
                enforcement()
                recovered = _round_down(state["agreed"] * Decimal(str(rng.choice([1, 1, 1, 0.8, 0.6]))))
                p.add(
                    "close_enforcement",
                    COURT_CLERKS[state["court"]],
                    20 * 24,
                    60 * 24,
                    amount_recovered=recovered,
                    note="执行款已发放申请人，执行终结。",
                )
            elif way == "declined":
                referred()
                reason = rng.choice(DECLINE_REASONS)
                p.add("decline_arbitration", "arbitrator", 20, 5 * 24, reason=reason, note=reason)
            else:
                arbitration_accepted()
                outcome, pays = rng.choice(ARBITRATION_OUTCOMES)
                awarded = _round_down(amount_claimed * Decimal(str(rng.uniform(0.5, 1.0)))) if pays else None
                # Small claims (up to 12 months of the minimum wage) end in a final award (LDMAL Art. 47).
                is_final = bool(pays and amount_claimed <= 29880 and rng.random() < 0.8)
                p.add(
                    "close_arbitration",
                    "arbitrator",
                    20 * 24,
                    45 * 24,
                    outcome=outcome,
                    amount_awarded=awarded,
                    is_final=is_final,
                    note=outcome,
                )
        case _:
            raise ValueError(target)
    return p.steps


def _categories(rng: random.Random, industry: str, *, no_relationship: bool, only_wages: bool) -> list[str]:
    weights = dict(CATEGORY_WEIGHTS[industry])
    if no_relationship:
        weights.pop(Category.LABOR_RELATIONSHIP, None)
    if only_wages:
        return [Category.WAGES]
    count = _weighted(rng, {1: 5, 2: 4, 3: 1})
    categories: list[str] = []
    while len(categories) < min(count, len(weights)):
        category = _weighted(rng, weights)
        if category not in categories:
            categories.append(category)
    if categories == [Category.LABOR_RELATIONSHIP]:
        categories.append(Category.WAGES)  # the relationship is asked for so that something can be claimed
    return categories


def _job(rng: random.Random, industry: str, categories: list[str]) -> Job:
    low, high = MONTHLY_PAY[industry]
    still = (
        set(categories) <= {Category.WAGES, Category.OVERTIME, Category.SOCIAL_INSURANCE}
        and rng.random() < 0.4
    )
    ended = None if still else rng.randint(6, 75)
    return Job(
        title=rng.choice(JOBS[industry]),
        monthly=rng.randrange(low, high, 100),
        tenure_days=rng.randint(150, 1800),
        unpaid_months=rng.randint(1, 4),
        still_employed=still,
        ended_days=ended,
        incident_days=ended if ended and Category.DISMISSAL in categories else rng.randint(25, 140),
    )


def _claims(rng: random.Random, categories: list[str], job: Job) -> list[ClaimInput]:
    """Amounts as a worker would compute them from the pay and the years worked (LCL Arts. 47 and 87)."""
    years = min(max(round(job.tenure_days / 365 * 2) / 2, 0.5), 12)  # N, by half years, capped
    amounts = {
        Category.WAGES: job.monthly * job.unpaid_months * rng.uniform(0.85, 1.0),
        Category.OVERTIME: job.monthly * rng.uniform(0.3, 1.6),
        Category.DISMISSAL: job.monthly * years * 2,
        Category.COMPENSATION: job.monthly * years,
        Category.SOCIAL_INSURANCE: job.monthly * rng.uniform(0.6, 2.5),
        Category.WORK_INJURY: rng.uniform(12000, 160000),
        Category.LABOR_RELATIONSHIP: 0,
        Category.OTHER: rng.choice([500, 800, 1000, 1500, 2000, 3000]),
    }
    return [ClaimInput(category=c, amount=_yuan(amounts[c])) for c in categories]


def _person(rng: random.Random, industry: str, used_ids: set, used_phones: set) -> tuple[str, str, str]:
    low, high, women = AGES[industry]
    female = rng.random() < women
    name = rng.choice(SURNAMES) + rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    while True:
        age = rng.randint(low, high)
        birth = date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
        number = id_number(
            prefix=rng.choice(ID_PREFIXES), birth=birth, sequence=rng.randint(0, 999), male=not female
        )
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 10**8 - 1):08d}"
        if number not in used_ids and phone not in used_phones:
            used_ids.add(number)
            used_phones.add(phone)
            return name, number, phone


def demo_plan(count: int = DEMO_CASE_COUNT) -> list[CaseSpec]:
    """The demo cases, the same list on every call: all 15 states, a group dispute against one shoe factory
    (six workers within a week), and two probable duplicates that their station rejects."""
    rng = random.Random(SEED)  # demo data is deterministic on purpose, not a secret  # nosec B311
    employer_codes = {
        name: (credit_code(rng, division=_division(name)) if kind != "individual" else "")
        for industry in EMPLOYERS
        for name, kind in EMPLOYERS[industry]
    }
    targets = [state for state, n in STATE_COUNTS.items() for _ in range(n)]
    rng.shuffle(targets)
    group = [
        i for i, t in enumerate(targets) if t in (S.ASSIGNED, S.ACCEPTED, S.IN_MEDIATION, S.MEDIATION_FAILED)
    ][:6]
    duplicates = [i for i, t in enumerate(targets) if t == S.REJECTED and i > 30][:2]
    used_ids: set[str] = set()
    used_phones: set[str] = set()
    specs: list[CaseSpec] = []
    for index, target in enumerate(targets[:count]):
        in_group = index in group
        industry = I.MANUFACTURING if in_group else _weighted(rng, INDUSTRY_WEIGHTS)
        channel = _weighted(rng, CHANNEL_WEIGHTS)
        name, number, phone = _person(rng, industry, used_ids, used_phones)
        employer = GROUP_EMPLOYER if in_group else rng.choice(EMPLOYERS[industry])[0]
        needs_confirmation = target in (
            S.CONFIRMATION_REQUESTED,
            S.CONFIRMED,
            S.ENFORCEMENT,
            S.CLOSED,
            S.FULFILLED,
        )
        categories = _categories(rng, industry, no_relationship=needs_confirmation, only_wages=in_group)
        job = _job(rng, industry, categories)
        claims = _claims(rng, categories, job)
        facts = _facts(rng, industry=industry, employer=employer, claims=claims, name=name, job=job)
        reject = None
        if target == S.REJECTED and rng.random() < 0.6:
            text, note = rng.choice(NOT_LABOR)
            claims = [ClaimInput(category=Category.OTHER, amount=_yuan(rng.randrange(1500, 6000, 100)))]
            facts = text.format(name=name, employer=employer, amount=claims[0].amount)
            reject = (RejectReason.NOT_LABOR_DISPUTE, note)
        elif target == S.REJECTED:
            text, note = rng.choice(OUTSIDE)
            facts = facts.replace("请求依法调解", text + "请求依法调解")
            reject = (RejectReason.OUTSIDE_JURISDICTION, note)
        filed_days_ago = None
        if in_group:
            first, transfer_to, dispatch = "oh-pmc", None, None
            filed_days_ago = 16 + rng.uniform(0, 5)
        elif index in duplicates:
            # The same worker against the same employer again, while the first case is being mediated.
            original = next(
                s
                for s in reversed(specs)
                if s.target == S.IN_MEDIATION
                and s.filed_days_ago is None
                and s.worker_id_number not in {d.worker_id_number for d in specs if d.index in duplicates}
            )
            name, number, phone = original.worker_name, original.worker_id_number, original.worker_phone
            industry, employer, claims = original.industry, original.employer_name, original.claims
            job, facts = original.job, original.facts
            first, transfer_to, dispatch = original.home_station, None, None
            reject = (RejectReason.DUPLICATE, DUPLICATE_NOTE)
            filed_days_ago = rng.uniform(1, 4)
        else:
            first, transfer_to, dispatch = _station_plan(rng, industry, target)
        steps = _plan_steps(
            rng,
            index,
            target=target,
            claims=claims,
            first=first,
            transfer_to=transfer_to,
            dispatch=dispatch,
            reject=reject,
        )
        intake_actor, intake_org = CHANNEL_INTAKE[channel]
        chosen = first if channel == Channel.QR_WEB and rng.random() < 0.7 else None
        if chosen and ORG_BY_CODE[chosen].type == OrgType.GOVERNMENT_STATION and transfer_to:
            chosen = None
        if job.ended_days:
            knowledge = job.ended_days
        else:
            knowledge = 30 * job.unpaid_months + 10 if Category.WAGES in categories else job.incident_days
        if Category.DISMISSAL not in categories and rng.random() < 0.06:
            knowledge = rng.randint(330, 375)  # close to, or past, the one-year limitation: intake warns
        top_type = ORG_BY_CODE[transfer_to or first].type
        service = {
            OrgType.INDUSTRY_STATION: Service.INDUSTRY_MEDIATION,
            OrgType.GOVERNMENT_STATION: Service.PRE_ARBITRATION_MEDIATION,
            OrgType.UNION_COMMITTEE: Service.UNION_MEDIATION,
            OrgType.PEOPLES_MEDIATION: Service.PEOPLES_MEDIATION,
        }[top_type]
        services = [str(service)] + ([str(Service.LEGAL_AID)] if rng.random() < 0.15 else [])
        specs.append(
            CaseSpec(
                index=index,
                target=target,
                channel=str(channel),
                industry=str(industry),
                worker_name=name,
                worker_id_number=number,
                worker_phone=phone,
                employer_name=employer,
                employer_credit_code=employer_codes.get(employer, "") if rng.random() < 0.7 else "",
                claims=claims,
                facts=facts,
                job=job,
                services=services,
                home_station=transfer_to or first,
                chosen_station=chosen,
                intake_actor=intake_actor,
                intake_org=intake_org,
                knowledge_days=knowledge if rng.random() < 0.85 else None,
                ended_days=job.ended_days,
                still_employed=job.still_employed,
                confidential=rng.random() < 0.05,
                steps=steps,
                intake_tod=rng.random(),
                dwell_fraction=rng.random(),
                filed_days_ago=filed_days_ago,
            )
        )
    return specs


# --- Dates: from the plan's gaps to moments in the past, in each actor's hours ------------------------------
STAFF_DAY = (time(8, 30), time(17, 30))
WORKER_DAY = (time(7, 30), time(22, 30))


def _within(moment: datetime, clock: str, tod: float, calendar: WorkingCalendar) -> datetime:
    """``moment`` if the actor works (or is awake) then, else in its next hours, ``tod`` of the way."""
    if clock == "system":
        return moment
    local = timezone.localtime(moment)
    start, end = STAFF_DAY if clock == "staff" else WORKER_DAY

    def open_day(day: date) -> bool:
        return clock == "worker" or calendar.is_working_day(day)

    if open_day(local.date()) and start <= local.time() <= end:
        return moment
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    while not open_day(day):
        day += timedelta(days=1)
    opening = timezone.make_aware(datetime.combine(day, start), local.tzinfo)
    span = datetime.combine(day, end) - datetime.combine(day, start)
    return opening + span * (tod * 0.9)


def _walk(spec: CaseSpec, filed: datetime, scale: float, calendar: WorkingCalendar) -> list[datetime]:
    intake_clock = "worker" if spec.intake_actor in ("worker", "system") else "staff"
    moments = [_within(filed, intake_clock, spec.intake_tod, calendar)]
    for step in spec.steps:
        moment = _within(
            moments[-1] + timedelta(hours=step.gap_hours * scale), step.clock, step.tod, calendar
        )
        moments.append(max(moment, moments[-1] + timedelta(minutes=1)))
    return moments


def case_moments(spec: CaseSpec, *, now: datetime, calendar: WorkingCalendar) -> list[datetime]:
    """When the case was filed and each step ran: increasing, all before ``now``, filed within the window."""
    window = timedelta(days=WINDOW_DAYS)
    total = timedelta(hours=sum(step.gap_hours for step in spec.steps))
    scale = min(1.0, 0.85 * window / total) if total else 1.0
    total *= scale
    if spec.filed_days_ago is not None:  # the filing date matters (a group, a duplicate): squeeze the steps
        filed = now - timedelta(days=spec.filed_days_ago)
        for _attempt in range(8):
            moments = _walk(spec, filed, scale, calendar)
            if moments[-1] <= now:
                return moments
            scale *= 0.7
        dwell = timedelta(0)
    else:
        if spec.target in MAX_DWELL_DAYS:
            dwell = timedelta(days=MAX_DWELL_DAYS[spec.target]) * spec.dwell_fraction
        else:  # closed, rejected and withdrawn cases ended anywhere in the window
            dwell = max(window - total, timedelta(0)) * spec.dwell_fraction
        filed = now - dwell - total
    # Moving steps into working hours (a weekend, a holiday week) can push the last past now: file earlier.
    for attempt in range(40):
        moments = _walk(spec, filed, scale, calendar)
        if moments[-1] <= now:
            return moments
        filed -= moments[-1] - (now - dwell) + timedelta(hours=6 * (attempt + 1))
    raise RuntimeError(f"demo case {spec.index} does not fit before now")


# --- Seeding ------------------------------------------------------------------------------------------------
@dataclass
class SeedResult:
    organizations: int
    staff: int
    cases_created: int
    demo_cases: int
    by_status: dict[str, int]
    logins: list[tuple[str, str, str]]  # username, role label, organization name


def directory_ensure() -> dict[str, Organization]:
    """Regions and organizations of the demo city, updated or created by code."""
    regions: dict[str, Region] = {}
    for code, name, parent in REGIONS:
        regions[code], _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "parent": regions.get(parent) if parent else None}
        )
    orgs: dict[str, Organization] = {}
    for spec in ORGANIZATIONS:
        orgs[spec.code], _ = Organization.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "type": spec.type,
                "industry": spec.industry,
                "region": regions[spec.region],
                "parent": orgs[spec.parent] if spec.parent else None,
                "mediation_legal_type": spec.legal_type,
                "accepts_claims": spec.accepts_claims,
                "address": spec.address,
                "phone": spec.phone,
                "is_active": True,
            },
        )
    return orgs


def staff_ensure(*, password: str = DEMO_PASSWORD) -> None:
    """Every demo staff account with its role, active and with ``password`` (as ``create_staff`` leaves it),
    and the superuser.

    A missing account or membership is made by :func:`organizations.services.staff_create`. An account that is
    already complete only gets its flags, group and password back, the password as one hash computed once:
    hashing the same password 26 times costs about ten seconds on every ``make demo``."""
    User = get_user_model()
    encoded = make_password(password)
    groups = role_groups_ensure()
    existing = set(
        Membership.objects.filter(user__username__in=[s[0] for s in STAFF]).values_list(
            "user__username", "organization__code", "role"
        )
    )
    for username, role, org_code, full_name in STAFF:
        if (username, org_code, role) not in existing:
            staff_create(
                username=username, password=password, org_code=org_code, role=role, full_name=full_name
            )
            continue
        user = User.objects.get(username=username)
        user.is_staff = user.is_active = True
        user.first_name = full_name
        user.password = encoded
        user.save()
        user.groups.add(groups[role])
    admin, _ = User.objects.get_or_create(username=SUPERUSER)
    admin.is_staff = admin.is_superuser = admin.is_active = True
    admin.first_name = "演示管理员"
    admin.password = encoded
    admin.save()


def routing_rules_ensure(orgs: dict[str, Organization]) -> int:
    """The demo city's routing as data: each industry's claims to its industry station, anything else to the
    government new-employment-form station. Officials edit these in the admin; re-running keeps their edits."""
    from .models import RoutingRule

    rules = [
        (f"{Industry(industry).label}案件 → {orgs[code].name}", 10 + i, [str(industry)], code, False)
        for i, (industry, code) in enumerate(INDUSTRY_STATION.items())
    ]
    rules.append(("其他案件 → 新业态劳动纠纷调解站（兜底）", 100, [], "lc-gov", True))
    for name, priority, industries, code, fallback in rules:
        RoutingRule.objects.get_or_create(
            name=name,
            defaults={
                "priority": priority,
                "industries": industries,
                "target": orgs[code],
                "is_fallback": fallback,
            },
        )
    return RoutingRule.objects.filter(is_active=True).count()


def demo_case_queryset(plan: list[CaseSpec]):
    """The cases the seeder made: those whose worker is one of the plan's (matched by the keyed ID hash)."""
    return Case.objects.filter(worker_id_hash__in={keyed_hash(spec.worker_id_number) for spec in plan})


def _resolve(value, *, orgs, users, moment: datetime):
    if isinstance(value, OrgRef):
        return orgs[value.code]
    if isinstance(value, UserRef):
        return users[value.username]
    if isinstance(value, str) and "{year}" in value:
        return value.replace("{year}", str(timezone.localtime(moment).year))
    return value


def _actor(key: str, users):
    return {"system": SYSTEM, "worker": WORKER}.get(key) or users[key]


def _fill_dates(text: str, filed: date) -> str:
    """Replace ``{date:N}`` and ``{month:N}`` with the day / month N days before filing."""

    def repl(match):
        day = filed - timedelta(days=int(match.group(2)))
        return (
            f"{day.year}年{day.month}月{day.day}日"
            if match.group(1) == "date"
            else f"{day.year}年{day.month}月"
        )

    return re.sub(r"\{(date|month):(\d+)\}", repl, text)


def case_seed(
    spec: CaseSpec, *, orgs, users, now: datetime, calendar: WorkingCalendar, announce: bool = False
) -> Case:
    """File one demo case and run its steps, all in one transaction (a case is seeded whole or not at all)."""
    moments = case_moments(spec, now=now, calendar=calendar)
    filed_on = timezone.localdate(moments[0])
    with transaction.atomic():
        case, _pin = case_create(
            actor=_actor(spec.intake_actor, users),
            channel=spec.channel,
            worker_name=spec.worker_name,
            worker_id_number=spec.worker_id_number,
            worker_phone=spec.worker_phone,
            employer_name=spec.employer_name,
            employer_credit_code=spec.employer_credit_code,
            industry=spec.industry,
            claims=spec.claims,
            facts=_fill_dates(spec.facts, filed_on),
            services=spec.services,
            station=orgs[spec.chosen_station] if spec.chosen_station else None,
            region=orgs[spec.home_station].region,
            intake_org=orgs[spec.intake_org] if spec.intake_org else None,
            knowledge_date=filed_on - timedelta(days=spec.knowledge_days) if spec.knowledge_days else None,
            employment_ended_on=filed_on - timedelta(days=spec.ended_days) if spec.ended_days else None,
            still_employed=spec.still_employed,
            confidential=spec.confidential,
            at=moments[0],
            announce=announce,
        )
        for step, moment in zip(spec.steps, moments[1:], strict=True):
            payload = {k: _resolve(v, orgs=orgs, users=users, moment=moment) for k, v in step.payload.items()}
            case = case_transition(
                case_id=case.pk,
                name=step.name,
                actor=_actor(step.actor, users),
                note=step.note,
                payload=payload,
                at=moment,
                announce=announce,
            )
    return case


def seed(*, count: int = DEMO_CASE_COUNT, notify: bool = False, now: datetime | None = None) -> SeedResult:
    """Ensure the directory and staff, then top the demo cases up to ``count``. Safe to run again."""
    now = now or timezone.now()
    with transaction.atomic():
        orgs = directory_ensure()
        staff_ensure()
        routing_rules_ensure(orgs)
        # The upper apps' own demo data (arbitration: a demo minimum wage), without disputes importing them.
        for config in django_apps.get_app_configs():
            hook = getattr(config, "demo_seed", None)
            if callable(hook):
                hook()
    usernames = [username for username, *_ in STAFF]
    users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
    plan = demo_plan(count)
    existing = demo_case_queryset(plan).count()
    calendar = WorkingCalendar.from_database()
    created = 0
    # Seeded history is made up and months old, and its phone numbers are invented (some may exist): it is
    # recorded without being announced unless --notify asks for it.
    for spec in plan[existing:]:
        case_seed(spec, orgs=orgs, users=users, now=now, calendar=calendar, announce=notify)
        created += 1
    demo_cases = demo_case_queryset(plan)
    by_status = {state: 0 for state in S.values}
    for status in demo_cases.values_list("status", flat=True):
        by_status[status] += 1
    roles = dict(Role.choices)
    org_names = {spec.code: spec.name for spec in ORGANIZATIONS}
    logins = [(SUPERUSER, "超级管理员", "（全部）")] + [
        (username, str(roles[role]), org_names[org]) for username, role, org, _name in STAFF
    ]
    return SeedResult(
        organizations=Organization.objects.filter(code__in=ORG_BY_CODE).count(),
        staff=Membership.objects.filter(user__username__in=usernames).values("user").distinct().count(),
        cases_created=created,
        demo_cases=sum(by_status.values()),
        by_status=by_status,
        logins=logins,
    )
