"""The public claim form: /intake/ and /intake/s/<org-code>/ end to end with uploads, errors that keep everything,
the limitation notices, idempotent resubmission, and the abuse answers (honeypot 400, rate limit 429, 413)."""

import html
import io
import re
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from disputes.models import Case, CaseEvent, Evidence, PendingUpload, Respondent
from disputes.states import ActorKind, Channel
from disputes.validators import id_number_check_digit
from disputes.views import INTAKE_RATE

pytestmark = pytest.mark.django_db

ALLOWED_LATIN = {"App", "PDF", "JPG", "PNG", "MB", "KB", "English"}


def id_number(serial: str = "123") -> str:
    first17 = f"33030219900101{serial}"
    return first17 + id_number_check_digit(first17)


def jpeg_bytes(color=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    return out.getvalue()


def photo(name="工资条.jpg", color=(200, 40, 40)):
    return SimpleUploadedFile(name, jpeg_bytes(color), content_type="image/jpeg")


def claim(**changes) -> dict:
    data = {
        "form_token": uuid.uuid4().hex,
        "worker_name": "李明",
        "worker_id_number": id_number(),
        "worker_phone": "13812345678",
        "employer_name": "某某速递有限公司",
        "employer_credit_code": "",
        "employer_site": "东街站点",
        "industry": "express_delivery",
        "categories": ["wages"],
        "amount_wages": "5200",
        "employment_started_on": (timezone.localdate() - timedelta(days=300)).isoformat(),
        "still_employed": "on",
        "knowledge_date": (timezone.localdate() - timedelta(days=30)).isoformat(),
        "facts": "今年九月的工资一直没有发。",
        "station": "station-a",
        "consent": "on",
        "website": "",
        "resp-TOTAL_FORMS": "0",
        "resp-INITIAL_FORMS": "0",
        "cw-TOTAL_FORMS": "0",
        "cw-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def visible_text(content: bytes) -> str:
    page = content.decode()
    page = re.sub(r"(?is)<(script|style|template|head)[^>]*>.*?</\1>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def english_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_LATIN


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate-limit counters
    yield
    cache.clear()


@pytest.fixture
def station(directory):
    return directory.station


def hidden_tokens(response) -> list[str]:
    return re.findall(r'name="upload_token" value="([0-9a-f-]{36})"', response.content.decode())


# --- The page -----------------------------------------------------------------------------------------------
def test_the_form_renders_in_chinese_without_untranslated_english(client, station):
    response = client.get("/intake/")
    assert response.status_code == 200
    text = visible_text(response.content)
    for heading in ("您的信息", "用人单位或平台", "遇到的问题", "事情经过", "证据材料", "同事也要一起申请"):
        assert heading in text
    assert not english_words(text), english_words(text)
    page = response.content.decode()
    assert 'accept="image/*,application/pdf"' in page and "multiple" in page and "capture" in page
    assert "最多 10 个文件，每个不超过 10 MB" in text
    assert "只用于办理您这次的劳动争议" in text  # the purpose beside the consent box


def test_each_render_gets_a_fresh_form_token(client, station):
    first = re.search(r'name="form_token" value="([0-9a-f]{32})"', client.get("/intake/").content.decode())
    second = re.search(r'name="form_token" value="([0-9a-f]{32})"', client.get("/intake/").content.decode())
    assert first and second and first.group(1) != second.group(1)


def test_the_qr_url_presets_and_shows_the_station(client, station):
    response = client.get(f"/intake/s/{station.code}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "您正在向这个调解组织申请" in page and station.name in page
    assert re.search(rf'<option value="{station.code}" data-industry="[^"]*" selected>', page)
    assert re.search(r'<option value="express_delivery" selected>', page)


def test_an_unknown_or_inactive_station_code_is_a_chinese_404(client, station, directory):
    response = client.get("/intake/s/no-such-station/")
    assert response.status_code == 404
    assert "没有找到这个调解组织" in visible_text(response.content)
    directory.other.is_active = False
    directory.other.save()
    assert client.get(f"/intake/s/{directory.other.code}/").status_code == 404
    assert client.get(f"/intake/s/{directory.commission.code}/").status_code == 404  # takes no claims


# --- Filing -------------------------------------------------------------------------------------------------
def test_filing_with_a_photo_creates_the_case_at_the_qr_station(client, station):
    response = client.post(f"/intake/s/{station.code}/", {**claim(), "evidence": [photo()]})
    assert response.status_code == 302 and response["Location"] == "/intake/done/"

    case = Case.objects.get()
    assert case.station == station and case.channel == Channel.QR_WEB
    assert case.worker_name == "李明" and case.employer_site == "东街站点"
    assert [(c.category, str(c.amount)) for c in case.claims.all()] == [("wages", "5200.00")]
    evidence = Evidence.objects.get(case=case)
    assert evidence.kind == "image" and evidence.display_name == "工资条.jpg" and len(evidence.sha256) == 64
    assert evidence.uploaded_by == ActorKind.WORKER
    submit, triage = CaseEvent.objects.filter(case=case).order_by("id")
    assert submit.transition == "submit" and submit.actor_kind == ActorKind.WORKER
    # Auto-triage at intake: the station of the QR poster is honoured, by the system.
    assert case.status == "assigned"
    assert triage.transition == "triage" and triage.actor_kind == ActorKind.SYSTEM
    assert triage.payload == {"station": station.code, "rule": None} and triage.note == "劳动者选择"

    done = client.get("/intake/done/")
    text = visible_text(done.content)
    assert case.tracking_code in text
    assert re.search(r'data-testid="access-pin">\d{6}<', done.content.decode())
    assert "密码只显示这一次" in text and "保存为图片" in text
    assert 'href="/track/"' in done.content.decode()
    assert "no-store" in done.get("Cache-Control", "") or "max-age=0" in done.get("Cache-Control", "")

    again = client.get("/intake/done/")
    assert case.tracking_code in visible_text(again.content)
    assert "已显示过" in visible_text(again.content)
    assert not re.search(r'data-testid="access-pin"', again.content.decode())


def test_the_pin_shown_opens_the_case(client, station):
    client.post("/intake/", claim())
    page = client.get("/intake/done/").content.decode()
    code = re.search(r'data-testid="tracking-code">([^<]+)<', page).group(1)
    pin = re.search(r'data-testid="access-pin">(\d{6})<', page).group(1)
    response = client.post("/track/", {"tracking_code": code, "access_pin": pin})
    assert response.status_code == 302
    # The case went straight to the chosen station (auto-triage): the worker sees it is waiting there.
    text = visible_text(client.get("/track/").content)
    assert "已转交调解组织，等待受理" in text
    assert "我们已收到您的申请" not in text


def test_without_a_station_or_a_rule_the_worker_sees_the_claim_received(client, station):
    client.post("/intake/", claim(station=""))
    case = Case.objects.get()
    assert case.status == "submitted" and case.station is None
    page = client.get("/intake/done/").content.decode()
    code = re.search(r'data-testid="tracking-code">([^<]+)<', page).group(1)
    pin = re.search(r'data-testid="access-pin">(\d{6})<', page).group(1)
    assert client.post("/track/", {"tracking_code": code, "access_pin": pin}).status_code == 302
    text = visible_text(client.get("/track/").content)
    assert "我们已收到您的申请" in text
    assert "已转交调解组织，等待受理" not in text


def test_other_parties_are_recorded_as_respondents(client, station):
    data = claim(
        **{
            "resp-TOTAL_FORMS": "2",
            "resp-0-role": "platform",
            "resp-0-name": "某某外卖App",
            "resp-0-details": "在这个App上接单",
            "resp-1-role": "",
            "resp-1-name": "",  # an empty row is ignored
        }
    )
    assert client.post("/intake/", data).status_code == 302
    rows = list(Respondent.objects.order_by("-is_primary", "id").values_list("role", "name", "is_primary"))
    assert rows == [("employer", "某某速递有限公司", True), ("platform", "某某外卖App", False)]


def test_a_collective_filing_makes_one_case_per_worker_and_shows_every_code(client, station):
    data = claim(
        **{
            "cw-TOTAL_FORMS": "2",
            "cw-0-worker_name": "王强",
            "cw-0-worker_id_number": id_number("456"),
            "cw-0-worker_phone": "13700001111",
            "cw-0-amount_claimed": "3000",
            "cw-1-worker_name": "赵敏",
            "cw-1-worker_id_number": id_number("789"),
            "cw-1-worker_phone": "13700002222",
        }
    )
    assert client.post("/intake/", data).status_code == 302
    cases = Case.objects.order_by("id")
    assert [c.worker_name for c in cases] == ["李明", "王强", "赵敏"]
    assert len({c.collective_id for c in cases}) == 1
    page = client.get("/intake/done/").content.decode()
    assert all(c.tracking_code in page for c in cases)
    assert len(re.findall(r'data-testid="access-pin">\d{6}<', page)) == 3


def test_ten_workers_without_representatives_are_asked_for_them(client, station):
    rows = {"cw-TOTAL_FORMS": "9"}
    for n in range(9):
        rows |= {
            f"cw-{n}-worker_name": f"同事{n}",
            f"cw-{n}-worker_id_number": id_number(f"{n + 200}"),
            f"cw-{n}-worker_phone": f"1370000{n:04d}",
        }
    response = client.post("/intake/", claim(**rows))
    assert response.status_code == 200
    assert "请推选3至5名代表" in visible_text(response.content)
    assert not Case.objects.exists()
    assert "同事8" in response.content.decode()  # the rows typed are kept


# --- Errors keep everything ---------------------------------------------------------------------------------
def test_errors_keep_typed_values_and_the_uploaded_file(client, station):
    response = client.post(
        "/intake/", {**claim(worker_phone="12345", facts="老板拖欠三个月工资"), "evidence": [photo()]}
    )
    assert response.status_code == 200
    text = visible_text(response.content)
    assert "请填写11位手机号码" in text and "需要修改" in text
    page = response.content.decode()
    assert 'value="李明"' in page and "老板拖欠三个月工资" in page and 'value="12345"' in page
    assert "已上传" in text and "工资条.jpg" in text
    [token] = hidden_tokens(response)
    assert PendingUpload.objects.filter(token=token).exists()
    assert not Case.objects.exists() and not Evidence.objects.exists()

    fresh = re.search(r'name="form_token" value="([0-9a-f]{32})"', page).group(1)
    fixed = claim(form_token=fresh)
    fixed["upload_token"] = [token]
    assert client.post("/intake/", fixed).status_code == 302
    case = Case.objects.get()
    assert [e.display_name for e in case.evidence.all()] == ["工资条.jpg"]
    assert not PendingUpload.objects.exists()


def test_an_unknown_upload_token_is_ignored(client, station):
    data = claim()
    data["upload_token"] = [str(uuid.uuid4()), "not-a-token", "'; drop table--"]
    assert client.post("/intake/", data).status_code == 302
    assert not Evidence.objects.exists()


def test_a_wrong_file_type_gives_a_message_and_writes_nothing(client, station):
    fake = SimpleUploadedFile("工资条.jpg", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/jpeg")
    response = client.post("/intake/", {**claim(), "evidence": [fake]})
    assert response.status_code == 200
    assert "类型无法接受" in visible_text(response.content)
    assert not Case.objects.exists()
    assert not PendingUpload.objects.exists() and not Evidence.objects.exists()


def test_too_many_files_is_a_form_error_and_writes_nothing(client, station, settings):
    settings.EVIDENCE_MAX_FILES = 2
    files = [photo(f"p{n}.jpg", (n * 40, 10, 10)) for n in range(3)]
    response = client.post("/intake/", {**claim(), "evidence": files})
    assert response.status_code == 200
    assert "最多上传 2 个文件" in visible_text(response.content)
    assert not Case.objects.exists() and not PendingUpload.objects.exists()


def test_an_oversized_request_is_a_clear_413(client, station, settings):
    settings.EVIDENCE_MAX_FILES = 1
    settings.EVIDENCE_MAX_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * 200_000, content_type="image/jpeg")
    response = client.post("/intake/", {**claim(), "evidence": [big]})
    assert response.status_code == 413
    assert "上传的内容太大了" in visible_text(response.content)
    assert not Case.objects.exists() and not PendingUpload.objects.exists()


# --- Notices ------------------------------------------------------------------------------------------------
def test_limitation_notices_require_the_tick_box(client, station):
    old = claim(
        still_employed=None,
        employment_started_on=(timezone.localdate() - timedelta(days=900)).isoformat(),
        employment_ended_on=(timezone.localdate() - timedelta(days=420)).isoformat(),
        knowledge_date=(timezone.localdate() - timedelta(days=400)).isoformat(),
    )
    response = client.post("/intake/", {**old, "evidence": [photo()]})
    assert response.status_code == 200
    text = visible_text(response.content)
    assert "提交前请了解" in text and "可能已于" in text
    assert 'name="acknowledge_notices"' in response.content.decode()
    assert not Case.objects.exists()
    [token] = hidden_tokens(response)  # the photo is kept while the worker reads the notice

    ticked = {**old, "acknowledge_notices": "on", "upload_token": [token]}
    assert client.post("/intake/", ticked).status_code == 302
    assert Case.objects.get().evidence.count() == 1


def test_a_probable_duplicate_is_pointed_out(client, station):
    assert client.post("/intake/", claim()).status_code == 302
    response = client.post("/intake/", claim())
    assert response.status_code == 200
    assert "您已经就同一单位提交过申请" in visible_text(response.content)
    assert Case.objects.count() == 1


# --- Idempotency and abuse ----------------------------------------------------------------------------------
def test_the_same_form_token_twice_files_one_case(client, station):
    data = claim()
    first = client.post("/intake/", data)
    second = client.post("/intake/", data)
    assert first.status_code == second.status_code == 302
    assert Case.objects.count() == 1
    assert Case.objects.get().tracking_code in client.get("/intake/done/").content.decode()


def test_the_honeypot_is_a_400_and_writes_nothing(client, station):
    response = client.post("/intake/", {**claim(website="http://spam.example"), "evidence": [photo()]})
    assert response.status_code == 400
    assert "提交失败" in visible_text(response.content)
    assert not Case.objects.exists() and not PendingUpload.objects.exists()


def test_the_form_is_rate_limited_per_address(client, station):
    allowed = int(INTAKE_RATE.split("/")[0])
    for _ in range(allowed):
        assert client.post("/intake/", {"facts": "x"}, REMOTE_ADDR="10.5.0.1").status_code == 200
    response = client.post("/intake/", claim(), REMOTE_ADDR="10.5.0.1")
    assert response.status_code == 429
    assert "提交太频繁了" in visible_text(response.content)
    assert not Case.objects.exists()
    assert client.post("/intake/", claim(), REMOTE_ADDR="10.5.0.2").status_code == 302


def test_csrf_is_enforced(station):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/intake/", claim()).status_code == 403
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("worker_id_number", "<script>alert(1)</script>"),
        ("worker_phone", "\x00\x01"),
        ("amount_wages", "1e309"),
        ("amount_wages", "-5"),
        ("knowledge_date", "2099-13-45"),
        ("industry", "'; drop table"),
        ("categories", ["nope", "wages"]),
        ("station", "../../etc/passwd"),
        ("region", "x" * 5000),
        ("resp-TOTAL_FORMS", "99999"),
        ("cw-TOTAL_FORMS", "-1"),
        ("facts", "长" * 6000),
    ],
)
def test_hostile_values_are_answered_without_a_500(client, station, field, value):
    response = client.post("/intake/", claim(**{field: value}))
    assert response.status_code in (200, 302)
