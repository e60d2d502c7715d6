"""The admin of triage: routing rules (officials, scoped to the organizations they oversee), the "which station would
get this case?" tester, and two case pages for station staff — correcting the facts the rules read, and assigning
a mediator. Every write goes through :mod:`disputes.triage`.

The two case pages live under this admin's URLs (``routingrule/case/<id>/…``) so that the case admin needs no
change; :file:`templates/admin/disputes/routingrule/case_panel.html` holds the links for the case page.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.admin import ScopedAdmin
from organizations.models import Organization, Region
from organizations.states import Industry, OrgType

from .exceptions import TransitionConflict
from .models import Case, RoutingRule, YesNoAny
from .permissions import can_assign_mediator, can_correct_routing
from .selectors import case_get_visible
from .states import Category, Service
from .triage import (
    case_assign_mediator,
    case_routing_correct,
    mediator_choices,
    routing_preview,
    routing_rule_list_visible_to,
    routing_targets_for,
)

_MEDIATION_ORGS = Organization.objects.filter(type__in=OrgType.mediation_types())


def _checkboxes(label, choices, help_text=""):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class RoutingRuleForm(forms.ModelForm):
    """The JSON lists of a rule as checkboxes; the target limited to what the official oversees."""

    industries = _checkboxes(_("行业"), Industry.choices, _("不选表示不限。"))
    categories = _checkboxes(
        _("争议类别"), Category.choices, _("案件请求含其中任一类别即匹配；不选表示不限。")
    )
    services = _checkboxes(
        _("申请的服务"), Service.choices, _("劳动者申请其中任一服务即匹配；不选表示不限。")
    )

    class Meta:
        model = RoutingRule
        fields = (
            "name",
            "priority",
            "is_active",
            "is_fallback",
            "industries",
            "regions",
            "categories",
            "amount_min",
            "amount_max",
            "services",
            "chosen_station",
            "collective",
            "confidential",
            "target",
            "description",
        )

    def clean(self):
        data = super().clean()
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", _("金额上限不能小于下限。"))
        return data


@admin.register(RoutingRule)
class RoutingRuleAdmin(ScopedAdmin):
    not_found_message = _("未找到该分流规则。")
    form = RoutingRuleForm
    change_list_template = "admin/disputes/routingrule/change_list.html"
    preview_template = "admin/disputes/routingrule/preview.html"
    case_form_template = "admin/disputes/routingrule/case_form.html"
    list_display = ("priority", "name", "target", "conditions_col", "is_fallback", "is_active")
    list_display_links = ("name",)
    list_filter = ("is_active", "is_fallback")
    filter_horizontal = ("regions",)
    search_fields = ("name", "target__name", "target__code")
    ordering = ("is_fallback", "priority", "id")
    fieldsets = (
        (None, {"fields": ("name", ("priority", "is_active", "is_fallback"), "target", "description")}),
        (
            _("匹配条件（留空表示不限）"),
            {
                "fields": (
                    "industries",
                    "regions",
                    "categories",
                    ("amount_min", "amount_max"),
                    "services",
                    "chosen_station",
                    ("collective", "confidential"),
                )
            },
        ),
    )

    def get_queryset(self, request):
        return routing_rule_list_visible_to(user=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "target":
            kwargs["queryset"] = routing_targets_for(user=request.user)
        elif db_field.name == "chosen_station":
            kwargs["queryset"] = _MEDIATION_ORGS.order_by("code")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # History notes and payloads name rules: retire one by unticking 启用.
        return False

    @admin.display(description=_("条件"))
    def conditions_col(self, obj):
        return "；".join(rule_conditions(obj)) or gettext("不限（匹配一切）")

    # --- The tester and the case pages ------------------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("preview/", view(self.preview_view), name="disputes_routingrule_preview"),
            path(
                "case/<int:case_id>/correct/",
                view(self.case_correct_view),
                name="disputes_routingrule_case_correct",
            ),
            path(
                "case/<int:case_id>/assign/",
                view(self.case_assign_view),
                name="disputes_routingrule_case_assign",
            ),
        ] + super().get_urls()

    def preview_view(self, request):
        """Which station would get a case with these facts, and by which rule; nothing is created."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        result = None
        form = RoutingPreviewForm(data=request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            result = routing_preview(**form.facts())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("分流测试：这个案件会分到哪里？"),
            "form": form,
            "result": result,
            "submitted": request.method == "POST",
            "has_view_permission": True,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.preview_template, context)

    def _case_page(self, request, *, case, form, title, action_label):
        context = {
            **self.admin_site.each_context(request),
            "opts": Case._meta,
            "title": title,
            "subtitle": case.tracking_code,
            "case": case,
            "case_url": reverse("admin:disputes_case_change", args=[case.pk]),
            "form": form,
            "action_label": action_label,
            "has_view_permission": True,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.case_form_template, context)

    def _run(self, request, form, case, service, success):
        case_url = reverse("admin:disputes_case_change", args=[case.pk])
        try:
            service()
        except TransitionConflict as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(case_url)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return None
        self.message_user(request, success, messages.SUCCESS)
        return HttpResponseRedirect(case_url)

    def case_correct_view(self, request, case_id):
        """Correct the case's industry, region or categories; routing re-runs (disputes.triage)."""
        case = case_get_visible(user=request.user, case_id=case_id)
        if not can_correct_routing(case, request.user):
            raise PermissionDenied
        claims = sorted(case.claims.values_list("category", flat=True))
        initial = {"industry": case.industry, "region": case.region, "categories": claims}
        form = RoutingCorrectForm(data=request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            response = self._run(
                request,
                form,
                case,
                lambda: case_routing_correct(
                    case_id=case.pk,
                    actor=request.user,
                    industry=data["industry"] if data["industry"] != case.industry else None,
                    region=data["region"],
                    categories=data["categories"] if sorted(data["categories"]) != claims else None,
                    note=data["note"],
                ),
                gettext("已更正，并按分流规则重新核对了调解组织。"),
            )
            if response is not None:
                return response
        return self._case_page(
            request,
            case=case,
            form=form,
            title=gettext("更正行业、地区或争议类别"),
            action_label=gettext("确认更正"),
        )

    def case_assign_view(self, request, case_id):
        """The station admin assigns (or re-assigns) the case's mediator."""
        case = case_get_visible(user=request.user, case_id=case_id)
        if not can_assign_mediator(case, request.user):
            raise PermissionDenied
        form = AssignMediatorForm(data=request.POST if request.method == "POST" else None, case=case)
        if request.method == "POST" and form.is_valid():
            response = self._run(
                request,
                form,
                case,
                lambda: case_assign_mediator(
                    case_id=case.pk,
                    mediator=form.cleaned_data["mediator"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                ),
                gettext("已指派调解员。"),
            )
            if response is not None:
                return response
        return self._case_page(
            request, case=case, form=form, title=gettext("指派调解员"), action_label=gettext("确认指派")
        )


def rule_conditions(rule: RoutingRule) -> list[str]:
    """A rule's conditions in words, for the list and the tester."""
    parts = []
    if rule.industries:
        labels = dict(Industry.choices)
        parts.append(gettext("行业：") + "、".join(str(labels.get(c, c)) for c in rule.industries))
    regions = [r.name for r in rule.regions.all()]
    if regions:
        parts.append(gettext("区域：") + "、".join(regions) + gettext("（含下级）"))
    if rule.categories:
        labels = dict(Category.choices)
        parts.append(gettext("类别：") + "、".join(str(labels.get(c, c)) for c in rule.categories))
    if rule.amount_min is not None or rule.amount_max is not None:
        low = rule.amount_min if rule.amount_min is not None else "0"
        high = rule.amount_max if rule.amount_max is not None else "∞"
        parts.append(gettext("金额：%(low)s–%(high)s 元") % {"low": low, "high": high})
    if rule.services:
        labels = dict(Service.choices)
        parts.append(gettext("服务：") + "、".join(str(labels.get(c, c)) for c in rule.services))
    if rule.chosen_station_id:
        parts.append(gettext("劳动者选择：") + rule.chosen_station.name)
    if rule.collective != YesNoAny.ANY:
        parts.append(gettext("集体申请：") + str(YesNoAny(rule.collective).label))
    if rule.confidential != YesNoAny.ANY:
        parts.append(gettext("保密：") + str(YesNoAny(rule.confidential).label))
    return parts


class RoutingPreviewForm(forms.Form):
    """The routing facts of a case, typed by an official to see where it would go."""

    industry = forms.ChoiceField(label=_("行业"), choices=Industry.choices, initial=Industry.OTHER)
    region = forms.ModelChoiceField(
        label=_("劳动合同履行地"), queryset=Region.objects.order_by("code"), required=False
    )
    categories = _checkboxes(_("争议类别"), Category.choices)
    amount = forms.DecimalField(
        label=_("请求金额（元）"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    services = _checkboxes(_("申请的服务"), Service.choices)
    chosen_station = forms.ModelChoiceField(
        label=_("劳动者选择的调解组织"), queryset=_MEDIATION_ORGS.order_by("code"), required=False
    )
    collective = forms.BooleanField(label=_("集体申请"), required=False)
    confidential = forms.BooleanField(label=_("保密申请"), required=False)

    def facts(self) -> dict:
        return dict(self.cleaned_data)


class RoutingCorrectForm(forms.Form):
    industry = forms.ChoiceField(label=_("行业"), choices=Industry.choices)
    region = forms.ModelChoiceField(
        label=_("劳动合同履行地"), queryset=Region.objects.order_by("code"), required=False
    )
    categories = forms.MultipleChoiceField(
        label=_("争议类别"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("更正说明"), required=True, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignMediatorForm(forms.Form):
    mediator = forms.ModelChoiceField(label=_("调解员"), queryset=get_user_model().objects.none())
    note = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["mediator"]
        field.queryset = (
            get_user_model()
            .objects.filter(pk__in=[u.pk for u in mediator_choices(case=case)])
            .order_by("username")
        )
        field.label_from_instance = lambda u: u.get_full_name() or u.get_username()
