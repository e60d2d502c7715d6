"""The security log (config/security_log.py): one JSON object per event on ``onestop.security`` with actor, object,
action, outcome, time and the request id, for sign-ins (and failures), denials, case transitions, exports and
evidence downloads; the X-Request-ID header set or passed through; and never a name, phone or ID number."""

import json
import logging
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.urls import reverse

from config.security_log import LOGGER_NAME, JsonFormatter, RequestIdFilter, security_event
from disputes.models import Evidence
from disputes.permissions import WORKER
from disputes.services import ClaimInput, case_create, case_transition
from disputes.states import ActorKind, EvidenceKind

pytestmark = pytest.mark.django_db

WORKER_NAME = "欧阳娜娜"
ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
FIELDS = {"time", "level", "logger", "request_id", "action", "actor", "object_type", "object_id", "outcome"}


@pytest.fixture
def records():
    """The security log as it is written: the configured JSON formatter, one line per record."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    target = logging.getLogger(LOGGER_NAME)
    target.addHandler(handler)
    previous = target.level
    target.setLevel(logging.INFO)
    yield lines
    target.removeHandler(handler)
    target.setLevel(previous)


def parsed(lines: list[str], action: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in lines]
    for row in rows:
        assert set(row) >= FIELDS, row
    return [row for row in rows if action is None or row["action"] == action]


def no_personal_values(lines: list[str]) -> None:
    text = "\n".join(lines)
    for value in (WORKER_NAME, ID_NUMBER, PHONE, PHONE[-4:] + "", "19491231"):
        assert value not in text, value


@pytest.fixture
def case(directory):
    case, _pin = case_create(
        actor=WORKER,
        worker_name=WORKER_NAME,
        worker_id_number=ID_NUMBER,
        worker_phone=PHONE,
        employer_name="某某即时配送有限公司",
        industry="express_delivery",
        claims=[ClaimInput(category="wages", amount=Decimal("4800.00"))],
        facts=f"我叫{WORKER_NAME}，电话{PHONE}。",
        station=directory.station,
    )
    return case


def test_a_request_gets_an_id_and_answers_with_it(client):
    response = client.get("/healthz")
    generated = response["X-Request-ID"]
    assert len(generated) == 32
    passed = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c21-0001")
    assert passed["X-Request-ID"] == "lb-7f3a9c21-0001"
    hostile = client.get("/healthz", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")
    assert hostile["X-Request-ID"] != "x\r\nSet-Cookie: a=b" and len(hostile["X-Request-ID"]) == 32


def test_sign_in_and_a_failed_sign_in_are_logged_without_the_username(records, directory):
    user = directory.staff["mediator"]
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="10.9.8.7")
    assert authenticate(request=request, username=user.username, password="wrong-password") is None
    failed = parsed(records, "sign_in")
    assert failed and failed[-1]["outcome"] == "failure"
    assert len(failed[-1]["details"]["username_digest"]) == 16
    assert user.username not in "\n".join(records)

    from django.test import Client

    Client().force_login(user)
    done = [row for row in parsed(records, "sign_in") if row["outcome"] == "success"]
    assert done[-1]["actor"] == f"user:{user.pk}"
    assert done[-1]["object_type"] == "auth.user" and done[-1]["object_id"] == str(user.pk)


def test_a_denial_is_logged_with_the_request_id(records, client):
    response = client.get("/api/v1/cases/", HTTP_X_REQUEST_ID="req-denied-000001")
    assert response.status_code in (401, 403)
    denied = parsed(records, "access_denied")
    assert denied, records
    row = denied[-1]
    assert row["outcome"] == "denied" and row["actor"] == "anonymous"
    assert row["request_id"] == "req-denied-000001"
    assert row["details"]["status"] == response.status_code and row["details"]["path"] == "/api/v1/cases/"


def test_a_transition_is_logged_after_commit(records, case, directory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(
            case_id=case.pk,
            name="accept" if case.status == "assigned" else "triage",
            actor=directory.staff["station_admin"],
            note=f"已联系{WORKER_NAME}",
            **({} if case.status == "assigned" else {"payload": {"station": directory.station}}),
        )
    row = parsed(records, "case_transition")[-1]
    assert row["object_type"] == "disputes.case" and row["object_id"] == str(case.pk)
    assert row["actor"] == f"user:{directory.staff['station_admin'].pk}"
    assert row["details"]["from_state"] and row["details"]["to_state"]
    no_personal_values(records)


def test_a_rolled_back_transition_is_not_logged(records, case, directory):
    # No on-commit execution: the test's transaction never commits, as a failed request's would not.
    case_transition(case_id=case.pk, name="withdraw", actor=WORKER, payload={"reason": "x"})
    assert parsed(records, "case_transition") == []


def test_an_evidence_download_is_logged(records, client, case, directory, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = Evidence.objects.create(
        case=case,
        kind=EvidenceKind.PDF,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="evidence.pdf"),
        content_type="application/pdf",
        size=15,
        sha256="ab" * 32,
        display_name=f"{WORKER_NAME}的工资条.pdf",
        uploaded_by=ActorKind.WORKER,
    )
    client.force_login(directory.staff["mediator"])
    response = client.get(reverse("admin:disputes_evidence_download", args=[item.pk]))
    assert response.status_code == 200
    row = parsed(records, "evidence_download")[-1]
    assert row["outcome"] == "success" and row["object_type"] == "disputes.evidence"
    assert row["object_id"] == str(item.pk) and row["actor"] == f"user:{directory.staff['mediator'].pk}"
    assert row["request_id"] == response["X-Request-ID"]
    no_personal_values(records)


def test_a_statistics_export_is_logged(records, client, directory):
    client.force_login(directory.staff["official"])
    response = client.get("/stats/export.csv")
    assert response.status_code == 200
    row = parsed(records, "stats_export")[-1]
    assert row["details"]["format"] == "csv" and row["actor"] == f"user:{directory.staff['official'].pk}"


def test_details_that_could_carry_personal_values_are_dropped_or_redacted(records):
    security_event(
        "test",
        actor=None,
        object_type="x",
        object_id=1,
        reason=f"{WORKER_NAME} {PHONE}",
        path=f"/track/{ID_NUMBER}/",
        note=PHONE,  # not an allowed key at all
        kind="file",
    )
    row = parsed(records, "test")[-1]
    assert row["details"] == {"reason": "<redacted>", "path": "/track/<n>X/", "kind": "file"}
    no_personal_values(records)
