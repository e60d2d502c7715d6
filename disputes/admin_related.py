"""Admin pages for related cases and group-dispute early warning: probable duplicates (merge or dismiss, from the
case page's panel), warnings (acknowledge, assign a coordinator, close), the thresholds per region, legal
check-ups and outreach visits, and the employer page that shows an employer's cases, warnings, risk reports and
visits together.

Every list starts from a scoped selector; every change goes through a service in :mod:`disputes.related` or
:mod:`disputes.warnings`. Imported at the end of :mod:`disputes.admin`.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.admin import ReadOnlyAdminMixin, ScopedAdmin
from organizations.selectors import scope_for

from .employers import employer_page, employer_page_allowed, employer_page_title, employer_search, mask_name
from .exceptions import TransitionConflict
from .models import EmployerVisit, GroupWarning, GroupWarningSetting, RelatedCaseLink
from .models.related import RelatedLinkStatus
from .related import can_decide_related_link, related_case_dismiss, related_case_merge
from .selectors import case_list_visible_to
from .warnings import (
    coordinator_choices,
    employer_visit_list_visible_to,
    employer_visit_save,
    group_warning_acknowledge,
    group_warning_assign_coordinator,
    group_warning_close,
    group_warning_list_visible_to,
    group_warning_setting_list_visible_to,
    group_warning_setting_save,
    group_warnings_visible,
    regions_managed_by,
)


def _employer_url(*, key: str = "", credit_code: str = "", name: str = "") -> str:
    params = {k: v for k, v in (("key", key), ("credit_code", credit_code), ("name", name)) if v}
    return reverse("admin:disputes_employer_page") + "?" + urlencode(params)


def _has_scope(user) -> bool:
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.org_ids) or bool(scope.region_ids)


# --- Probable duplicates -------------------------------------------------------------------------------------
class RelatedDecisionForm(forms.Form):
    keep_case_id = forms.TypedChoiceField(label=_("保留的案件"), coerce=int, required=False)
    note = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, link: RelatedCaseLink, merge: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if merge:
            older, newer = link.other_case, link.case
            self.fields["keep_case_id"].choices = [
                (
                    older.pk,
                    gettext("%(code)s（较早提交，另一件作为重复申请关闭）") % {"code": older.tracking_code},
                ),
                (
                    newer.pk,
                    gettext("%(code)s（较晚提交，另一件作为重复申请关闭）") % {"code": newer.tracking_code},
                ),
            ]
            self.fields["keep_case_id"].initial = older.pk
            self.fields["keep_case_id"].required = True
        else:
            del self.fields["keep_case_id"]


@admin.register(RelatedCaseLink)
class RelatedCaseLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Probable duplicates the user may see (either case visible). Decided from the case page's panel."""

    decision_template = "admin/disputes/relatedcaselink/decide.html"
    list_display = ("created_at", "case", "other_case", "reason", "employer_match", "status", "decided_by")
    list_filter = ("status", "reason", "employer_match")
    list_select_related = ("case", "other_case", "decided_by")
    ordering = ("-created_at", "-id")
    fields = (
        "case",
        "other_case",
        "reason",
        "employer_match",
        "status",
        "kept_case",
        "decided_by",
        "decided_at",
        "note",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        visible = case_list_visible_to(user=request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(Q(case__in=visible) | Q(other_case__in=visible))
            .select_related("case", "other_case", "decided_by", "kept_case")
        )

    def has_module_permission(self, request):
        return _has_scope(request.user)

    def has_view_permission(self, request, obj=None):
        return _has_scope(request.user)

    def get_urls(self):
        custom = [
            path(
                "<int:link_id>/merge/",
                self.admin_site.admin_view(self.merge_view),
                name="disputes_relatedcaselink_merge",
            ),
            path(
                "<int:link_id>/dismiss/",
                self.admin_site.admin_view(self.dismiss_view),
                name="disputes_relatedcaselink_dismiss",
            ),
        ]
        return custom + super().get_urls()

    def merge_view(self, request, link_id):
        return self._decision_view(request, link_id, merge=True)

    def dismiss_view(self, request, link_id):
        return self._decision_view(request, link_id, merge=False)

    def _decision_view(self, request, link_id, *, merge: bool):
        link = self.get_queryset(request).filter(pk=link_id).first()
        if link is None:
            raise Http404(gettext("未找到该疑似重复记录。"))
        visible = set(
            case_list_visible_to(user=request.user)
            .filter(pk__in=[link.case_id, link.other_case_id])
            .values_list("pk", flat=True)
        )
        back_case = link.case_id if link.case_id in visible else link.other_case_id
        back = reverse("admin:disputes_case_change", args=[back_case])
        if not can_decide_related_link(link, request.user):
            raise PermissionDenied
        if link.status != RelatedLinkStatus.OPEN:
            self.message_user(request, gettext("该疑似重复记录已处理。"), messages.WARNING)
            return HttpResponseRedirect(back)
        form = RelatedDecisionForm(request.POST or None, link=link, merge=merge)
        if request.method == "POST" and form.is_valid():
            try:
                if merge:
                    link = related_case_merge(
                        link_id=link.pk,
                        actor=request.user,
                        keep_case_id=form.cleaned_data["keep_case_id"],
                        note=form.cleaned_data["note"],
                    )
                    self.message_user(
                        request,
                        gettext("已合并：保留案件 %(code)s。") % {"code": link.kept_case.tracking_code},
                        messages.SUCCESS,
                    )
                else:
                    related_case_dismiss(link_id=link.pk, actor=request.user, note=form.cleaned_data["note"])
                    self.message_user(request, gettext("已标记为非重复。"), messages.SUCCESS)
            except (TransitionConflict, PermissionDenied) as exc:
                # The duplicate's own transition refused (its state moved on, or only its station may close it).
                self.message_user(request, str(exc) or gettext("您没有权限执行此操作。"), messages.ERROR)
                return HttpResponseRedirect(back)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("合并重复申请") if merge else gettext("标记为非重复"),
            "link": link,
            "form": form,
            "merge": merge,
            "back_url": back,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.decision_template, context)


