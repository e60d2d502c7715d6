"""The staff workbench (工作台) for cases, and the deadline data officials maintain.

Every case list and page starts from :func:`disputes.selectors.case_list_visible_to`, so another
organization's case is a 404, never a redirect that confirms it exists. Case fields are read-only here: a case
changes only through its transitions, each run by :func:`disputes.services.case_transition` from the
transition's own form.
"""

import re
import secrets
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.expressions import OrderBy
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django_fsm import can_proceed

from config.admin import BigTablePaginator, ReadOnlyAdminMixin, ScopedAdmin
from organizations.models import Membership, Organization, Region
from organizations.posters import has_poster
from organizations.selectors import organization_list_visible_to, scope_for
from organizations.states import OrgType, Role

from .deadlines import CASE_DATE_TRIGGERS, DUE_SOON_DAYS, deadline_extendable_days, deadline_state
from .exceptions import TransitionConflict, UnknownTransition
from .extensions import staff_desks_for
from .forms import TRANSITION_FORMS, OrgCodeField
from .intake.forms import CATEGORY_HELP, ClaimForm, stations_taking_claims
from .intake.services import intake_notices, intake_submit
from .models import Case, CaseDeadline, Claim, DeadlineRule, HolidayNotice, HolidayNoticeDay, RiskReport
from .models.case import closed_rank
from .permissions import can_extend_deadline, can_see_personal_data
from .pii import keyed_hash, normalize
from .risk import (
    risk_report_acknowledge,
    risk_report_close,
    risk_report_list_visible_to,
    risk_reports_visible,
)
from .selectors import case_get_visible, case_history, case_list_visible_to
from .services import (
    available_transitions,
    case_transition,
    tracking_code_normalize,
    transition_guard,
    transition_label,
    transition_labels,
)
from .states import OPEN_STATES, CaseStatus, Category, Channel, Service

_ID_NUMBER = re.compile(r"\d{17}[\dX]")
_PHONE = re.compile(r"1\d{10}")
_TRACKING_CODE = re.compile(r"[0-9A-Z]{8}")  # after normalize(): no dash, upper case

# Transitions a careful click should not be confused with the others (shown in a warning colour).
_DISMISSIVE_TRANSITIONS = {
    "reject",
    "withdraw",
    "record_failure",
    "refuse_confirmation",
    "decline_arbitration",
}


def _status_label(code: str) -> str:
    if not code:
        return ""
    try:
        return str(CaseStatus(code).label)
    except ValueError:
        return code


def _open_deadlines():
    return CaseDeadline.objects.filter(case=OuterRef("pk"), is_active=True, met_at__isnull=True).order_by(
        "due_on", "id"
    )


# --- The workbench list: scope, filters, the deadline badge -------------------------------------------------
SCOPE_MINE, SCOPE_STATION, SCOPE_ALL = "mine", "station", "all"
# The roles that work a station's own cases (a membership covers the branches below it). Intake clerks are not
# among them: a clerk of a hotline records cases for stations elsewhere, and sees them under 全部可见.
STATION_ROLES = (Role.STATION_ADMIN, Role.MEDIATOR)


def scope_station_ids(user) -> frozenset[int]:
    """The stations (with their branches) whose cases are the user's "本站案件"."""
    return scope_for(user).orgs_with_role(*STATION_ROLES)


def scope_options(user) -> list[tuple[str, str]]:
    """The views of the case list the user has: 我的案件 for mediators, 本站案件 for station staff, and always
    全部可见 (everything :func:`disputes.selectors.case_list_visible_to` gives them)."""
    scope = scope_for(user)
    options = []
    if Role.MEDIATOR in scope.roles:
        options.append((SCOPE_MINE, _("我的案件")))
    if scope.orgs_with_role(*STATION_ROLES):
        options.append((SCOPE_STATION, _("本站案件")))
    options.append((SCOPE_ALL, _("全部可见")))
    return options


def current_scope(request) -> str:
    """The view this request shows: the ``scope`` parameter when the user has that view, else their default
    (computed once per request)."""
    cached = getattr(request, "_onestop_case_scope", None)
    if cached is None:
        asked = request.GET.get(ScopeFilter.parameter_name)
        allowed = {code for code, _label in scope_options(request.user)}
        cached = asked if asked in allowed else scope_default(request.user)
        request._onestop_case_scope = cached
    return cached


def scope_default(user) -> str:
    """The view the list opens with. A mediator: 我的案件 when they have an open case of their own, else 本站案件
    (where new cases wait for a mediator; never an empty list when the station has work). Station staff: 本站案件.
    Everyone else (officials, arbitrators, superusers): 全部可见."""
    scope = scope_for(user)
    if Role.MEDIATOR in scope.roles and (
        Case.objects.filter(mediator_id=user.pk, status__in=OPEN_STATES).exists()
    ):
        return SCOPE_MINE
    if scope.orgs_with_role(*STATION_ROLES):
        return SCOPE_STATION
    return SCOPE_ALL


