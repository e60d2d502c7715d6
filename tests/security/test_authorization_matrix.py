"""The authorization matrix (issue 10): every admin URL and every API route, for each role, with the objects of
station A and station B (tests/security/conftest.py builds them through the services).

The URLs are enumerated, not listed: every registered ModelAdmin's changelist, add, change, delete and history
views and its own ``get_urls`` views, the autocomplete of every ``autocomplete_fields``, and every operation of
the OpenAPI schema. Path parameters are filled with A's objects (found by what A's build created).

- Anonymous and an inactive staff account: the admin sends them to its login page; the API answers 401/403; only
  the routes in :data:`PUBLIC_API` answer them.
- The mediator and the administrator of station B with A's objects, and A's mediator with B's: none of the other
  station's objects answers 2xx (403 or 404, or the admin's redirect away), and no list, filter, dropdown
  (``<select>`` options of add and change forms) or autocomplete answer they get carries anything of the other
  station's (its cases' codes and workers, its employer, its staff).
- The arbitrator and the official: no server error anywhere; a case the arbitrator has no part in is 403/404 and
  absent from every list, like B's view of A. (Officials oversee the whole city: they see both stations.)
- Nobody's list (admin changelist, API list) shows an ID number or a phone whole.
"""

import dataclasses
import json
import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

# (role, the station whose objects it is tried with). In the code below "A" is that station (the test swaps the
# sides for B): mediators and administrators of the other station are outsiders.
ROLES = [
    ("anonymous", "A"),
    ("inactive", "A"),
    ("mediator_b", "A"),
    ("admin_b", "A"),
    ("mediator_a", "B"),
    ("arbitrator", "A"),
    ("official", "B"),
]
STATION_ROLES = {"mediator_a", "admin_a", "mediator_b", "admin_b"}
# Routes that answer without credentials, on purpose (README: the intake, tracking by code and PIN, document
# verification, the directory, the token exchange).
PUBLIC_API = {
    ("post", "/api/v1/auth/token/"),
    ("get", "/api/v1/organizations/"),
    ("post", "/api/v1/intake/"),
    ("post", "/api/v1/track/"),
    ("get", "/api/v1/documents/verify/"),
}
# The knowledge base and the consultation assistant are for everyone (knowledge/api/views.py: anonymous,
# rate-limited); they hold no case.
PUBLIC_API_PREFIXES = ("/api/v1/knowledge/", "/api/v1/consult/")
FORBIDDEN = {403, 404}
MAX_OBJECTS = 2  # per model or parameter: enough to tell scoping from luck, bounded in time


@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    kind: str  # "list" (must not leak), "object" (A's object: must be refused to outsiders), "other"
    case_ids: tuple[int, ...] = ()  # A's cases the object belongs to (for the arbitrator's oracle)


def _outsider(world, role: str) -> bool:
    """Staff of the other station: no part in any of A's cases."""
    return role in STATION_ROLES and world.users[role] not in world.a.staff.values()


def _sides(world, target: str):
    """The world as the code below reads it: ``a`` is the station whose objects are tried."""
    return world if target == "A" else dataclasses.replace(world, a=world.b, b=world.a)


