from django import forms
from django.utils.translation import gettext_lazy as _


class OtpTokenForm(forms.Form):
    otp_token = forms.CharField(
        label=_("验证码"),
        max_length=32,
        help_text=_("身份验证器上的 6 位数字；手机不在身边时，可输入一个恢复码。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class OtpEnrolForm(forms.Form):
    otp_token = forms.CharField(
        label=_("验证码"),
        max_length=16,
        help_text=_("扫描二维码后，输入身份验证器上显示的 6 位数字。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
