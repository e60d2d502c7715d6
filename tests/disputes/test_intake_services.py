"""disputes.intake.services: one case per worker of a collective filing, respondents, evidence shared by every case,
the idempotency receipt (including the lost race), limitation notices and the probable-duplicate hint."""

import hashlib
import io
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.utils import timezone
from PIL import Image

from disputes.evidence import evidence_check
from disputes.intake import services as intake_services
from disputes.intake.forms import ClaimForm
from disputes.intake.services import (
    intake_notices,
    intake_probable_duplicate,
    intake_submit,
    pending_upload_create,
)
from disputes.matching import employer_key
from disputes.models import (
    Case,
    CaseEvent,
    Claim,
    CollectiveFiling,
    Evidence,
    IntakeReceipt,
    PendingUpload,
    Respondent,
)
from disputes.permissions import WORKER
from disputes.services import case_check_pin
from disputes.states import ActorKind, CaseStatus, RespondentRole
from disputes.validators import credit_code_check_char
from disputes.workdays import _add_months
from tests.factories import case_in_state

pytestmark = pytest.mark.django_db

ID_NUMBER = "330302199001011235"
OTHER_ID = "330302198505055675"
THIRD_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def _quiet_tasks():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def months_ago(n: int) -> date:
    return _add_months(timezone.localdate(), -n)


def cleaned(**overrides) -> dict:
    """A claim as the form cleans it (the services receive nothing else)."""
    data = {
        "worker_name": "张伟",
        "worker_id_number": ID_NUMBER,
        "worker_phone": "13957712345",
        "employer_name": "温州市顺达速运有限公司",
        "industry": "express_delivery",
        "categories": ["wages"],
        "amount_claimed": "8000",
        "facts": "工资两个月没有发。",
        "consent": True,
    }
    data.update(overrides)
    form = ClaimForm(data={k: v for k, v in data.items() if v is not None})
    assert form.is_valid(), form.errors
    return form.cleaned_data


def submit(claim=None, **kwargs):
    claim = claim or cleaned()
    kwargs.setdefault("amounts", {c: None for c in claim["categories"]})
    return intake_submit(claim=claim, actor=WORKER, **kwargs)


