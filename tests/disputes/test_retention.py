"""Retention (disputes.retention, ``manage.py anonymise_closed_cases``, beat task ``disputes.anonymise_closed_cases``):
finished cases past CASE_RETENTION_DAYS lose their people's data, evidence files included; open and recent cases are
untouched; the history keeps its meaning and its hash chain; and the statistics are identical before and after."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from disputes.evidence import evidence_check
from disputes.history_chain import verify_cases
from disputes.models import Case, CaseEvent, Evidence, Respondent
from disputes.permissions import WORKER
from disputes.retention import case_anonymise, cases_anonymise_expired
from disputes.services import ClaimInput, case_create, case_transition
from disputes.tasks import anonymise_closed_cases_task
from disputes.tracking import tracking_evidence_add
from stats.models import Fact
from stats.services import stats_rebuild

pytestmark = pytest.mark.django_db

ID_NUMBERS = ["11010519491231002X", "110105194912310037", "110105194912310045"]


def photo(colour) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), colour).save(out, "JPEG")
    return SimpleUploadedFile("工资条.jpg", out.getvalue(), content_type="image/jpeg")


def file_and_finish(directory, n: int, *, finish: str | None, closed_days_ago: int = 0):
    case, _pin = case_create(
        actor=WORKER,
        worker_name=f"王小{n}",
        worker_id_number=ID_NUMBERS[n],
        worker_phone=f"1391234567{n}",
        employer_name="某某即时配送有限公司",
        employer_site="北区东街12号站点",
        industry="express_delivery",
        claims=[ClaimInput(category="wages", amount=Decimal("4800.00"))],
        facts=f"我是王小{n}，住在北区东街12号，电话1391234567{n}。",
        station=directory.station,
    )
    Respondent.objects.create(
        case=case, role="site", name="东街站点", name_key="东街站点", details="站长电话138"
    )
    tracking_evidence_add(case_id=case.pk, files=[evidence_check(photo((n * 50, 10, 10)))])
    if finish == "withdraw":
        at = timezone.now() - timedelta(days=closed_days_ago)
        case_transition(
            case_id=case.pk, name="withdraw", actor=WORKER, payload={"reason": f"我是王小{n}，已私了"}, at=at
        )
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def cases(directory, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.CASE_RETENTION_DAYS = 365
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        old = file_and_finish(directory, 0, finish="withdraw", closed_days_ago=400)
        recent = file_and_finish(directory, 1, finish="withdraw", closed_days_ago=30)
        still_open = file_and_finish(directory, 2, finish=None)
    return old, recent, still_open


def figures(directory) -> tuple:
    client = APIClient()
    client.force_authenticate(directory.staff["official"])
    start = (timezone.localdate() - timedelta(days=800)).isoformat()
    summary = client.get("/api/v1/stats/summary/", {"from": start})
    assert summary.status_code == 200
    facts = sorted(
        tuple(str(v) for v in row)
        for row in Fact.objects.values_list(*[f.name for f in Fact._meta.concrete_fields if f.name != "id"])
    )
    body = summary.json()
    body.pop("generated_at", None)
    return body, facts


def test_an_expired_case_loses_its_peoples_data(cases, django_capture_on_commit_callbacks):
    old, _recent, _open = cases
    files = [Evidence.objects.get(case=old).file.name]
    with django_capture_on_commit_callbacks(execute=True):
        result = cases_anonymise_expired()
    assert result.anonymised == 1 and result.files_deleted >= 1
    case = Case.objects.get(pk=old.pk)
    assert case.anonymised_at is not None
    assert case.worker_name == "（已匿名）"
    assert case.worker_id_number == "" and case.worker_phone == ""
    assert case.worker_id_hash == "" and case.worker_phone_hash == ""
    assert case.facts == "" and case.employer_site == ""
    assert not Respondent.objects.filter(case=case).exclude(details="").exists()
    assert not Evidence.objects.filter(case=case).exists()
    storage = Evidence._meta.get_field("file").storage
    assert not any(storage.exists(name) for name in files)
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(c)::text FROM disputes_case c WHERE id = %s", [old.pk])
        row = cursor.fetchone()[0]
    for value in ("王小0", ID_NUMBERS[0], "13912345670", "东街12号"):
        assert value not in row


def test_the_history_keeps_its_meaning_and_its_chain(cases, django_capture_on_commit_callbacks):
    old = cases[0]
    before = list(
        CaseEvent.objects.filter(case=old).order_by("id").values_list("transition", "to_state", "hash")
    )
    with django_capture_on_commit_callbacks(execute=True):
        cases_anonymise_expired()
    events = list(CaseEvent.objects.filter(case=old).order_by("id"))
    assert [(e.transition, e.to_state, e.hash) for e in events] == before
    withdraw = next(e for e in events if e.transition == "withdraw")
    assert withdraw.redacted_at is not None and "reason" not in withdraw.payload
    assert all(e.note == "" for e in events)
    report = verify_cases([old.pk])
    assert report.ok, report.breaks
    assert report.redacted == len(events)


def test_open_and_recent_cases_are_untouched(cases, django_capture_on_commit_callbacks):
    _old, recent, still_open = cases
    with django_capture_on_commit_callbacks(execute=True):
        cases_anonymise_expired()
    for case in (recent, still_open):
        fresh = Case.objects.get(pk=case.pk)
        assert fresh.anonymised_at is None
        assert fresh.worker_id_number == case.worker_id_number and fresh.facts == case.facts
        assert Evidence.objects.filter(case=case).exists()
    with pytest.raises(ValueError):
        case_anonymise(case_id=still_open.pk)


def test_statistics_are_identical_before_and_after(cases, directory, django_capture_on_commit_callbacks):
    before = figures(directory)
    assert before[1], "no figures to compare"
    with django_capture_on_commit_callbacks(execute=True):
        cases_anonymise_expired()
    assert figures(directory) == before
    stats_rebuild()  # recomputed from the anonymised rows, from scratch
    assert figures(directory) == before


def test_a_second_run_and_the_command_and_task_are_no_ops(cases, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert cases_anonymise_expired().anonymised == 1
    out = io.StringIO()
    call_command("anonymise_closed_cases", stdout=out)
    assert "anonymised=0" in out.getvalue()
    assert anonymise_closed_cases_task.apply().get() == 0
    call_command("anonymise_closed_cases", "--dry-run", stdout=out)
    assert "due=0" in out.getvalue()


def test_the_command_does_the_work(cases, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("anonymise_closed_cases", stdout=out)
    assert "anonymised=1" in out.getvalue()
    assert Case.objects.filter(anonymised_at__isnull=False).count() == 1


def test_retention_off_does_nothing(cases, settings):
    settings.CASE_RETENTION_DAYS = 0
    assert cases_anonymise_expired().anonymised == 0
    assert not Case.objects.filter(anonymised_at__isnull=False).exists()


def test_a_file_shared_with_another_workers_case_is_kept(
    directory, settings, tmp_path, django_capture_on_commit_callbacks
):
    """A collective filing stores one file for all its workers' cases: anonymising one keeps the others' file."""
    settings.CASE_RETENTION_DAYS = 365
    settings.MEDIA_ROOT = tmp_path
    a = file_and_finish(directory, 0, finish="withdraw", closed_days_ago=400)
    b = file_and_finish(directory, 1, finish=None)
    shared = Evidence.objects.get(case=a)
    Evidence.objects.create(
        case=b,
        kind=shared.kind,
        file=shared.file.name,
        content_type=shared.content_type,
        size=shared.size,
        sha256=shared.sha256,
        display_name=shared.display_name,
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = case_anonymise(case_id=a.pk)
    storage = Evidence._meta.get_field("file").storage
    assert storage.exists(shared.file.name)  # still b's evidence
    assert result.files_deleted == 1 and not storage.exists(shared.preview.name)  # a's own preview went


def test_the_beat_runs_it_daily(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["disputes-anonymise-closed-cases"]
    assert entry["task"] in app.tasks and entry["schedule"] == 24 * 60 * 60
