"""Special urgent cases (特事急诊) in the staff workbench: the escalation form opened from the case page, the list of
the consultations a staff member takes part in or whose case their station holds, and each consultation's page
(the case summary for the participants, the countdown, and the one-case-one-plan form).

Reads start from :func:`disputes.urgent.consultation_list_visible_to` (others' consultations are a 404); writes
go through :func:`disputes.urgent.case_escalate_urgent` and :func:`disputes.urgent.consultation_record_plan`.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from organizations.selectors import scope_for

from .deadlines import deadline_state
from .exceptions import TransitionConflict
from .models.urgent import ConsultationRole, UrgentConsultation
from .permissions import can_see_personal_data
from .selectors import case_get_visible
from .services import transition_label
from .urgent import (
    ESCALATE,
    RECORD_PLAN,
    PlanAction,
    can_escalate_urgent,
    can_record_plan,
    case_escalate_urgent,
    consultation_candidates,
    consultation_deadline,
    consultation_events,
    consultation_get_visible,
    consultation_list_visible_to,
    consultation_open_for,
    consultation_record_plan,
)

SEAT_FIELDS = (ConsultationRole.ARBITRATOR, ConsultationRole.PEOPLES_MEDIATOR, ConsultationRole.LAWYER)


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("列为特事急诊的理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("例如：涉及人数多、情绪激烈、有极端行为风险、欠薪临近春节等。参加人会看到这段说明。"),
    )

    def __init__(self, *args, candidates: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for seat in SEAT_FIELDS:
            options = candidates.get(seat, [])
            self.fields[seat] = forms.ChoiceField(
                label=ConsultationRole(seat).label,
                required=bool(options),
                choices=[
                    (
                        c.username,
                        gettext("%(name)s（%(org)s，进行中会商 %(n)d 件）")
                        % {"name": c.name, "org": c.organization.name, "n": c.open_consultations},
                    )
                    for c in options
                ],
                initial=options[0].username if options else None,
                help_text=_("默认选最近机构中进行中会商最少的人员。")
                if options
                else _("本区域及上级区域都没有可参加会商的人员，请先在组织机构中登记。"),
            )


class PlanForm(forms.Form):
    summary = forms.CharField(
        label=_("商定的措施"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("会商一致同意的处理方案（一案一策）。"),
    )


class PlanActionForm(forms.Form):
    what = forms.CharField(label=_("事项"), max_length=300, required=False)
    who = forms.CharField(label=_("负责方"), max_length=100, required=False)
    due_on = forms.DateField(
        label=_("完成日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        filled = [data.get("what"), data.get("who"), data.get("due_on")]
        if any(filled) and not all(filled):
            raise ValidationError(gettext("请写全事项、负责方和完成日期，或整行留空。"))
        return data


PlanActionFormSet = forms.formset_factory(PlanActionForm, extra=4, max_num=20)


def _staff_scope(user) -> bool:
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.org_ids) or bool(scope.region_ids)


@admin.register(UrgentConsultation)
class UrgentConsultationAdmin(admin.ModelAdmin):
    """Read-only in the admin's own sense: a consultation is opened by escalating a case and closed by recording
    its plan, each on its own page."""

    escalate_template = "admin/disputes/urgentconsultation/escalate.html"
    consultation_template = "admin/disputes/urgentconsultation/consultation.html"

    list_display = ("case_col", "status", "escalated_at", "escalated_by", "members_col", "plan_recorded_at")
    list_filter = ("status",)
    list_select_related = ("case", "escalated_by")
    ordering = ("-escalated_at", "-id")
    search_fields = ("case__tracking_code",)
    show_full_result_count = False

    # The role groups carry no model permission for consultations: who sees one is decided by the selector.
    def get_queryset(self, request):
        return consultation_list_visible_to(user=request.user).prefetch_related("members__user")

    def has_module_permission(self, request):
        return _staff_scope(request.user)

    def has_view_permission(self, request, obj=None):
        return _staff_scope(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("案件"), ordering="case__tracking_code")
    def case_col(self, obj):
        return obj.case.tracking_code

    @admin.display(description=_("参加人"))
    def members_col(self, obj):
        return format_html_join(
            "、",
            "{}：{}",
            (
                (m.get_role_display(), m.user.get_full_name() or m.user.get_username())
                for m in obj.members.all()
            ),
        )

    def get_urls(self):
        custom = [
            path(
                "escalate/<int:case_id>/",
                self.admin_site.admin_view(self.escalate_view),
                name="disputes_urgentconsultation_escalate",
            ),
        ]
        return custom + super().get_urls()

    def _context(self, request, **extra):
        request.current_app = self.admin_site.name
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "has_view_permission": True,
            **extra,
        }

    # --- Escalating a case ---------------------------------------------------------------------------------
    def escalate_view(self, request, case_id):
        """Escalate the case (GET: the form with the eligible staff per seat and a default; POST: the service).
        404 for a case outside the user's scope; an open consultation the user may see opens instead; 403 for
        a user who may not escalate; a closed case or a consultation opened meanwhile is a message on the case
        page."""
        case = case_get_visible(user=request.user, case_id=case_id)
        case_url = reverse("admin:disputes_case_change", args=[case.pk])
        current = consultation_open_for(case=case)
        if current is not None:
            if consultation_list_visible_to(user=request.user).filter(pk=current.pk).exists():
                return HttpResponseRedirect(
                    reverse("admin:disputes_urgentconsultation_change", args=[current.pk])
                )
            self.message_user(request, gettext("该案件已有进行中的特事急诊会商。"), messages.WARNING)
            return HttpResponseRedirect(case_url)
        if not can_escalate_urgent(case, request.user):
            raise PermissionDenied
        if not case.is_open:
            self.message_user(request, gettext("案件已结束，不能列为特事急诊。"), messages.ERROR)
            return HttpResponseRedirect(case_url)

        candidates = consultation_candidates(case=case)
        form = EscalateForm(request.POST or None, candidates=candidates)
        if request.method == "POST" and form.is_valid():
            try:
                consultation = case_escalate_urgent(
                    case_id=case.pk,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    **{seat: form.cleaned_data.get(seat) or None for seat in SEAT_FIELDS},
                )
            except TransitionConflict as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return HttpResponseRedirect(case_url)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.message_user(
                    request,
                    gettext("已列为特事急诊，已通知三位参加人；请在三个工作日内形成一案一策。"),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:disputes_urgentconsultation_change", args=[consultation.pk])
                )
        label = transition_label(ESCALATE)
        context = self._context(
            request,
            title=gettext("特事急诊"),
            subtitle=case.tracking_code,
            case=case,
            case_url=case_url,
            form=form,
            seat_fields=[form[seat] for seat in SEAT_FIELDS],
            action_label=label,
            media=self.media + form.media,
        )
        return TemplateResponse(request, self.escalate_template, context)

    # --- The consultation page -----------------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The case summary for the participants (personal data masked unless the reader works the case), the
        countdown, the participants, and the plan: its form while the consultation is open and the reader may
        record it, the agreed plan once recorded."""
        consultation = consultation_get_visible(user=request.user, consultation_id=object_id)
        case = consultation.case
        url = reverse("admin:disputes_urgentconsultation_change", args=[consultation.pk])
        may_record = consultation.is_open and can_record_plan(consultation, request.user)
        plan_form = action_formset = None
        if may_record:
            plan_form = PlanForm(request.POST or None, prefix="plan")
            action_formset = PlanActionFormSet(request.POST or None, prefix="actions")
            if request.method == "POST" and plan_form.is_valid() and action_formset.is_valid():
                actions = [
                    PlanAction(what=f["what"], who=f["who"], due_on=f["due_on"])
                    for f in action_formset.cleaned_data
                    if f and f.get("what")
                ]
                try:
                    consultation_record_plan(
                        consultation_id=consultation.pk,
                        actor=request.user,
                        summary=plan_form.cleaned_data["summary"],
                        actions=actions,
                    )
                except TransitionConflict as exc:
                    self.message_user(request, str(exc), messages.ERROR)
                    return HttpResponseRedirect(url)
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        plan_form.add_error("summary" if field == "summary" else None, errors)
                else:
                    self.message_user(request, gettext("已记录一案一策，会商结束。"), messages.SUCCESS)
                    return HttpResponseRedirect(url)
        elif request.method == "POST":
            if not consultation.is_open:
                self.message_user(request, gettext("该会商已形成一案一策并结束。"), messages.ERROR)
                return HttpResponseRedirect(url)
            raise PermissionDenied

        deadline = consultation_deadline(consultation=consultation)
        countdown = None
        if deadline is not None:
            code, label = deadline_state(deadline)
            countdown = {"row": deadline, "state": code, "state_label": label}
        show_personal = can_see_personal_data(case, request.user)
        context = self._context(
            request,
            title=gettext("特事急诊会商"),
            subtitle=case.tracking_code,
            consultation=consultation,
            case=case,
            case_url=reverse("admin:disputes_case_change", args=[case.pk]),
            claims=list(case.claims.order_by("id")),
            worker_id=case.worker_id_number if show_personal else case.worker_id_masked,
            worker_phone=case.worker_phone if show_personal else case.worker_phone_masked,
            members=list(consultation.members.select_related("user", "organization").order_by("role")),
            countdown=countdown,
            events=[
                {"row": e, "label": transition_label(e.transition)}
                for e in consultation_events(consultation=consultation).select_related("actor")
            ],
            plan_form=plan_form,
            action_formset=action_formset,
            plan_label=transition_label(RECORD_PLAN),
            media=self.media + (plan_form.media if plan_form else forms.Media()),
        )
        return TemplateResponse(request, self.consultation_template, context)

    def history_view(self, request, object_id, extra_context=None):
        raise Http404  # the case's own history is the record
