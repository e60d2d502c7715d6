"""The Aliyun SMS provider: the RPC signature v1 as Aliyun documents it (its own worked example), a real HTTP
exchange with a fake dysmsapi on 127.0.0.1 that checks the signature, and errors that make the row retry without
ever showing the phone number whole."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured

from referrals import services
from referrals.models import Notification
from referrals.sms import AliyunSmsBackend, SmsError, aliyun_percent_encode, aliyun_rpc_signature
from referrals.states import NotificationChannel, NotificationStatus

from ..factories import case_in_state

PHONE = "13912345678"
SECRET = "test-secret"

# Aliyun's "签名机制" page signs this DescribeRegions request with the secret "testsecret" (GET).
DOC_PARAMS = {
    "Timestamp": "2016-02-23T12:46:24Z",
    "Format": "XML",
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "Version": "2014-05-26",
    "SignatureVersion": "1.0",
}


def test_the_signature_matches_aliyuns_worked_example():
    assert (
        aliyun_rpc_signature(method="GET", params=DOC_PARAMS, secret="testsecret")
        == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    )
    # The Signature parameter itself never takes part.
    signed = {**DOC_PARAMS, "Signature": "anything"}
    assert (
        aliyun_rpc_signature(method="GET", params=signed, secret="testsecret")
        == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    )


def test_percent_encoding_follows_aliyuns_rules():
    assert aliyun_percent_encode("a b*c~d") == "a%20b%2Ac~d"
    assert aliyun_percent_encode("2016-02-23T12:46:24Z") == "2016-02-23T12%3A46%3A24Z"
    assert aliyun_percent_encode("调解") == "%E8%B0%83%E8%A7%A3"
    assert aliyun_percent_encode("/+=&") == "%2F%2B%3D%26"


def _expected_signature(params: dict[str, str], secret: str) -> str:
    """The documented steps, written out independently of the provider's code."""

    def enc(value: str) -> str:
        return urllib.parse.quote(value.encode(), safe="-_.~")

    pairs = sorted((key, value) for key, value in params.items() if key != "Signature")
    canonical = "&".join(f"{enc(key)}={enc(value)}" for key, value in pairs)
    string_to_sign = "POST&%2F&" + enc(canonical)
    return base64.b64encode(
        hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
    ).decode()


