"""Admin pages for a case's evidence and respondents: evidence files served through an authorization check (never
from MEDIA_ROOT directly), and the form with which station staff correct a respondent (disputes.respondents).

Neither model has a menu entry or list: the admins exist for their URLs (``evidence/<id>/download/``,
``evidence/<id>/preview/``, ``respondent/<id>/correct/``), linked from the case page's panels
(:mod:`disputes.templatetags.case_panels`). Imported at the end of :mod:`disputes.admin`.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.security_log import security_event

from .models import Case, Evidence, Respondent
from .permissions import can_correct_respondent, can_see_personal_data
from .respondents import respondent_correct
from .scanning import evidence_servable
from .selectors import case_get_visible, case_list_visible_to
from .states import EvidenceScanStatus, RespondentRole
from .validators import validate_credit_code

# How many other cases with the same credit code the respondents panel names.
LINKED_CASES_SHOWN = 10

_FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, no-store",
}


class _UrlsOnlyAdmin(admin.ModelAdmin):
    """No menu entry, no list, no form: the admin is there for its own views, which check access themselves."""

    def has_module_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Evidence ------------------------------------------------------------------------------------------------
def evidence_get_for_staff(*, user, evidence_id) -> Evidence:
    """The evidence if its case is visible to ``user`` (404 otherwise) and ``user`` works the case (403 for the
    others who see it, officials for one: evidence holds personal data)."""
    evidence = get_object_or_404(Evidence.objects.only("pk", "case_id"), pk=evidence_id)
    case = case_get_visible(user=user, case_id=evidence.case_id)
    if not can_see_personal_data(case, user):
        raise PermissionDenied
    return Evidence.objects.get(pk=evidence.pk)


def _quarantined(evidence: Evidence) -> HttpResponse:
    """409: the file exists but may not be served now (waiting for the virus scan, or found infected)."""
    if evidence.scan_status == EvidenceScanStatus.INFECTED:
        message = gettext("该文件未通过病毒检查，已被隔离，不能下载。")
    else:
        message = gettext("该文件正在进行病毒检查，检查通过后才能下载，请稍后再试。")
    response = HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")
    for header, value in _FILE_HEADERS.items():
        response[header] = value
    return response


def _serve(request, evidence: Evidence, field, kind: str, **kwargs) -> HttpResponse:
    """Serve ``field`` of ``evidence`` (its access already checked) if the scanner allows, logging the attempt."""
    if not evidence_servable(evidence):
        security_event(
            "evidence_download", actor=request.user, obj=evidence, outcome="quarantined", kind=kind
        )
        return _quarantined(evidence)
    response = _file_response(field, **kwargs)
    security_event("evidence_download", actor=request.user, obj=evidence, outcome="success", kind=kind)
    return response


def _file_response(field, **kwargs) -> FileResponse:
    if not field:
        raise Http404(gettext("文件不存在。"))
    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(gettext("文件不存在。")) from None
    response = FileResponse(handle, **kwargs)
    for header, value in _FILE_HEADERS.items():
        response[header] = value
    return response


@admin.register(Evidence)
class EvidenceAdmin(_UrlsOnlyAdmin):
    def get_urls(self):
        # cacheable=True only lets the views set Cache-Control themselves ("private, no-store", _FILE_HEADERS)
        # instead of the admin's never_cache, which would append to it.
        def view(fn):
            return self.admin_site.admin_view(fn, cacheable=True)

        return [
            path("<int:evidence_id>/download/", view(self.download_view), name="disputes_evidence_download"),
            path("<int:evidence_id>/preview/", view(self.preview_view), name="disputes_evidence_preview"),
        ] + super().get_urls()

    def download_view(self, request, evidence_id):
        evidence = evidence_get_for_staff(user=request.user, evidence_id=evidence_id)
        return _serve(
            request,
            evidence,
            evidence.file,
            "file",
            as_attachment=True,
            filename=evidence.display_name,
            content_type=evidence.content_type or "application/octet-stream",
        )

    def preview_view(self, request, evidence_id):
        evidence = evidence_get_for_staff(user=request.user, evidence_id=evidence_id)
        return _serve(request, evidence, evidence.preview, "preview", content_type="image/jpeg")


def evidence_panel_rows(*, case: Case, user) -> dict:
    """The evidence panel's rows; names and links only for the staff who work the case."""
    allowed = can_see_personal_data(case, user)
    rows = []
    for item in case.evidence.order_by("uploaded_at", "id"):
        servable = allowed and evidence_servable(item)
        rows.append(
            {
                "row": item,
                "name": item.display_name if allowed else "",
                "download_url": reverse("admin:disputes_evidence_download", args=[item.pk])
                if servable
                else "",
                "preview_url": reverse("admin:disputes_evidence_preview", args=[item.pk])
                if servable and item.preview
                else "",
                "scan_display": item.get_scan_status_display(),
                "sha_short": item.sha256[:12],
            }
        )
    return {"evidence_rows": rows, "evidence_allowed": allowed}


