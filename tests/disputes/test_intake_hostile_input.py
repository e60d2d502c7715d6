"""Malformed and hostile values in every field of POST /api/v1/intake/: each answers 400 (or 201 where the value is
legitimately acceptable), never 500, and a 400 writes nothing."""

import json

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from disputes.models import Case, CaseEvent, Claim, CollectiveFiling, Evidence, IntakeReceipt, Respondent
from organizations.states import Role
from tests.factories import OrganizationFactory, RegionFactory, make_staff

pytestmark = pytest.mark.django_db

URL = "/api/v1/intake/"


@pytest.fixture(autouse=True)
def _station(db):
    """Only what a valid claim names (the full ``directory`` fixture is too slow for a grid of ~900 requests)."""
    north = RegionFactory(code="north", name="北区")
    OrganizationFactory(code="station-a", name="北区快递行业调解站", region=north)


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def valid() -> dict:
    return {
        "worker_name": "张伟",
        "worker_id_number": "330302199001011235",
        "worker_phone": "13957712345",
        "employer_name": "温州市顺达速运有限公司",
        "employer_credit_code": "",
        "employer_site": "东街网点",
        "industry": "express_delivery",
        "categories": ["wages"],
        "amount_claimed": "8000.00",
        "facts": "工资两个月没有发。",
        "station": "station-a",
        "region": "north",
        "services": ["industry_mediation"],
        "employment_started_on": "2024-03-01",
        "still_employed": False,
        "employment_ended_on": "2025-10-31",
        "knowledge_date": "2025-11-15",
        "confidential": False,
        "consent": True,
    }


FIELDS = list(valid())
TEXT_FIELDS = ["worker_name", "employer_name", "employer_site", "facts"]
DATE_FIELDS = ["employment_started_on", "employment_ended_on", "knowledge_date"]
OPTIONAL = {
    "employer_credit_code",
    "employer_site",
    "amount_claimed",
    "station",
    "region",
    "services",
    "employment_started_on",
    "still_employed",
    "employment_ended_on",
    "knowledge_date",
    "confidential",
}

HOSTILE = {
    "very_long": "长" * 100_000,
    "long_ascii": "A" * 5001,
    "nul": "张\x00伟",
    "only_nul": "\x00",
    "control": "\x07\x1b[2J\x08",
    "emoji": "👷‍♀️🛵💸",
    "rtl_override": "\u202etxt.exe",
    "zero_width": "\u200b\u200b",
    "lone_surrogate": "\ud800",
    "sql": "'; DROP TABLE disputes_case; --",
    "sql_or": "' OR '1'='1",
    "html": "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "template": "{{ settings.SECRET_KEY }}{% debug %}",
    "format": "%(worker_name)s %s %n {0}",
    "path": "../../../../etc/passwd",
    "empty": "",
    "spaces": "   ",
    "nested_object": {"$gt": "", "worker_name": "张伟"},
    "empty_object": {},
    "list_of_strings": ["张伟", "李娜"],
    "list_of_objects": [{"a": 1}],
    "nested_list": [["wages"]],
    "empty_list": [],
    "integer": 12345,
    "negative": -1,
    "zero": 0,
    "float": 0.1,
    "huge_integer": 10**30,
    "huge_float": 1e308,
    "true": True,
    "false": False,
    "null": None,
    "bad_date": "2026-02-30",
    "not_a_date": "not a date",
    "year_one": "0001-01-01",
    "far_future": "9999-12-31",
    "date_with_time": "2025-01-01T00:00:00Z",
    "full_width_digits": "１３９５７７１２３４５",
    "nan": "NaN",
    "infinity": "Infinity",
    "exponent": "1e5",
}

