"""Public pages for workers (no account): the claim form (``/intake/``, ``/intake/s/<org-code>/``), its one-time
confirmation page, and the tracking page (``/track/``) with the worker's actions.

The views only read the request, call :mod:`disputes.intake.services` and :mod:`disputes.tracking`, and render.
Two orders matter here: the size of a POST is checked before its body is read (an oversized upload gets a 413,
not a 500 or a full disk), so these views check CSRF themselves right after parsing the body; and the case a
worker opened is kept in the session, never in the URL.
"""

import json
import uuid
from dataclasses import asdict

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from config.client import client_ip
from organizations.models import Region
from organizations.states import Industry

from .evidence import evidence_check
from .exceptions import TransitionConflict, UnknownTransition
from .extensions import worker_panels_for
from .intake.forms import (
    CATEGORY_HELP,
    CoworkerFormSet,
    RespondentFormSet,
    WorkerClaimForm,
    stations_taking_claims,
)
from .intake.services import intake_notices, intake_receipt_answer, intake_submit, pending_upload_create
from .models import PendingUpload
from .permissions import WORKER
from .pii import decrypt, encrypt
from .states import Category, Channel, RespondentRole, Service
from .tracking import (
    TrackingLocked,
    evidence_limits_text,
    tracking_case,
    tracking_evidence_add,
    tracking_failure_message,
    tracking_move_to_government_station,
    tracking_open,
    tracking_refer_to_arbitration,
    tracking_withdraw,
    worker_view,
)

INTAKE_RATE = "20/h"  # per address: generous enough for a station's shared Wi-Fi, low enough to stop a script
SESSION_FILED = "intake_filed"
SESSION_TRACK = "track_case_id"
_PURPOSE = gettext_lazy(
    "我们收集您的姓名、身份证号、手机号、工作情况和您上传的材料，只用于办理您这次的劳动争议："
    "登记申请、转交调解组织或仲裁机构、联系您、依法统计（统计不含个人信息）。"
    "身份证号和手机号加密保存，只有办理您案件的工作人员可以查看；保密申请在您确认前不会联系用人单位。"
    "案件办结后按规定期限保存，期满删除或匿名化。您可以随时凭查询码查看办理情况。"
)


# --- Helpers ------------------------------------------------------------------------------------------------
def _client_ip(request) -> str:
    return client_ip(request)


