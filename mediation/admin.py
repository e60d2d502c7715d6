"""The mediator's workbench (调解工作台) in the admin: per case, the sessions and contacts, the agreement (drafting with
its items and schedule, the employer's signature, voiding, the PDF), the payments with their proofs, failure and
the worker's consent to arbitration, and the worker's requests to reopen.

Every page starts from :func:`disputes.selectors.case_list_visible_to` (a case, agreement, payment or request
outside the user's scope is a 404), and every write goes through :mod:`mediation.services`, whose answers become
a 403 (not allowed), a message on the workbench (the state no longer allows it) or the form again with its errors.
The role groups carry no model permission for this proxy: who sees it is decided by the selector and the
predicates of :mod:`disputes.permissions`.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from config.admin import ReadOnlyAdminMixin, ScopedAdmin
from config.security_log import security_event
from disputes.evidence import evidence_check
from disputes.exceptions import TransitionConflict
from disputes.permissions import can_follow_up_agreement, can_mediate, can_see_personal_data
from disputes.selectors import case_get_visible, case_list_visible_to
from disputes.states import BEFORE_AGREEMENT_STATES, CaseStatus, EvidenceScanStatus
from organizations.selectors import scope_for

from . import services
from .forms import (
    AgreementForm,
    ConsentForm,
    ContactForm,
    EmployerSignatureForm,
    FailureForm,
    InstalmentFormSet,
    ItemFormSet,
    PaymentForm,
    ReopenHandleForm,
    SessionForm,
    VoidForm,
)
from .models import Agreement, Instalment, MediationCase, Payment, ReopenRequest, SatisfactionSurvey
from .pdf import agreement_pdf_bytes
from .scanning import payment_proof_servable
from .selectors import (
    agreement_current,
    agreement_list_visible_to,
    agreement_paid_total,
    payment_list_visible_to,
    reopen_request_list_visible_to,
)
from .states import AgreementStatus, InstalmentStatus

S = CaseStatus
WORKBENCH_STATES = (
    S.ACCEPTED,
    S.IN_MEDIATION,
    S.AGREEMENT_REACHED,
    S.CONFIRMATION_REQUESTED,
    S.CONFIRMED,
    S.ENFORCEMENT,
    S.FULFILLED,
    S.MEDIATION_FAILED,
    S.CLOSED,
)
_FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, no-store",
}


def _staff_scope(user) -> bool:
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.org_ids) or bool(scope.region_ids)


class FollowUpFilter(admin.SimpleListFilter):
    title = _("跟进事项")
    parameter_name = "follow_up"

    def lookups(self, request, model_admin):
        return [
            ("awaiting", _("协议待签署")),
            ("overdue", _("协议付款逾期")),
            ("reopen", _("有待处理的重新处理申请")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "awaiting":
            return queryset.filter(
                Exists(
                    Agreement.objects.filter(case=OuterRef("pk"), status=AgreementStatus.AWAITING_SIGNATURES)
                )
            )
        if self.value() == "overdue":
            overdue = Instalment.objects.filter(
                agreement__case=OuterRef("pk"), agreement__status=AgreementStatus.EFFECTIVE, due_on__lt=today
            ).exclude(status=InstalmentStatus.PAID)
            return queryset.filter(Exists(overdue))
        if self.value() == "reopen":
            return queryset.filter(
                Exists(ReopenRequest.objects.filter(case=OuterRef("pk"), handled_at__isnull=True))
            )
        return queryset


@admin.register(MediationCase)
class MediationCaseAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    not_found_message = _("未找到该案件。")
    workbench_template = "admin/mediation/mediationcase/workbench.html"
    form_template = "admin/mediation/mediationcase/form.html"

    list_display = ("tracking_code", "status", "station", "worker_name", "worker_phone_col", "employer_name")
    list_display_links = ("tracking_code",)
    list_filter = ("status", FollowUpFilter)
    list_select_related = ("station",)
    search_fields = ("tracking_code", "worker_name", "employer_name")
    show_full_result_count = False
    ordering = ("-created_at", "-id")

    def get_queryset(self, request):
        visible = case_list_visible_to(user=request.user).values("pk")
        return MediationCase.objects.filter(pk__in=visible, status__in=WORKBENCH_STATES)

    def has_module_permission(self, request):
        return _staff_scope(request.user)

    def has_view_permission(self, request, obj=None):
        return _staff_scope(request.user)

    @admin.display(description=_("手机号"))
    def worker_phone_col(self, obj):
        return obj.worker_phone_masked

    # --- URLs --------------------------------------------------------------------------------------------------
    def get_urls(self):
        def view(fn, cacheable=False):
            return self.admin_site.admin_view(fn, cacheable=cacheable)

        name = "mediation_mediationcase"
        return [
            path("<int:case_id>/session/", view(self.session_view), name=f"{name}_session"),
            path("<int:case_id>/contact/", view(self.contact_view), name=f"{name}_contact"),
            path("<int:case_id>/agreement/", view(self.agreement_view), name=f"{name}_agreement"),
            path("<int:case_id>/failure/", view(self.failure_view), name=f"{name}_failure"),
            path("<int:case_id>/consent/", view(self.consent_view), name=f"{name}_consent"),
            path("agreement/<int:agreement_id>/submit/", view(self.submit_view), name=f"{name}_submit"),
            path(
                "agreement/<int:agreement_id>/employer-signature/",
                view(self.employer_signature_view),
                name=f"{name}_employer_signature",
            ),
            path("agreement/<int:agreement_id>/void/", view(self.void_view), name=f"{name}_void"),
            path(
                "agreement/<int:agreement_id>/pdf/", view(self.pdf_view, cacheable=True), name=f"{name}_pdf"
            ),
            path("agreement/<int:agreement_id>/payment/", view(self.payment_view), name=f"{name}_payment"),
            path(
                "payment/<int:payment_id>/proof/", view(self.proof_view, cacheable=True), name=f"{name}_proof"
            ),
            path("reopen/<int:request_id>/handle/", view(self.reopen_view), name=f"{name}_reopen"),
        ] + super().get_urls()

    # --- Helpers -----------------------------------------------------------------------------------------------
    @staticmethod
    def workbench_url(case_id: int) -> str:
        return reverse("admin:mediation_mediationcase_change", args=[case_id])

    def _agreement(self, request, agreement_id) -> Agreement:
        return get_object_or_404(agreement_list_visible_to(user=request.user), pk=agreement_id)

    def _render(
        self, request, case, *, title: str, form, formsets=(), multipart=False, intro="", two_submits=False
    ):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "subtitle": case.tracking_code,
            "case": case,
            "workbench_url": self.workbench_url(case.pk),
            "form": form,
            "formsets": formsets,
            "submit_label": title,
            "two_submits": two_submits,
            "multipart": multipart,
            "intro": intro,
            "has_view_permission": True,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.form_template, context)

    def _done(self, request, case_id, message: str):
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(self.workbench_url(case_id))

    def _conflict(self, request, case_id, exc: TransitionConflict):
        self.message_user(request, str(exc), messages.ERROR)
        return HttpResponseRedirect(self.workbench_url(case_id))

    @staticmethod
    def _errors_to_form(form, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)

    def _require(self, allowed: bool) -> None:
        if not allowed:
            raise PermissionDenied

    # --- The workbench page ------------------------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = case_get_visible(user=request.user, case_id=object_id)
        if case.status not in WORKBENCH_STATES:
            raise Http404(self.not_found_message)
        user = request.user
        personal = can_see_personal_data(case, user)
        mediates = can_mediate(case, user)
        current = agreement_current(case=case)
        agreements = list(case.agreements.select_related("created_by").order_by("-created_at", "-id"))
        payments = list(
            Payment.objects.filter(agreement__case=case)
            .select_related("agreement", "recorded_by")
            .order_by("paid_on", "id")
        )
        url = lambda name, *args: reverse(f"admin:mediation_mediationcase_{name}", args=args)  # noqa: E731
        actions = []
        if mediates and case.status in services.SESSION_STATES:
            actions.append(
                {"label": gettext("记录调解过程"), "url": url("session", case.pk), "dismissive": False}
            )
        if mediates and case.status in services.CONTACT_STATES:
            actions.append(
                {
                    "label": gettext("记录与用人单位的联系"),
                    "url": url("contact", case.pk),
                    "dismissive": False,
                }
            )
        if mediates and case.status == S.IN_MEDIATION and not (current and current.is_effective):
            actions.append(
                {"label": gettext("拟定调解协议"), "url": url("agreement", case.pk), "dismissive": False}
            )
        if mediates and can_proceed(case.record_failure):
            actions.append({"label": gettext("调解不成"), "url": url("failure", case.pk), "dismissive": True})
        if mediates and case.status in BEFORE_AGREEMENT_STATES:
            actions.append(
                {
                    "label": gettext("记录劳动者同意移送仲裁"),
                    "url": url("consent", case.pk),
                    "dismissive": False,
                }
            )
        agreement_actions = []
        if current is not None:
            if personal:
                agreement_actions.append(
                    {"label": gettext("下载协议 PDF"), "url": url("pdf", current.pk), "dismissive": False}
                )
            if mediates and current.status == AgreementStatus.DRAFT and case.status == S.IN_MEDIATION:
                agreement_actions.append(
                    {
                        "label": gettext("提交双方签署"),
                        "url": url("submit", current.pk),
                        "dismissive": False,
                        "post": True,
                    }
                )
            if (
                mediates
                and current.status == AgreementStatus.AWAITING_SIGNATURES
                and current.employer_signed_at is None
                and case.status == S.IN_MEDIATION
            ):
                agreement_actions.append(
                    {
                        "label": gettext("记录用人单位签署"),
                        "url": url("employer_signature", current.pk),
                        "dismissive": False,
                    }
                )
            if mediates and current.status in (AgreementStatus.DRAFT, AgreementStatus.AWAITING_SIGNATURES):
                agreement_actions.append(
                    {"label": gettext("作废协议"), "url": url("void", current.pk), "dismissive": True}
                )
            if (
                current.is_effective
                and case.status in services.PAYMENT_STATES
                and can_follow_up_agreement(case, user)
            ):
                agreement_actions.append(
                    {"label": gettext("记录付款"), "url": url("payment", current.pk), "dismissive": False}
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("调解工作台"),
            "subtitle": case.tracking_code,
            "case": case,
            "case_url": reverse("admin:disputes_case_change", args=[case.pk]),
            "personal": personal,
            "worker_phone": case.worker_phone if personal else case.worker_phone_masked,
            "sessions": list(case.mediation_sessions.select_related("recorded_by")),
            "contacts": list(case.employer_contacts.select_related("recorded_by")),
            "agreement": current,
            "items": list(current.items.all()) if current else [],
            "instalments": list(current.instalments.all()) if current else [],
            "paid": agreement_paid_total(agreement=current) if current else None,
            "contact_phone": (
                (current.employer_contact_phone if personal else current.employer_contact_phone_masked)
                if current
                else ""
            ),
            "older_agreements": [a for a in agreements if current is None or a.pk != current.pk],
            "payments": [
                {"row": p, "proof_url": url("proof", p.pk) if personal and p.proof else ""} for p in payments
            ],
            "reopen_requests": [
                {"row": r, "handle_url": url("reopen", r.pk) if mediates and r.handled_at is None else ""}
                for r in case.reopen_requests.select_related("handled_by")
            ],
            "satisfaction": SatisfactionSurvey.objects.filter(case=case).first(),
            "actions": actions,
            "agreement_actions": agreement_actions,
            "has_view_permission": True,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.workbench_template, context)

    # --- Sessions and contacts --------------------------------------------------------------------------------
    def session_view(self, request, case_id):
        case = case_get_visible(user=request.user, case_id=case_id)
        self._require(can_mediate(case, request.user))
        form = SessionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.session_record(case_id=case.pk, actor=request.user, **form.cleaned_data)
            except TransitionConflict as exc:
                return self._conflict(request, case.pk, exc)
            except ValidationError as exc:
                self._errors_to_form(form, exc)
            else:
                return self._done(request, case.pk, gettext("已记录调解过程。"))
        return self._render(request, case, title=gettext("记录调解过程"), form=form)

    def contact_view(self, request, case_id):
        case = case_get_visible(user=request.user, case_id=case_id)
        self._require(can_mediate(case, request.user))
        form = ContactForm(request.POST or None)
        intro = gettext("劳动者申请保密：联系用人单位前须取得劳动者同意。") if case.confidential else ""
        if request.method == "POST" and form.is_valid():
            try:
                services.contact_record(case_id=case.pk, actor=request.user, **form.cleaned_data)
            except TransitionConflict as exc:
                return self._conflict(request, case.pk, exc)
            except ValidationError as exc:
                self._errors_to_form(form, exc)
            else:
                return self._done(request, case.pk, gettext("已记录与用人单位的联系。"))
        return self._render(request, case, title=gettext("记录与用人单位的联系"), form=form, intro=intro)

    # --- The agreement -----------------------------------------------------------------------------------------
    def agreement_view(self, request, case_id):
        """Draft the agreement: the terms, the items and the schedule. "保存草稿" keeps it for review (the PDF can
        be checked); "保存并提交双方签署" puts it up for signatures at once."""
        case = case_get_visible(user=request.user, case_id=case_id)
        self._require(can_mediate(case, request.user))
        data = request.POST if request.method == "POST" else None
        initial = {"employer_name": case.employer_name, "payment_only": True}
        form = AgreementForm(data, initial=initial)
        items = ItemFormSet(
            data,
            prefix="items",
            initial=[
                {"category": claim.category, "amount": claim.amount} for claim in case.claims.order_by("id")
            ]
            if data is None
            else None,
        )
        schedule = InstalmentFormSet(data, prefix="instalments")
        if request.method == "POST" and all([form.is_valid(), items.is_valid(), schedule.is_valid()]):
            item_rows = [
                services.ItemInput(
                    category=f.cleaned_data.get("category") or "",
                    description=f.cleaned_data.get("description") or "",
                    amount=f.cleaned_data.get("amount") if f.cleaned_data.get("amount") is not None else "",
                )
                for f in items.forms
                if f.has_content()
            ]
            schedule_rows = [
                services.InstalmentInput(
                    due_on=f.cleaned_data.get("due_on"),
                    amount=f.cleaned_data.get("amount") if f.cleaned_data.get("amount") is not None else "",
                )
                for f in schedule.forms
                if f.has_content()
            ]
            try:
                services.agreement_draft(
                    case_id=case.pk,
                    actor=request.user,
                    items=item_rows,
                    instalments=schedule_rows,
                    submit="submit" in request.POST,
                    **form.cleaned_data,
                )
            except TransitionConflict as exc:
                return self._conflict(request, case.pk, exc)
            except ValidationError as exc:
                self._errors_to_form(form, exc)
            else:
                message = (
                    gettext("已拟定调解协议并提交双方签署：劳动者可以在查询页面签署。")
                    if "submit" in request.POST
                    else gettext("已保存协议草稿。")
                )
                return self._done(request, case.pk, message)
        return self._render(
            request,
            case,
            title=gettext("拟定调解协议"),
            form=form,
            formsets=[
                (gettext("协议款项（每行一项）"), items),
                (gettext("付款计划（一次性付款填一行，分期付款每期一行）"), schedule),
            ],
            intro=gettext("款项合计即协议金额；各期金额之和须等于协议金额，付款日期须按先后顺序填写。"),
            two_submits=True,
        )

    def submit_view(self, request, agreement_id):
        agreement = self._agreement(request, agreement_id)
        case = agreement.case
        self._require(can_mediate(case, request.user))
        if request.method != "POST":
            return HttpResponseRedirect(self.workbench_url(case.pk))
        try:
            services.agreement_submit(agreement_id=agreement.pk, actor=request.user)
        except TransitionConflict as exc:
            return self._conflict(request, case.pk, exc)
        return self._done(request, case.pk, gettext("已提交双方签署：劳动者可以在查询页面签署。"))

    def employer_signature_view(self, request, agreement_id):
        agreement = self._agreement(request, agreement_id)
        case = agreement.case
        self._require(can_mediate(case, request.user))
        form = EmployerSignatureForm(
            request.POST or None, initial={"signatory": agreement.employer_contact_name}
        )
        if request.method == "POST" and form.is_valid():
            try:
                signed = services.agreement_sign_by_employer(
                    agreement_id=agreement.pk, actor=request.user, signatory=form.cleaned_data["signatory"]
                )
            except TransitionConflict as exc:
                return self._conflict(request, case.pk, exc)
            except ValidationError as exc:
                self._errors_to_form(form, exc)
            else:
                message = (
                    gettext("已记录用人单位签署。双方均已签署，协议已生效，案件已记为达成调解协议。")
                    if signed.is_effective
                    else gettext("已记录用人单位签署，等待劳动者在查询页面签署。")
                )
                return self._done(request, case.pk, message)
        return self._render(request, case, title=gettext("记录用人单位签署"), form=form)

    def void_view(self, request, agreement_id):
        agreement = self._agreement(request, agreement_id)
        case = agreement.case
        self._require(can_mediate(case, request.user))
        form = VoidForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.agreement_void(agreement_id=agreement.pk, actor=request.user, **form.cleaned_data)
            except TransitionConflict as exc:
                return self._conflict(request, case.pk, exc)
            except ValidationError as exc:
                self._errors_to_form(form, exc)
            else:
                return self._done(request, case.pk, gettext("已作废该协议。"))
        return self._render(request, case, title=gettext("作废协议"), form=form)

    def pdf_view(self, request, agreement_id):
        """The PDF with personal data whole, for the staff who work the case (others who see the case: 403)."""
        agreement = self._agreement(request, agreement_id)
        if not can_see_personal_data(agreement.case, request.user):
            raise PermissionDenied
        response = HttpResponse(
            agreement_pdf_bytes(agreement=agreement, reveal_personal_data=True),
            content_type="application/pdf",
        )
        response["Content-Disposition"] = f'attachment; filename="agreement-{agreement.number}.pdf"'
        for header, value in _FILE_HEADERS.items():
            response[header] = value
        return response

    # --- Payments ----------------------------------------------------------------------------------------------
    def payment_view(self, request, agreement_id):
        agreement = self._agreement(request, agreement_id)
        case = agreement.case
        self._require(can_follow_up_agreement(case, request.user))
        form = PaymentForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            try:
                proof = evidence_check(data.pop("proof"))
            except ValidationError as exc:
                form.add_error("proof", exc.messages)
            else:
                try:
                    services.payment_record(
                        agreement_id=agreement.pk, actor=request.user, proof=proof, **data
                    )
                except TransitionConflict as exc:
                    return self._conflict(request, case.pk, exc)
                except ValidationError as exc:
                    self._errors_to_form(form, exc)
                else:
                    return self._done(request, case.pk, gettext("已记录付款。"))
        return self._render(request, case, title=gettext("记录付款"), form=form, multipart=True)

    def proof_view(self, request, payment_id):
        payment = get_object_or_404(payment_list_visible_to(user=request.user), pk=payment_id)
        if not can_see_personal_data(payment.agreement.case, request.user):
            raise PermissionDenied
        if not payment.proof:
            raise Http404(gettext("文件不存在。"))
        if not payment_proof_servable(payment):
            # Quarantined like evidence: waiting for the virus scan, or found infected (mediation.scanning).
            if payment.proof_scan_status == EvidenceScanStatus.INFECTED:
                message = gettext("该付款凭证未通过病毒检查，已被隔离，不能下载。")
            else:
                message = gettext("该付款凭证正在进行病毒检查，检查通过后才能下载，请稍后再试。")
            security_event("payment_proof_download", actor=request.user, obj=payment, outcome="quarantined")
            response = HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")
            for header, value in _FILE_HEADERS.items():
                response[header] = value
            return response
        try:
            handle = payment.proof.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404(gettext("文件不存在。")) from None
        response = FileResponse(
            handle, as_attachment=True, filename=payment.proof_name, content_type=payment.proof_content_type
        )
        for header, value in _FILE_HEADERS.items():
            response[header] = value
        return response

    # --- Failure and consent -------------------------------------------------------------------------------
    def failure_view(self, request, case_id):
        case = case_get_visible(user=request.user, case_id=case_id)
        self._require(can_mediate(case, request.user))
        form = FailureForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                case = services.mediation_failure_record(
                    case_id=case.pk, actor=request.user, **form.cleaned_data
                )
            except TransitionConflict as exc:
                return self._conflict(request, case.pk, exc)
            except ValidationError as exc:
                self._errors_to_form(form, exc)
            else:
                message = (
                    gettext("已记录调解不成，并按劳动者的同意移送仲裁委员会。")
                    if case.status == S.REFERRED_TO_ARBITRATION
                    else gettext("已记录调解不成。劳动者可以在查询页面确认移送仲裁，也可以告诉您后由您记录。")
                )
                return self._done(request, case.pk, message)
        return self._render(request, case, title=gettext("调解不成"), form=form)

    def consent_view(self, request, case_id):
        case = case_get_visible(user=request.user, case_id=case_id)
        self._require(can_mediate(case, request.user))
        form = ConsentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.arbitration_consent_record(
                    case_id=case.pk,
                    actor=request.user,
                    channel=form.cleaned_data["channel"],
                    note=form.cleaned_data["note"],
                )
            except TransitionConflict as exc:
                return self._conflict(request, case.pk, exc)
            except ValidationError as exc:
                self._errors_to_form(form, exc)
            else:
                self.message_user(request, gettext("已按劳动者的同意移送劳动仲裁。"), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:disputes_case_change", args=[case.pk]))
        return self._render(request, case, title=gettext("记录劳动者同意移送仲裁"), form=form)

    # --- Reopen requests -----------------------------------------------------------------------------------
    def reopen_view(self, request, request_id):
        reopen = get_object_or_404(reopen_request_list_visible_to(user=request.user), pk=request_id)
        case = case_get_visible(user=request.user, case_id=reopen.case_id)
        self._require(can_mediate(case, request.user))
        form = ReopenHandleForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.reopen_request_handle(request_id=reopen.pk, actor=request.user, **form.cleaned_data)
            except TransitionConflict as exc:
                return self._conflict(request, case.pk, exc)
            except ValidationError as exc:
                self._errors_to_form(form, exc)
            else:
                return self._done(request, case.pk, gettext("已记录处理情况。"))
        return self._render(request, case, title=gettext("处理重新处理申请"), form=form, intro=reopen.reason)