@pytest.fixture
def fake_dysmsapi():
    """A fake dysmsapi on 127.0.0.1: records each POSTed form and answers from ``replies``."""
    received: list[dict[str, str]] = []
    replies: list[tuple[int, dict | str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            received.append({"path": self.path, "content_type": self.headers["Content-Type"], **form})
            status, answer = (
                replies.pop(0) if replies else (200, {"Code": "OK", "Message": "OK", "BizId": "1"})
            )
            raw = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield type(
        "Fake",
        (),
        {"url": f"http://127.0.0.1:{server.server_address[1]}/", "received": received, "replies": replies},
    )
    server.shutdown()
    server.server_close()


def _backend(url: str, **overrides) -> AliyunSmsBackend:
    options = {
        "access_key_id": "LTAI-test",
        "access_key_secret": SECRET,
        "sign_name": "一站式调处",
        "template_code": "SMS_000001",
        "endpoint": url,
        "timeout": 2.0,
        **overrides,
    }
    return AliyunSmsBackend(**options)


def test_send_posts_a_correctly_signed_sendsms_request(fake_dysmsapi):
    _backend(fake_dysmsapi.url).send(PHONE, "【一站式劳动争议调处】您的申请（查询码 AB12-CD34）：正在调解。")
    _backend(fake_dysmsapi.url).send(PHONE, "第二条")
    first, second = fake_dysmsapi.received
    assert first["path"] == "/" and first["content_type"].startswith("application/x-www-form-urlencoded")
    assert first["Action"] == "SendSms" and first["Version"] == "2017-05-25"
    assert first["PhoneNumbers"] == PHONE and first["SignName"] == "一站式调处"
    assert first["TemplateCode"] == "SMS_000001" and first["AccessKeyId"] == "LTAI-test"
    assert first["SignatureMethod"] == "HMAC-SHA1" and first["SignatureVersion"] == "1.0"
    # Aliyun adds 【SignName】 itself: our own bracketed signature is not sent twice.
    assert json.loads(first["TemplateParam"]) == {"content": "您的申请（查询码 AB12-CD34）：正在调解。"}
    stamp = datetime.strptime(first["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60
    assert first["SignatureNonce"] != second["SignatureNonce"]
    for request in (first, second):
        form = {key: value for key, value in request.items() if key not in ("path", "content_type")}
        assert form["Signature"] == _expected_signature(form, SECRET)


@pytest.mark.parametrize(
    ("status", "answer", "expected"),
    [
        (
            200,
            {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": f"触发分钟级流控 {PHONE}"},
            "isv.BUSINESS_LIMIT_CONTROL",
        ),
        (500, {"Code": "InternalError", "Message": "The request processing has failed."}, "HTTP 500"),
        (502, "<html>bad gateway</html>", "HTTP 502"),
        (200, "not json", "HTTP 200"),
    ],
)
def test_a_refusal_raises_without_the_whole_phone(fake_dysmsapi, status, answer, expected):
    fake_dysmsapi.replies.append((status, answer))
    with pytest.raises(SmsError) as error:
        _backend(fake_dysmsapi.url).send(PHONE, "正文")
    assert expected in str(error.value)
    assert PHONE not in str(error.value) and "139****5678" in str(error.value)


def test_a_timeout_or_refused_connection_raises():
    def hang(request):
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(SmsError, match="ReadTimeout"):
        _backend("http://127.0.0.1:9/", transport=httpx.MockTransport(hang)).send(PHONE, "正文")
    with pytest.raises(SmsError, match="ConnectError"):
        _backend("http://127.0.0.1:9/").send(PHONE, "正文")  # nothing listens on the discard port


def test_the_provider_refuses_to_start_half_configured_or_in_clear(settings):
    settings.SMS_ALIYUN_ACCESS_KEY_ID = ""
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = ""
    with pytest.raises(ImproperlyConfigured, match="SMS_ALIYUN_ACCESS_KEY_ID"):
        AliyunSmsBackend(sign_name="s", template_code="t")
    with pytest.raises(ImproperlyConfigured, match="https"):
        _backend("http://dysmsapi.aliyuncs.com/")
    assert settings.SMS_ALIYUN_ENDPOINT == "https://dysmsapi.aliyuncs.com/"


@pytest.mark.django_db
def test_a_provider_error_leaves_the_row_to_retry_with_a_masked_error(fake_dysmsapi, settings):
    settings.SMS_QUIET_HOURS = ""
    settings.SMS_BACKEND = "referrals.sms.AliyunSmsBackend"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "LTAI-test"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = SECRET
    settings.SMS_ALIYUN_SIGN_NAME = "一站式调处"
    settings.SMS_ALIYUN_TEMPLATE_CODE = "SMS_000001"
    settings.SMS_ALIYUN_ENDPOINT = fake_dysmsapi.url
    case = case_in_state("accepted", worker_phone=PHONE)
    note = Notification.objects.create(
        case=case, channel=NotificationChannel.SMS, to_worker=True, body="正文", idempotency_key="aliyun-1"
    )
    fake_dysmsapi.replies.append(
        (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": f"非法手机号 {PHONE}"})
    )
    assert services.notification_deliver(notification_id=note.pk) is False
    note.refresh_from_db()
    assert note.status == NotificationStatus.PENDING and note.attempts == 1
    assert "isv.MOBILE_NUMBER_ILLEGAL" in note.last_error and PHONE not in note.last_error

    Notification.objects.filter(pk=note.pk).update(next_attempt_at=note.created_at)
    assert services.notification_deliver(notification_id=note.pk) is True
    note.refresh_from_db()
    assert note.status == NotificationStatus.SENT and note.last_error == ""
    assert [request["PhoneNumbers"] for request in fake_dysmsapi.received] == [PHONE, PHONE]
