"""The claim's fields and rules, shared by the public form, the staff form and the API.

:class:`ClaimForm` holds the contract's fields (SPEC.md, ``POST /api/v1/intake/``) and the dates the deadline
engine needs; :class:`WorkerClaimForm` adds what the public page asks besides (amounts by item, respondents,
co-workers, files). Messages are in plain Chinese: most people who file have never filed anything.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization, Region
from organizations.states import Industry, OrgType

from ..forms import OrgCodeField
from ..states import Category, Channel, RespondentRole, Service
from ..validators import validate_credit_code, validate_id_number, validate_phone

MAX_AMOUNT = Decimal("99999999.99")
# Codes as in Membership.languages (a mediator's languages; none listed means Mandarin only).
WORKER_LANGUAGES = [
    ("zh", _("普通话")),
    ("yue", _("粤语")),
    ("wuu", _("吴语（温州话等）")),
    ("ug", _("维吾尔语")),
    ("bo", _("藏语")),
    ("en", _("英语")),
]
MAX_COWORKERS = 200

CATEGORY_HELP = {
    Category.WAGES: _("工资、提成、跑单费被拖欠或克扣"),
    Category.OVERTIME: _("加班、节假日上班没有按规定付钱"),
    Category.DISMISSAL: _("被辞退、被迫离职、合同到期不续等"),
    Category.COMPENSATION: _("离职时应得的经济补偿金、赔偿金"),
    Category.SOCIAL_INSURANCE: _("没交或少交社保"),
    Category.WORK_INJURY: _("工作中受伤或得职业病的医疗费和待遇"),
    Category.LABOR_RELATIONSHIP: _("先要确认自己和谁之间是劳动关系"),
    Category.OTHER: _("以上都不是，请在事实部分说明"),
}


def stations_taking_claims():
    return Organization.objects.filter(
        is_active=True, accepts_claims=True, type__in=OrgType.mediation_types()
    )


def _money(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        min_value=Decimal("0"), max_value=MAX_AMOUNT, max_digits=10, decimal_places=2, **kwargs
    )


class ClaimForm(forms.Form):
    worker_name = forms.CharField(label=_("姓名"), max_length=64)
    worker_id_number = forms.CharField(label=_("身份证号"), max_length=32)
    worker_phone = forms.CharField(label=_("手机号"), max_length=32)
    employer_name = forms.CharField(
        label=_("用人单位或平台名称"), max_length=200, help_text=_("不知道全称也没关系，写您知道的名称。")
    )
    employer_credit_code = forms.CharField(
        label=_("统一社会信用代码（不知道可不填）"), max_length=32, required=False
    )
    employer_site = forms.CharField(label=_("工作的站点、网点或门店"), max_length=200, required=False)
    industry = forms.ChoiceField(label=_("行业"), choices=Industry.choices)
    categories = forms.MultipleChoiceField(label=_("遇到的问题（可多选）"), choices=Category.choices)
    amount_claimed = _money(label=_("请求金额合计（元）"), required=False)
    facts = forms.CharField(label=_("事情经过"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    station = OrgCodeField(label=_("调解组织"), queryset=stations_taking_claims(), required=False)
    region = forms.CharField(label=_("工作地所在区县"), max_length=32, required=False)
    services = forms.MultipleChoiceField(label=_("希望获得的服务"), choices=Service.choices, required=False)
    employment_started_on = forms.DateField(label=_("入职日期"), required=False)
    still_employed = forms.BooleanField(label=_("目前仍在职"), required=False)
    employment_ended_on = forms.DateField(label=_("离职日期"), required=False)
    knowledge_date = forms.DateField(label=_("问题从哪天开始（如第一次没发工资的日期）"), required=False)
    confidential = forms.BooleanField(label=_("暂不联系用人单位，等我确认后再联系"), required=False)
    language = forms.ChoiceField(
        label=_("您习惯用哪种语言沟通"),
        choices=WORKER_LANGUAGES,
        required=False,
        help_text=_("我们会尽量安排会说这种语言的调解员。"),
    )
    consent = forms.BooleanField(
        label=_("我同意本平台为办理本次劳动争议处理我的个人信息"),
        error_messages={"required": _("需要您同意处理个人信息，我们才能受理申请。")},
    )

    def clean_worker_name(self):
        name = self.cleaned_data["worker_name"].strip()
        if not name:
            raise ValidationError(_("请填写姓名。"))
        return name

    def clean_worker_id_number(self):
        return validate_id_number(self.cleaned_data["worker_id_number"])

    def clean_worker_phone(self):
        return validate_phone(self.cleaned_data["worker_phone"])

    def clean_employer_credit_code(self):
        return validate_credit_code(self.cleaned_data.get("employer_credit_code", ""))

    def clean_region(self):
        code = self.cleaned_data.get("region", "").strip()
        if not code:
            return None
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise ValidationError(_("请从列表中选择区县。"))
        return region

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for name in ("employment_started_on", "employment_ended_on", "knowledge_date"):
            day = data.get(name)
            if day and day > today:
                self.add_error(name, _("日期不能晚于今天。"))
        started, ended = data.get("employment_started_on"), data.get("employment_ended_on")
        if started and ended and ended < started:
            self.add_error("employment_ended_on", _("离职日期不能早于入职日期。"))
        if data.get("still_employed") and ended:
            self.add_error("employment_ended_on", _("仍在职就不用填写离职日期。"))
        station = data.get("station")
        if station and not data.get("region"):
            data["region"] = station.region
        return data

    def claim_amounts(self) -> dict[str, Decimal | None]:
        """Amount per claimed category; the API gives one total, which stays on the case, items unsplit."""
        return {category: None for category in self.cleaned_data["categories"]}


class AgencyClaimForm(ClaimForm):
    """What a referring agency's system sends: the same claim, with the channel it came by."""

    channel = forms.ChoiceField(
        label=_("来源渠道"),
        choices=[c for c in Channel.choices if c[0] != Channel.QR_WEB],
        initial=Channel.PLATFORM_API,
    )