# Values a field may legitimately take: the answer must then be 201 (anything else in the grid may be 201 or 400,
# never 500). Checked explicitly so that a too-strict form would show up too.
ACCEPTED = {
    *{(f, v) for f in TEXT_FIELDS for v in ("emoji", "sql", "sql_or", "template", "format", "path")},
    ("facts", "html"),
    ("facts", "rtl_override"),
    ("employer_site", "html"),
    ("worker_phone", "full_width_digits"),
    ("amount_claimed", "integer"),
    ("amount_claimed", "zero"),
    ("amount_claimed", "exponent"),
    ("employment_started_on", "year_one"),
    ("employment_started_on", "null"),
    ("employment_ended_on", "null"),
    ("knowledge_date", "null"),
    ("knowledge_date", "year_one"),
    ("still_employed", "false"),
    ("confidential", "true"),
    ("confidential", "false"),
    ("services", "empty_list"),
    ("services", "null"),
    ("station", "null"),
    ("station", "empty"),
    ("region", "empty"),
    ("region", "null"),
    ("employer_credit_code", "null"),
    ("employer_site", "empty"),
    ("amount_claimed", "null"),
}
# And values that must be refused.
REFUSED = {
    *{(f, v) for f in FIELDS for v in ("nested_object", "list_of_objects", "nested_list")},
    *{(f, v) for f in FIELDS if f not in ("categories", "services") for v in ("list_of_strings",)},
    *{(f, v) for f in FIELDS if f not in OPTIONAL for v in ("null", "empty")},
    *{(f, v) for f in TEXT_FIELDS for v in ("nul", "only_nul", "lone_surrogate", "very_long")},
    *{(f, v) for f in DATE_FIELDS for v in ("bad_date", "not_a_date", "far_future", "integer", "true")},
    *{(f, v) for f in ("consent", "still_employed", "confidential") for v in ("integer", "nested_object")},
    ("consent", "false"),
    ("consent", "null"),
    ("categories", "empty_list"),
    ("categories", "integer"),
    ("services", "integer"),
    ("amount_claimed", "negative"),
    ("amount_claimed", "huge_integer"),
    ("amount_claimed", "huge_float"),
    ("amount_claimed", "nan"),
    ("amount_claimed", "infinity"),
    ("amount_claimed", "true"),
    ("worker_id_number", "sql"),
    ("worker_phone", "html"),
    ("station", "sql"),
    ("industry", "sql"),
}


def written() -> tuple:
    return tuple(
        m.objects.count()
        for m in (Case, Claim, CaseEvent, Respondent, CollectiveFiling, Evidence, IntakeReceipt)
    )


def post_raw(raw: str | bytes):
    return APIClient().post(URL, raw, content_type="application/json")


def post(body):
    return post_raw(json.dumps(body))


def check(response, before) -> None:
    assert response.status_code in (201, 400), (response.status_code, response.content[:500])
    data = response.json()
    if response.status_code == 400:
        assert written() == before, "a refused filing wrote something"
        assert data["code"] in ("invalid", "parse_error")
        assert data["detail"]
    else:
        assert set(data) == {"tracking_code", "access_pin", "status", "notices"}
        assert Case.objects.filter(tracking_code=data["tracking_code"]).exists()


@pytest.mark.parametrize("label", list(HOSTILE))
@pytest.mark.parametrize("field", FIELDS)
def test_every_field_with_every_hostile_value(field, label):
    body = valid()
    body[field] = HOSTILE[label]
    before = written()

    response = post(body)

    check(response, before)
    if (field, label) in ACCEPTED:
        assert response.status_code == 201, response.json()
    if (field, label) in REFUSED:
        assert response.status_code == 400
        assert field in response.json()["errors"], response.json()


@pytest.mark.parametrize("label", list(HOSTILE))
def test_an_agencys_channel_with_every_hostile_value(label):
    court = OrganizationFactory(code="court", name="北区人民法院", court=True)
    clerk = make_staff(org=court, role=Role.COURT_CLERK, username="court_clerk")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=clerk).key}")
    body = valid() | {"channel": HOSTILE[label]}
    before = written()
    response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "channel" in response.json()["errors"]
    assert written() == before


def test_html_in_the_facts_is_stored_as_text():
    facts = "<script>alert('x')</script> 老板说 <b>不给</b> & 拖着"
    response = post(valid() | {"facts": facts})
    assert response.status_code == 201
    assert Case.objects.get(tracking_code=response.json()["tracking_code"]).facts == facts
    assert "<script>" not in response.content.decode()


