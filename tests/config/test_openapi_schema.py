"""The OpenAPI document at /api/schema/ describes every /api/v1/ endpoint with its error answers, generates
without a single warning, and /api/docs/ serves Swagger UI from our own static files (no CDN)."""

import re
from io import StringIO

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from disputes.forms import TRANSITION_FORMS, transition_form
from disputes.models import Case

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
TRANSITION_PATH = "/api/v1/cases/{case_id}/transitions/{name}/"


def _walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def api_v1_paths() -> set[str]:
    """Every route the URL configuration serves under /api/v1/, spelt as OpenAPI paths."""
    routes = [r for r in _walk(get_resolver().url_patterns) if r.startswith("api/v1/")]
    assert all("^" not in r and "(?P" not in r for r in routes), "regex routes: convert them to path()"
    return {"/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r) for r in routes}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_it_is_an_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "OneStop API"


def test_the_contracts_endpoints_are_there():
    assert {
        "/api/v1/auth/token/",
        "/api/v1/organizations/",
        "/api/v1/cases/",
        "/api/v1/cases/{case_id}/",
        "/api/v1/cases/{case_id}/history/",
        TRANSITION_PATH,
    } <= api_v1_paths()


def test_every_api_v1_route_is_in_the_schema(schema):
    missing = api_v1_paths() - set(schema["paths"])
    assert not missing, f"routes missing from the schema: {sorted(missing)}"


def test_the_schema_describes_nothing_that_is_not_routed(schema):
    documented = {p for p in schema["paths"] if p.startswith("/api/v1/")}
    assert documented <= api_v1_paths()


def test_operation_ids_are_unique(schema):
    ids = [op["operationId"] for _, _, op in operations(schema)]
    assert len(ids) == len(set(ids))


def is_public(schema, operation) -> bool:
    return operation.get("security", schema.get("security", [])) in ([], [{}])


def test_every_operation_documents_its_errors_with_the_one_error_body(schema):
    for path, method, operation in operations(schema):
        if not path.startswith("/api/v1/"):
            continue
        errors = {code: r for code, r in operation["responses"].items() if code.startswith("4")}
        for code, response in errors.items():
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error", (path, code)
            assert response["description"], (path, code)
        where = f"{method.upper()} {path}"
        if not is_public(schema, operation):
            assert {"401", "403"} <= set(errors), f"{where} needs login but documents no 401/403"
        if "requestBody" in operation or any(
            p["in"] == "query" for p in operation.get("parameters", []) if p["name"] != "page"
        ):
            assert "400" in errors, f"{where} takes input but documents no 400"
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            assert "404" in errors, f"{where} names an object but documents no 404"


def test_the_transition_endpoint_documents_every_outcome(schema):
    operation = schema["paths"][TRANSITION_PATH]["post"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/CaseDetail"
    )
    name = next(p for p in operation["parameters"] if p["name"] == "name")
    assert set(name["schema"]["enum"]) == set(TRANSITION_FORMS)


def test_the_transition_body_documents_every_field_any_transition_reads(schema):
    ref = schema["paths"][TRANSITION_PATH]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "$ref"
    ]
    properties = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    description = schema["paths"][TRANSITION_PATH]["post"]["description"]
    for name in TRANSITION_FORMS:
        form = transition_form(name, case=Case())
        assert set(form.fields) <= set(properties), (name, set(form.fields) - set(properties))
        assert f"`{name}`" in description


def test_the_error_body_is_documented(schema):
    error = schema["components"]["schemas"]["Error"]
    assert {"detail", "code", "errors", "current_state"} <= set(error["properties"])
    assert {"detail", "code"} <= set(error["required"])


def test_the_case_carries_the_contract_fields(schema):
    for component in ("CaseList", "CaseDetail"):
        properties = schema["components"]["schemas"][component]["properties"]
        assert {"id", "tracking_code", "status", "station", "available_transitions"} <= set(properties)


def test_the_case_list_documents_its_filters(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]}
    assert {"status", "station", "region", "industry", "channel", "category", "from", "to", "search"} <= names


def test_token_and_organizations_are_public_in_the_schema(schema):
    assert is_public(schema, schema["paths"]["/api/v1/auth/token/"]["post"])
    assert is_public(schema, schema["paths"]["/api/v1/organizations/"]["get"])
    assert not is_public(schema, schema["paths"]["/api/v1/cases/"]["get"])
    assert "tokenAuth" in schema["components"]["securitySchemes"]


@pytest.mark.django_db
def test_spectacular_validates_without_a_single_warning(tmp_path):
    out, err = StringIO(), StringIO()
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yaml"),
        stdout=out,
        stderr=err,
    )
    assert "Warning" not in err.getvalue() + out.getvalue()
    assert "/api/v1/cases/{case_id}/transitions/{name}/" in (tmp_path / "schema.yaml").read_text()


@pytest.mark.django_db
def test_the_docs_page_serves_swagger_ui_from_our_own_static_files():
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    # Swagger UI's start-up script is served by the docs view itself (no inline script under the CSP).
    script = "/api/docs/?script="
    assert script in assets
    html += APIClient().get(script).content.decode()
    for asset in assets:
        if asset == script:
            continue
        assert not re.match(r"^(https?:)?//", asset), f"remote asset {asset}"
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not among our static files"
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "http://", "https://"):
        assert cdn not in html
    assert "/api/schema/" in html
