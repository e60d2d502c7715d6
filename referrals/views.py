"""The worker's pages beside and after the dispute, under ``/track/`` (no account: the case opened with its code and
PIN, kept in the session by :mod:`disputes.views`): ask for legal aid, register as a job seeker, ask for
counselling, answer a check-in.

Each page shows its form (GET) and hands the cleaned form to a service (POST), then goes back to ``/track/`` with
a message. CSRF is checked by the middleware. A request the case does not allow (now) is a message on
``/track/``, not an error page; a second request while one is running is refused by the service (409) and said so.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from disputes.exceptions import TransitionConflict
from disputes.permissions import WORKER
from disputes.states import OPEN_STATES
from disputes.tracking import tracking_case
from disputes.views import SESSION_TRACK
from organizations.states import OrgType

from .aftercare import (
    checkin_answer,
    checkin_pending,
    counselling_request,
    nearest_organization,
    open_handoff,
    reemployment_allowed,
    reemployment_request,
)
from .forms import CheckInForm, CounsellingForm, JobSeekingForm, LegalAidForm
from .legal_aid import (
    legal_aid_centre_for,
    legal_aid_request,
    legal_aid_urgent_deadline,
    no_means_test_claims,
)
from .states import HandoffKind


def _opened_case(request):
    case = tracking_case(case_id=request.session.get(SESSION_TRACK))
    if case is None:
        request.session.pop(SESSION_TRACK, None)
    return case


def _back(anchor: str):
    return redirect(f"{reverse('disputes:track')}#{anchor}")


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _submit(request, form, action, *, success: str, anchor: str):
    """Run ``action`` with the form's data; back to /track/ on success or when the case changed meanwhile; None
    when the form is to be shown again with its errors."""
    try:
        action(**form.cleaned_data)
    except (TransitionConflict, PermissionDenied) as exc:
        messages.error(request, str(exc) if isinstance(exc, TransitionConflict) else _("无法提交这个申请。"))
        return _back(anchor)
    except ValidationError as exc:
        _errors_to_form(form, exc)
        return None
    messages.success(request, success)
    return _back(anchor)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track_legal_aid(request):
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    if case.status not in OPEN_STATES or open_handoff(case=case, kind=HandoffKind.LEGAL_AID) is not None:
        messages.error(request, _("您的案件现在不能申请法律援助，或已经有一份申请正在办理。"))
        return _back("legal-aid")
    centre = legal_aid_centre_for(case=case)
    if centre is None:
        messages.error(request, _("本地区还没有登记法律援助中心，请拨打 12348 法律服务热线申请法律援助。"))
        return _back("legal-aid")
    form = LegalAidForm(request.POST or None, centre_name=centre.name)
    if request.method == "POST" and form.is_valid():
        done = _submit(
            request,
            form,
            lambda **data: legal_aid_request(case_id=case.pk, actor=WORKER, **data),
            success=_("已提交法律援助申请，转交%(org)s。请保持手机畅通。") % {"org": centre.name},
            anchor="legal-aid",
        )
        if done is not None:
            return done
    urgent = legal_aid_urgent_deadline(case=case)
    return render(
        request,
        "referrals/track_legal_aid.html",
        {
            "form": form,
            "centre": centre,
            "tracking_code": case.tracking_code,
            "no_means_test": no_means_test_claims(case=case),
            "urgent": urgent,
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track_reemployment(request):
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    if not reemployment_allowed(case=case) or open_handoff(case=case, kind=HandoffKind.REEMPLOYMENT):
        messages.error(request, _("案件办结后才能登记求职；已经登记的，请等待就业服务中心联系。"))
        return _back("reemployment")
    centre = nearest_organization(case=case, org_type=OrgType.EMPLOYMENT_SERVICE)
    if centre is None:
        messages.error(request, _("本地区还没有登记就业服务中心，请拨打 12333 人社服务热线咨询求职服务。"))
        return _back("reemployment")
    form = JobSeekingForm(request.POST or None, centre_name=centre.name)
    if request.method == "POST" and form.is_valid():
        done = _submit(
            request,
            form,
            lambda **data: reemployment_request(case_id=case.pk, actor=WORKER, **data),
            success=_("已登记求职意向，转交%(org)s。请保持手机畅通。") % {"org": centre.name},
            anchor="reemployment",
        )
        if done is not None:
            return done
    return render(
        request,
        "referrals/track_reemployment.html",
        {"form": form, "centre": centre, "tracking_code": case.tracking_code},
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track_counselling(request):
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    if open_handoff(case=case, kind=HandoffKind.COUNSELLING) is not None:
        messages.error(request, _("已经转介过心理疏导服务，服务机构会与您联系。"))
        return _back("counselling")
    service = nearest_organization(case=case, org_type=OrgType.COUNSELLING)
    if service is None:
        messages.error(request, _("本地区还没有登记心理咨询服务机构，可以拨打 12356 心理援助热线。"))
        return _back("counselling")
    form = CounsellingForm(request.POST or None, service_name=service.name)
    if request.method == "POST" and form.is_valid():
        done = _submit(
            request,
            form,
            lambda **data: counselling_request(case_id=case.pk, actor=WORKER, **data),
            success=_("已为您转介%(org)s，对方会按您选择的方式联系您。") % {"org": service.name},
            anchor="counselling",
        )
        if done is not None:
            return done
    return render(
        request,
        "referrals/track_counselling.html",
        {"form": form, "service": service, "tracking_code": case.tracking_code},
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track_checkin(request):
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    pending = checkin_pending(case=case)
    if pending is None:
        messages.info(request, _("目前没有需要回复的回访，或您已经回复过了。"))
        return redirect("disputes:track")
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _submit(
            request,
            form,
            lambda **data: checkin_answer(case_id=case.pk, **data),
            success=_("谢谢您的回复。需要帮助的，可以在本页直接申请。"),
            anchor="checkin",
        )
        if done is not None:
            return done
    return render(
        request,
        "referrals/track_checkin.html",
        {"form": form, "days": pending.days, "tracking_code": case.tracking_code},
    )
