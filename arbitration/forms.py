"""The forms of the commission's and the court's decisions in the admin. They only shape the input; the rules are
in :mod:`arbitration.services`, whose ValidationErrors come back onto these forms."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.states import Category

from .states import (
    ClosingOutcome,
    EnforcementEnd,
    HearingKind,
    JudicialRefusalReason,
    NonAcceptanceReason,
    ReviewRefusalReason,
)

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ApproveForm(forms.Form):
    """Approving needs no input: the document is the agreement's content. The box makes the click deliberate."""

    confirm = forms.BooleanField(
        label=_("已审查调解协议、证据和办理记录，确认出具文书"),
        required=True,
        error_messages={"required": _("请勾选确认后再出具文书。")},
    )


class RefuseForm(forms.Form):
    reason = forms.ChoiceField(label=_("不予确认的理由"), choices=ReviewRefusalReason.choices)
    detail = forms.CharField(
        label=_("具体说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写入决定书；选择“其他”时必填。"),
    )

    def __init__(self, *args, judicial: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if judicial:
            self.fields["reason"].choices = JudicialRefusalReason.choices
            self.fields["reason"].label = _("驳回申请的理由")


class HearingForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=HearingKind.choices, initial=HearingKind.HEARING)
    at = forms.DateTimeField(
        label=_("时间"), widget=_DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    place = forms.CharField(label=_("地点"), max_length=200)
    notes = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AcceptForm(forms.Form):
    schedule = forms.BooleanField(label=_("同时安排开庭"), required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=HearingKind.choices, initial=HearingKind.HEARING)
    at = forms.DateTimeField(
        label=_("开庭时间"),
        required=False,
        widget=_DATETIME,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("至少在五日以后（劳动争议调解仲裁法第三十五条）。"),
    )
    place = forms.CharField(label=_("开庭地点"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("不予受理的理由"), choices=NonAcceptanceReason.choices)
    detail = forms.CharField(
        label=_("具体说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AwardForm(forms.Form):
    awarded_on = forms.DateField(label=_("裁决日期"), widget=_DATE)
    final_choice = forms.ChoiceField(
        label=_("是否终局"),
        choices=[
            ("", _("按规则判断（当地月最低工资标准十二个月金额）")),
            ("final", _("终局裁决")),
            ("nonfinal", _("非终局裁决")),
        ],
        required=False,
    )
    final_reason = forms.CharField(
        label=_("仲裁庭认定的依据"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("认定与规则判断不同时必填。"),
    )

    def is_final(self) -> bool | None:
        return {"final": True, "nonfinal": False}.get(self.cleaned_data.get("final_choice") or "")


class AwardItemForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=[("", "—"), *Category.choices], required=False)
    description = forms.CharField(label=_("裁决事项"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("金额（元）"), required=False, min_value=Decimal("0"), max_digits=14, decimal_places=2
    )

    def has_content(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("category") or data.get("description") or data.get("amount") is not None)


AwardItemFormSet = forms.formset_factory(AwardItemForm, extra=4, max_num=20)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("结案方式"), choices=ClosingOutcome.choices)
    note = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RegisterForm(forms.Form):
    number = forms.CharField(label=_("执行案号"), max_length=64)


class RecoveryForm(forms.Form):
    amount = forms.DecimalField(
        label=_("执行到位金额（元）"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    at = forms.DateField(label=_("到位日期"), widget=_DATE)
    note = forms.CharField(label=_("说明"), required=False, max_length=300)


class EndForm(forms.Form):
    end = forms.ChoiceField(label=_("结案方式"), choices=EnforcementEnd.choices)
    note = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
