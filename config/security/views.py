"""The two-factor pages for staff: verify a signed-in session, or enrol an authenticator first."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from .forms import OtpEnrolForm, OtpTokenForm
from .twofactor import (
    VerifyOutcome,
    otp_required_for,
    otp_verify,
    totp_enrolment_confirm,
    totp_enrolment_start,
    user_has_confirmed_device,
)


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


@never_cache
@sensitive_post_parameters("otp_token")
@login_required
def otp_verify_view(request):
    """Ask a signed-in member of staff for a code; a verified session goes on to ``next``."""
    user = request.user
    if not otp_required_for(user) or user.is_verified():
        return redirect(_next_url(request))
    if not user_has_confirmed_device(user):
        return redirect(f"{reverse('security:otp-enrol')}?{request.GET.urlencode()}")
    form = OtpTokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = otp_verify(request=request, token=form.cleaned_data["otp_token"])
        if outcome is VerifyOutcome.VERIFIED:
            return redirect(_next_url(request))
        if outcome is VerifyOutcome.THROTTLED:
            form.add_error("otp_token", _("错误次数过多，请稍等片刻再试。"))
            status = 429
        else:
            form.add_error("otp_token", _("验证码不正确或已使用过，请输入身份验证器上当前显示的验证码。"))
            status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "otp/verify.html", {"form": form, "next": _next_url(request)}, status=status)


@never_cache
@sensitive_post_parameters("otp_token")
@login_required
def otp_enrol_view(request):
    """Set up an authenticator: a QR code and the key as text, confirmed with a code; then the recovery codes,
    shown once. Only for a member of staff with no authenticator yet, or whose session is verified (replacing
    one): a password alone must never be enough to add a second factor to someone else's account."""
    user = request.user
    if not otp_required_for(user):
        return redirect(_next_url(request))
    if user_has_confirmed_device(user) and not user.is_verified():
        return redirect(f"{reverse('security:otp-verify')}?{request.GET.urlencode()}")
    form = OtpEnrolForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        result = totp_enrolment_confirm(request=request, token=form.cleaned_data["otp_token"])
        if result.outcome is VerifyOutcome.VERIFIED:
            return render(
                request,
                "otp/recovery_codes.html",
                {"codes": result.recovery_codes, "next": _next_url(request)},
            )
        if result.outcome is VerifyOutcome.THROTTLED:
            form.add_error("otp_token", _("错误次数过多，请稍等片刻再试。"))
            status = 429
        else:
            form.add_error(
                "otp_token", _("验证码不正确，请确认手机时间准确后，输入身份验证器上当前显示的验证码。")
            )
            status = 400
    elif request.method == "POST":
        status = 400
    enrolment = totp_enrolment_start(user=user)
    context = {
        "form": form,
        "next": _next_url(request),
        "enrolment": enrolment,
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "otp/enrol.html", context, status=status)
