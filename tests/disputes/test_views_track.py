"""/track/: code and PIN open the worker's view (the case kept in the session, not the URL); one message for an
unknown code and a wrong PIN; the lock-out (429); the worker's actions; nothing staff-only ever shown."""

import html
import io
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from disputes.models import Case, Evidence
from disputes.permissions import SYSTEM, WORKER
from disputes.services import ClaimInput, case_create, case_transition
from disputes.states import ActorKind, CaseStatus
from disputes.tracking import TRACK_MAX_FAILURES

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
STAFF_NOTE = "内部备注：申请人情绪激动"
ALLOWED_LATIN = {"App", "PDF", "JPG", "PNG", "MB", "KB", "English"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def visible_text(response) -> str:
    page = re.sub(r"(?is)<(script|style|template|head)[^>]*>.*?</\1>", " ", response.content.decode())
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def jpeg(name="聊天记录.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (50, 40), (30, 160, 90)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def filed(directory):
    """A case in mediation, with staff notes on the way; returns (case, pin)."""
    case, pin = case_create(
        actor=WORKER,
        worker_name="刘洋",
        worker_id_number=ID_NUMBER,
        worker_phone=PHONE,
        employer_name="某某即时配送有限公司",
        industry="express_delivery",
        claims=[ClaimInput(category="wages", amount=Decimal("4800.00"))],
        facts="9月工资没有发。",
        station=directory.station,
    )
    mediator = directory.staff["mediator"]
    case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": directory.station})
    case_transition(
        case_id=case.pk, name="accept", actor=mediator, note=STAFF_NOTE, payload={"mediator": mediator}
    )
    case_transition(case_id=case.pk, name="start_mediation", actor=mediator, note=STAFF_NOTE)
    return Case.objects.get(pk=case.pk), pin


def open_case(client, case, pin, **extra):
    return client.post("/track/", {"tracking_code": case.tracking_code, "access_pin": pin}, **extra)


def error_text(response) -> str:
    match = re.search(r'id="track-error">\s*<p>([^<]+)</p>', response.content.decode())
    return match.group(1) if match else ""


def test_the_form_is_in_chinese(client, db):
    response = client.get("/track/")
    assert response.status_code == 200
    text = visible_text(response)
    assert "查询码" in text and "查询密码" in text
    assert not set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_LATIN


def test_the_right_pin_shows_status_history_and_deadlines(client, filed, directory):
    case, pin = filed
    response = open_case(client, case, pin)
    assert response.status_code == 302 and response["Location"] == "/track/"  # no id in the URL
    assert client.session["track_case_id"] == case.pk
    page = client.get("/track/")
    text = visible_text(page)
    assert "正在调解" in text
    assert "您在网上提交了申请。" in text and f"您的申请已转交{directory.station.name}。" in text
    assert "需要留意的期限" in text and "十五日" in text
    assert "下一步" in text
    assert "撤回申请" in text and "申请劳动仲裁" in text and "补充证据材料" in text
    assert not set(re.findall(r"[A-Za-z]{2,}", text.replace(case.tracking_code, ""))) - ALLOWED_LATIN


def test_the_code_is_case_insensitive_and_the_dash_optional(client, filed):
    case, pin = filed
    loose = case.tracking_code.replace("-", "").lower()
    assert client.post("/track/", {"tracking_code": loose, "access_pin": pin}).status_code == 302


def test_a_wrong_pin_and_an_unknown_code_get_the_same_message(client, filed):
    case, pin = filed
    wrong = client.post("/track/", {"tracking_code": case.tracking_code, "access_pin": "000000x"})
    unknown = client.post("/track/", {"tracking_code": "ZZZZ-ZZZZ", "access_pin": pin})
    assert wrong.status_code == unknown.status_code == 200
    assert error_text(wrong) and error_text(wrong) == error_text(unknown)
    assert "track_case_id" not in client.session


def test_five_wrong_pins_lock_the_code_with_a_429(client, filed):
    case, pin = filed
    for n in range(TRACK_MAX_FAILURES - 1):
        response = open_case(client, case, "000000x", REMOTE_ADDR=f"10.7.0.{n}")
        assert response.status_code == 200
    locked = open_case(client, case, "000000x", REMOTE_ADDR="10.7.0.50")
    assert locked.status_code == 429
    assert "错误次数过多" in error_text(locked) and int(locked["Retry-After"]) > 0
    # Locked even with the right PIN, from anywhere.
    assert open_case(client, case, pin, REMOTE_ADDR="10.7.9.9").status_code == 429


def test_five_failures_from_one_address_lock_that_address(client, filed):
    case, pin = filed
    for n in range(TRACK_MAX_FAILURES - 1):
        client.post("/track/", {"tracking_code": f"QQQQ-QQQ{n}", "access_pin": "1"}, REMOTE_ADDR="10.8.0.1")
    assert (
        open_case(client, case, pin, REMOTE_ADDR="10.8.0.1").status_code == 302
    )  # four failures: still open
    fifth = client.post("/track/", {"tracking_code": "RRRR-RRRR", "access_pin": "1"}, REMOTE_ADDR="10.8.0.1")
    assert fifth.status_code == 429
    assert open_case(client, case, pin, REMOTE_ADDR="10.8.0.1").status_code == 429
    assert open_case(client, case, pin, REMOTE_ADDR="10.8.0.2").status_code == 302


def test_the_page_never_shows_whole_personal_data_staff_names_or_notes(client, filed, directory):
    case, pin = filed
    open_case(client, case, pin)
    page = client.get("/track/").content.decode()
    assert ID_NUMBER not in page and PHONE not in page
    assert "1101**********002X" in page and "139****5678" in page
    assert STAFF_NOTE not in page
    for user in directory.staff.values():
        assert user.username not in page


def test_the_worker_withdraws_after_a_confirm_step(client, filed):
    case, pin = filed
    open_case(client, case, pin)
    confirm = client.get("/track/withdraw/")
    assert confirm.status_code == 200 and "确定要撤回申请吗" in visible_text(confirm)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_MEDIATION  # the GET changed nothing
    done = client.post("/track/withdraw/", {"reason": "单位已经付款"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    event = case.events.order_by("-id").first()
    assert (event.transition, event.actor_kind) == ("withdraw", ActorKind.WORKER)
    text = visible_text(client.get("/track/"))
    assert "您已撤回申请" in text and "您撤回了申请。" in text
    assert 'href="/track/withdraw/"' not in client.get("/track/").content.decode()
    # Not offered any more, and a stale POST changes nothing.
    assert client.post("/track/withdraw/").status_code == 302
    assert case.events.filter(transition="withdraw").count() == 1


def test_the_worker_goes_to_arbitration_with_the_regions_commission(client, filed, directory):
    case, pin = filed
    open_case(client, case, pin)
    explain = client.get("/track/arbitration/")
    text = visible_text(explain)
    assert "调解不是必经程序" in text and directory.commission.name in text
    assert client.post("/track/arbitration/").status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED_TO_ARBITRATION and case.handling_org == directory.commission
    event = case.events.order_by("-id").first()
    assert (event.transition, event.actor_kind) == ("refer_to_arbitration", ActorKind.WORKER)
    assert "已转交劳动人事争议仲裁委员会" in visible_text(client.get("/track/"))


def test_evidence_added_by_the_worker_appears(client, filed):
    case, pin = filed
    open_case(client, case, pin)
    response = client.post("/track/evidence/", {"evidence": [jpeg()]})
    assert response.status_code == 302
    assert Evidence.objects.get(case=case).uploaded_by == ActorKind.WORKER
    text = visible_text(client.get("/track/"))
    assert "聊天记录.jpg" in text and "已上传 1 个文件" in text


def test_a_bad_evidence_file_is_refused_and_nothing_saved(client, filed):
    case, pin = filed
    open_case(client, case, pin)
    bad = SimpleUploadedFile("合同.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    client.post("/track/evidence/", {"evidence": [jpeg(), bad]})
    assert not Evidence.objects.filter(case=case).exists()
    assert "类型无法接受" in visible_text(client.get("/track/"))


def test_actions_need_an_opened_case(client, filed):
    assert client.get("/track/withdraw/")["Location"] == "/track/"
    assert client.post("/track/arbitration/")["Location"] == "/track/"
    assert client.post("/track/evidence/", {"evidence": [jpeg()]})["Location"] == "/track/"
    assert not Evidence.objects.exists()


def test_exit_forgets_the_case(client, filed):
    case, pin = filed
    open_case(client, case, pin)
    assert client.get("/track/exit/").status_code == 302
    assert "track_case_id" not in client.session
    assert "查询办理进度" in visible_text(client.get("/track/"))
