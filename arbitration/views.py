"""The worker's arbitration actions on ``/track/…``: apply for enforcement, and download a document issued for the
case.

Every view works on the case opened in this browser session (``disputes.views.SESSION_TRACK``), never on a case
id from the URL; a document id that is not one of that case's documents is a 404, so nobody reaches another
worker's papers by changing a number.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from disputes.exceptions import TransitionConflict, UnknownTransition
from disputes.permissions import WORKER
from disputes.tracking import tracking_case
from disputes.views import SESSION_TRACK

from .selectors import documents_of
from .services import enforcement_apply, enforcement_option

FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, no-store",
}


def _opened_case(request):
    case = tracking_case(case_id=request.session.get(SESSION_TRACK))
    if case is None:
        request.session.pop(SESSION_TRACK, None)
    return case


def document_response(document, *, as_attachment: bool) -> FileResponse:
    """The stored PDF of an issued document, with headers that keep it from running anything or being cached."""
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404(_("文件不存在。")) from None
    response = FileResponse(
        handle,
        as_attachment=as_attachment,
        filename=f"{document.get_kind_display()}-{document.verification_code}.pdf",
        content_type="application/pdf",
    )
    for header, value in FILE_HEADERS.items():
        response[header] = value
    return response


@never_cache
@require_http_methods(["GET", "HEAD"])
def track_document(request, document_id: int):
    """One of the opened case's documents, as the PDF it was issued."""
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    document = documents_of(case=case).filter(pk=document_id).first()
    if document is None:
        raise Http404(_("没有这份文书。"))
    return document_response(document, as_attachment=False)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track_enforcement(request):
    """The worker applies for enforcement: GET shows what and where, POST (with the confirmation ticked) applies."""
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    option = enforcement_option(case=case)
    if not option.available:
        messages.error(request, option.why_not or _("您的案件现在不能申请强制执行。"))
        return redirect("disputes:track")
    if request.method != "POST":
        return render(
            request,
            "arbitration/track_enforcement.html",
            {"option": option, "amount": f"{option.amount:,.2f}"},
        )
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("请先勾选确认，再提交申请。"))
        return redirect("arbitration:track-enforcement")
    try:
        enforcement_apply(case_id=case.pk, actor=WORKER)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except (TransitionConflict, UnknownTransition, PermissionDenied):
        messages.error(request, _("您的案件刚刚有了变化，请查看最新情况。"))
    else:
        messages.success(
            request, _("已为您申请强制执行，案件已转交%(court)s。") % {"court": option.court_name}
        )
    return redirect(f"{reverse('disputes:track')}#enforcement")