def test_sql_in_a_name_is_stored_as_text():
    name = "Robert'); DROP TABLE disputes_case;--"
    response = post(valid() | {"worker_name": name})
    assert response.status_code == 201
    assert Case.objects.get(tracking_code=response.json()["tracking_code"]).worker_name == name
    assert Case.objects.count() == 1


def test_null_for_every_field_at_once():
    before = written()
    response = post(dict.fromkeys(FIELDS))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(FIELDS) - OPTIONAL <= set(errors)
    assert not set(errors) & OPTIONAL
    assert written() == before


@pytest.mark.parametrize(
    "label", ["integer", "very_long", "html", "nested_object", "list_of_strings", "true"]
)
def test_every_field_at_once(label):
    before = written()
    response = post(dict.fromkeys(FIELDS, HOSTILE[label]))
    assert response.status_code == 400
    assert written() == before


def test_unknown_fields_are_ignored():
    body = valid() | {
        "status": "closed",
        "access_pin": "000000",
        "id": 1,
        "intake_org": "court",
        "__proto__": {},
    }
    response = post(body)
    assert response.status_code == 201
    case = Case.objects.get(tracking_code=response.json()["tracking_code"])
    # The status sent is ignored: the case was filed (submitted), then auto-triaged to the chosen station.
    assert case.status == "assigned" and response.json()["status"] == "assigned"
    assert list(case.events.order_by("id").values_list("transition", "actor_kind")) == [
        ("submit", "worker"),
        ("triage", "system"),
    ]
    assert case.station.code == "station-a"
    assert case.intake_org is None
    assert case.channel == "qr_web"


def test_unknown_fields_are_ignored_without_a_station_too():
    """With no station chosen and no routing rule, the case stays submitted, whatever status the body names."""
    body = {k: v for k, v in valid().items() if k != "station"} | {"status": "closed", "station_id": 1}
    response = post(body)
    assert response.status_code == 201
    case = Case.objects.get(tracking_code=response.json()["tracking_code"])
    assert case.status == "submitted" and response.json()["status"] == "submitted"
    assert case.station is None
    assert list(case.events.values_list("transition", flat=True)) == ["submit"]


def test_categories_with_many_duplicates():
    response = post(valid() | {"categories": ["wages"] * 1000})
    check(response, written())
    if response.status_code == 201:
        assert Claim.objects.count() == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"worker_name": "\\ud800"',  # cut short
        b"\xff\xfe{\x00}\x00",  # UTF-16 with a BOM
        b'{"worker_name": "\xe5\xbc"}',  # invalid UTF-8
        b"[" * 100_000 + b"]" * 100_000,  # deeper than the parser's recursion
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"amount_claimed": 1' + b"0" * 5000 + b"}",  # past Python's int-string limit
        b'{"amount_claimed": NaN}',
        b'{"amount_claimed": Infinity}',
        b"\x00" * 100,
        b"",
        b"null",
        b"[]",
        b'"string"',
    ],
)
def test_malformed_bodies(raw):
    before = written()
    response = post_raw(raw)
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response.json()["detail"]
    assert written() == before


def test_a_duplicate_key_takes_the_last_value():
    raw = json.dumps(valid())[:-1] + ', "consent": false}'
    response = post_raw(raw)
    assert response.status_code == 400
    assert "consent" in response.json()["errors"]


def test_a_body_too_large_is_refused_before_it_is_parsed(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = post(valid() | {"employer_site": "A" * 10_000})
    assert response.status_code == 400
    assert response.json()["detail"] == "提交的内容过大。"
    assert Case.objects.count() == 0
    assert post(valid()).status_code == 201


@pytest.mark.parametrize(
    "key",
    ["k" * 65, "x" * 10_000, "\t", " spaced key ", "键", "a\x7fb"],
    ids=["65", "10k", "tab", "spaced", "cjk", "del"],
)
def test_hostile_idempotency_keys(key):
    before = written()
    try:
        response = APIClient().post(
            URL, json.dumps(valid()), content_type="application/json", headers={"Idempotency-Key": key}
        )
    except UnicodeEncodeError:  # the test client itself cannot send a non-Latin-1 header
        pytest.skip("not sendable")
    assert response.status_code in (201, 400)
    if len(key.strip()) > 64:
        assert response.status_code == 400
        assert written() == before