class WorkerClaimForm(ClaimForm):
    """The public form: amounts by item, a honeypot, and the token that makes a resubmission harmless."""

    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"})
    )
    acknowledge_notices = forms.BooleanField(label=_("我已知晓以上提示，仍然提交"), required=False)
    is_representative = forms.BooleanField(
        label=_("我也是代表（10人以上共同申请时推选3至5名代表）"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for category in Category.values:
            self.fields[f"amount_{category}"] = _money(label=_("金额（元）"), required=False)

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(_("提交失败，请刷新页面后重试。"), code="honeypot")
        return ""

    def clean(self):
        data = super().clean()
        chosen = set(data.get("categories") or [])
        for category in Category.values:
            if data.get(f"amount_{category}") and category not in chosen:
                self.add_error("categories", _("填了金额的问题请同时勾选。"))
                break
        items = [data.get(f"amount_{c}") for c in chosen]
        if any(v is not None for v in items):
            data["amount_claimed"] = sum((v for v in items if v is not None), Decimal("0"))
        return data

    def claim_amounts(self) -> dict[str, Decimal | None]:
        return {c: self.cleaned_data.get(f"amount_{c}") for c in self.cleaned_data["categories"]}


class RespondentForm(forms.Form):
    """Another party the worker can name: the app, the agency that pays, the station."""

    role = forms.ChoiceField(label=_("身份"), choices=RespondentRole.choices)
    name = forms.CharField(label=_("名称"), max_length=200)
    credit_code = forms.CharField(label=_("统一社会信用代码（可不填）"), max_length=32, required=False)
    details = forms.CharField(
        label=_("您知道的情况"),
        max_length=1000,
        required=False,
        help_text=_("如用的哪个App、工牌或工服上的名字、谁发工资、怎么发。"),
    )

    def clean_credit_code(self):
        return validate_credit_code(self.cleaned_data.get("credit_code", ""))


class CoworkerForm(forms.Form):
    """Another worker of a collective filing, with their own amount."""

    worker_name = forms.CharField(label=_("姓名"), max_length=64)
    worker_id_number = forms.CharField(label=_("身份证号"), max_length=32)
    worker_phone = forms.CharField(label=_("手机号"), max_length=32)
    amount_claimed = _money(label=_("请求金额（元）"), required=False)
    is_representative = forms.BooleanField(label=_("推选为代表"), required=False)

    def clean_worker_id_number(self):
        return validate_id_number(self.cleaned_data["worker_id_number"])

    def clean_worker_phone(self):
        return validate_phone(self.cleaned_data["worker_phone"])


class _CoworkerFormSet(forms.BaseFormSet):
    def __init__(self, *args, filer_id_number: str = "", filer_is_representative: bool = False, **kwargs):
        self.filer_id_number = filer_id_number
        self.filer_is_representative = filer_is_representative
        super().__init__(*args, **kwargs)

    def clean(self):
        if any(self.errors):
            return
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        ids = [self.filer_id_number] + [r["worker_id_number"] for r in rows]
        if len(set(ids)) != len(ids):
            raise ValidationError(_("同一个人（身份证号相同）只能填写一次。"))
        workers = 1 + len(rows)
        if workers >= 10:  # LDMAL Art. 7: ten or more workers elect representatives
            chosen = sum(1 for r in rows if r.get("is_representative")) + int(self.filer_is_representative)
            if not 3 <= chosen <= 5:
                raise ValidationError(
                    _("10人以上共同申请的，请推选3至5名代表（目前推选了%(n)d名）。"), params={"n": chosen}
                )


RespondentFormSet = forms.formset_factory(RespondentForm, extra=0, max_num=5, validate_max=True)
CoworkerFormSet = forms.formset_factory(
    CoworkerForm, formset=_CoworkerFormSet, extra=0, max_num=MAX_COWORKERS, validate_max=True
)
