"""Forms of the worker's mediation actions on ``/track/`` and of the mediator's pages in the admin. They check the
shape of the input; the rules (sums, dates, states, who may) are the services'."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.states import Category

from .states import (
    ConsentChannel,
    ContactChannel,
    ContactDirection,
    FailureReason,
    PaymentMethod,
    Remedy,
    SessionMode,
)

SCORES = [
    (5, _("5 分：非常满意")),
    (4, _("4 分：满意")),
    (3, _("3 分：一般")),
    (2, _("2 分：不满意")),
    (1, _("1 分：很不满意")),
]


# --- The worker (/track/) ---------------------------------------------------------------------------------------
class SignForm(forms.Form):
    pin = forms.CharField(
        label=_("查询密码（6位数字）"),
        max_length=16,
        error_messages={"required": _("请输入查询密码以确认是您本人签署。")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"}),
    )
    agree = forms.BooleanField(
        label=_("我已阅读调解协议全文，同意协议内容，自愿签署"),
        error_messages={"required": _("请先阅读协议并勾选同意，再签署。")},
    )


class RemedyForm(forms.Form):
    remedy = forms.ChoiceField(
        label=_("下一步"),
        choices=Remedy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择一种办理途径。"), "invalid_choice": _("请选择一种办理途径。")},
    )
    confirm = forms.BooleanField(error_messages={"required": _("请勾选确认后再提交。")})


class SatisfactionForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("您对这次调解服务满意吗？"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意程度。"), "invalid_choice": _("请选择满意程度。")},
    )
    comment = forms.CharField(
        label=_("意见和建议（选填）"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("请说明对方哪些款项没有支付"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请简单说明情况，调解员会据此联系您。")},
    )


# --- The mediator (admin) ---------------------------------------------------------------------------------------
def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("调解时间"), widget=_datetime_widget(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    mode = forms.ChoiceField(label=_("调解方式"), choices=SessionMode.choices)
    place = forms.CharField(
        label=_("地点或线上平台"), max_length=200, help_text=_("现场调解填地址；线上调解填所用平台或会议号。")
    )
    attendees = forms.CharField(
        label=_("参加人员"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary = forms.CharField(label=_("调解情况"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("held_at", timezone.localtime().replace(second=0, microsecond=0))


class ContactForm(forms.Form):
    at = forms.DateTimeField(
        label=_("联系时间"), widget=_datetime_widget(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    direction = forms.ChoiceField(label=_("方向"), choices=ContactDirection.choices)
    channel = forms.ChoiceField(label=_("联系方式"), choices=ContactChannel.choices)
    employer_contact_name = forms.CharField(label=_("用人单位联系人"), max_length=64)
    summary = forms.CharField(label=_("联系内容"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))
    worker_consented = forms.BooleanField(
        label=_("劳动者已同意联系用人单位（保密申请时必选）"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("at", timezone.localtime().replace(second=0, microsecond=0))


class AgreementForm(forms.Form):
    employer_name = forms.CharField(label=_("用人单位/平台"), max_length=200)
    employer_contact_name = forms.CharField(label=_("用人单位联系人"), max_length=64)
    employer_contact_phone = forms.CharField(
        label=_("联系人手机号"), max_length=32, required=False, help_text=_("付款提醒短信发往此号码。")
    )
    payment_method = forms.ChoiceField(label=_("支付方式"), choices=PaymentMethod.choices)
    payment_only = forms.BooleanField(
        label=_("协议只约定用人单位支付款项"),
        required=False,
        initial=True,
        help_text=_("还约定了其他义务（如出具离职证明、恢复工作）的，请取消勾选：这类协议不能申请司法确认。"),
    )
    other_terms = forms.CharField(
        label=_("其他约定"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ItemForm(forms.Form):
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", "—")] + list(Category.choices), required=False
    )
    description = forms.CharField(label=_("事项"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, required=False)

    def has_content(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("category") or data.get("description") or data.get("amount") is not None)


class InstalmentForm(forms.Form):
    due_on = forms.DateField(label=_("付款日期"), required=False, widget=_date_widget())
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, required=False)

    def has_content(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("due_on") or data.get("amount") is not None)


ItemFormSet = forms.formset_factory(ItemForm, extra=4, max_num=20, absolute_max=20)
InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=4, max_num=36, absolute_max=36)


class EmployerSignatureForm(forms.Form):
    signatory = forms.CharField(
        label=_("用人单位签字人"),
        max_length=64,
        help_text=_("在协议上签字或盖章的用人单位代表的姓名。"),
    )
    confirm = forms.BooleanField(label=_("我确认用人单位已在调解协议上签字或盖章"))


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2)
    paid_on = forms.DateField(label=_("付款日期"), widget=_date_widget())
    method = forms.ChoiceField(label=_("支付方式"), choices=PaymentMethod.choices)
    proof = forms.FileField(
        label=_("付款凭证"), help_text=_("转账记录截图、收条照片（JPG、PNG）或 PDF 文件。")
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class FailureForm(forms.Form):
    reason = forms.ChoiceField(label=_("调解不成的原因"), choices=FailureReason.choices)
    detail = forms.CharField(
        label=_("具体情况"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    worker_consents = forms.BooleanField(
        label=_("劳动者已同意将案件移送劳动仲裁"),
        required=False,
        help_text=_("不勾选的，劳动者可以在查询页面自己确认移送。"),
    )
    consent_channel = forms.ChoiceField(
        label=_("劳动者表示同意的方式"), choices=[("", "—")] + list(ConsentChannel.choices), required=False
    )


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("劳动者表示同意的方式"), choices=ConsentChannel.choices)
    note = forms.CharField(label=_("说明"), max_length=2000, required=False)
    confirm = forms.BooleanField(label=_("我确认劳动者同意将案件移送劳动仲裁"))


class ReopenHandleForm(forms.Form):
    note = forms.CharField(label=_("处理情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
