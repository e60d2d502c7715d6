"""Legal aid, re-employment, counselling and check-in answers in the admin (imported at the end of
:mod:`referrals.admin`).

- **The handoff inbox** gains, for these kinds, what the receiver works with: the legal-aid deadlines (decide in 7
  days, assign in 3, overdue marked) and the urgent flag in the list and on the page, the request the worker
  made, and the forms to assign a lawyer, report the aid's result, post a job offer and record a placement.
  :class:`AftercareHandoffAdmin` extends :class:`referrals.admin_handoffs.HandoffAdmin` and takes its place in
  the admin site; everything it adds is a call to a service of :mod:`referrals.legal_aid` or
  :mod:`referrals.aftercare`.
- **Lists** of legal-aid requests, job-seeking forms, counselling referrals and check-in answers, read-only, each
  scoped by its selector (others' rows are a 404); staff who work a case record a worker's request for legal
  aid or counselling from the first and third (``代劳动者申请``).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.admin import ReadOnlyAdminMixin, ScopedAdmin
from disputes.exceptions import TransitionConflict
from disputes.selectors import case_list_visible_to
from disputes.services import tracking_code_normalize

from .admin_handoffs import HandoffAdmin
from .aftercare import (
    checkin_answer_list_visible_to,
    counselling_list_visible_to,
    counselling_request,
    job_offer_post,
    job_placement_record,
    job_seeking_list_visible_to,
)
from .forms import (
    JobOfferForm,
    JobPlacementForm,
    LawyerForm,
    LegalAidOutcomeForm,
    StaffCounsellingForm,
    StaffLegalAidForm,
)
from .handoffs import handoff_is_receiver
from .legal_aid import (
    legal_aid_clock,
    legal_aid_lawyer_assign,
    legal_aid_list_visible_to,
    legal_aid_outcome_record,
    legal_aid_overdue_q,
    legal_aid_request,
)
from .models import (
    CheckInAnswer,
    CounsellingRequest,
    Handoff,
    JobOffer,
    JobPlacement,
    JobSeekingRequest,
    LegalAidAssignment,
    LegalAidRequest,
)
from .states import CounsellingContact, HandoffKind, HandoffStatus, HelpWanted


def _is_staff(request) -> bool:
    return request.user.is_active and request.user.is_staff


def _report(modeladmin, request, exc) -> None:
    """A service's refusal as admin messages (the page is shown again, nothing changed)."""
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            modeladmin.message_user(request, message, messages.ERROR)
    else:
        modeladmin.message_user(request, str(exc), messages.ERROR)


def _due_badge(day, *, overdue: bool, done: bool) -> str:
    if day is None:
        return "—"
    state = "met" if done else ("overdue" if overdue else "open")
    label = gettext("已超期") if overdue else (gettext("已完成") if done else gettext("未到期"))
    return format_html('<span class="os-badge os-deadline-{}">{} {}</span>', state, day.isoformat(), label)


def legal_aid_summary(aid: LegalAidRequest, *, assigned: bool | None = None) -> str:
    """The inbox's column for a legal-aid handoff: urgent, and the decision or assignment deadline."""
    clock = legal_aid_clock(aid, assigned=assigned)
    parts = []
    if aid.urgent:
        parts.append(format_html('<span class="os-badge os-deadline-overdue">{}</span>', gettext("先行援助")))
    if not clock.decided:
        parts.append(
            format_html(
                "{} {}",
                gettext("决定"),
                _due_badge(clock.decision_due_on, overdue=clock.decision_overdue, done=False),
            )
        )
    elif aid.handoff.status == HandoffStatus.ACCEPTED and aid.handoff.completed_at is None:
        parts.append(
            format_html(
                "{} {}",
                gettext("指派"),
                _due_badge(clock.assign_due_on, overdue=clock.assign_overdue, done=clock.assigned),
            )
        )
    return format_html(" ".join(["{}"] * len(parts)), *parts) if parts else "—"


class AftercareFilter(admin.SimpleListFilter):
    title = _("法律援助期限")
    parameter_name = "legal_aid"

    def lookups(self, request, model_admin):
        return [("urgent", _("需先行援助")), ("overdue", _("决定或指派已超期"))]

    def queryset(self, request, queryset):
        if self.value() == "urgent":
            return queryset.filter(kind=HandoffKind.LEGAL_AID, legal_aid_request__urgent=True)
        if self.value() == "overdue":
            ids = LegalAidRequest.objects.filter(legal_aid_overdue_q(today=timezone.localdate())).values(
                "handoff_id"
            )
            return queryset.filter(pk__in=ids)
        return queryset