# --- Group-dispute warnings ----------------------------------------------------------------------------------
class GroupWarningActionForm(admin.helpers.ActionForm):
    note = forms.CharField(
        label=_("处置说明"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"size": 40, "placeholder": _("签收或办结时的说明（办结必填）")}),
    )


class CoordinatorForm(forms.Form):
    coordinator = forms.ModelChoiceField(label=_("协调人"), queryset=get_user_model().objects.none())
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].queryset = coordinator_choices()


class WarningNoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


@admin.register(GroupWarning)
class GroupWarningAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    not_found_message = _("未找到该预警。")
    """Officials see the warnings of their regions; they change only through the actions here and on a
    warning's page (acknowledge, assign a coordinator, close with a note)."""

    change_form_template = "admin/disputes/groupwarning/change_form.html"
    employer_template = "admin/disputes/employer_page.html"
    action_form = GroupWarningActionForm
    actions = ("acknowledge_selected", "close_selected")
    list_display = (
        "opened_at",
        "employer_col",
        "region",
        "trigger",
        "case_total",
        "status",
        "coordinator",
        "acknowledged_by",
    )
    list_filter = ("status", "trigger", ("region", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("region", "coordinator", "acknowledged_by")
    search_fields = ("employer_name", "employer_credit_code")
    ordering = ("-opened_at", "-id")
    date_hierarchy = "opened_at"
    fieldsets = (
        (
            _("预警"),
            {
                "fields": (
                    ("employer_name", "employer_credit_code"),
                    "region",
                    ("trigger", "min_cases", "window_days"),
                    "opened_at",
                )
            },
        ),
        (
            _("处置"),
            {
                "fields": (
                    "status",
                    ("acknowledged_by", "acknowledged_at"),
                    ("coordinator", "coordinator_assigned_at"),
                    ("closed_by", "closed_at"),
                    "note",
                )
            },
        ),
    )
    readonly_fields = tuple(admin.utils.flatten_fieldsets(fieldsets))

    def get_queryset(self, request):
        return group_warning_list_visible_to(user=request.user).annotate(
            case_total=Count("cases", distinct=True)
        )

    def has_module_permission(self, request):
        return group_warnings_visible(request.user)

    def has_view_permission(self, request, obj=None):
        return group_warnings_visible(request.user)

    def has_handle_permission(self, request):
        return group_warnings_visible(request.user)

    @admin.display(description=_("用人单位/平台"), ordering="employer_name")
    def employer_col(self, obj):
        return format_html(
            '{} <a href="{}" class="os-quiet">{}</a>',
            obj.employer_name,
            _employer_url(key=obj.employer_key, credit_code=obj.employer_credit_code),
            gettext("单位主页"),
        )

    @admin.display(description=_("涉及案件"), ordering="case_total")
    def case_total(self, obj):
        return obj.case_total

    # --- Actions from the list -----------------------------------------------------------------------------
    def _apply(self, request, queryset, service, done_label):
        note = request.POST.get("note", "")
        changed, failed = 0, []
        for warning_id, status in queryset.values_list("pk", "status"):
            try:
                warning = service(warning_id=warning_id, actor=request.user, note=note)
            except (TransitionConflict, ValidationError) as exc:
                failed.append(" ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
                continue
            changed += warning.status != status
        self.message_user(
            request,
            gettext("已%(action)s %(n)d 条预警。") % {"action": done_label, "n": changed},
            messages.SUCCESS,
        )
        for message in dict.fromkeys(failed):
            self.message_user(request, message, messages.WARNING)

    @admin.action(description=_("签收所选预警"), permissions=["handle"])
    def acknowledge_selected(self, request, queryset):
        self._apply(request, queryset, group_warning_acknowledge, gettext("签收"))

    @admin.action(description=_("办结所选预警（须填写说明）"), permissions=["handle"])
    def close_selected(self, request, queryset):
        self._apply(request, queryset, group_warning_close, gettext("办结"))

    # --- The warning's page --------------------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        warning = self.get_object(request, object_id)
        cases = [
            {
                "row": case,
                "worker": mask_name(case.worker_name),
                "url": reverse("admin:disputes_case_change", args=[case.pk]),
            }
            for case in case_list_visible_to(user=request.user)
            .filter(group_warnings=warning)
            .order_by("-created_at", "-id")
        ]
        hidden = warning.cases.count() - len(cases)
        context = {
            "warning": warning,
            "warning_cases": cases,
            "warning_hidden_cases": hidden,
            "warning_reports": list(warning.risk_reports.order_by("-created_at")),
            "employer_url": _employer_url(key=warning.employer_key, credit_code=warning.employer_credit_code),
            "coordinator_form": CoordinatorForm(),
            "note_form": WarningNoteForm(),
            "may_handle": not warning.is_closed,
            "act_urls": {
                name: reverse("admin:disputes_groupwarning_act", args=[warning.pk, name])
                for name in ("acknowledge", "assign", "close")
            },
            **(extra_context or {}),
        }
        return super().change_view(request, str(warning.pk), form_url, extra_context=context)

    def get_urls(self):
        custom = [
            path("employer/", self.admin_site.admin_view(self.employer_view), name="disputes_employer_page"),
            path(
                "<int:warning_id>/act/<str:action>/",
                self.admin_site.admin_view(self.act_view),
                name="disputes_groupwarning_act",
            ),
        ]
        return custom + super().get_urls()

    def act_view(self, request, warning_id, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        warning = self.get_object(request, str(warning_id))
        back = reverse("admin:disputes_groupwarning_change", args=[warning.pk])
        try:
            if action == "acknowledge":
                group_warning_acknowledge(
                    warning_id=warning.pk, actor=request.user, note=request.POST.get("note", "")
                )
                done = gettext("预警已签收。")
            elif action == "close":
                group_warning_close(
                    warning_id=warning.pk, actor=request.user, note=request.POST.get("note", "")
                )
                done = gettext("预警已办结。")
            elif action == "assign":
                form = CoordinatorForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(gettext("请选择协调人。"))
                group_warning_assign_coordinator(
                    warning_id=warning.pk,
                    actor=request.user,
                    coordinator=form.cleaned_data["coordinator"],
                    note=form.cleaned_data["note"],
                )
                done = gettext("已指定协调人。")
            else:
                raise Http404
        except TransitionConflict as exc:
            self.message_user(request, str(exc), messages.ERROR)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(back)

    # --- The employer page ---------------------------------------------------------------------------------
    def employer_view(self, request):
        if not employer_page_allowed(request.user):
            raise PermissionDenied
        name = request.GET.get("name", "").strip()
        key = request.GET.get("key", "").strip()
        credit_code = request.GET.get("credit_code", "").strip()
        query = request.GET.get("q", "").strip()
        page = None
        if key or credit_code or (name and not query):
            page = employer_page(user=request.user, name=name, key=key, credit_code=credit_code)
        results = []
        if query:
            results = [
                {**row, "url": _employer_url(key=row["employer_key"], name=row["name"])}
                for row in employer_search(user=request.user, q=query)
            ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": employer_page_title(page) if page else gettext("用人单位主页"),
            "page": page,
            "query": query,
            "results": results,
            "searched": bool(query),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.employer_template, context)


# --- Thresholds and prevention work --------------------------------------------------------------------------
class _RegionScopedAdmin(ScopedAdmin):
    not_found_message = _("未找到该记录。")
    """Officials enter rows for the regions they oversee; others do not see the menu entry."""

    def has_module_permission(self, request):
        return group_warnings_visible(request.user)

    def has_view_permission(self, request, obj=None):
        return group_warnings_visible(request.user)

    def has_add_permission(self, request):
        return group_warnings_visible(request.user)

    def has_change_permission(self, request, obj=None):
        return group_warnings_visible(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = regions_managed_by(request.user).order_by("code")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(GroupWarningSetting)
class GroupWarningSettingAdmin(_RegionScopedAdmin):
    list_display = (
        "region",
        "min_cases",
        "window_days",
        "collective_min_workers",
        "updated_by",
        "updated_at",
    )
    fields = ("region", "min_cases", "window_days", "collective_min_workers")

    def get_queryset(self, request):
        return group_warning_setting_list_visible_to(user=request.user)

    def save_model(self, request, obj, form, change):
        group_warning_setting_save(setting=obj, actor=request.user)


@admin.register(EmployerVisit)
class EmployerVisitAdmin(_RegionScopedAdmin):
    list_display = ("visited_on", "kind", "employer_col", "region", "team", "recorded_by")
    list_filter = ("kind", ("region", admin.RelatedOnlyFieldListFilter))
    search_fields = ("employer_name", "employer_credit_code", "team")
    date_hierarchy = "visited_on"
    ordering = ("-visited_on", "-id")
    fields = (
        ("employer_name", "employer_credit_code"),
        "region",
        ("visited_on", "kind"),
        "team",
        "findings",
        "risks",
        "follow_up",
    )

    def get_queryset(self, request):
        return employer_visit_list_visible_to(user=request.user)

    @admin.display(description=_("用人单位/平台"), ordering="employer_name")
    def employer_col(self, obj):
        return format_html(
            '{} <a href="{}" class="os-quiet">{}</a>',
            obj.employer_name,
            _employer_url(key=obj.employer_key, credit_code=obj.employer_credit_code),
            gettext("单位主页"),
        )

    def save_model(self, request, obj, form, change):
        employer_visit_save(visit=obj, actor=request.user)