# --- Which of A's objects a role has a part in ---------------------------------------------------------------
def _visible_cases(world, role: str) -> set[int]:
    """A's cases the role works on, from the directory and the cases' own fields (not from the selectors under
    test): the case's station, handling organization or recording organization is the user's (or below it), or
    the user oversees its region, or sits in its urgent consultation."""
    from disputes.models import UrgentConsultationMember
    from organizations.models import Membership, Organization, Region

    if role in ("anonymous", "inactive"):
        return set()
    user = world.users[role]
    orgs = set(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
    parents = dict(Organization.objects.values_list("id", "parent_id"))
    region_parents = dict(Region.objects.values_list("id", "parent_id"))
    official_regions = set(
        Membership.objects.filter(user=user, role="official").values_list(
            "organization__region_id", flat=True
        )
    )

    def under(org_id, roots) -> bool:
        while org_id is not None:
            if org_id in roots:
                return True
            org_id = parents.get(org_id)
        return False

    def region_under(region_id) -> bool:
        while region_id is not None:
            if region_id in official_regions:
                return True
            region_id = region_parents.get(region_id)
        return False

    seated = set(
        UrgentConsultationMember.objects.filter(user=user).values_list("consultation__case_id", flat=True)
    )
    return {
        case.pk
        for case in world.a.cases
        if any(under(o, orgs) for o in (case.station_id, case.handling_org_id, case.intake_org_id))
        or region_under(case.region_id)
        or case.pk in seated
    }


def _forbidden_markers(world, role: str) -> set[str]:
    """Strings of A's that must not appear in what ``role`` is shown."""
    if _outsider(world, role):
        return world.a.markers()
    from disputes.models import RelatedCaseLink

    visible = _visible_cases(world, role)
    # A probable duplicate names the other case's code (not its worker) to those who see one of the two: deciding
    # a duplicate needs it (disputes.related.related_links_for_case).
    linked = set()
    for left, right in RelatedCaseLink.objects.values_list("case_id", "other_case_id"):
        if left in visible or right in visible:
            linked |= {left, right}
    found: set[str] = set()
    for case in world.a.cases:
        if case.pk not in visible:
            found |= {case.worker_name} if case.pk in linked else world.a.case_markers(case)
    return found


# --- Objects and the cases they belong to ---------------------------------------------------------------------
def _case_ids_of(obj) -> tuple[int, ...]:
    """The case(s) an object hangs on, following the usual links (case, agreement → case, handoff → case…)."""
    from disputes.models import Case

    if isinstance(obj, Case):
        return (obj.pk,)
    for path in (
        "case_id",
        "agreement.case_id",
        "handoff.case_id",
        "consultation.case_id",
        "instalment.agreement.case_id",
    ):
        value = obj
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except AttributeError:
            continue
        if value is not None:
            return (value,)
    ids = tuple(
        getattr(obj, name)
        for name in ("case_a_id", "case_b_id", "left_id", "right_id")
        if getattr(obj, name, None) is not None
    )
    return ids


def _a_objects(world, model) -> list:
    """Up to MAX_OBJECTS of A's objects of ``model`` (a proxy model reads its concrete model's rows through its
    own manager, so a desk queue is tried with A's cases)."""
    concrete = model._meta.concrete_model
    pks = world.a.pks(concrete)
    return list(model._base_manager.filter(pk__in=pks).order_by("pk")[:MAX_OBJECTS])


# Custom admin URL parameters → the model whose A rows fill them.
def _param_models():
    from disputes.models import Case, Evidence, GroupWarning, IssuedDocument, RelatedCaseLink, Respondent
    from mediation.models import Agreement, Payment, ReopenRequest
    from referrals.models import Handoff, HandoffDelivery, Notification

    return {
        "case_id": Case,
        "evidence_id": Evidence,
        "respondent_id": Respondent,
        "link_id": RelatedCaseLink,
        "warning_id": GroupWarning,
        "delivery_id": HandoffDelivery,
        "handoff_id": Handoff,
        "notification_id": Notification,
        "agreement_id": Agreement,
        "payment_id": Payment,
        "request_id": ReopenRequest,
        "document_id": IssuedDocument,
    }


STRING_PARAMS = {"name": "accept", "action": "acknowledge", "code": "mediation.arb_unlock"}
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def admin_probes(world, *, thorough: bool = True) -> list[Probe]:
    """Every admin URL, with A's objects in the object URLs. Not ``thorough`` (the roles that legitimately see
    some of A's cases, whose pages are the heaviest): each object view once, with one object per model."""
    probes: list[Probe] = [Probe("get", reverse("admin:index"), "list")]
    param_models = _param_models()
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        base = "_".join(info)
        probes.append(Probe("get", reverse(f"admin:{base}_changelist"), "list"))
        probes.append(Probe("get", reverse(f"admin:{base}_add"), "list"))
        for obj in _a_objects(world, model)[: None if thorough else 1]:
            cases = _case_ids_of(obj)
            for view in ("change", "delete", "history") if thorough else ("change",):
                probes.append(Probe("get", reverse(f"admin:{base}_{view}", args=[obj.pk]), "object", cases))
            if thorough:
                probes.append(Probe("post", reverse(f"admin:{base}_change", args=[obj.pk]), "object", cases))
        for field_name in (
            model_admin.get_autocomplete_fields(None)
            if hasattr(model_admin, "get_autocomplete_fields")
            else ()
        ):
            query = urlencode(
                {"app_label": info[0], "model_name": info[1], "field_name": field_name, "term": ""}
            )
            probes.append(Probe("get", f"{reverse('admin:autocomplete')}?{query}", "list"))
        default = {f"{info[0]}_{info[1]}_{v}" for v in ("changelist", "add", "change", "delete", "history")}
        for pattern in model_admin.get_urls():
            if not pattern.name or pattern.name in default or not hasattr(pattern, "pattern"):
                continue
            route = str(pattern.pattern)
            params = _PARAM.findall(route)
            object_params = [name for _conv, name in params if name not in STRING_PARAMS]
            if not object_params:
                url = reverse(f"admin:{pattern.name}", kwargs={n: STRING_PARAMS[n] for _c, n in params})
                probes.append(Probe("get", url, "list"))
                continue
            (param,) = object_params  # one object per custom view
            target = model if param in ("object_id", "id", "pk") else param_models[param]
            for obj in _a_objects(world, target)[: None if thorough else 1]:
                kwargs = {n: STRING_PARAMS.get(n, obj.pk) for _c, n in params}
                url = reverse(f"admin:{pattern.name}", kwargs=kwargs)
                cases = _case_ids_of(obj)
                probes.append(Probe("get", url, "object", cases))
                if thorough:
                    probes.append(Probe("post", url, "object", cases))
    return probes


# --- API ---------------------------------------------------------------------------------------------------------
def _api_param_objects(world, path: str, param: str) -> list:
    from disputes.models import Case, GroupWarning, RelatedCaseLink, RoutingRule, UrgentConsultation
    from referrals.models import Handoff, JobSeekingRequest, LegalAidRequest

    if param == "case_id":
        return _a_objects(world, Case)
    if param == "request_id":
        model = JobSeekingRequest if "job-seeking" in path else LegalAidRequest
        return _a_objects(world, model)
    model = {
        "link_id": RelatedCaseLink,
        "rule_id": RoutingRule,
        "consultation_id": UrgentConsultation,
        "handoff_id": Handoff,
        "warning_id": GroupWarning,
        "document_id": None,
    }[param]
    if model is None:
        from disputes.models import IssuedDocument

        model = IssuedDocument
    return _a_objects(world, model)


def api_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                yield method, path


def api_probes(world) -> list[Probe]:
    probes: list[Probe] = []
    for method, path in api_operations():
        params = re.findall(r"{(\w+)}", path)
        if path.startswith(PUBLIC_API_PREFIXES):
            values = {
                p: "00000000-0000-4000-8000-000000000000" if p.endswith("_id") else "no-such" for p in params
            }
            probes.append(Probe(method, path.format(**values), "other"))
            continue
        if not params:
            probes.append(Probe(method, path, "list" if method == "get" else "other"))
            continue
        fixed = {
            "name": "accept",
            "dimension": "industry",
            "slug": "no-such-article",
            "code": "mediation.arb_unlock",
        }
        object_params = [p for p in params if p not in fixed]
        if not object_params:
            probes.append(Probe(method, path.format(**fixed), "list" if method == "get" else "other"))
            continue
        # The innermost object decides (cases/{case_id}/related/{link_id}/: the link, under its own case).
        param = object_params[-1]
        objects = _api_param_objects(world, path, param)
        for obj in objects:
            values = dict(fixed)
            values[param] = obj.pk
            cases = _case_ids_of(obj)
            if "case_id" in object_params and param != "case_id":
                values["case_id"] = cases[0] if cases else obj.pk
            probes.append(Probe(method, path.format(**values), "object", cases))
        if not objects:
            # A's build made none of these (e.g. issued documents): an id nobody has is a 404 for everyone.
            values = dict(fixed, **{p: 987654 for p in object_params})
            probes.append(Probe(method, path.format(**values), "object", ()))
    return probes


# --- Checks ----------------------------------------------------------------------------------------------------
_SELECT = re.compile(r"<select[^>]*>(.*?)</select>", re.S)


def _leaks(text: str, markers: set[str]) -> list[str]:
    return sorted(m for m in markers if m and m in text)


def _pii(world, text: str) -> list[str]:
    return sorted(
        v for v in (*world.a.id_numbers, *world.a.phones, *world.b.id_numbers, *world.b.phones) if v in text
    )


def _client_for(role, world, client):
    if role == "anonymous":
        return client
    client.force_login(world.users[role])
    return client


def _request(client, probe: Probe, *, api: bool):
    if probe.method == "get":
        return client.get(probe.url)
    if api:
        return getattr(client, probe.method)(probe.url, data=json.dumps({}), content_type="application/json")
    return client.post(probe.url, {})


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    content = response.content
    try:
        return unescape(content.decode("utf-8"))
    except UnicodeDecodeError:
        return ""  # a PDF or an image: no list to read


def _check(world, role, probe: Probe, response, *, api: bool, problems: list[str]) -> None:
    status = response.status_code
    where = f"{role} {probe.method.upper()} {probe.url} → {status}"
    if status >= 500:
        problems.append(f"{where}: server error")
        return
    if role in ("anonymous", "inactive"):
        if api:
            if (probe.method, _schema_path(probe.url)) in PUBLIC_API or probe.url.startswith(
                PUBLIC_API_PREFIXES
            ):
                return
            if status not in (401, 403):
                problems.append(f"{where}: expected 401/403 without valid credentials")
        elif not (status == 302 and "/admin/login/" in response.get("Location", "")):
            problems.append(f"{where}: expected the redirect to the admin login")
        return

    if probe.kind == "object":
        part = set(probe.case_ids) & _visible_cases(world, role)
        outsider = _outsider(world, role) or (role == "arbitrator" and probe.case_ids and not part)
        if outsider:
            if 200 <= status < 300:
                problems.append(f"{where}: A's object answered to {role}")
            elif status == 302 and not api:
                # The admin's redirect after a refused action may go back to a list, never to the object.
                if re.search(r"/\d+/change/", response.get("Location", "")):
                    problems.append(f"{where}: redirected to the object's page")
            elif status not in FORBIDDEN and status not in (400, 405):
                problems.append(f"{where}: expected 403/404")
            if status == 400 and api:
                problems.append(f"{where}: validated the input before the scope (a 400 confirms the object)")
        return

    if 200 <= status < 300:
        body = _body(response)
        leaked = _leaks(body, _forbidden_markers(world, role))
        if leaked:
            problems.append(f"{where}: shows A's {leaked[:5]}")
        if probe.kind == "list" and (pii := _pii(world, body)):
            problems.append(f"{where}: an ID number or phone whole in a list: {pii[:2]}")
        if not api:
            options = " ".join(_SELECT.findall(body))
            if leaked_options := _leaks(options, _forbidden_markers(world, role)):
                problems.append(f"{where}: A's rows in a dropdown or filter: {leaked_options[:5]}")


_SCHEMA_PATHS: dict[str, str] = {}


def _schema_path(url: str) -> str:
    return url.split("?")[0]


@pytest.mark.parametrize(("role", "target"), ROLES)
def test_admin_urls_for_every_role(world, client, role, target):
    world = _sides(world, target)
    probes = admin_probes(world, thorough=role not in ("arbitrator", "official"))
    assert len(probes) > 120, len(probes)  # the enumeration found the admin (not an empty loop)
    assert any(p.kind == "object" for p in probes)
    _client_for(role, world, client)
    problems: list[str] = []
    for probe in probes:
        response = _request(client, probe, api=False)
        _check(world, role, probe, response, api=False, problems=problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("role", "target"), ROLES)
def test_api_routes_for_every_role(world, client, role, target):
    world = _sides(world, target)
    probes = api_probes(world)
    assert len(probes) > 60, len(probes)
    _client_for(role, world, client)
    problems: list[str] = []
    for probe in probes:
        response = _request(client, probe, api=True)
        _check(world, role, probe, response, api=True, problems=problems)
    assert not problems, "\n".join(problems)


def test_the_world_has_what_the_matrix_needs(world):
    """The matrix means something only if A's build made the objects it tries."""
    from disputes.models import Case, Evidence, GroupWarning, RelatedCaseLink, UrgentConsultation
    from mediation.models import Agreement, Payment
    from referrals.models import Handoff, LegalAidRequest, Notification

    for model in (
        Case,
        Evidence,
        GroupWarning,
        RelatedCaseLink,
        UrgentConsultation,
        Agreement,
        Payment,
        Handoff,
        LegalAidRequest,
        Notification,
    ):
        assert world.a.pks(model), model.__name__
        assert world.b.pks(model), model.__name__
    assert not set(world.a.markers()) & set(world.b.markers())


def test_the_markers_show_where_they_belong(world, client):
    """The control: A's own mediator is shown A's cases by the same pages and routes, so the absence above is
    scoping at work, not markers that never render."""
    client.force_login(world.users["mediator_a"])
    listed = _body(client.get("/api/v1/cases/"))
    for case in world.a.cases:
        assert any(marker in listed for marker in world.a.case_markers(case)), case
    page = _body(client.get(reverse("admin:disputes_case_changelist")))
    assert _leaks(page, world.a.markers())
    assert not _leaks(page + listed, world.b.markers())