# --- The handoff inbox, for these kinds --------------------------------------------------------------------------
class AftercareHandoffAdmin(HandoffAdmin):
    list_display = (*HandoffAdmin.list_display, "aftercare_due")
    list_filter = (*HandoffAdmin.list_filter, AftercareFilter)
    change_form_template = "referrals/admin/handoff_change_form.html"

    def get_queryset(self, request):
        has_lawyer = Exists(LegalAidAssignment.objects.filter(request__handoff_id=OuterRef("pk")))
        return (
            super()
            .get_queryset(request)
            .select_related("legal_aid_request")
            .annotate(aid_has_lawyer=has_lawyer)
        )

    @admin.display(description=_("期限/紧急"))
    def aftercare_due(self, obj):
        aid = getattr(obj, "legal_aid_request", None) if obj.kind == HandoffKind.LEGAL_AID else None
        if aid is None:
            return "—"
        aid.handoff = obj
        return legal_aid_summary(aid, assigned=getattr(obj, "aid_has_lawyer", None))

    def get_urls(self):
        custom = [
            path(
                "<int:handoff_id>/aftercare/<str:action>/",
                self.admin_site.admin_view(self.aftercare_view),
                name="referrals_handoff_aftercare",
            )
        ]
        return custom + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        handoff = self.get_object(request, object_id)
        receiver = handoff_is_receiver(handoff=handoff, user=request.user)
        working = receiver and handoff.status == HandoffStatus.ACCEPTED and handoff.completed_at is None
        request_details = dict(handoff.packet.get("request") or {})
        if not receiver:  # what troubles the worker is for the counselling service alone (PIPL Art. 28)
            request_details.pop("concern", None)
        if "preferred_contact" in request_details:
            choices = dict(CounsellingContact.choices)
            request_details["preferred_contact"] = choices.get(request_details["preferred_contact"], "—")
        context = {"aftercare_request": request_details}

        def url(action):
            return reverse("admin:referrals_handoff_aftercare", args=[handoff.pk, action])

        aid = LegalAidRequest.objects.filter(handoff=handoff).first()
        if aid is not None:
            aid.handoff = handoff
            context["legal_aid"] = {
                "request": aid,
                "clock": legal_aid_clock(aid),
                "assignments": list(aid.assignments.order_by("-assigned_at", "-id")),
                "lawyer_form": LawyerForm() if working else None,
                "lawyer_url": url("lawyer"),
                "outcome_form": LegalAidOutcomeForm() if working else None,
                "outcome_url": url("outcome"),
            }
        seeking = JobSeekingRequest.objects.filter(handoff=handoff).first()
        if seeking is not None:
            placement = JobPlacement.objects.filter(request=seeking).first()
            offers = list(seeking.offers.order_by("-posted_on", "-id"))
            placement_form = None
            if working and placement is None:
                placement_form = JobPlacementForm()
                placement_form.fields["offer_id"].widget = forms.Select(
                    choices=[("", "—"), *[(o.pk, f"{o.employer_name} · {o.position}") for o in offers]]
                )
            context["job_seeking"] = {
                "request": seeking,
                "offers": offers,
                "placement": placement,
                "offer_form": JobOfferForm() if working else None,
                "offer_url": url("offer"),
                "placement_form": placement_form,
                "placement_url": url("placement"),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **context})

    def aftercare_view(self, request, handoff_id, action):
        """The receiver's forms for these kinds (POST only): each cleans its form and calls one service."""
        # The scope first, whatever the method: another organization's handoff is a 404, not a redirect to it.
        if not self.get_queryset(request).filter(pk=handoff_id).exists():
            raise Http404(self.not_found_message)
        back = HttpResponseRedirect(reverse("admin:referrals_handoff_change", args=[handoff_id]))
        if request.method != "POST":
            return back
        forms_by_action = {
            "lawyer": LawyerForm,
            "outcome": LegalAidOutcomeForm,
            "offer": JobOfferForm,
            "placement": JobPlacementForm,
        }
        if action not in forms_by_action:
            raise Http404(gettext("没有这个操作。"))
        form = forms_by_action[action](request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
            return back
        data = form.cleaned_data
        try:
            if action in ("lawyer", "outcome"):
                aid = LegalAidRequest.objects.filter(handoff_id=handoff_id).first()
                if aid is None:
                    raise Http404(gettext("这条移交不是法律援助申请。"))
                if action == "lawyer":
                    legal_aid_lawyer_assign(request_id=aid.pk, actor=request.user, **data)
                    done = gettext("已指派律师，劳动者可以在办理进度页看到律师的联系方式。")
                else:
                    legal_aid_outcome_record(request_id=aid.pk, actor=request.user, **data)
                    done = gettext("已反馈援助结果。")
            else:
                seeking = JobSeekingRequest.objects.filter(handoff_id=handoff_id).first()
                if seeking is None:
                    raise Http404(gettext("这条移交不是求职登记。"))
                if action == "offer":
                    job_offer_post(request_id=seeking.pk, actor=request.user, **data)
                    done = gettext("已推荐岗位，劳动者会收到通知。")
                else:
                    job_placement_record(request_id=seeking.pk, actor=request.user, **data)
                    done = gettext("已登记就业安置，移交已办结。")
        except PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except (TransitionConflict, ValidationError) as exc:
            _report(self, request, exc)
            return back
        self.message_user(request, done, messages.SUCCESS)
        return back


admin.site.unregister(Handoff)
admin.site.register(Handoff, AftercareHandoffAdmin)


# --- Lists ---------------------------------------------------------------------------------------------------------
class _RequestListAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """A read-only list of one kind of request, scoped by its selector; the work happens on the handoff."""

    list_select_related = ("case", "handoff__to_org", "handoff__from_org")
    search_fields = ("case__tracking_code",)
    show_full_result_count = False
    ordering = ("-created_at", "-id")

    def has_module_permission(self, request):
        return _is_staff(request)

    def has_view_permission(self, request, obj=None):
        return _is_staff(request)

    @admin.display(description=_("案件"), ordering="case__tracking_code")
    def case_code(self, obj):
        return obj.case.tracking_code

    @admin.display(description=_("移交"))
    def handoff_link(self, obj):
        url = reverse("admin:referrals_handoff_change", args=[obj.handoff_id])
        return format_html(
            '<a href="{}">{} → {} · {}</a>',
            url,
            obj.handoff.from_org or "—",
            obj.handoff.to_org,
            obj.handoff.get_status_display(),
        )


class _StaffRequestMixin:
    """``代劳动者申请``: staff who work a case record the worker's request (a form page; the service decides)."""

    request_form_class: type[forms.Form]
    request_title = ""
    change_list_template = "referrals/admin/request_change_list.html"

    def request_url_name(self) -> str:
        return f"referrals_{self.opts.model_name}_request"

    def get_urls(self):
        custom = [
            path("request/", self.admin_site.admin_view(self.request_view), name=self.request_url_name())
        ]
        return custom + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra = {
            **(extra_context or {}),
            "request_url": reverse(f"admin:{self.request_url_name()}"),
            "request_title": self.request_title,
        }
        return super().changelist_view(request, extra_context=extra)

    def perform(self, *, case, actor, data):
        """The service this staff request form calls; each subclass names its own (an abstract method)."""
        raise NotImplementedError

    def request_view(self, request):
        if not _is_staff(request):
            raise PermissionDenied
        form = self.request_form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            code = tracking_code_normalize(data.pop("tracking_code"))
            case = case_list_visible_to(user=request.user).filter(tracking_code=code).first()
            if case is None:
                form.add_error("tracking_code", gettext("未找到该案件，或不在您的职责范围内。"))
            else:
                try:
                    created = self.perform(case=case, actor=request.user, data=data)
                except PermissionDenied as exc:
                    form.add_error(None, str(exc))
                except TransitionConflict as exc:
                    form.add_error(None, str(exc))
                except ValidationError as exc:
                    if hasattr(exc, "error_dict"):
                        for name, errors in exc.message_dict.items():
                            form.add_error(name if name in form.fields else None, errors)
                    else:
                        form.add_error(None, exc.messages)
                else:
                    self.message_user(
                        request, gettext("已提交，转交%(org)s。") % {"org": created.handoff.to_org}
                    )
                    return HttpResponseRedirect(
                        reverse("admin:referrals_handoff_change", args=[created.handoff_id])
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.request_title,
            "form": form,
            "changelist_url": reverse(f"admin:referrals_{self.opts.model_name}_changelist"),
            "has_view_permission": True,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "referrals/admin/request_form.html", context)


class LegalAidUrgencyFilter(admin.SimpleListFilter):
    title = _("期限")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("urgent", _("需先行援助")), ("overdue", _("决定或指派已超期"))]

    def queryset(self, request, queryset):
        if self.value() == "urgent":
            return queryset.filter(urgent=True)
        if self.value() == "overdue":
            return queryset.filter(legal_aid_overdue_q(today=timezone.localdate()))
        return queryset