def png_upload(name="shot.png", colour=(200, 30, 30), size=(40, 30)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf_upload(name="contract.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")


# --- Collective filings --------------------------------------------------------------------------------------
def test_a_collective_filing_gives_each_worker_a_case_of_their_own(directory):
    coworkers = [
        {
            "worker_name": "李娜",
            "worker_id_number": OTHER_ID,
            "worker_phone": "13957700001",
            "amount_claimed": Decimal("5000.00"),
            "is_representative": True,
        },
        {
            "worker_name": "王强",
            "worker_id_number": THIRD_ID,
            "worker_phone": "13957700002",
            "amount_claimed": Decimal("3100.50"),
            "is_representative": False,
        },
    ]
    claim = cleaned(station="station-a", amount_claimed="8000.00", categories=["wages", "overtime"])
    filed = submit(
        claim,
        amounts={"wages": Decimal("6000"), "overtime": Decimal("2000")},
        coworkers=coworkers,
        filer_is_representative=True,
    )

    assert [f.worker_name for f in filed] == ["张伟", "李娜", "王强"]
    assert len({f.tracking_code for f in filed}) == 3
    [collective] = CollectiveFiling.objects.all()
    assert collective.worker_count == 3
    assert collective.employer_name == "温州市顺达速运有限公司"
    cases = {c.worker_name: c for c in Case.objects.filter(collective=collective)}
    assert set(cases) == {"张伟", "李娜", "王强"}
    assert cases["张伟"].amount_claimed == Decimal("8000.00")
    assert cases["李娜"].amount_claimed == Decimal("5000.00")
    assert cases["王强"].amount_claimed == Decimal("3100.50")
    assert cases["张伟"].is_representative and cases["李娜"].is_representative
    assert not cases["王强"].is_representative
    assert cases["李娜"].worker_id_number == OTHER_ID
    for f in filed:
        case = Case.objects.get(pk=f.case_id)
        assert case_check_pin(case=case, pin=f.pin)
        assert case.station == directory.station
        # Each worker's case is auto-triaged to the station the filer chose.
        assert case.status == CaseStatus.ASSIGNED and f.status == CaseStatus.ASSIGNED
        triage = CaseEvent.objects.get(case=case, transition="triage")
        assert triage.actor_kind == ActorKind.SYSTEM and triage.note == "劳动者选择"
        assert triage.payload == {"station": "station-a", "rule": None}
        assert sorted(Claim.objects.filter(case=case).values_list("category", flat=True)) == [
            "overtime",
            "wages",
        ]
        assert CaseEvent.objects.filter(case=case, transition="submit").count() == 1
    # The filer's items keep their amounts; a co-worker's items are unsplit (their total is on their case).
    assert dict(Claim.objects.filter(case=cases["张伟"]).values_list("category", "amount")) == {
        "wages": Decimal("6000.00"),
        "overtime": Decimal("2000.00"),
    }
    assert set(Claim.objects.filter(case=cases["李娜"]).values_list("amount", flat=True)) == {None}


def test_a_single_worker_is_not_a_collective_filing(db):
    [filed] = submit(filer_is_representative=True)
    case = Case.objects.get(pk=filed.case_id)
    assert case.collective is None
    assert not case.is_representative  # a representative only exists among several workers
    assert CollectiveFiling.objects.count() == 0


# --- Respondents ---------------------------------------------------------------------------------------------
def test_respondents_are_recorded_in_their_roles_with_their_keys(db):
    claim = cleaned(employer_name="温州市 顺达速运（鹿城）有限公司", employer_site="东街网点")
    extra = [
        {
            "role": RespondentRole.PLATFORM,
            "name": "某某同城配送平台股份有限公司",
            "details": "用的是某某骑手App",
        },
        {"role": RespondentRole.LABOR_AGENCY, "name": "温州市众包人力资源有限公司", "credit_code": ""},
    ]
    [filed] = submit(claim, respondents=extra)

    rows = list(Respondent.objects.filter(case_id=filed.case_id))
    assert [r.is_primary for r in rows] == [True, False, False]
    primary, platform, agency = rows
    assert (primary.role, primary.name, primary.details) == (
        RespondentRole.EMPLOYER,
        "温州市 顺达速运（鹿城）有限公司",
        "东街网点",
    )
    assert primary.name_key == employer_key("温州市顺达速运有限公司") == "温州市顺达速运"
    assert (platform.role, platform.details) == (RespondentRole.PLATFORM, "用的是某某骑手App")
    assert platform.name_key == "某某同城配送平台"
    assert agency.role == RespondentRole.LABOR_AGENCY
    assert agency.name_key == employer_key(agency.name)
    assert Case.objects.get(pk=filed.case_id).employer_key == "温州市顺达速运"


def test_every_case_of_a_collective_filing_has_the_respondents(db):
    coworker = {"worker_name": "李娜", "worker_id_number": OTHER_ID, "worker_phone": "13957700001"}
    extra = [{"role": RespondentRole.PLATFORM, "name": "某某平台"}]
    filed = submit(coworkers=[coworker], respondents=extra)
    for f in filed:
        assert Respondent.objects.filter(case_id=f.case_id).count() == 2


# --- Evidence ------------------------------------------------------------------------------------------------
def test_evidence_is_attached_to_every_case_with_its_hash(media):
    checked = [evidence_check(png_upload()), evidence_check(pdf_upload())]
    pending = pending_upload_create(checked=evidence_check(png_upload("kept.png", colour=(1, 2, 3))))
    pending_file = pending.file.name
    coworker = {"worker_name": "李娜", "worker_id_number": OTHER_ID, "worker_phone": "13957700001"}

    filed = submit(coworkers=[coworker], files=checked, uploads=[pending])

    assert not PendingUpload.objects.filter(pk=pending.pk).exists()  # adopted: the clean-up must not take it
    assert default_storage.exists(pending_file)  # ...and its file stays, now the evidence's
    per_case = []
    for f in filed:
        rows = list(Evidence.objects.filter(case_id=f.case_id).order_by("id"))
        assert len(rows) == 3
        per_case.append([(r.file.name, r.sha256) for r in rows])
        for row in rows:
            assert row.uploaded_by == "worker"
            assert default_storage.exists(row.file.name)
            with default_storage.open(row.file.name, "rb") as stored:
                assert hashlib.sha256(stored.read()).hexdigest() == row.sha256
        kinds = [r.kind for r in rows]
        assert kinds == ["image", "pdf", "image"]
        assert rows[0].preview and default_storage.exists(rows[0].preview.name)
        assert rows[2].file.name == pending_file
        assert rows[2].display_name == "kept.png"
    # One stored file per upload, shared by the cases of the filing.
    assert per_case[0] == per_case[1]
    assert {sha for _name, sha in per_case[0]} == {c.sha256 for c in checked} | {pending.sha256}


def test_a_rolled_back_filing_keeps_its_pending_uploads(media):
    pending = pending_upload_create(checked=evidence_check(png_upload()))
    claim = cleaned()
    with (
        mock.patch.object(intake_services, "_respondents_create", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        submit(claim, uploads=[pending])
    assert PendingUpload.objects.filter(pk=pending.pk).exists()
    assert Case.objects.count() == 0
    assert Evidence.objects.count() == 0


# --- Idempotency ---------------------------------------------------------------------------------------------
def test_the_same_key_twice_files_once(db):
    claim = cleaned()
    first = submit(claim, idempotency_key="form-123")
    again = submit(claim, idempotency_key="form-123")

    assert again == first
    assert Case.objects.count() == 1
    receipt = IntakeReceipt.objects.get(key="form-123")
    assert receipt.case_ids == [first[0].case_id]


def test_the_receipt_answer_is_encrypted_at_rest(db):
    [filed] = submit(idempotency_key="form-enc")
    with connection.cursor() as cursor:
        cursor.execute("SELECT answer FROM disputes_intakereceipt WHERE key = %s", ["form-enc"])
        raw = cursor.fetchone()[0]
    assert filed.tracking_code not in raw and filed.pin not in raw


def test_a_collective_filing_retried_gives_every_worker_the_same_pin(db):
    coworker = {"worker_name": "李娜", "worker_id_number": OTHER_ID, "worker_phone": "13957700001"}
    first = submit(coworkers=[coworker], idempotency_key="k-collective")
    again = submit(coworkers=[coworker], idempotency_key="k-collective")
    assert [(f.tracking_code, f.pin) for f in again] == [(f.tracking_code, f.pin) for f in first]
    assert Case.objects.count() == 2
    assert CollectiveFiling.objects.count() == 1


def test_the_loser_of_a_concurrent_double_submit_gets_the_winners_answer(db):
    """The check found no receipt (the other request had not committed yet); the insert then hits the unique key
    and the service answers with the winner's receipt instead of failing."""
    winner = submit(idempotency_key="race-1")
    real_answer = intake_services.intake_receipt_answer
    calls = []

    def not_yet_then_real(*, key):
        calls.append(key)
        return None if len(calls) == 1 else real_answer(key=key)

    with mock.patch.object(intake_services, "intake_receipt_answer", side_effect=not_yet_then_real):
        loser = submit(idempotency_key="race-1")

    assert calls == ["race-1", "race-1"]
    assert loser == winner
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1


def test_a_receipt_without_an_answer_is_not_taken_as_one(db):
    """A receipt emptied by the clean-up (or another request's still in flight) answers nothing: the unique key
    error surfaces rather than a made-up answer."""
    IntakeReceipt.objects.create(key="race-2")
    with pytest.raises(IntegrityError):
        submit(idempotency_key="race-2")
    assert Case.objects.count() == 0


def test_without_a_key_every_submission_files(db):
    submit()
    submit()
    assert Case.objects.count() == 2
    assert len(set(IntakeReceipt.objects.values_list("key", flat=True))) == 2  # each its own fresh key


# --- Limitation notices --------------------------------------------------------------------------------------
def codes(notices) -> list[str]:
    return [n.code for n in notices]


def test_limitation_past(db):
    notices = intake_notices(claim=cleaned(knowledge_date=months_ago(13), categories=["dismissal"]))
    assert codes(notices) == ["limitation_past"]
    assert "仲裁时效" in notices[0].message and "劳动争议调解仲裁法第二十七条" in notices[0].message


def test_limitation_near(db):
    notices = intake_notices(claim=cleaned(knowledge_date=months_ago(11), categories=["dismissal"]))
    assert codes(notices) == ["limitation_near"]
    assert "请尽快办理" in notices[0].message


def test_no_limitation_notice_a_month_in(db):
    assert intake_notices(claim=cleaned(knowledge_date=months_ago(1), categories=["dismissal"])) == []


def test_no_dates_no_notice(db):
    assert intake_notices(claim=cleaned()) == []


def test_wages_only_while_still_employed_has_no_general_limitation(db):
    """LDMAL Art. 27(4): arrears of pay during employment are not subject to the one-year period."""
    claim = cleaned(knowledge_date=months_ago(13), categories=["wages"], still_employed=True)
    assert intake_notices(claim=claim) == []
    left = cleaned(knowledge_date=months_ago(13), categories=["wages"])
    assert "limitation_past" in codes(intake_notices(claim=left))
    mixed = cleaned(knowledge_date=months_ago(13), categories=["wages", "overtime"], still_employed=True)
    assert "limitation_past" in codes(intake_notices(claim=mixed))


def test_wages_after_leaving_count_from_the_end_of_employment(db):
    claim = cleaned(categories=["wages"], employment_ended_on=months_ago(13))
    assert codes(intake_notices(claim=claim)) == ["limitation_past"]


# --- Probable duplicates -------------------------------------------------------------------------------------
def test_the_same_worker_and_employer_written_differently_is_pointed_out(db):
    [first] = submit(cleaned(employer_name="温州市顺达速运有限公司"))
    claim = cleaned(employer_name="温州市 顺达速运（鹿城）有限公司")

    [notice] = intake_notices(claim=claim)

    assert notice.code == "duplicate"
    assert first.tracking_code[-4:] in notice.message
    assert first.tracking_code not in notice.message  # the tail only: the notice may be read aloud
    assert (
        intake_probable_duplicate(id_number=ID_NUMBER, employer_name=claim["employer_name"]).pk
        == first.case_id
    )


def test_the_same_credit_code_under_another_name_is_a_duplicate(db):
    code = "91330302MA2AB3CD4"
    code += credit_code_check_char(code)
    [first] = submit(cleaned(employer_name="顺达速运", employer_credit_code=code))
    notices = intake_notices(claim=cleaned(employer_name="鹿城某某站点", employer_credit_code=code))
    assert codes(notices) == ["duplicate"]
    assert first.tracking_code[-4:] in notices[0].message


def test_a_closed_case_is_not_a_duplicate(db):
    case_in_state(
        CaseStatus.CLOSED,
        worker_id_number=ID_NUMBER,
        employer_name="温州市顺达速运有限公司",
        employer_key=employer_key("温州市顺达速运有限公司"),
    )
    assert intake_notices(claim=cleaned()) == []
    assert intake_probable_duplicate(id_number=ID_NUMBER, employer_name="温州市顺达速运有限公司") is None


def test_another_worker_is_not_a_duplicate(db):
    submit(cleaned(worker_id_number=OTHER_ID))
    assert intake_notices(claim=cleaned()) == []


def test_another_employer_is_not_a_duplicate(db):
    submit(cleaned(employer_name="温州市顺达速运有限公司"))
    assert intake_notices(claim=cleaned(employer_name="温州市飞驰外卖有限公司")) == []


def test_a_blank_id_number_matches_nothing(db):
    submit()
    assert intake_probable_duplicate(id_number="", employer_name="温州市顺达速运有限公司") is None


def test_the_workers_language_is_recorded_for_assignment():
    from disputes.intake.forms import ClaimForm
    from disputes.models import Case
    from disputes.permissions import WORKER

    form = ClaimForm(
        data={
            "worker_name": "阿依古丽",
            "worker_id_number": "11010519491231002X",
            "worker_phone": "13800001111",
            "employer_name": "某某配送有限公司",
            "industry": "food_delivery",
            "categories": ["wages"],
            "facts": "工资未发。",
            "consent": "on",
            "language": "ug",
        }
    )
    assert form.is_valid(), form.errors
    [filed] = intake_submit(claim=form.cleaned_data, amounts=form.claim_amounts(), actor=WORKER)
    assert Case.objects.get(pk=filed.case_id).language == "ug"
    assert not ClaimForm(data={**form.data, "language": "xx"}).is_valid()
