"""The desks of the commission and the court in the admin: the commission's review queue (仲裁审查确认) and its
arbitration cases, the court's confirmation queue (司法确认) and its enforcements; and the minimum wage officials
keep.

Each list holds only the cases handed to the user's own commission or court (:mod:`arbitration.selectors`, by the
case's handling organization and the user's role there); any other case is a 404, whoever asks. A case opens on its
desk: the parties, the agreement (with its PDF), the evidence, the history and the deadlines, the documents issued,
and the buttons for the decisions open now. Every decision is a form whose submission calls a service of
:mod:`arbitration.services`; its answers become a 403 (not allowed), a message on the desk (the state no longer
allows it) or the form again with its errors — never a 500.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.admin import BigTablePaginator, ReadOnlyAdminMixin, ScopedAdmin
from disputes.admin_evidence import evidence_panel_rows
from disputes.deadlines import deadline_state
from disputes.exceptions import TransitionConflict
from disputes.models import IssuedDocument
from disputes.permissions import can_see_personal_data
from disputes.selectors import case_history, case_list_visible_to
from disputes.services import transition_label
from disputes.states import CaseStatus, ConfirmationRoute
from mediation.selectors import agreement_current, agreement_paid_total
from organizations.selectors import scope_for
from organizations.states import Role

from . import services
from .forms import (
    AcceptForm,
    ApproveForm,
    AwardForm,
    AwardItemFormSet,
    CloseForm,
    DeclineForm,
    EndForm,
    HearingForm,
    RecoveryForm,
    RefuseForm,
    RegisterForm,
)
from .models import (
    ArbitrationCase,
    Award,
    EnforcementCase,
    EnforcementQueueCase,
    Hearing,
    JudicialConfirmationCase,
    MinimumWage,
    ReviewCase,
)
from .selectors import (
    arbitration_cases_for,
    decision_badge,
    documents_of,
    enforcement_cases_for,
    enforcement_latest,
    judicial_cases_for,
    review_cases_for,
    works_as,
)
from .views import document_response

S = CaseStatus


def _status_label(code: str) -> str:
    try:
        return str(CaseStatus(code).label) if code else ""
    except ValueError:
        return code


class PendingFilter(admin.SimpleListFilter):
    """办理情况: 待办 (the default: what waits for this body now), 已办, 全部."""

    title = _("办理情况")
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return [("yes", _("待办")), ("no", _("已办")), ("all", _("全部"))]

    def value(self):
        return super().value() or "yes"

    def choices(self, changelist):
        for code, label in self.lookup_choices:
            yield {
                "selected": self.value() == code,
                "query_string": changelist.get_query_string({self.parameter_name: code}),
                "display": label,
            }

    def queryset(self, request, queryset):
        pending = Q(status__in=self.model_admin_pending_states)
        if self.value() == "yes":
            return queryset.filter(pending)
        if self.value() == "no":
            return queryset.exclude(pending)
        return queryset


def _pending_filter(states):
    return type("PendingFilterFor", (PendingFilter,), {"model_admin_pending_states": tuple(states)})


class DeskAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """One body's list and desk. Subclasses name the role, the selector, the pending states and their decisions."""

    role: str = ""
    not_found_message = _("未找到该案件，或该案件不在本机构办理。")
    desk_template = "admin/arbitration/desk.html"
    form_template = "admin/arbitration/form.html"
    pending_states: tuple[str, ...] = ()
    shows_deadline = True

    list_display_links = ("tracking_code",)
    list_select_related = ("station", "handling_org")
    search_fields = ("tracking_code", "worker_name", "employer_name")
    search_help_text = _("按查询码、劳动者姓名或用人单位名称搜索。")
    paginator = BigTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    ordering = ("created_at", "id")

    class Media:
        css = {"all": ("onestop/workbench.css",)}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.pending_states:
            cls.list_filter = (_pending_filter(cls.pending_states),)

    # --- Scope -------------------------------------------------------------------------------------------------
    def cases_for(self, user, base):  # pragma: no cover - every subclass defines it
        """The queue's cases for ``user`` (an abstract method: each body's queue has its own selector)."""
        raise NotImplementedError

    def get_queryset(self, request):
        return self.cases_for(request.user, self.model.objects.all())

    def get_ordering(self, request):
        if self.shows_deadline:
            return ("decision_due_on", "created_at", "id")
        return self.ordering

    def has_module_permission(self, request):
        return works_as(request.user, self.role)

    def has_view_permission(self, request, obj=None):
        return works_as(request.user, self.role)

    def _case(self, request, case_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        case = self.get_queryset(request).filter(pk=case_id).first()
        if case is None:
            raise Http404(self.not_found_message)
        return case

    # --- Columns -----------------------------------------------------------------------------------------------
    @admin.display(description=_("身份证号"))
    def worker_id_col(self, obj):
        return obj.worker_id_masked

    @admin.display(description=_("决定期限"))
    def deadline_col(self, obj):
        badge = decision_badge(obj)
        if badge.due_on is None:
            return "—"
        return format_html(
            '<span class="os-due os-due-{}" title="{}：{}" data-testid="decision-deadline">{}</span>'
            '<span class="os-due-date">{}</span>',
            badge.state,
            badge.rule,
            badge.due_on.isoformat(),
            badge.text,
            badge.due_on.isoformat(),
        )

    @admin.display(description=_("协议金额（元）"))
    def agreed_col(self, obj):
        return obj.amount_agreed if obj.amount_agreed is not None else "—"

    @admin.display(description=_("提交时间"), ordering="created_at")
    def filed_col(self, obj):
        return timezone.localtime(obj.created_at).strftime("%Y-%m-%d")

    # --- URLs --------------------------------------------------------------------------------------------------
    def decision_urls(self) -> list[tuple[str, object]]:
        return []

    def url_name(self, suffix: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{suffix}"

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        custom = [
            path(f"<int:case_id>/{slug}/", view(fn), name=self.url_name(slug))
            for slug, fn in self.decision_urls()
        ]
        custom.append(
            path("document/<int:document_id>/", view(self.document_view), name=self.url_name("document"))
        )
        return custom + super().get_urls()

    def desk_url(self, case_id) -> str:
        return reverse(f"admin:{self.url_name('change')}", args=[case_id])

    def action_url(self, slug, case_id) -> str:
        return reverse(f"admin:{self.url_name(slug)}", args=[case_id])

    # --- The desk ----------------------------------------------------------------------------------------------
    def actions_for(self, request, case) -> list[dict]:
        return []

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self._case(request, object_id)
        user = request.user
        personal = can_see_personal_data(case, user)
        agreement = agreement_current(case=case)
        agreement_pdf = ""
        if agreement is not None and personal:
            agreement_pdf = reverse("admin:mediation_mediationcase_pdf", args=[agreement.pk])
        deadlines = []
        for row in case.deadlines.select_related("rule").order_by("due_on", "id"):
            code, label = deadline_state(row)
            deadlines.append({"row": row, "state": code, "state_label": label})
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
        award = Award.objects.filter(case=case).select_related("minimum_wage").first()
        enforcement = enforcement_latest(case=case)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.opts.verbose_name,
            "subtitle": case.tracking_code,
            "case": case,
            "case_url": reverse("admin:disputes_case_change", args=[case.pk])
            if case_list_visible_to(user=user).filter(pk=case.pk).exists()
            else "",
            "personal": personal,
            "worker_id": case.worker_id_number if personal else case.worker_id_masked,
            "worker_phone": case.worker_phone if personal else case.worker_phone_masked,
            "claims": list(case.claims.order_by("id")),
            "agreement": agreement,
            "agreement_items": list(agreement.items.all()) if agreement else [],
            "instalments": list(agreement.instalments.all()) if agreement else [],
            "agreement_paid": agreement_paid_total(agreement=agreement) if agreement else None,
            "agreement_pdf": agreement_pdf,
            "documents": [
                {"row": doc, "url": reverse(f"admin:{self.url_name('document')}", args=[doc.pk])}
                for doc in documents_of(case=case)
            ],
            "hearings": list(Hearing.objects.filter(case=case, cancelled_at__isnull=True)),
            "award": award,
            "award_items": list(award.items.all()) if award else [],
            "enforcement": enforcement,
            "recoveries": list(enforcement.recoveries.all()) if enforcement else [],
            "case_deadlines": deadlines,
            "case_history": history,
            "badge": decision_badge(case) if self.shows_deadline else None,
            "actions": self.actions_for(request, case),
            "route_label": case.get_confirmation_route_display() if case.confirmation_route else "",
            "has_view_permission": True,
            **evidence_panel_rows(case=case, user=user),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.desk_template, context)

    def document_view(self, request, document_id):
        """A document of a case on this desk, or one the user's organization issued (a refusal takes the case out
        of the body's hands, not its own decision)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        scope = scope_for(request.user)
        documents = IssuedDocument.objects.filter(revoked_at__isnull=True)
        if not scope.is_superuser:
            documents = documents.filter(
                Q(issuer_id__in=scope.orgs_with_role(self.role))
                | Q(case__in=self.get_queryset(request).values("pk"))
            )
        document = documents.filter(pk=document_id).first()
        if document is None:
            raise Http404(gettext("没有这份文书，或它不在您的职责范围内。"))
        return document_response(document, as_attachment=False)

    # --- Forms -------------------------------------------------------------------------------------------------
    def render_form(
        self, request, case, *, title, form, formsets=(), intro="", submit_label=None, dismissive=False
    ):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "subtitle": case.tracking_code,
            "case": case,
            "desk_url": self.desk_url(case.pk),
            "form": form,
            "formsets": formsets,
            "intro": intro,
            "submit_label": submit_label or title,
            "dismissive": dismissive,
            "has_view_permission": True,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.form_template, context)

    def done(self, request, case, message, *, document=None):
        if document is not None:
            url = reverse(f"admin:{self.url_name('document')}", args=[document.pk])
            message = format_html(
                '{} <a href="{}" data-testid="issued-document">{}</a>',
                message,
                url,
                gettext("下载文书（PDF）"),
            )
        self.message_user(request, message, messages.SUCCESS)
        if self.get_queryset(request).filter(pk=case.pk).exists():
            return HttpResponseRedirect(self.desk_url(case.pk))
        return HttpResponseRedirect(reverse(f"admin:{self.url_name('changelist')}"))

    def conflict(self, request, case, exc: TransitionConflict):
        self.message_user(request, str(exc), messages.ERROR)
        return HttpResponseRedirect(self.desk_url(case.pk))

    @staticmethod
    def errors_to_form(form, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                name = field.removeprefix("hearing_")
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)

    def simple_decision(
        self,
        request,
        case_id,
        *,
        form_class,
        title,
        run,
        message,
        intro="",
        dismissive=False,
        form_kwargs=None,
    ):
        """GET: the form; POST: run the service with the cleaned data and go back to the desk (or the list)."""
        case = self._case(request, case_id)
        form = form_class(request.POST if request.method == "POST" else None, **(form_kwargs or {}))
        if request.method == "POST" and form.is_valid():
            try:
                result = run(case, form.cleaned_data)
            except TransitionConflict as exc:
                return self.conflict(request, case, exc)
            except ValidationError as exc:
                self.errors_to_form(form, exc)
            else:
                document = result if isinstance(result, IssuedDocument) else None
                text = message(result) if callable(message) else message
                return self.done(request, case, text, document=document)
        return self.render_form(request, case, title=title, form=form, intro=intro, dismissive=dismissive)


# --- The commission: arbitration review --------------------------------------------------------------------------
@admin.register(ReviewCase)
class ReviewCaseAdmin(DeskAdmin):
    role = Role.ARBITRATOR
    pending_states = (S.CONFIRMATION_REQUESTED,)
    list_display = (
        "tracking_code",
        "status",
        "deadline_col",
        "worker_name",
        "worker_id_col",
        "employer_name",
        "agreed_col",
        "station",
        "filed_col",
    )

    def cases_for(self, user, base):
        return review_cases_for(user=user, base=base)

    def decision_urls(self):
        return [("approve", self.approve_view), ("refuse", self.refuse_view)]

    def actions_for(self, request, case):
        if case.status != S.CONFIRMATION_REQUESTED:
            return []
        return [
            {
                "label": gettext("审查通过，出具仲裁调解书"),
                "url": self.action_url("approve", case.pk),
                "slug": "approve",
            },
            {
                "label": gettext("不予确认"),
                "url": self.action_url("refuse", case.pk),
                "slug": "refuse",
                "dismissive": True,
            },
        ]

    def approve_view(self, request, case_id):
        return self.simple_decision(
            request,
            case_id,
            form_class=ApproveForm,
            title=gettext("审查通过，出具仲裁调解书"),
            intro=gettext(
                "调解协议合法有效的，出具与协议内容一致的仲裁调解书（带编号和验证码），案件转为“协议已确认”。"
            ),
            run=lambda case, data: services.review_approve(case_id=case.pk, actor=request.user),
            message=lambda doc: gettext("已出具仲裁调解书 %(number)s。") % {"number": doc.number},
        )

    def refuse_view(self, request, case_id):
        return self.simple_decision(
            request,
            case_id,
            form_class=RefuseForm,
            title=gettext("不予确认"),
            intro=gettext("出具不予确认决定书，案件回到“已达成调解协议”，劳动者可以选择其他途径。"),
            run=lambda case, data: services.review_refuse(case_id=case.pk, actor=request.user, **data),
            message=lambda doc: gettext("已出具不予确认决定书 %(number)s。") % {"number": doc.number},
            dismissive=True,
        )


# --- The commission: cases referred to arbitration ----------------------------------------------------------------
@admin.register(ArbitrationCase)
class ArbitrationCaseAdmin(DeskAdmin):
    role = Role.ARBITRATOR
    pending_states = (S.REFERRED_TO_ARBITRATION, S.ARBITRATION_ACCEPTED)
    list_display = (
        "tracking_code",
        "status",
        "deadline_col",
        "worker_name",
        "worker_id_col",
        "employer_name",
        "claimed_col",
        "station",
        "filed_col",
    )

    @admin.display(description=_("请求金额（元）"))
    def claimed_col(self, obj):
        return obj.amount_claimed

    def cases_for(self, user, base):
        return arbitration_cases_for(user=user, base=base)

    def decision_urls(self):
        return [
            ("accept", self.accept_view),
            ("decline", self.decline_view),
            ("hearing", self.hearing_view),
            ("award", self.award_view),
            ("close", self.close_view),
        ]

    def actions_for(self, request, case):
        if case.status == S.REFERRED_TO_ARBITRATION:
            return [
                {"label": gettext("立案受理"), "url": self.action_url("accept", case.pk), "slug": "accept"},
                {
                    "label": gettext("不予受理"),
                    "url": self.action_url("decline", case.pk),
                    "slug": "decline",
                    "dismissive": True,
                },
            ]
        if case.status == S.ARBITRATION_ACCEPTED:
            actions = [
                {"label": gettext("安排开庭"), "url": self.action_url("hearing", case.pk), "slug": "hearing"}
            ]
            if not Award.objects.filter(case=case).exists():
                actions.append(
                    {"label": gettext("记录裁决"), "url": self.action_url("award", case.pk), "slug": "award"}
                )
            actions.append(
                {"label": gettext("结案"), "url": self.action_url("close", case.pk), "slug": "close"}
            )
            return actions
        return []

    def accept_view(self, request, case_id):
        def run(case, data):
            hearing = None
            if data.get("schedule"):
                hearing = services.HearingInput(
                    at=data.get("at"),
                    place=data.get("place", ""),
                    kind=data.get("kind"),
                    notes=data.get("notes", ""),
                )
            return services.arbitration_accept(case_id=case.pk, actor=request.user, hearing=hearing)

        return self.simple_decision(
            request,
            case_id,
            form_class=AcceptForm,
            title=gettext("立案受理"),
            intro=gettext("出具受理通知书，其编号即仲裁案号。可以同时安排开庭（开庭日期至少在五日以后）。"),
            run=run,
            message=lambda doc: gettext("已立案受理，仲裁案号 %(number)s。") % {"number": doc.number},
        )

    def decline_view(self, request, case_id):
        return self.simple_decision(
            request,
            case_id,
            form_class=DeclineForm,
            title=gettext("不予受理"),
            intro=gettext(
                "出具不予受理通知书，写明理由和劳动者向人民法院起诉的权利（劳动争议调解仲裁法第二十九条）。"
            ),
            run=lambda case, data: services.arbitration_decline(case_id=case.pk, actor=request.user, **data),
            message=lambda doc: gettext("已出具不予受理通知书 %(number)s。") % {"number": doc.number},
            dismissive=True,
        )

    def hearing_view(self, request, case_id):
        return self.simple_decision(
            request,
            case_id,
            form_class=HearingForm,
            title=gettext("安排开庭"),
            intro=gettext("开庭日期至少在五日以后；劳动者会在查询页面看到时间和地点。"),
            run=lambda case, data: services.hearing_schedule(
                case_id=case.pk, actor=request.user, hearing=services.HearingInput(**data)
            ),
            message=gettext("已安排开庭。"),
        )

    def award_view(self, request, case_id):
        case = self._case(request, case_id)
        data = request.POST if request.method == "POST" else None
        form = AwardForm(data, initial={"awarded_on": timezone.localdate()})
        items = AwardItemFormSet(
            data,
            prefix="items",
            initial=[{"category": c.category, "amount": c.amount} for c in case.claims.order_by("id")]
            if data is None
            else None,
        )
        if request.method == "POST" and form.is_valid() and items.is_valid():
            rows = [
                services.AwardItemInput(
                    category=f.cleaned_data.get("category") or "",
                    description=f.cleaned_data.get("description") or "",
                    amount=f.cleaned_data.get("amount") if f.cleaned_data.get("amount") is not None else "",
                )
                for f in items.forms
                if f.has_content()
            ]
            try:
                award = services.award_record(
                    case_id=case.pk,
                    actor=request.user,
                    items=rows,
                    awarded_on=form.cleaned_data["awarded_on"],
                    is_final=form.is_final(),
                    final_reason=form.cleaned_data.get("final_reason", ""),
                )
            except TransitionConflict as exc:
                return self.conflict(request, case, exc)
            except ValidationError as exc:
                self.errors_to_form(form, exc)
            else:
                final = gettext("终局裁决") if award.is_final else gettext("非终局裁决")
                return self.done(
                    request,
                    case,
                    gettext("已记录裁决（%(final)s）。") % {"final": final},
                    document=award.document,
                )
        return self.render_form(
            request,
            case,
            title=gettext("记录裁决"),
            form=form,
            formsets=[(gettext("裁决事项（每行一项；驳回的事项金额填 0）"), items)],
            intro=gettext(
                "是否终局按劳动争议调解仲裁法第四十七条判断：各项金额不超过当地月最低工资标准十二个月金额的劳动报酬、工伤医疗费、"
                "经济补偿或赔偿金，以及社会保险等国家劳动标准争议，为终局裁决。仲裁庭的认定不同的，请写明依据。"
            ),
        )

    def close_view(self, request, case_id):
        return self.simple_decision(
            request,
            case_id,
            form_class=CloseForm,
            title=gettext("结案"),
            intro=gettext(
                "裁决未履行的，劳动者可以在查询页面申请强制执行；结案后案件不再办理其他事项，请在履行完毕或劳动者不再申请执行后结案。"
            ),
            run=lambda case, data: services.arbitration_close(case_id=case.pk, actor=request.user, **data),
            message=gettext("已结案。"),
        )


# --- The court: judicial confirmation -----------------------------------------------------------------------------
@admin.register(JudicialConfirmationCase)
class JudicialConfirmationCaseAdmin(DeskAdmin):
    role = Role.COURT_CLERK
    pending_states = (S.CONFIRMATION_REQUESTED,)
    list_display = ReviewCaseAdmin.list_display

    def cases_for(self, user, base):
        return judicial_cases_for(user=user, base=base)

    def decision_urls(self):
        return [("confirm", self.confirm_view), ("refuse", self.refuse_view)]

    def actions_for(self, request, case):
        if (
            case.status != S.CONFIRMATION_REQUESTED
            or case.confirmation_route != ConfirmationRoute.JUDICIAL_CONFIRMATION
        ):
            return []
        return [
            {
                "label": gettext("裁定确认，出具民事裁定书"),
                "url": self.action_url("confirm", case.pk),
                "slug": "confirm",
            },
            {
                "label": gettext("驳回申请"),
                "url": self.action_url("refuse", case.pk),
                "slug": "refuse",
                "dismissive": True,
            },
        ]

    def confirm_view(self, request, case_id):
        return self.simple_decision(
            request,
            case_id,
            form_class=ApproveForm,
            title=gettext("裁定确认调解协议"),
            intro=gettext("出具确认调解协议效力的民事裁定书（带编号和验证码），案件转为“协议已确认”。"),
            run=lambda case, data: services.judicial_confirm(case_id=case.pk, actor=request.user),
            message=lambda doc: gettext("已出具民事裁定书 %(number)s。") % {"number": doc.number},
        )

    def refuse_view(self, request, case_id):
        return self.simple_decision(
            request,
            case_id,
            form_class=RefuseForm,
            form_kwargs={"judicial": True},
            title=gettext("驳回司法确认申请"),
            intro=gettext("出具驳回申请的民事裁定书，案件回到“已达成调解协议”。"),
            run=lambda case, data: services.judicial_refuse(case_id=case.pk, actor=request.user, **data),
            message=lambda doc: gettext("已出具民事裁定书 %(number)s。") % {"number": doc.number},
            dismissive=True,
        )


# --- The court: enforcement ---------------------------------------------------------------------------------------
@admin.register(EnforcementQueueCase)
class EnforcementQueueCaseAdmin(DeskAdmin):
    role = Role.COURT_CLERK
    pending_states = (S.ENFORCEMENT,)
    shows_deadline = False
    list_display = (
        "tracking_code",
        "status",
        "enforcement_number_col",
        "worker_name",
        "worker_id_col",
        "employer_name",
        "station",
        "filed_col",
    )

    @admin.display(description=_("执行案号"))
    def enforcement_number_col(self, obj):
        return obj.enforcement_number or gettext("待立案")

    def cases_for(self, user, base):
        latest = EnforcementCase.objects.filter(case=OuterRef("pk")).order_by("-applied_at", "-id")
        return enforcement_cases_for(user=user, base=base).annotate(
            enforcement_number=Subquery(latest.values("number")[:1])
        )

    def decision_urls(self):
        return [("register", self.register_view), ("recovery", self.recovery_view), ("end", self.end_view)]

    def actions_for(self, request, case):
        if case.status != S.ENFORCEMENT:
            return []
        return [
            {
                "label": gettext("登记执行案号"),
                "url": self.action_url("register", case.pk),
                "slug": "register",
            },
            {
                "label": gettext("记录执行到位"),
                "url": self.action_url("recovery", case.pk),
                "slug": "recovery",
            },
            {"label": gettext("执行结案"), "url": self.action_url("end", case.pk), "slug": "end"},
        ]

    def register_view(self, request, case_id):
        return self.simple_decision(
            request,
            case_id,
            form_class=RegisterForm,
            title=gettext("登记执行案号"),
            run=lambda case, data: services.enforcement_register(case_id=case.pk, actor=request.user, **data),
            message=gettext("已登记执行案号，劳动者会在查询页面看到。"),
        )

    def recovery_view(self, request, case_id):
        return self.simple_decision(
            request,
            case_id,
            form_class=RecoveryForm,
            title=gettext("记录执行到位"),
            run=lambda case, data: services.enforcement_record_recovery(
                case_id=case.pk, actor=request.user, **data
            ),
            message=gettext("已记录执行到位金额。"),
        )

    def end_view(self, request, case_id):
        return self.simple_decision(
            request,
            case_id,
            form_class=EndForm,
            title=gettext("执行结案"),
            intro=gettext("执行结案后案件办结，执行到位的总金额记入案件。"),
            run=lambda case, data: services.enforcement_end(case_id=case.pk, actor=request.user, **data),
            message=gettext("已执行结案。"),
        )


# --- The minimum wage (officials) -----------------------------------------------------------------------------------
class MinimumWageForm(forms.ModelForm):
    class Meta:
        model = MinimumWage
        fields = ("region", "monthly_amount", "effective_from", "source")
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


@admin.register(MinimumWage)
class MinimumWageAdmin(admin.ModelAdmin):
    """Officials enter each region's monthly minimum wage as the provincial government publishes it; every staff
    member may read it (the arbitrators' award form uses it). Rows are corrected, never deleted: an award keeps the
    row it used."""

    form = MinimumWageForm
    list_display = ("region", "monthly_amount", "effective_from", "source")
    list_filter = ("region",)
    ordering = ("region__code", "-effective_from")

    @staticmethod
    def _official(request) -> bool:
        scope = scope_for(request.user)
        return scope.is_superuser or bool(scope.orgs_with_role(Role.OFFICIAL))

    @staticmethod
    def _staff(request) -> bool:
        scope = scope_for(request.user)
        return scope.is_superuser or bool(scope.org_ids)

    def has_module_permission(self, request):
        return self._staff(request)

    def has_view_permission(self, request, obj=None):
        return self._staff(request)

    def has_add_permission(self, request):
        return self._official(request)

    def has_change_permission(self, request, obj=None):
        return self._official(request)

    def has_delete_permission(self, request, obj=None):
        return False
