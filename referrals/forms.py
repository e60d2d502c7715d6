"""The worker's forms on ``/track/`` (legal aid, job seeking, counselling, the check-in answer) and the staff forms
of the admin pages (lawyer, outcome, offer, placement, a request recorded for the worker). They check shapes and
lengths only; the services decide everything else."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .states import (
    Affordability,
    Availability,
    CounsellingContact,
    HelpWanted,
    LegalAidResult,
    WorkSituation,
)

_CONSENT_REQUIRED = _("请先勾选同意，我们才能把您的信息转交给服务机构。")


def _consent_field(label) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=True, error_messages={"required": _CONSENT_REQUIRED})


class LegalAidForm(forms.Form):
    reason = forms.CharField(
        label=_("为什么需要法律援助"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("如：单位拒不支付工资，我不懂怎么打仲裁，想请律师帮忙。")}
        ),
    )
    affordability = forms.ChoiceField(label=_("您能负担律师费吗"), choices=Affordability.choices)
    migrant_worker = forms.BooleanField(
        label=_("我是进城务工人员（农民工）"),
        required=False,
        help_text=_("进城务工人员请求支付劳动报酬或者工伤赔偿，申请法律援助不需要审查经济困难状况。"),
    )
    consent = _consent_field(_("我同意把我的申请、案件材料和联系方式提供给法律援助中心，用于办理法律援助。"))

    def __init__(self, *args, centre_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if centre_name:
            self.fields["consent"].label = _(
                "我同意把我的申请、案件材料和联系方式提供给%(org)s，用于办理法律援助。"
            ) % {"org": centre_name}


class JobSeekingForm(forms.Form):
    desired_job = forms.CharField(
        label=_("想找什么工作"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("如：快递员、仓库分拣、餐厅服务员")}),
    )
    desired_area = forms.CharField(
        label=_("希望在哪里工作"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("如：北区、全市均可")}),
    )
    skills = forms.CharField(
        label=_("技能和经验（可不填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("如：送过三年快递，有电动车，持C1驾照。")}),
    )
    availability = forms.ChoiceField(label=_("什么时候可以上岗"), choices=Availability.choices)
    contact_consent = _consent_field(
        _("我同意把我的求职信息和手机号提供给就业服务中心，由其联系我推荐工作。")
    )

    def __init__(self, *args, centre_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if centre_name:
            self.fields["contact_consent"].label = _(
                "我同意把我的求职信息和手机号提供给%(org)s，由其联系我推荐工作。"
            ) % {"org": centre_name}


class CounsellingForm(forms.Form):
    preferred_contact = forms.ChoiceField(label=_("希望怎样联系您"), choices=CounsellingContact.choices)
    concern = forms.CharField(
        label=_("想聊些什么（可不填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("如：最近睡不好，总担心钱的事。")}),
        help_text=_("只有心理咨询服务机构能看到这里的内容。"),
    )
    consent = _consent_field(_("我同意把我的姓名、手机号和上面的内容提供给心理咨询服务机构，由其联系我。"))

    def __init__(self, *args, service_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if service_name:
            self.fields["consent"].label = _(
                "我同意把我的姓名、手机号和上面的内容提供给%(org)s，由其联系我。"
            ) % {"org": service_name}


class CheckInForm(forms.Form):
    work_situation = forms.ChoiceField(label=_("您现在的工作情况"), choices=WorkSituation.choices)
    help_wanted = forms.MultipleChoiceField(
        label=_("还需要哪些帮助（可多选，可不选）"),
        choices=HelpWanted.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("还想说的话（可不填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Staff (admin) ------------------------------------------------------------------------------------------------
class StaffLegalAidForm(forms.Form):
    """Staff who work the case record the worker's request for legal aid."""

    tracking_code = forms.CharField(label=_("案件查询码"), max_length=16)
    reason = forms.CharField(label=_("申请理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    affordability = forms.ChoiceField(label=_("能否负担律师费（劳动者自述）"), choices=Affordability.choices)
    migrant_worker = forms.BooleanField(label=_("进城务工人员"), required=False)
    consent = _consent_field(_("劳动者已同意把申请和案件材料提供给法律援助中心"))


class StaffCounsellingForm(forms.Form):
    """Staff who work the case refer the worker to counselling, with the worker's consent."""

    tracking_code = forms.CharField(label=_("案件查询码"), max_length=16)
    preferred_contact = forms.ChoiceField(label=_("希望的联系方式"), choices=CounsellingContact.choices)
    concern = forms.CharField(
        label=_("转介说明（可不填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = _consent_field(_("劳动者已同意转介心理咨询服务机构"))


class LawyerForm(forms.Form):
    lawyer_name = forms.CharField(label=_("律师姓名"), max_length=64)
    law_firm = forms.CharField(label=_("律师事务所"), max_length=200)
    lawyer_phone = forms.CharField(label=_("律师联系电话"), max_length=32)
    note = forms.CharField(
        label=_("备注"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LegalAidOutcomeForm(forms.Form):
    result = forms.ChoiceField(label=_("援助结果"), choices=LegalAidResult.choices)
    outcome = forms.CharField(
        label=_("办理结果说明"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class JobOfferForm(forms.Form):
    employer_name = forms.CharField(label=_("用人单位"), max_length=200)
    position = forms.CharField(label=_("岗位"), max_length=100)
    wage = forms.CharField(label=_("工资待遇"), max_length=64)
    contact = forms.CharField(label=_("联系方式"), max_length=100)
    posted_on = forms.DateField(
        label=_("发布日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class JobPlacementForm(forms.Form):
    employer_name = forms.CharField(label=_("就业单位"), max_length=200)
    position = forms.CharField(label=_("岗位"), max_length=100)
    placed_on = forms.DateField(label=_("上岗日期"), widget=forms.DateInput(attrs={"type": "date"}))
    offer_id = forms.IntegerField(label=_("对应的推荐岗位"), required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