# --- Respondents ---------------------------------------------------------------------------------------------
class RespondentCorrectForm(forms.Form):
    role = forms.ChoiceField(label=_("身份"), choices=RespondentRole.choices)
    name = forms.CharField(label=_("名称"), max_length=200)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=40,
        required=False,
        help_text=_("18位，可在国家企业信用信息公示系统查询；不知道可以不填。"),
    )
    details = forms.CharField(
        label=_("补充说明"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("如所用App、工牌或工服、谁发工资以及怎么发。"),
    )

    def clean_credit_code(self):
        return validate_credit_code(self.cleaned_data.get("credit_code") or "")


@admin.register(Respondent)
class RespondentAdmin(_UrlsOnlyAdmin):
    respondent_form_template = "admin/disputes/case/respondent_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:respondent_id>/correct/", view(self.correct_view), name="disputes_respondent_correct"),
        ] + super().get_urls()

    def correct_view(self, request, respondent_id):
        """Correct one respondent: 404 outside the user's cases, 403 for those who do not work the case."""
        respondent = get_object_or_404(Respondent, pk=respondent_id)
        case = case_get_visible(user=request.user, case_id=respondent.case_id)
        if not can_correct_respondent(case, request.user):
            raise PermissionDenied
        case_url = reverse("admin:disputes_case_change", args=[case.pk])
        initial = {field: getattr(respondent, field) for field in ("role", "name", "credit_code", "details")}
        form = RespondentCorrectForm(data=request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                respondent_correct(respondent_id=respondent.pk, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                self.message_user(request, gettext("已更正被申请人信息。"), messages.SUCCESS)
                return HttpResponseRedirect(case_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": Case._meta,
            "title": gettext("更正被申请人信息"),
            "subtitle": case.tracking_code,
            "case": case,
            "case_url": case_url,
            "respondent": respondent,
            "form": form,
            "has_view_permission": True,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.respondent_form_template, context)


def respondent_panel_rows(*, case: Case, user) -> dict:
    """The respondents panel's rows: each with its correction link for the staff who work the case, and, for
    one with a credit code, the other cases ``user`` may see that name the same code."""
    may_correct = can_correct_respondent(case, user)
    visible = case_list_visible_to(user=user).exclude(pk=case.pk)
    rows = []
    for respondent in case.respondents.order_by("-is_primary", "id"):
        linked, linked_total = [], 0
        if respondent.credit_code:
            others = (
                visible.filter(respondents__credit_code=respondent.credit_code)
                .distinct()
                .order_by("-created_at", "-id")
            )
            linked_total = others.count()
            linked = [
                {"code": code, "url": reverse("admin:disputes_case_change", args=[pk])}
                for pk, code in others.values_list("pk", "tracking_code")[:LINKED_CASES_SHOWN]
            ]
        rows.append(
            {
                "row": respondent,
                "correct_url": reverse("admin:disputes_respondent_correct", args=[respondent.pk])
                if may_correct
                else "",
                "linked": linked,
                "linked_total": linked_total,
                "linked_more": max(linked_total - len(linked), 0),
            }
        )
    return {"respondent_rows": rows, "respondent_may_correct": may_correct}
