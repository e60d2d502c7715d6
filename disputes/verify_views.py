"""``/verify/``: anyone holding a document the platform issued checks it is genuine (disputes.documents).

The answer names the kind, number, issuer, date and SHA-256 of the file, never a person or an amount. Lookups are
rate-limited per address, so the code space cannot be walked; an unknown code is a 404 with the same page.
"""

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from .documents import document_verify

VERIFY_RATE = "60/h"


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("文书验证码"),
        max_length=32,
        help_text=_("印在文书每页底部，如 ABCD-EFGH-JKMN。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={"required": _("请输入文书上的验证码。")},
    )


@require_http_methods(["GET", "HEAD"])
def verify(request):
    form = VerifyForm(request.GET or None)
    context = {"form": form, "checked": False, "document": None}
    if not form.is_bound:
        return render(request, "disputes/verify.html", context)
    if is_ratelimited(request, group="verify", key="ip", rate=VERIFY_RATE, method="GET", increment=True):
        response = render(request, "disputes/verify.html", {**context, "limited": True}, status=429)
        response["Retry-After"] = "3600"
        return response
    if not form.is_valid():
        return render(request, "disputes/verify.html", context, status=400)
    document = document_verify(code=form.cleaned_data["code"])
    context.update(checked=True, document=document)
    return render(request, "disputes/verify.html", context, status=200 if document else 404)
