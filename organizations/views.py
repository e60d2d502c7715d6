"""Public pages of the directory: an organization's page with its QR code and its printable poster.

Only active organizations that take claims have a page (:func:`organization_list_taking_claims`); any other code
is a 404, so a court or an inactive station never gets a poster that would send workers nowhere.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import posters
from .models import Organization
from .selectors import organization_list_taking_claims


def _organization(code: str) -> Organization:
    org = organization_list_taking_claims().filter(code=code).first()
    if org is None:
        raise Http404(_("未找到该调解组织，或该组织暂不受理申请。"))
    return org


def _file(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # The code depends only on the address; an hour's caching spares the CPU without pinning a changed address.
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def organization_page(request, code: str):
    org = _organization(code)
    return render(
        request,
        "organizations/organization_page.html",
        {
            "org": org,
            "intake_path": posters.intake_path(org.code),
            "intake_url": posters.intake_url(org, request),
        },
    )


@require_safe
def poster_pdf(request, code: str):
    org = _organization(code)
    content = posters.poster_pdf(org, posters.intake_url(org, request))
    return _file(content, "application/pdf", f"poster-{org.code}.pdf")


@require_safe
def poster_png(request, code: str):
    org = _organization(code)
    return _file(posters.qr_png(posters.intake_url(org, request)), "image/png", f"qr-{org.code}.png")


@require_safe
def poster_svg(request, code: str):
    org = _organization(code)
    return _file(posters.qr_svg(posters.intake_url(org, request)), "image/svg+xml", f"qr-{org.code}.svg")
