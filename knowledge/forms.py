from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import QUESTION_MAX


class ConsultForm(forms.Form):
    question = forms.CharField(
        label=_("您遇到了什么问题？"),
        max_length=QUESTION_MAX,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": _(
                    "例如：我在快递站干了一年，老板三个月没发工资，2026年3月5日把我辞退了，怎么办？"
                ),
                "maxlength": QUESTION_MAX,
            }
        ),
        help_text=_("用自己的话写就行。不要填写身份证号、手机号等个人信息。"),
        error_messages={
            "required": _("请用一两句话写下您遇到的问题。"),
            "max_length": _("问题请不要超过 500 个字。"),
        },
    )
    event_date = forms.DateField(
        label=_("事情发生的日期（可不填）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("比如开始欠薪、被辞退或受伤的日子，用来估算仲裁时效。"),
        error_messages={"invalid": _("请填写正确的日期。")},
    )
    left_on = forms.DateField(
        label=_("离职日期（还在职就不填）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("请填写正确的日期。")},
    )

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for name in ("event_date", "left_on"):
            if data.get(name) and data[name] > today:
                self.add_error(name, _("日期不能晚于今天。"))
        return data