def _error_page(request, *, status: int, title: str, message: str, headers: dict | None = None):
    response = render(
        request, "disputes/error.html", {"title": title, "message": message, "status": status}, status=status
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def _upload_limit_bytes() -> int:
    """The largest request body the upload forms accept: every file at its limit, plus the other fields."""
    fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return settings.EVIDENCE_MAX_FILES * settings.EVIDENCE_MAX_BYTES + fields + 64 * 1024


def _too_large(request):
    mb = settings.EVIDENCE_MAX_BYTES // (1024 * 1024)
    return _error_page(
        request,
        status=413,
        title=_("上传的内容太大了"),
        message=_(
            "一次最多上传 %(files)d 个文件，每个不超过 %(mb)d MB。请返回上一页，少选几个文件或把照片压缩后再提交；"
            "您填写的内容还在上一页。"
        )
        % {"files": settings.EVIDENCE_MAX_FILES, "mb": mb},
    )


def _read_body(request):
    """Check the size, then parse the body; returns an error response, or None when the body is usable."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > _upload_limit_bytes():
        return _too_large(request)
    try:
        request.POST  # noqa: B018 - parse now, so a bad body is answered here and not inside the CSRF check
        request.FILES  # noqa: B018
    except (RequestDataTooBig, TooManyFilesSent):
        return _too_large(request)
    except (TooManyFieldsSent, MultiPartParserError, UnreadablePostError, SuspiciousOperation):
        return _error_page(
            request, status=400, title=_("提交的内容无法识别"), message=_("请返回上一页重新提交。")
        )
    return None


def _new_token() -> str:
    return uuid.uuid4().hex


# --- The claim form -----------------------------------------------------------------------------------------
def _date_widget():
    return forms.DateInput(attrs={"type": "date", "max": timezone.localdate().isoformat()}, format="%Y-%m-%d")


def _decorate_claim_form(form: WorkerClaimForm) -> None:
    """Phone-friendly inputs: the right keyboard, autofill hints, native date pickers."""
    attrs = {
        "worker_name": {"autocomplete": "name"},
        "worker_id_number": {
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "placeholder": _("18位身份证号"),
        },
        "worker_phone": {
            "type": "tel",
            "inputmode": "tel",
            "autocomplete": "tel",
            "placeholder": _("11位手机号"),
        },
        "employer_name": {"autocomplete": "organization"},
        "employer_credit_code": {"autocapitalize": "characters", "spellcheck": "false"},
        "employer_site": {"placeholder": _("如：某某站点、某某网点、某某门店")},
        "facts": {
            "rows": 6,
            "placeholder": _(
                "什么时候开始在哪里工作，谁安排工作、谁发工资，发生了什么问题，您希望怎么解决。"
            ),
        },
    }
    for name, extra in attrs.items():
        widget = form.fields[name].widget
        if extra.get("type"):
            widget.input_type = extra["type"]
        widget.attrs.update({k: v for k, v in extra.items() if k != "type"})
    form.fields["industry"].choices = [("", _("请选择行业"))] + list(Industry.choices)
    for name in ("employment_started_on", "employment_ended_on", "knowledge_date"):
        form.fields[name].widget = _date_widget()
    for category in Category.values:
        form.fields[f"amount_{category}"].widget.attrs.update(
            {"inputmode": "decimal", "placeholder": _("不清楚可以不填")}
        )


def _decorate_respondents(formset) -> None:
    for form in [*formset.forms, formset.empty_form]:
        form.fields["role"].choices = [("", _("请选择"))] + list(RespondentRole.choices)
        form.fields["credit_code"].widget.attrs.update({"autocapitalize": "characters"})
        form.fields["details"].widget = forms.Textarea(attrs={"rows": 2})


def _decorate_coworkers(formset) -> None:
    for form in [*formset.forms, formset.empty_form]:
        form.fields["worker_phone"].widget.input_type = "tel"
        form.fields["worker_phone"].widget.attrs.update({"inputmode": "tel"})
        form.fields["worker_id_number"].widget.attrs.update({"autocapitalize": "characters"})
        form.fields["amount_claimed"].widget.attrs.update({"inputmode": "decimal"})


def _station_options(selected_code: str):
    stations = stations_taking_claims().select_related("region").order_by("region__code", "type", "code")
    return [
        {
            "code": s.code,
            "name": s.name,
            "industry": s.industry,
            "region": s.region.name,
            "selected": s.code == selected_code,
        }
        for s in stations
    ]


def _checked(form, name: str) -> set[str]:
    value = form[name].value() or []
    return {str(v) for v in (value if isinstance(value, list | tuple) else [value])}


def _pending_from_tokens(tokens: list[str]) -> list[PendingUpload]:
    valid = []
    for token in tokens[: settings.EVIDENCE_MAX_FILES * 2]:
        try:
            valid.append(uuid.UUID(str(token)))
        except ValueError:
            continue
    if not valid:
        return []
    found = {u.token: u for u in PendingUpload.objects.filter(token__in=valid)}
    return [found[t] for t in dict.fromkeys(valid) if t in found]


def _remember_filed(request, filed) -> None:
    """The tracking codes and PINs for the confirmation page, encrypted (sessions live in the database)."""
    request.session[SESSION_FILED] = encrypt(
        json.dumps({"cases": [asdict(f) for f in filed], "shown": False})
    )


def _render_intake(
    request,
    *,
    station,
    form,
    respondents,
    coworkers,
    uploads=(),
    file_errors=(),
    notices=(),
    status=200,
):
    # A fresh token on every render: a double tap on this page shares it, a new page gets a new one.
    token = _new_token()
    if form.is_bound:
        data = form.data.copy()
        data["form_token"] = token
        form.data = data
    else:
        form.initial["form_token"] = token
    _decorate_claim_form(form)
    _decorate_respondents(respondents)
    _decorate_coworkers(coworkers)
    chosen = _checked(form, "categories")
    categories = [
        {
            "code": code,
            "label": label,
            "help": CATEGORY_HELP.get(code, ""),
            "checked": code in chosen,
            "amount": form[f"amount_{code}"],
        }
        for code, label in Category.choices
    ]
    services = _checked(form, "services")
    station_code = str(form["station"].value() or "")
    region_code = str(form["region"].value() or "")
    error_count = (
        len(form.errors)
        + sum(len(f.errors) for f in respondents.forms if respondents.is_bound)
        + sum(len(f.errors) for f in coworkers.forms if coworkers.is_bound)
        + (len(respondents.non_form_errors()) if respondents.is_bound else 0)
        + (len(coworkers.non_form_errors()) if coworkers.is_bound else 0)
        + len(file_errors)
    )
    error_links = []
    for name in form.errors:
        if name == "__all__" or name not in form.fields or form[name].is_hidden:
            continue
        anchor = "f-categories" if name.startswith("amount_") else f"f-{name}"
        error_links.append({"anchor": anchor, "label": form[name].label})
    if respondents.is_bound and (any(f.errors for f in respondents.forms) or respondents.non_form_errors()):
        error_links.append({"anchor": "s-employer", "label": _("其他相关方")})
    if coworkers.is_bound and (any(f.errors for f in coworkers.forms) or coworkers.non_form_errors()):
        error_links.append({"anchor": "s-collective", "label": _("一起申请的同事")})
    if file_errors:
        error_links.append({"anchor": "s-evidence", "label": _("证据材料")})
    collective_open = bool(coworkers.total_form_count()) or bool(
        coworkers.is_bound and coworkers.non_form_errors()
    )
    context = {
        "station": station,
        "form": form,
        "respondents": respondents,
        "coworkers": coworkers,
        "categories": categories,
        "services": [
            {"code": code, "label": label, "checked": code in services} for code, label in Service.choices
        ],
        "stations": _station_options(station_code),
        "regions": [
            {"code": r.code, "name": r.name, "selected": r.code == region_code}
            for r in Region.objects.order_by("code")
        ],
        "uploads": uploads,
        "file_errors": file_errors,
        "notices": notices,
        "error_count": error_count,
        "error_links": error_links,
        "collective_open": collective_open,
        "limits_text": evidence_limits_text(),
        "max_files": settings.EVIDENCE_MAX_FILES,
        "purpose": _PURPOSE,
    }
    return render(request, "disputes/intake.html", context, status=status)


def _station_or_404(org_code):
    if org_code is None:
        return None, None
    station = stations_taking_claims().select_related("region").filter(code=org_code).first()
    return station, (None if station else "missing")


@sensitive_post_parameters()  # ID numbers and phones of the worker and co-workers: kept out of error reports
@csrf_exempt  # checked in _intake_post, once the size is known to be acceptable (see the module docstring)
@require_http_methods(["GET", "HEAD", "POST"])
def intake(request, org_code: str | None = None):
    """The claim form; with ``org_code`` (a station's QR poster) that station is preset and shown."""
    station, missing = _station_or_404(org_code)
    if missing:
        return _error_page(
            request,
            status=404,
            title=_("没有找到这个调解组织"),
            message=_(
                "二维码对应的调解组织不存在或已停止受理。您可以直接填写申请表，由平台为您选择调解组织。"
            ),
        )
    if request.method == "POST":
        refused = _read_body(request)
        if refused is not None:
            return refused
        if is_ratelimited(
            request, group="intake-form", key="ip", rate=INTAKE_RATE, method="POST", increment=True
        ):
            return _error_page(
                request,
                status=429,
                title=_("提交太频繁了"),
                message=_(
                    "同一网络一小时内提交次数过多，请稍后再试。着急的话，可以拨打 12333 或到调解站现场申请。"
                ),
                headers={"Retry-After": "3600"},
            )
        return _intake_post(request, station)
    initial = {}
    if station is not None:
        initial = {"station": station.code, "industry": station.industry or None}
    # A prefill from a link (the knowledge assistant's "start a claim"): valid codes only, anything else ignored.
    category = request.GET.get("category", "")
    if category in Category.values:
        initial["categories"] = [category]
    service = request.GET.get("service", "")
    if service in Service.values:
        initial["services"] = [service]
    return _render_intake(
        request,
        station=station,
        form=WorkerClaimForm(initial=initial),
        respondents=RespondentFormSet(prefix="resp"),
        coworkers=CoworkerFormSet(prefix="cw"),
    )


@sensitive_variables()
@csrf_protect
def _intake_post(request, station):
    if request.POST.get("website"):
        # The honeypot: a person never sees this field; a script filling everything does.
        return _error_page(request, status=400, title=_("提交失败"), message=_("请刷新页面后重新填写提交。"))
    token = (request.POST.get("form_token") or "")[:64]
    if token:
        previous = intake_receipt_answer(key=token)
        if previous is not None:  # a double tap, a reload, a retry: the first answer, no second case
            _remember_filed(request, previous)
            return redirect("disputes:intake-done")

    form = WorkerClaimForm(request.POST)
    form_ok = form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    respondents = RespondentFormSet(request.POST, prefix="resp")
    coworkers = CoworkerFormSet(
        request.POST,
        prefix="cw",
        filer_id_number=cleaned.get("worker_id_number", ""),
        filer_is_representative=bool(cleaned.get("is_representative")),
    )
    respondents_ok = respondents.is_valid()
    coworkers_ok = coworkers.is_valid()

    uploads = _pending_from_tokens(request.POST.getlist("upload_token"))
    new_files = request.FILES.getlist("evidence")
    file_errors: list[str] = []
    checked = []
    limit = settings.EVIDENCE_MAX_FILES
    if len(uploads) + len(new_files) > limit:
        file_errors.append(
            _("最多上传 %(n)d 个文件，现在一共有 %(m)d 个，请少选几个再提交。")
            % {"n": limit, "m": len(uploads) + len(new_files)}
        )
    else:
        for uploaded in new_files:
            try:
                checked.append(evidence_check(uploaded))
            except ValidationError as exc:
                file_errors.extend(exc.messages)

    def again(**extra):
        # Keep the files already accepted, so the worker does not have to pick them again.
        kept = uploads + [pending_upload_create(checked=c) for c in checked]
        return _render_intake(
            request,
            station=station,
            form=form,
            respondents=respondents,
            coworkers=coworkers,
            uploads=kept,
            file_errors=file_errors,
            **extra,
        )

    if not (form_ok and respondents_ok and coworkers_ok) or file_errors:
        return again()
    notices = intake_notices(claim=cleaned)
    if notices and not cleaned.get("acknowledge_notices"):
        return again(notices=notices)
    filed = intake_submit(
        claim=cleaned,
        amounts=form.claim_amounts(),
        actor=WORKER,
        channel=Channel.QR_WEB,
        respondents=[row for row in respondents.cleaned_data if row],
        coworkers=[row for row in coworkers.cleaned_data if row],
        files=checked,
        uploads=uploads,
        filer_is_representative=bool(cleaned.get("is_representative")),
        idempotency_key=token,
    )
    _remember_filed(request, filed)
    return redirect("disputes:intake-done")


@sensitive_variables()  # the PINs, shown once
@never_cache
@require_http_methods(["GET", "HEAD"])
def intake_done(request):
    """The tracking codes and PINs, shown once: a reload shows the codes and says the PINs were shown."""
    raw = request.session.get(SESSION_FILED)
    if not raw:
        return redirect("disputes:track")
    try:
        data = json.loads(decrypt(raw))
    except Exception:  # a session written under a retired key: nothing to show
        request.session.pop(SESSION_FILED, None)
        return redirect("disputes:track")
    show_pins = not data.get("shown")
    cases = data.get("cases", [])
    if show_pins:
        request.session[SESSION_FILED] = encrypt(
            json.dumps({"cases": [{**c, "pin": ""} for c in cases], "shown": True})
        )
    return render(
        request,
        "disputes/intake_done.html",
        {"cases": cases, "show_pins": show_pins, "collective": len(cases) > 1},
    )


# --- Tracking -----------------------------------------------------------------------------------------------
MOVE_ACTION = "move_to_government_station"  # the neutrality move, posted to /track/ with a confirmation


class TrackForm(forms.Form):
    tracking_code = forms.CharField(
        label=gettext_lazy("查询码"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": gettext_lazy("例如 AB23-CD45"),
            }
        ),
    )
    access_pin = forms.CharField(
        label=gettext_lazy("查询密码（6位数字）"),
        max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"}),
    )


def _opened_case(request):
    case = tracking_case(case_id=request.session.get(SESSION_TRACK))
    if case is None:
        request.session.pop(SESSION_TRACK, None)
    return case


@sensitive_post_parameters("access_pin")
@sensitive_variables("form")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track(request):
    """Code and PIN open the case (kept in the session); then the worker's view of it. The neutrality move is
    posted here too (``action=move_to_government_station``), after the confirm step at ``?confirm=move``."""
    if request.method == "POST" and request.POST.get("action") == MOVE_ACTION:
        return _track_move(request)
    if request.method == "POST":
        form = TrackForm(request.POST)
        if not form.is_valid():
            return render(request, "disputes/track_form.html", {"form": form})
        try:
            case = tracking_open(
                tracking_code=form.cleaned_data["tracking_code"],
                pin=form.cleaned_data["access_pin"],
                client_ip=_client_ip(request),
            )
        except TrackingLocked as exc:
            response = render(
                request,
                "disputes/track_form.html",
                {"form": form, "error": str(exc), "locked": True},
                status=429,
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        if case is None:
            return render(
                request, "disputes/track_form.html", {"form": form, "error": tracking_failure_message()}
            )
        request.session.cycle_key()
        request.session[SESSION_TRACK] = case.pk
        return redirect("disputes:track")
    case = _opened_case(request)
    if case is None:
        return render(request, "disputes/track_form.html", {"form": TrackForm()})
    view = worker_view(case=case)
    return render(
        request,
        "disputes/track_case.html",
        {
            "view": view,
            "limits_text": evidence_limits_text(),
            "max_files": settings.EVIDENCE_MAX_FILES,
            "confirm_move": request.GET.get("confirm") == "move" and view.actions.move_to_government,
            "panels": worker_panels_for(case=case),
            "move_action": MOVE_ACTION,
        },
    )


def _track_move(request):
    """The worker's neutrality move: only with the confirmation ticked, only while the guard allows it."""
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    view = worker_view(case=case)
    if not view.actions.move_to_government:
        messages.error(request, _("您的申请现在的状态不能进行这个操作。"))
        return redirect("disputes:track")
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("请先勾选确认，再提交转交申请。"))
        return redirect(f"{reverse('disputes:track')}?confirm=move#move")
    try:
        tracking_move_to_government_station(case_id=case.pk)
        messages.success(
            request,
            _("已按您的选择，将申请转交%(org)s办理。") % {"org": view.actions.government_station_name},
        )
    except (TransitionConflict, UnknownTransition, PermissionDenied):
        messages.error(request, _("您的申请状态刚刚有了变化，请查看最新情况。"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("disputes:track")


@csrf_exempt  # checked in _evidence_post, once the size is known to be acceptable
@require_http_methods(["POST"])
def track_evidence(request):
    refused = _read_body(request)
    return refused if refused is not None else _evidence_post(request)


@csrf_protect
def _evidence_post(request):
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    files = request.FILES.getlist("evidence")
    errors: list[str] = []
    checked = []
    if not files:
        errors.append(_("请先选择要上传的照片或文件。"))
    elif len(files) > settings.EVIDENCE_MAX_FILES:
        errors.append(_("一次最多上传 %(n)d 个文件，请分几次上传。") % {"n": settings.EVIDENCE_MAX_FILES})
    else:
        for uploaded in files:
            try:
                checked.append(evidence_check(uploaded))
            except ValidationError as exc:
                errors.extend(exc.messages)
    if not errors:
        try:
            added = tracking_evidence_add(case_id=case.pk, files=checked)
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            messages.success(request, _("已上传 %(n)d 个文件，办理人员可以看到。") % {"n": len(added)})
    for message in errors:
        messages.error(request, message)
    if errors and checked:
        messages.info(request, _("为避免遗漏，这次的文件都没有保存，请去掉有问题的文件后重新上传。"))
    return redirect(f"{reverse('disputes:track')}#evidence")


_ACTIONS = {
    "withdraw": {
        "title": gettext_lazy("撤回申请"),
        "allowed": lambda view: view.actions.withdraw,
        "template": "disputes/track_withdraw.html",
    },
    "arbitration": {
        "title": gettext_lazy("申请劳动仲裁"),
        "allowed": lambda view: view.actions.refer_to_arbitration,
        "template": "disputes/track_arbitration.html",
    },
}


def _track_action(request, action: str):
    case = _opened_case(request)
    if case is None:
        return redirect("disputes:track")
    spec = _ACTIONS[action]
    view = worker_view(case=case)
    if not spec["allowed"](view):
        messages.error(request, _("您的申请现在的状态不能进行这个操作。"))
        return redirect("disputes:track")
    if request.method != "POST":
        return render(request, spec["template"], {"view": view})
    try:
        if action == "withdraw":
            tracking_withdraw(case_id=case.pk, reason=request.POST.get("reason", ""))
            messages.success(request, _("您的申请已撤回。"))
        else:
            tracking_refer_to_arbitration(case_id=case.pk)
            messages.success(
                request, _("已为您申请劳动仲裁，案件已转交%(org)s。") % {"org": view.actions.commission_name}
            )
    except (TransitionConflict, UnknownTransition, PermissionDenied):
        messages.error(request, _("您的申请状态刚刚有了变化，请查看最新情况。"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("disputes:track")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track_withdraw(request):
    return _track_action(request, "withdraw")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track_arbitration(request):
    return _track_action(request, "arbitration")


@require_http_methods(["GET", "HEAD", "POST"])
def track_exit(request):
    """Forget the opened case in this browser (a shared phone, an internet café)."""
    request.session.pop(SESSION_TRACK, None)
    request.session.pop(SESSION_FILED, None)
    messages.info(request, _("已退出查询。"))
    return redirect("disputes:track")
