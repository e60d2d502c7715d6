"""The public page where a monitoring informant (a union chair, a grid worker, a station) reports a risk of wage
arrears at an employer. No account: rate-limited per address, with a honeypot; the report goes to the officials
of the region chosen (disputes.risk)."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from organizations.models import Region

from .risk import risk_report_create
from .validators import validate_credit_code, validate_phone

# Per address: an informant may report several employers in a sitting, a script may not flood the officials.
RISK_REPORT_RATE = "10/h"
MAX_WORKERS = 100_000


class _RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} · {obj.name}" if obj.parent_id else obj.name


class RiskReportForm(forms.Form):
    reporter_name = forms.CharField(label=_("您的姓名"), max_length=64)
    reporter_phone = forms.CharField(
        label=_("您的联系电话"), max_length=32, help_text=_("工作人员核实情况时联系您。")
    )
    reporter_org = forms.CharField(
        label=_("您所在的单位或身份"),
        max_length=200,
        required=False,
        help_text=_("如：某某公司工会主席、某某街道网格员。"),
    )
    employer_name = forms.CharField(label=_("有风险的用人单位名称"), max_length=200)
    employer_credit_code = forms.CharField(
        label=_("统一社会信用代码（不知道可不填）"), max_length=32, required=False
    )
    region = _RegionChoiceField(
        label=_("单位所在区域"),
        queryset=Region.objects.select_related("parent").order_by("code"),
        empty_label=_("请选择"),
        error_messages={"invalid_choice": _("请从列表中选择区域。"), "required": _("请选择单位所在区域。")},
    )
    workers_affected = forms.IntegerField(
        label=_("可能涉及的劳动者人数"),
        min_value=1,
        max_value=MAX_WORKERS,
        error_messages={
            "required": _("请填写涉及人数。"),
            "invalid": _("请填写整数。"),
            "min_value": _("涉及人数至少为1人。"),
            "max_value": _("涉及人数不能超过%(limit_value)s人。"),
        },
    )
    amount_in_arrears = forms.DecimalField(
        label=_("已拖欠或可能拖欠的工资总额（元，不清楚可不填）"),
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        error_messages={"invalid": _("请填写金额数字，如 50000。")},
    )
    description = forms.CharField(
        label=_("情况说明"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("如：已拖欠几个月工资、老板失联、停工停产、欠缴社保、工人聚集讨薪等。"),
    )
    consent = forms.BooleanField(
        label=_(
            "我同意本平台为核实和处置本次风险信息处理我填写的姓名和联系电话。这些信息仅供主管部门工作人员联系我核实情况，"
            "不会告知被报告的单位。"
        ),
        error_messages={"required": _("需要您同意处理个人信息，我们才能接收报告。")},
    )
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"})
    )

    def clean_reporter_name(self):
        name = self.cleaned_data["reporter_name"].strip()
        if not name:
            raise ValidationError(_("请填写姓名。"))
        return name

    def clean_reporter_phone(self):
        return validate_phone(self.cleaned_data["reporter_phone"])

    def clean_employer_credit_code(self):
        return validate_credit_code(self.cleaned_data.get("employer_credit_code", ""))

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(_("提交失败，请刷新页面后重试。"), code="honeypot")
        return ""


@sensitive_post_parameters()  # the informant's phone
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(key="ip", rate=RISK_REPORT_RATE, method="POST", block=False)
def risk_report_new(request):
    if getattr(request, "limited", False):
        return render(request, "disputes/risk_report_limited.html", status=429)
    if request.method == "POST":
        form = RiskReportForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            risk_report_create(
                reporter_name=data["reporter_name"],
                reporter_phone=data["reporter_phone"],
                reporter_org=data.get("reporter_org", ""),
                employer_name=data["employer_name"],
                employer_credit_code=data.get("employer_credit_code", ""),
                region=data["region"],
                workers_affected=data["workers_affected"],
                amount_in_arrears=data.get("amount_in_arrears"),
                description=data["description"],
            )
            return redirect("risk_report_done")
    else:
        form = RiskReportForm()
    return render(request, "disputes/risk_report_form.html", {"form": form})


def risk_report_done(request):
    return render(request, "disputes/risk_report_done.html")