class ScopeFilter(admin.SimpleListFilter):
    """范围: 我的案件 / 本站案件 / 全部可见, opening on the user's default (:func:`scope_default`). It only narrows the
    visible cases; a value the user does not have falls back to the default."""

    title = _("范围")
    parameter_name = "scope"

    def __init__(self, request, params, model, model_admin):
        self.current = current_scope(request)
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return scope_options(request.user)

    def has_output(self):
        return True

    def value(self):
        return self.current

    def choices(self, changelist):
        current = self.value()
        for code, label in self.lookup_choices:
            yield {
                "selected": current == code,
                "query_string": changelist.get_query_string({self.parameter_name: code}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == SCOPE_MINE:
            return queryset.filter(mediator_id=request.user.pk)
        if value == SCOPE_STATION:
            return queryset.filter(station_id__in=scope_station_ids(request.user))
        return queryset


class StationFilter(admin.SimpleListFilter):
    """Stations the user may see (their own and the branches below them; a region for officials). Names of other
    organizations are never offered, and an id outside the list is ignored."""

    title = _("调解组织")
    parameter_name = "station"

    def lookups(self, request, model_admin):
        orgs = organization_list_visible_to(user=request.user).filter(type__in=OrgType.mediation_types())
        self._allowed = {str(pk): name for pk, name in orgs.order_by("code").values_list("pk", "name")}
        return list(self._allowed.items())

    def queryset(self, request, queryset):
        value = self.value()
        if value and value in getattr(self, "_allowed", {}):
            return queryset.filter(station_id=value)
        return queryset


class CategoryFilter(admin.SimpleListFilter):
    """争议类别: cases with a claim of the category (a semi-join on the claims' (category, case) index)."""

    title = _("争议类别")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return list(Category.choices)

    def queryset(self, request, queryset):
        value = self.value()
        if value in Category.values:
            return queryset.filter(pk__in=Claim.objects.filter(category=value).values("case_id"))
        return queryset


class DeadlineFilter(admin.SimpleListFilter):
    """法定期限: overdue, or due within ``DUE_SOON_DAYS`` days (and none overdue)."""

    title = _("法定期限")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", _("已超期")), ("due_soon", _("%(n)d 天内到期") % {"n": DUE_SOON_DAYS})]

    def queryset(self, request, queryset):
        # By the nearest open deadline (Case.next_due_on, indexed): a case with one deadline overdue is overdue,
        # whatever its other deadlines.
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(next_due_on__lt=today)
        if self.value() == "due_soon":
            return queryset.filter(
                next_due_on__gte=today, next_due_on__lte=today + timedelta(days=DUE_SOON_DAYS)
            )
        return queryset


def deadline_badge(due_on, today=None) -> tuple[str, str]:
    """(state, text) of the badge for a case's nearest open deadline: 已超期 N 天, 今天到期, 还剩 N 天. The text
    says it all, so the badge reads the same without its colour; state is overdue, today, soon (within
    ``DUE_SOON_DAYS``) or later, for the style."""
    left = (due_on - (today or timezone.localdate())).days
    if left < 0:
        return "overdue", gettext("已超期 %(n)d 天") % {"n": -left}
    if left == 0:
        return "today", gettext("今天到期")
    return ("soon" if left <= DUE_SOON_DAYS else "later"), gettext("还剩 %(n)d 天") % {"n": left}


class CaseChangeList(ChangeList):
    """The case list, ordered only in ways an index serves at a million cases:

    - a column outside ``sortable_by`` cannot be sorted by, even through a hand-made ``?o=``;
    - sorted by the nearest deadline, the order is that deadline then the newest id, whatever other columns the
      query string adds (the indexes ``case_next_due`` and ``case_next_due_desc`` in either direction);
    - in 我的案件 the default order is the view's own (no column is shown as sorted).
    """

    def __init__(self, request, *args, **kwargs):
        self.scope = current_scope(request)
        super().__init__(request, *args, **kwargs)

    def _get_default_ordering(self):
        if self.scope == SCOPE_MINE:
            return list(self.model_admin.mine_ordering)
        return super()._get_default_ordering()

    def get_ordering_field(self, field_name):
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)

    def get_ordering(self, request, queryset):
        ordering = super().get_ordering(request, queryset)
        if ordering and isinstance(ordering[0], _NullsLastBothWays):
            return [ordering[0], "-pk"]
        return ordering

    def get_queryset(self, request, exclude_parameters=None):
        # Only what the columns show: the selector joins the handling organization and the region for the case
        # page, and a case row carries its facts and encrypted columns the list never reads.
        queryset = super().get_queryset(request, exclude_parameters)
        return (
            queryset.select_related(None)
            .select_related(*self.list_select_related)
            .only(*self.model_admin.list_columns)
        )


class _NullsLastBothWays(OrderBy):
    """An ordering that keeps cases without a deadline at the end whichever way the column is sorted."""

    def reverse_ordering(self):
        self.descending = not self.descending
        return self


NEXT_DUE_ORDERING = _NullsLastBothWays(F("next_due_on"), nulls_last=True)


# --- Staff intake: the hotline (12351), the walk-in desk, referrals ------------------------------------------
STAFF_CHANNELS = (
    Channel.HOTLINE,
    Channel.WALK_IN,
    Channel.POLICE_REFERRAL,
    Channel.COURT_REFERRAL,
    Channel.INSPECTION_REFERRAL,
)
REFERRAL_CHANNELS = {Channel.POLICE_REFERRAL, Channel.COURT_REFERRAL, Channel.INSPECTION_REFERRAL}
STAFF_INTAKE_ROLES = (Role.INTAKE_CLERK, Role.STATION_ADMIN)


def staff_intake_orgs(user) -> list[Organization]:
    """The organizations in whose name ``user`` records claims: those where they are intake clerk or station
    administrator (their own memberships, not the branches below: a case records who took it down)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    ids = Membership.objects.filter(
        user=user, role__in=STAFF_INTAKE_ROLES, organization__is_active=True
    ).values("organization_id")
    return list(Organization.objects.filter(pk__in=ids).order_by("code"))


def can_staff_intake(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active) or bool(staff_intake_orgs(user))


class StaffIntakeForm(ClaimForm):
    """The claim as a clerk records it: the shared claim rules (ClaimForm) plus the channel, who referred it and
    in whose name it is recorded. The record is the application (LDMAL Art. 12: an oral application is recorded
    on the spot), so the clerk confirms the worker's consent rather than the worker ticking it."""

    channel = forms.ChoiceField(
        label=_("来源渠道"),
        choices=[(c.value, c.label) for c in STAFF_CHANNELS],
        initial=Channel.HOTLINE,
    )
    referring_org = OrgCodeField(
        label=_("移送机构"),
        queryset=Organization.objects.filter(is_active=True),
        required=False,
        help_text=_("派出所、法院、劳动监察等移送的，请选择移送机构。"),
    )
    referring_org_name = forms.CharField(
        label=_("移送机构名称（名录中没有时填写）"), max_length=200, required=False
    )
    intake_org = forms.ChoiceField(label=_("登记机构"), required=False)
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=48)

    # The form's parts as the page shows them, in the order a clerk asks on the phone.
    sections = (
        (_("来源"), ("channel", "referring_org", "referring_org_name", "intake_org")),
        (
            _("劳动者与用人单位"),
            (
                "worker_name",
                "worker_id_number",
                "worker_phone",
                "employer_name",
                "employer_credit_code",
                "employer_site",
                "industry",
            ),
        ),
        (
            _("请求与事实"),
            (
                "categories",
                "amount_claimed",
                "facts",
                "employment_started_on",
                "still_employed",
                "employment_ended_on",
                "knowledge_date",
                "services",
                "station",
                "region",
                "confidential",
                "language",
            ),
        ),
        (_("个人信息"), ("consent",)),
    )

    def __init__(self, *args, intake_orgs: list[Organization], allow_any_org: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.intake_orgs = {org.code: org for org in intake_orgs}
        f = self.fields
        f["consent"].label = _("已向申请人说明个人信息处理目的并取得同意")
        f["consent"].error_messages["required"] = _("请先向申请人说明个人信息的处理目的，取得同意后勾选。")
        f["worker_name"].label = _("劳动者姓名")
        f["worker_id_number"].label = _("劳动者身份证号")
        f["worker_phone"].label = _("劳动者手机号")
        f["categories"].widget = forms.CheckboxSelectMultiple()
        f["categories"].choices = [
            (code, f"{label}（{CATEGORY_HELP[code]}）" if code in CATEGORY_HELP else label)
            for code, label in Category.choices
        ]
        f["services"].widget = forms.CheckboxSelectMultiple(choices=f["services"].choices)
        for name in ("employment_started_on", "employment_ended_on", "knowledge_date"):
            f[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        f["station"].widget = forms.Select(
            choices=[("", _("暂不指定（由分流规则确定）"))]
            + [(o.code, o.name) for o in stations_taking_claims().order_by("region__code", "code")]
        )
        f["region"].widget = forms.Select(
            choices=[("", _("未知"))]
            + [
                (r.code, f"{r.parent.name} · {r.name}" if r.parent_id else r.name)
                for r in Region.objects.select_related("parent").order_by("code")
            ]
        )
        referrers = Organization.objects.filter(is_active=True).exclude(type__in=OrgType.mediation_types())
        f["referring_org"].widget = forms.Select(
            choices=[("", _("无"))]
            + [(o.code, f"{o.name}（{o.get_type_display()}）") for o in referrers.order_by("type", "code")]
        )
        if allow_any_org and not intake_orgs:
            # A superuser without a membership may record in any organization's name, or none.
            self.intake_orgs = {
                o.code: o for o in Organization.objects.filter(is_active=True).order_by("code")
            }
            f["intake_org"].choices = [("", _("不指定"))] + [(c, o.name) for c, o in self.intake_orgs.items()]
        elif len(self.intake_orgs) > 1:
            f["intake_org"].required = True
            f["intake_org"].choices = [(c, o.name) for c, o in self.intake_orgs.items()]
        else:
            del f["intake_org"]

    def clean_intake_org(self):
        code = self.cleaned_data.get("intake_org") or ""
        if not code:
            return None
        if code not in self.intake_orgs:
            raise forms.ValidationError(_("请选择您所在的机构。"))
        return self.intake_orgs[code]

    def clean(self):
        data = super().clean()
        if data.get("channel") in REFERRAL_CHANNELS and not (
            data.get("referring_org") or (data.get("referring_org_name") or "").strip()
        ):
            self.add_error("referring_org", _("移送的案件请选择移送机构，或填写其名称。"))
        return data

    def chosen_intake_org(self) -> Organization | None:
        if "intake_org" in self.fields:
            return self.cleaned_data.get("intake_org")
        return next(iter(self.intake_orgs.values()), None)

    def referrer(self) -> dict:
        """Who referred the claim: an organization of the directory, or a name typed when it is not there."""
        org = self.cleaned_data.get("referring_org")
        name = "" if org else (self.cleaned_data.get("referring_org_name") or "").strip()
        return {"referred_by": org, "referred_by_name": name}


# No edits here: cases come from intake, change through their transitions, and are never deleted.
@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    not_found_message = _("未找到该案件。")
    change_form_template = "admin/disputes/case/change_form.html"
    transition_form_template = "admin/disputes/case/transition_form.html"

    # The nearest deadline sits next to the state: both are what a mediator scans the list for.
    list_display = (
        "tracking_code",
        "status",
        "next_deadline_col",
        "station",
        "worker_name",
        "worker_id_col",
        "worker_phone_col",
        "employer_name",
        "amount_claimed",
        "created_at",
    )
    list_display_links = ("tracking_code",)
    # Sortable by indexed columns only: sorting a million cases by a name or an amount means sorting them all.
    sortable_by = ("tracking_code", "next_deadline_col", "created_at")
    list_filter = (
        ScopeFilter,
        "status",
        "industry",
        CategoryFilter,
        StationFilter,
        DeadlineFilter,
        "channel",
    )
    list_select_related = ("station",)
    # The columns the rows read (CaseChangeList.get_queryset loads nothing else); the masked ID number and phone are
    # made from the whole (decrypted) values.
    list_columns = (
        "tracking_code",
        "status",
        "next_due_on",
        "station__name",
        "worker_name",
        "worker_id_number",
        "worker_phone",
        "employer_name",
        "amount_claimed",
        "created_at",
    )
    search_fields = ("tracking_code", "worker_name", "employer_name")
    search_help_text = _(
        "按查询码、劳动者姓名或用人单位名称搜索；输入完整查询码、身份证号或手机号可精确查找。"
    )
    # A million cases: one capped (or estimated) count per page, never the whole table, and no facet counts.
    paginator = BigTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    ordering = ("-created_at", "-id")
    # 我的案件: open cases first, the nearest deadline first among them, then the newest. Read in the order of the
    # index case_mediator_open_due, so a mediator with years of closed cases is as fast as a new one.
    mine_ordering = ("closed_rank", NEXT_DUE_ORDERING, "-id")

    class Media:
        css = {"all": ("onestop/workbench.css",)}

    fieldsets = (
        (
            _("案件"),
            {
                "fields": (
                    ("tracking_code", "status"),
                    ("channel", "industry"),
                    "station",
                    "intake_org",
                    ("referred_by", "referred_by_name"),
                    "handling_org",
                    "mediator",
                    "region",
                    ("created_at", "updated_at", "closed_at"),
                )
            },
        ),
        (
            _("劳动者"),
            {
                "fields": (
                    "worker_name",
                    "worker_id_display",
                    "worker_phone_display",
                    ("still_employed", "employment_ended_on", "knowledge_date"),
                    ("confidential", "language"),
                )
            },
        ),
        (_("用人单位"), {"fields": ("employer_name", "employer_credit_code")}),
        (
            _("请求与处理"),
            {
                "fields": (
                    "services_display",
                    "facts",
                    ("amount_claimed", "amount_agreed", "amount_paid"),
                    "confirmation_route",
                    "outcome_note",
                )
            },
        ),
    )
    readonly_fields = tuple(admin.utils.flatten_fieldsets(fieldsets))

    # --- Scope ---------------------------------------------------------------------------------------------
    def get_queryset(self, request):
        # next_due_on is a column kept by the database (an index sorts and filters by it); the rule's name is a
        # subquery, computed only for the rows of the page.
        return case_list_visible_to(user=request.user).annotate(
            next_due_rule=Subquery(_open_deadlines().values("rule__name")[:1]),
            closed_rank=closed_rank(),
        )

    def get_changelist(self, request, **kwargs):
        return CaseChangeList

    def get_ordering(self, request):
        if current_scope(request) == SCOPE_MINE:
            return self.mine_ordering
        return self.ordering

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        obj.show_personal_data = can_see_personal_data(obj, request.user)
        return obj

    def get_search_results(self, request, queryset, search_term):
        # ID numbers and phones are encrypted: a whole one is found through its keyed hash, never by a LIKE.
        term = normalize(search_term)
        if _ID_NUMBER.fullmatch(term) or _PHONE.fullmatch(term):
            digest = keyed_hash(term)
            return queryset.filter(Q(worker_id_hash=digest) | Q(worker_phone_hash=digest)), False
        # A whole tracking code is one lookup on its unique index, not three LIKEs over the table; eight letters
        # that are no case's code (a name in pinyin, typed without spaces) are searched as text.
        if _TRACKING_CODE.fullmatch(term):
            by_code = queryset.filter(tracking_code=tracking_code_normalize(term))
            if by_code.exists():
                return by_code, False
        return super().get_search_results(request, queryset, search_term)

    # --- Columns -------------------------------------------------------------------------------------------
    @admin.display(description=_("身份证号"))
    def worker_id_col(self, obj):
        return obj.worker_id_masked

    @admin.display(description=_("手机号"))
    def worker_phone_col(self, obj):
        return obj.worker_phone_masked

    @admin.display(description=_("最近期限"), ordering=NEXT_DUE_ORDERING)
    def next_deadline_col(self, obj):
        if obj.next_due_on is None:
            return "—"
        state, text = deadline_badge(obj.next_due_on)
        return format_html(
            '<span class="os-due os-due-{}" title="{}：{}">{}</span><span class="os-due-date">{}</span>',
            state,
            obj.next_due_rule or "",
            obj.next_due_on.isoformat(),
            text,
            obj.next_due_on.isoformat(),
        )

    # The read-only display callables get only the object, so get_object marks on it whether the person
    # looking may see the whole values (never on the admin instance, which every request shares).
    @admin.display(description=_("身份证号"))
    def worker_id_display(self, obj):
        return obj.worker_id_number if getattr(obj, "show_personal_data", False) else obj.worker_id_masked

    @admin.display(description=_("手机号"))
    def worker_phone_display(self, obj):
        return obj.worker_phone if getattr(obj, "show_personal_data", False) else obj.worker_phone_masked

    @admin.display(description=_("申请的服务"))
    def services_display(self, obj):
        labels = dict(Service.choices)
        return "、".join(str(labels.get(code, code)) for code in obj.services) or "—"

    # --- The case page -------------------------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = case_get_visible(user=request.user, case_id=object_id)
        labels = transition_labels()
        deadlines = []
        may_extend = can_extend_deadline(case, request.user)
        for deadline in case.deadlines.select_related("rule").order_by("due_on", "id"):
            code, label = deadline_state(deadline)
            extendable = deadline_extendable_days(deadline) if may_extend else 0
            deadlines.append(
                {
                    "row": deadline,
                    "state": code,
                    "state_label": label,
                    "extend_url": reverse(
                        "admin:disputes_casedeadline_extend", args=[case.pk, deadline.rule.code]
                    )
                    if extendable
                    else "",
                }
            )
        history = [
            {
                "row": event,
                "label": transition_label(event.transition),
                "actor": (event.actor.get_full_name() or event.actor.get_username())
                if event.actor
                else event.get_actor_kind_display(),
                "from_label": _status_label(event.from_state),
                "to_label": _status_label(event.to_state),
            }
            for event in case_history(case=case)
        ]
        transitions = [
            {
                "name": name,
                "label": labels.get(name, name),
                "url": reverse("admin:disputes_case_transition", args=[case.pk, name]),
                "dismissive": name in _DISMISSIVE_TRANSITIONS,
            }
            for name in available_transitions(case=case, user=request.user)
            if name in TRANSITION_FORMS
        ]
        context = {
            "case": case,
            "claims": list(case.claims.order_by("id")),
            "case_deadlines": deadlines,
            "case_history": history,
            "case_transitions": transitions,
            "case_desks": staff_desks_for(case=case, user=request.user),
            "status_label": case.get_status_display(),
            "worker_status_label": case.status_for_worker,
            **(extra_context or {}),
        }
        return super().change_view(request, str(case.pk), form_url, extra_context=context)

    # --- Transitions ---------------------------------------------------------------------------------------
    def get_urls(self):
        custom = [
            path("intake/", self.admin_site.admin_view(self.staff_intake_view), name="disputes_case_intake"),
            path(
                "<path:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name="disputes_case_transition",
            ),
        ]
        return custom + super().get_urls()

    def transition_view(self, request, object_id, name):
        """One transition's form. GET checks the transition is possible now; POST runs it through the service.

        Answers: 404 for a case outside the user's scope or an unknown name, 403 without permission, and a
        message with a redirect to the case when its state does not (or no longer) allow the transition."""
        case = case_get_visible(user=request.user, case_id=object_id)
        if not self.has_view_permission(request, case):
            raise PermissionDenied
        case_url = reverse("admin:disputes_case_change", args=[case.pk])
        label = transition_labels().get(name, name)
        try:
            transition_guard(case=case, name=name, actor=request.user, generic=True)
        except UnknownTransition:
            raise Http404(gettext("没有这个操作。")) from None
        except TransitionConflict as exc:
            self.message_user(request, self._conflict_message(case.pk, name, label, exc), messages.ERROR)
            return HttpResponseRedirect(case_url)
        if name not in TRANSITION_FORMS:
            raise Http404(gettext("没有这个操作。"))

        form_class = TRANSITION_FORMS[name]
        if request.method == "POST":
            form = form_class(data=request.POST, case=case)
            if form.is_valid():
                try:
                    case = case_transition(
                        case_id=case.pk,
                        name=name,
                        actor=request.user,
                        note=form.cleaned_data.get("note", ""),
                        payload=form.payload(),
                    )
                except TransitionConflict as exc:
                    message = self._conflict_message(case.pk, name, label, exc)
                    self.message_user(request, message, messages.ERROR)
                    return HttpResponseRedirect(case_url)
                self.message_user(
                    request,
                    gettext("已执行“%(action)s”，案件当前状态：%(state)s。")
                    % {"action": label, "state": case.get_status_display()},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(case_url)
        else:
            form = form_class(case=case)

        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": label,
            "subtitle": case.tracking_code,
            "case": case,
            "case_url": case_url,
            "form": form,
            "transition_name": name,
            "transition_label": label,
            "has_view_permission": True,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.transition_form_template, context)

    @staticmethod
    def _conflict_message(case_id, name, label, exc) -> str:
        current = Case.objects.filter(pk=case_id).first()
        state_label = _status_label(exc.current_state)
        if current is not None and can_proceed(getattr(current, name), check_conditions=False):
            return gettext("暂不能执行“%(action)s”：前置条件尚未满足（案件状态“%(state)s”）。") % {
                "action": label,
                "state": state_label,
            }
        return gettext(
            "未能执行“%(action)s”：案件当前状态为“%(state)s”，已不允许此操作，可能已有其他工作人员先行处理。"
            "请查看下方的最新状态和办理记录。"
        ) % {"action": label, "state": state_label}

    # --- Staff intake --------------------------------------------------------------------------------------
    staff_intake_template = "admin/disputes/case/staff_intake.html"

    def changelist_view(self, request, extra_context=None):
        extra = dict(extra_context or {})
        if can_staff_intake(request.user):
            extra["staff_intake_url"] = reverse("admin:disputes_case_intake")
        response = super().changelist_view(request, extra_context=extra)
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is not None:
            # The views as tabs above the list (the same choices as the 范围 filter), keeping the other filters.
            current = current_scope(request)
            response.context_data["case_scopes"] = [
                {
                    "label": label,
                    "url": cl.get_query_string({ScopeFilter.parameter_name: code}, remove=[PAGE_VAR]),
                    "selected": code == current,
                }
                for code, label in scope_options(request.user)
            ]
        return response

    # The worker's ID number and phone: kept out of error reports.
    @method_decorator(sensitive_post_parameters())
    @method_decorator(sensitive_variables())
    def staff_intake_view(self, request):
        """Record a claim that came by phone, at the desk or by referral. Intake clerks and station administrators
        (in their organization's name) and superusers; anyone else 403. On success the tracking code and PIN are
        shown on this one answer, never stored in clear, and the page is not cached."""
        if not can_staff_intake(request.user):
            raise PermissionDenied
        orgs = staff_intake_orgs(request.user)
        form_kwargs = {"intake_orgs": orgs, "allow_any_org": request.user.is_superuser}
        filed, notices = None, []
        if request.method == "POST":
            form = StaffIntakeForm(data=request.POST, **form_kwargs)
            if form.is_valid():
                claim = form.cleaned_data
                notices = intake_notices(claim=claim)
                filed = intake_submit(
                    claim=claim,
                    amounts=form.claim_amounts(),
                    actor=request.user,
                    channel=form.cleaned_data["channel"],
                    intake_org=form.chosen_intake_org(),
                    **form.referrer(),
                    idempotency_key=f"staff-{request.user.pk}-{form.cleaned_data['form_token']}",
                )
                filed = [
                    {"row": f, "url": reverse("admin:disputes_case_change", args=[f.case_id])} for f in filed
                ]
        else:
            initial = {"form_token": secrets.token_urlsafe(24), "channel": Channel.HOTLINE}
            own = orgs[0] if len(orgs) == 1 else None
            if own is not None and has_poster(own):
                initial["station"] = own.code
                initial["industry"] = own.industry or None
            form = StaffIntakeForm(initial=initial, **form_kwargs)

        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("登记新案件"),
            "form": form,
            "fieldsets": [
                (title, [form[name] for name in names if name in form.fields])
                for title, names in StaffIntakeForm.sections
            ],
            "filed": filed,
            "notices": notices,
            "intake_org": form.chosen_intake_org() if filed else (orgs[0] if len(orgs) == 1 else None),
            "changelist_url": reverse("admin:disputes_case_changelist"),
            "intake_url": reverse("admin:disputes_case_intake"),
            "has_view_permission": True,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        response = TemplateResponse(request, self.staff_intake_template, context)
        add_never_cache_headers(response)  # the PIN must not be kept by a browser or a proxy
        return response


# --- Deadline rules and holiday notices (officials) ------------------------------------------------------
def _trigger_choices():
    choices = [(name, f"{label}（{name}）") for name, label in transition_labels().items()]
    field_labels = {name: Case._meta.get_field(name).verbose_name for name in CASE_DATE_TRIGGERS}
    choices += [(name, f"{field_labels[name]}（{name}）") for name in CASE_DATE_TRIGGERS]
    return choices


class DaysListField(forms.CharField):
    """A list of whole days typed as ``30, 7, 1``."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        parts = [p for p in value.replace("，", ",").replace("、", ",").split(",") if p.strip()]
        try:
            days = sorted({int(p) for p in parts}, reverse=True)
        except ValueError:
            raise forms.ValidationError(_("请输入用逗号分隔的天数，例如：30, 7, 1。")) from None
        if any(d < 0 for d in days):
            raise forms.ValidationError(_("天数不能为负数。"))
        return days


class DeadlineRuleForm(forms.ModelForm):
    """The JSON lists of a rule as checkboxes, so officials pick states, categories and events by name."""

    trigger = forms.ChoiceField(label=_("起算事件"))
    active_states = forms.MultipleChoiceField(
        label=_("适用状态"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("案件处于这些状态时期限才计入；不选表示所有未结状态。"),
    )
    categories = forms.MultipleChoiceField(
        label=_("适用争议类别"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("案件请求含这些类别之一时适用；不选表示全部。"),
    )
    met_by = forms.MultipleChoiceField(
        label=_("完成事件"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("发生这些操作即视为期限已遵守。"),
    )
    remind_days_before = DaysListField(
        label=_("提前提醒天数"), required=False, help_text=_("用逗号分隔，例如：30, 7, 1。")
    )

    class Meta:
        model = DeadlineRule
        fields = (
            "code",
            "name",
            "worker_text",
            "is_active",
            "source",
            "source_status",
            "consequence",
            "trigger",
            "period_years",
            "period_months",
            "period_days",
            "day_type",
            "met_by",
            "active_states",
            "categories",
            "wage_arrears_exempt",
            "remind_days_before",
            "max_extension_days",
            "extension_basis",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        events = [(name, label) for name, label in _trigger_choices() if name not in CASE_DATE_TRIGGERS]
        choices = {
            "trigger": _trigger_choices(),
            "active_states": list(CaseStatus.choices),
            "categories": list(Category.choices),
            "met_by": events,
        }
        # A value already stored but not (or no longer) offered stays selectable rather than silently dropped.
        for name, field_choices in choices.items():
            stored = self.initial.get(name) or []
            stored = [stored] if isinstance(stored, str) else stored
            known = {code for code, _label in field_choices}
            field_choices += [(code, code) for code in stored if code not in known]
            self.fields[name].choices = field_choices


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    form = DeadlineRuleForm
    list_display = (
        "code",
        "name",
        "trigger",
        "period_col",
        "day_type",
        "source",
        "source_status",
        "is_active",
    )
    list_filter = ("is_active", "day_type", "source_status")
    search_fields = ("code", "name", "source")
    fieldsets = (
        (None, {"fields": ("code", "name", "worker_text", "is_active")}),
        (_("法律依据"), {"fields": ("source", "source_status", "consequence")}),
        (
            _("期间"),
            {"fields": ("trigger", ("period_years", "period_months", "period_days"), "day_type", "met_by")},
        ),
        (_("适用范围"), {"fields": ("active_states", "categories", "wage_arrears_exempt")}),
        (_("延长"), {"fields": ("max_extension_days", "extension_basis")}),
        (_("提醒"), {"fields": ("remind_days_before",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        # The code is how services and reports name a rule: fixed once the rule exists.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        # Case deadlines refer to their rule; retire a rule by unticking 启用 instead.
        return False

    @admin.display(description=_("期间"))
    def period_col(self, obj):
        parts = []
        if obj.period_years:
            parts.append(gettext("%(n)d 年") % {"n": obj.period_years})
        if obj.period_months:
            parts.append(gettext("%(n)d 个月") % {"n": obj.period_months})
        if obj.period_days:
            parts.append(gettext("%(n)d 日") % {"n": obj.period_days})
        return " ".join(parts) or "—"


class HolidayNoticeDayInline(admin.TabularInline):
    model = HolidayNoticeDay
    extra = 3
    fields = ("date", "is_working_day", "name")


@admin.register(HolidayNotice)
class HolidayNoticeAdmin(admin.ModelAdmin):
    inlines = (HolidayNoticeDayInline,)
    list_display = ("year", "title", "document_number", "published_on", "holidays_col", "working_days_col")
    search_fields = ("title", "document_number")
    ordering = ("-year",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                holidays=Count("days", filter=Q(days__is_working_day=False)),
                working_days=Count("days", filter=Q(days__is_working_day=True)),
            )
        )

    @admin.display(description=_("放假天数"), ordering="holidays")
    def holidays_col(self, obj):
        return obj.holidays

    @admin.display(description=_("调休上班天数"), ordering="working_days")
    def working_days_col(self, obj):
        return obj.working_days


# --- Risk reports from monitoring informants (officials of the region) ------------------------------------------
class RiskReportActionForm(admin.helpers.ActionForm):
    note = forms.CharField(
        label=_("处理说明"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"size": 40, "placeholder": _("签收或办结时的说明（选填）")}),
    )


@admin.register(RiskReport)
class RiskReportAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    not_found_message = _("未找到该风险信息报告。")
    """Officials see the reports of their region (disputes.risk); the phone is masked in the list and shown in
    full only on a report's own page, to the officials who may call the reporter back. Reports change only
    through the acknowledge and close actions."""

    action_form = RiskReportActionForm
    actions = ("acknowledge_selected", "close_selected")
    list_display = (
        "created_at",
        "employer_name",
        "region",
        "workers_affected",
        "amount_in_arrears",
        "status",
        "reporter_name",
        "reporter_phone_col",
        "reporter_org",
        "acknowledged_by",
    )
    list_filter = ("status", ("region", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("region", "acknowledged_by")
    search_fields = ("employer_name", "employer_credit_code", "reporter_name", "reporter_org")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    fieldsets = (
        (
            _("用人单位"),
            {
                "fields": (
                    "employer_name",
                    "employer_credit_code",
                    "region",
                    "workers_affected",
                    "amount_in_arrears",
                )
            },
        ),
        (_("情况"), {"fields": ("description", "created_at")}),
        (_("报告人"), {"fields": ("reporter_name", "reporter_phone_display", "reporter_org")}),
        (
            _("处理"),
            {
                "fields": (
                    "status",
                    ("acknowledged_by", "acknowledged_at"),
                    ("closed_by", "closed_at"),
                    "note",
                )
            },
        ),
    )
    readonly_fields = tuple(admin.utils.flatten_fieldsets(fieldsets))

    def get_queryset(self, request):
        return risk_report_list_visible_to(user=request.user)

    # The role groups carry no model permission for reports: who sees them is the region scope alone.
    def has_module_permission(self, request):
        return risk_reports_visible(request.user)

    def has_view_permission(self, request, obj=None):
        return risk_reports_visible(request.user)

    def has_acknowledge_permission(self, request):
        return risk_reports_visible(request.user)

    @admin.display(description=_("报告人电话"))
    def reporter_phone_col(self, obj):
        return obj.reporter_phone_masked

    @admin.display(description=_("报告人电话"))
    def reporter_phone_display(self, obj):
        return obj.reporter_phone or "—"

    def _apply(self, request, queryset, service, done_label):
        note = request.POST.get("note", "")
        changed = 0
        for report_id, status in queryset.values_list("pk", "status"):
            report = service(report_id=report_id, actor=request.user, note=note)
            changed += report.status != status
        self.message_user(
            request,
            gettext("已%(action)s %(n)d 条风险信息报告。") % {"action": done_label, "n": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("签收所选报告"), permissions=["acknowledge"])
    def acknowledge_selected(self, request, queryset):
        self._apply(request, queryset, risk_report_acknowledge, gettext("签收"))

    @admin.action(description=_("办结所选报告"), permissions=["acknowledge"])
    def close_selected(self, request, queryset):
        self._apply(request, queryset, risk_report_close, gettext("办结"))


# The admin of the other concerns of a case, each in its own module, registered on import:
# related cases, group warnings and the employer page; routing rules, corrections and assignment; special urgent
# cases (特事急诊).
from . import admin_deadlines, admin_evidence, admin_related, admin_routing, admin_urgent  # noqa: E402, F401, I001
