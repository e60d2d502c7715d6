"""The worker's mediation actions on ``/track/agreement/…``: read the agreement as a PDF, sign it with the PIN, pick
the next step after a missed payment, rate the service, ask to reopen.

Every view works on the case opened in this browser session (``disputes.views.SESSION_TRACK``), never on an id
from the URL, so nobody reaches another worker's agreement by changing a number. The views read the request, call
:mod:`mediation.services` and redirect back to ``/track/`` with a message; the lock-out on wrong PINs answers 429.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from config.client import client_ip
from disputes.exceptions import TransitionConflict, UnknownTransition
from disputes.tracking import TrackingLocked, tracking_case
from disputes.views import SESSION_TRACK

from .forms import RemedyForm, ReopenForm, SatisfactionForm, SignForm
from .pdf import agreement_pdf_bytes
from .services import agreement_sign_by_worker, remedy_choose, reopen_request_create, satisfaction_record
from .tracking import agreement_for_worker

_FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, no-store",
}


def _opened_case(request):
    case = tracking_case(case_id=request.session.get(SESSION_TRACK))
    if case is None:
        request.session.pop(SESSION_TRACK, None)
    return case


def _back(anchor: str = "agreement"):
    return redirect(f"{reverse('disputes:track')}#{anchor}")


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)


def _service_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _changed(request) -> None:
    messages.error(request, _("您的案件刚刚有了变化，请查看最新情况。"))


def _locked(request, exc: TrackingLocked):
    response = render(
        request,
        "disputes/error.html",
        {"title": _("暂时不能操作"), "message": str(exc), "status": 429},
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


@require_http_methods(["GET", "HEAD"])
def agreement_pdf(request):
    """The opened case's agreement (awaiting signatures or effective) as a PDF, with personal data masked. Not
    cached anywhere ("private, no-store", set here rather than by never_cache, which would add to it)."""
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    agreement = agreement_for_worker(case=case)
    if agreement is None:
        raise Http404(_("没有可以查看的调解协议。"))
    response = HttpResponse(
        agreement_pdf_bytes(agreement=agreement, reveal_personal_data=False), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="agreement-{agreement.number}.pdf"'
    for header, value in _FILE_HEADERS.items():
        response[header] = value
    return response


@never_cache
@require_http_methods(["POST"])
def agreement_sign(request):
    """The worker signs the agreement awaiting their signature, confirming with their PIN."""
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    agreement = agreement_for_worker(case=case)
    if agreement is None:
        messages.error(request, _("没有需要您签署的调解协议。"))
        return _back()
    form = SignForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back()
    try:
        signed = agreement_sign_by_worker(
            agreement_id=agreement.pk, pin=form.cleaned_data["pin"], client_ip=client_ip(request)
        )
    except TrackingLocked as exc:
        return _locked(request, exc)
    except ValidationError as exc:
        _service_errors(request, exc)
    except (TransitionConflict, UnknownTransition, PermissionDenied):
        _changed(request)
    else:
        if signed.is_effective:
            messages.success(request, _("您已签署调解协议。双方均已签署，协议已经生效。"))
        else:
            messages.success(request, _("您已签署调解协议。用人单位签署后协议生效，我们会通知您。"))
    return _back()


@never_cache
@require_http_methods(["POST"])
def agreement_remedy(request):
    """The worker starts the next step they chose after a missed payment."""
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    form = RemedyForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back("remedies")
    try:
        agreement = remedy_choose(case_id=case.pk, remedy=form.cleaned_data["remedy"])
    except ValidationError as exc:
        _service_errors(request, exc)
    except (TransitionConflict, UnknownTransition, PermissionDenied):
        _changed(request)
    else:
        messages.success(
            request,
            _("已按您的选择办理“%(remedy)s”，结果会通知您。") % {"remedy": agreement.get_remedy_display()},
        )
    return _back("remedies")


@never_cache
@require_http_methods(["POST"])
def satisfaction(request):
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    form = SatisfactionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back("satisfaction")
    try:
        satisfaction_record(
            case_id=case.pk, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        _service_errors(request, exc)
    except (TransitionConflict, UnknownTransition):
        messages.info(request, _("您已经评价过了，谢谢。"))
    else:
        messages.success(request, _("感谢您的评价！"))
    return _back("satisfaction")


@never_cache
@require_http_methods(["POST"])
def reopen(request):
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    form = ReopenForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back("reopen")
    try:
        reopen_request_create(case_id=case.pk, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        _service_errors(request, exc)
    except (TransitionConflict, UnknownTransition):
        _changed(request)
    else:
        messages.success(request, _("已提交，调解组织会尽快联系您。"))
    return _back("reopen")