class LegalAidAssignmentInline(admin.TabularInline):
    model = LegalAidAssignment
    extra = 0
    can_delete = False
    fields = ("lawyer_name", "law_firm", "lawyer_phone", "assigned_at", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return _is_staff(request)


@admin.register(LegalAidRequest)
class LegalAidRequestAdmin(_StaffRequestMixin, _RequestListAdmin):
    not_found_message = _("未找到该法律援助申请。")
    request_form_class = StaffLegalAidForm
    request_title = _("代劳动者申请法律援助")
    list_display = ("created_at", "case_code", "handoff_link", "due_col", "lawyer_col", "result")
    list_filter = (LegalAidUrgencyFilter, "means_test_exempt", "result")
    inlines = [LegalAidAssignmentInline]
    fields = (
        "case_code",
        "handoff_link",
        "requested_by",
        "reason",
        "affordability",
        "migrant_worker",
        "means_test_exempt",
        "urgent",
        "urgent_deadline",
        "urgent_due_on",
        "decision_due_on",
        "assign_due_on",
        "due_provisional",
        "result",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return legal_aid_list_visible_to(user=request.user).prefetch_related("assignments")

    @staticmethod
    def _lawyer(obj):
        rows = sorted(obj.assignments.all(), key=lambda a: (a.assigned_at, a.pk), reverse=True)
        return rows[0] if rows else None

    @admin.display(description=_("期限/紧急"))
    def due_col(self, obj):
        return legal_aid_summary(obj, assigned=self._lawyer(obj) is not None)

    @admin.display(description=_("律师"))
    def lawyer_col(self, obj):
        lawyer = self._lawyer(obj)
        return f"{lawyer.lawyer_name}（{lawyer.law_firm}）" if lawyer else "—"

    def perform(self, *, case, actor, data):
        return legal_aid_request(case_id=case.pk, actor=actor, **data)


class JobOfferInline(admin.TabularInline):
    model = JobOffer
    extra = 0
    can_delete = False
    fields = ("posted_on", "employer_name", "position", "wage", "contact", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return _is_staff(request)


@admin.register(JobSeekingRequest)
class JobSeekingRequestAdmin(_RequestListAdmin):
    not_found_message = _("未找到该求职登记。")
    list_display = ("created_at", "case_code", "handoff_link", "desired_job", "desired_area", "availability")
    list_filter = ("availability",)
    inlines = [JobOfferInline]
    fields = (
        "case_code",
        "handoff_link",
        "desired_job",
        "desired_area",
        "skills",
        "availability",
        "contact_consent",
        "placement_col",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return job_seeking_list_visible_to(user=request.user)

    @admin.display(description=_("就业安置"))
    def placement_col(self, obj):
        placement = JobPlacement.objects.filter(request=obj).first()
        return str(placement) if placement else "—"


@admin.register(CounsellingRequest)
class CounsellingRequestAdmin(_StaffRequestMixin, _RequestListAdmin):
    """Referrals; what troubles the worker is read by the counselling service in the handoff, not here."""

    not_found_message = _("未找到该心理疏导转介。")
    request_form_class = StaffCounsellingForm
    request_title = _("代劳动者转介心理疏导")
    list_display = ("created_at", "case_code", "handoff_link", "requested_by", "preferred_contact")
    list_filter = ("preferred_contact",)
    fields = ("case_code", "handoff_link", "requested_by", "preferred_contact", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return counselling_list_visible_to(user=request.user)

    def perform(self, *, case, actor, data):
        return counselling_request(case_id=case.pk, actor=actor, **data)


@admin.register(CheckInAnswer)
class CheckInAnswerAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """The workers' answers to the check-ins after closure, for the staff of their cases."""

    not_found_message = _("未找到该回访回复。")
    list_display = ("created_at", "case_code", "days_col", "work_situation", "help_col", "note")
    list_filter = ("work_situation",)
    list_select_related = ("case", "check_in")
    search_fields = ("case__tracking_code",)
    show_full_result_count = False
    ordering = ("-created_at", "-id")
    fields = ("case_code", "days_col", "work_situation", "help_col", "note", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return checkin_answer_list_visible_to(user=request.user)

    def has_module_permission(self, request):
        return _is_staff(request)

    def has_view_permission(self, request, obj=None):
        return _is_staff(request)

    @admin.display(description=_("案件"), ordering="case__tracking_code")
    def case_code(self, obj):
        url = reverse("admin:disputes_case_change", args=[obj.case_id])
        return format_html('<a href="{}">{}</a>', url, obj.case.tracking_code)

    @admin.display(description=_("回访"))
    def days_col(self, obj):
        return gettext("办结后第 %(days)d 天") % {"days": obj.check_in.days}

    @admin.display(description=_("需要的帮助"))
    def help_col(self, obj):
        labels = dict(HelpWanted.choices)
        return "、".join(str(labels.get(item, item)) for item in obj.help_wanted) or "—"
