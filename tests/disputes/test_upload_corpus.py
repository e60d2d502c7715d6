"""The upload corpus, sent through the real upload paths: the worker's claim form (``/intake/``), the worker's
evidence upload on the tracking page (``/track/evidence/``) and the staff's payment-proof upload in the API
(``POST /api/v1/cases/{id}/payments/``).

Each hostile file is refused with a Chinese message and the path's status (the form shows it again with the
message, the tracking page redirects with it, the API answers 400, a body over the limit 413), and nothing is half
written: no case, no evidence row, no pending upload, no stored file. What is accepted is cleaned (a JPEG's GPS
EXIF gone, a path-traversal name reduced to its last part, stored under a server name), and with a virus scanner
configured (a fake clamd on 127.0.0.1 speaking INSTREAM) a file carrying the EICAR test string is quarantined and
never served.
"""

import io
import re
import socket
import socketserver
import struct
import threading
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from disputes.models import Case, Evidence, PendingUpload
from disputes.permissions import WORKER
from disputes.scanning import ClamdScanner, ScannerUnavailable
from disputes.services import ClaimInput, case_create
from disputes.states import EvidenceScanStatus
from mediation.models import Payment
from tests.disputes.test_views_intake import claim, visible_text
from tests.mediation.conftest import effective, mediating  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# The EICAR anti-virus test file (harmless by design), assembled so that this source file is not itself flagged.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!" + b"$H+H*"
GPS_IFD = 0x8825


# --- The corpus ----------------------------------------------------------------------------------------------
def jpeg(size=(64, 48), colour=(200, 40, 40), exif=None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "AcmeCam"
    exif[GPS_IFD] = {1: "N", 2: (28.0, 0.0, 55.0), 3: "E", 4: (120.0, 39.0, 36.0)}
    return jpeg(exif=exif)


def pixel_flood_png() -> bytes:
    """30000 × 30000 pixels of one colour: under 150 KB on the wire, 2.7 GB once decoded as RGB."""
    out = io.BytesIO()
    Image.new("1", (30000, 30000), 0).save(out, "PNG")
    return out.getvalue()


def zip_bytes(names=("工资条.jpg",)) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, jpeg())
    return out.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes(("[Content_Types].xml", "word/document.xml"))


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script></svg>"
)
HTML = b"<!DOCTYPE html><html><body><script>fetch('/admin/')</script></body></html>"

# (case id, file name, bytes, what the message says)
REFUSED = [
    ("exe-as-pdf", "工资条.pdf", EXE, "类型无法接受"),
    ("svg-script", "截图.svg", SVG, "类型无法接受"),
    ("svg-as-jpg", "截图.jpg", SVG, "类型无法接受"),
    ("html", "聊天记录.html", HTML, "类型无法接受"),
    ("html-as-png", "聊天记录.png", HTML, "类型无法接受"),
    ("pixel-flood-png", "截图.png", None, "尺寸过大"),
    ("eicar", "说明.txt", EICAR, "类型无法接受"),
    ("eicar-as-pdf-name", "合同.pdf", EICAR, "类型无法接受"),
    ("zip", "材料.zip", zip_bytes(), "类型无法接受"),
    ("zip-as-jpg", "照片.jpg", zip_bytes(), "类型无法接受"),
    ("docx", "合同.docx", docx_bytes(), "类型无法接受"),
]


def refused_file(case_id: str) -> SimpleUploadedFile:
    _id, name, data, _words = next(row for row in REFUSED if row[0] == case_id)
    data = pixel_flood_png() if data is None else data
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def stored_files() -> set[str]:
    found: set[str] = set()

    def walk(path: str) -> None:
        try:
            dirs, files = default_storage.listdir(path)
        except (FileNotFoundError, OSError):
            return
        found.update(f"{path}/{name}".lstrip("/") for name in files)
        for name in dirs:
            walk(f"{path}/{name}".lstrip("/"))

    walk("")
    return found


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.EVIDENCE_MAX_FILES = 3
    settings.EVIDENCE_MAX_BYTES = 200 * 1024
    settings.CLAMAV_URL = ""


def nothing_written(before: set[str]) -> None:
    assert not Case.objects.exists()
    assert not Evidence.objects.exists()
    assert not PendingUpload.objects.exists()
    assert stored_files() == before


# --- The claim form ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case_id", [row[0] for row in REFUSED])
def test_the_claim_form_refuses_each_hostile_file_and_writes_nothing(client, directory, case_id):
    before = stored_files()
    words = next(row[3] for row in REFUSED if row[0] == case_id)
    response = client.post("/intake/", {**claim(), "evidence": [refused_file(case_id)]})
    assert response.status_code == 200  # the form again, everything typed kept, the file named in the message
    text = visible_text(response.content)
    assert words in text
    nothing_written(before)


def test_the_claim_form_refuses_a_file_one_byte_over_the_limit(client, directory, settings):
    before = stored_files()
    limit = settings.EVIDENCE_MAX_BYTES
    big = PDF + b"0" * (limit + 1 - len(PDF))
    assert len(big) == limit + 1
    response = client.post("/intake/", {**claim(), "evidence": [SimpleUploadedFile("大.pdf", big)]})
    assert response.status_code == 200
    assert "太大了" in visible_text(response.content)
    nothing_written(before)
    exact = PDF + b"0" * (limit - len(PDF))
    response = client.post("/intake/", {**claim(), "evidence": [SimpleUploadedFile("刚好.pdf", exact)]})
    assert response.status_code == 302
    assert Evidence.objects.get().size == limit


def test_the_claim_form_refuses_too_many_files(client, directory, settings):
    before = stored_files()
    files = [
        SimpleUploadedFile(f"p{n}.jpg", jpeg(colour=(n, 1, 1)))
        for n in range(settings.EVIDENCE_MAX_FILES + 1)
    ]
    response = client.post("/intake/", {**claim(), "evidence": files})
    assert response.status_code == 200
    assert "最多上传 3 个文件" in visible_text(response.content)
    nothing_written(before)


def test_a_body_past_every_limit_is_a_413_before_it_is_read(client, directory, settings):
    before = stored_files()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    files = [SimpleUploadedFile(f"p{n}.pdf", PDF + b"0" * settings.EVIDENCE_MAX_BYTES) for n in range(4)]
    response = client.post("/intake/", {**claim(), "evidence": files})
    assert response.status_code == 413
    assert "上传的内容太大了" in visible_text(response.content)
    nothing_written(before)


def test_a_jpeg_with_gps_is_accepted_and_stored_without_it(client, directory):
    original = gps_jpeg()
    assert Image.open(io.BytesIO(original)).getexif().get(GPS_IFD)
    response = client.post("/intake/", {**claim(), "evidence": [SimpleUploadedFile("现场.jpg", original)]})
    assert response.status_code == 302
    item = Evidence.objects.get()
    with item.file.open("rb") as handle:
        kept = handle.read()
    assert dict(Image.open(io.BytesIO(kept)).getexif()) == {}
    assert b"AcmeCam" not in kept
    assert item.scan_status == EvidenceScanStatus.NOT_SCANNED  # no scanner configured: said so, not hidden


def test_a_path_traversal_name_is_only_a_label(client, directory):
    name = "../../../etc/passwd/..\\..\\工资条.jpg"
    response = client.post("/intake/", {**claim(), "evidence": [SimpleUploadedFile(name, jpeg())]})
    assert response.status_code == 302
    item = Evidence.objects.get()
    assert item.display_name == "工资条.jpg"
    assert item.file.name.startswith("evidence/") and ".." not in item.file.name
    assert re.fullmatch(r"evidence/\d{4}/\d{2}/[0-9a-f]{16}(_\w+)?\.jpg", item.file.name), item.file.name


# --- The tracking page ---------------------------------------------------------------------------------------
@pytest.fixture
def tracked(client, directory):
    case, pin = case_create(
        actor=WORKER,
        worker_name="刘洋",
        worker_id_number="11010519491231002X",
        worker_phone="13912345678",
        employer_name="某某即时配送有限公司",
        industry="express_delivery",
        claims=[ClaimInput(category="wages", amount=Decimal("4800.00"))],
        facts="9月工资没有发。",
        station=directory.station,
    )
    assert client.post("/track/", {"tracking_code": case.tracking_code, "access_pin": pin}).status_code == 302
    return case


@pytest.mark.parametrize("case_id", ["exe-as-pdf", "svg-script", "html", "pixel-flood-png", "eicar", "zip"])
def test_the_tracking_upload_refuses_each_hostile_file_and_adds_nothing(client, tracked, case_id):
    before = stored_files()
    response = client.post("/track/evidence/", {"evidence": [refused_file(case_id)]}, follow=True)
    assert response.redirect_chain[-1][1] == 302
    text = visible_text(response.content)
    assert next(row[3] for row in REFUSED if row[0] == case_id) in text
    assert not Evidence.objects.exists()
    assert stored_files() == before


def test_the_tracking_upload_refuses_too_many_files(client, tracked, settings):
    files = [
        SimpleUploadedFile(f"p{n}.jpg", jpeg(colour=(n, 2, 2)))
        for n in range(settings.EVIDENCE_MAX_FILES + 1)
    ]
    response = client.post("/track/evidence/", {"evidence": files}, follow=True)
    assert "一次最多上传 3 个文件" in visible_text(response.content)
    assert not Evidence.objects.exists()


# --- The staff upload (payment proof, API) -------------------------------------------------------------------
@pytest.mark.parametrize("case_id", ["exe-as-pdf", "svg-script", "html", "pixel-flood-png", "eicar", "docx"])
def test_the_payment_proof_api_answers_400_with_a_chinese_message(directory, effective, case_id):  # noqa: F811
    case, _agreement, _pin = effective
    client = APIClient()
    client.force_authenticate(directory.staff["mediator"])
    before = stored_files()
    response = client.post(
        f"/api/v1/cases/{case.pk}/payments/",
        {
            "amount": "10.00",
            "paid_on": timezone.localdate().isoformat(),
            "payment_method": "cash",
            "proof": refused_file(case_id),
        },
        format="multipart",
    )
    assert response.status_code == 400
    messages = " ".join(response.json()["errors"]["proof"])
    assert CHINESE.search(messages), messages
    assert not Payment.objects.exists()
    assert stored_files() == before


# --- The virus scanner ---------------------------------------------------------------------------------------
class _FakeClamd(socketserver.BaseRequestHandler):
    """clamd's INSTREAM: ``zINSTREAM\\0`` or ``nINSTREAM\\n``, then chunks (4-byte big-endian length + bytes) up to
    a zero length; answers ``stream: OK`` or ``stream: <signature> FOUND`` and closes."""

    def handle(self):
        sock = self.request
        command = b""
        while not command.endswith((b"\n", b"\0")):
            command += sock.recv(1)
        assert command[1:-1] == b"INSTREAM", command
        data = b""
        while True:
            size = struct.unpack("!L", self._exactly(4))[0]
            if not size:
                break
            data += self._exactly(size)
        self.server.received.append(data)
        answer = b"stream: Win.Test.EICAR_HDB-1 FOUND" if EICAR in data else b"stream: OK"
        sock.sendall(answer + command[-1:])

    def _exactly(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            chunk = self.request.recv(n - len(out))
            if not chunk:
                raise ConnectionError("closed")
            out += chunk
        return out


@pytest.fixture
def clamd(settings):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _FakeClamd)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CLAMAV_URL = f"tcp://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def test_the_clamd_adapter_speaks_instream(clamd):
    scanner = ClamdScanner(django_settings.CLAMAV_URL, timeout=5)
    assert scanner.scan(b"hello").infected is False
    verdict = scanner.scan(PDF + EICAR)
    assert verdict.infected and "EICAR" in verdict.signature
    assert clamd.received[-1] == PDF + EICAR


def test_a_scanner_that_is_down_is_reported_as_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ScannerUnavailable):
        ClamdScanner(f"tcp://127.0.0.1:{port}", timeout=1).scan(b"x")


def test_eicar_inside_a_pdf_is_quarantined_and_never_served(
    client, directory, clamd, django_capture_on_commit_callbacks
):
    infected = PDF + EICAR
    clean_pdf = PDF + b"% clean\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/intake/",
            {
                **claim(),
                "evidence": [
                    SimpleUploadedFile("合同.pdf", infected),
                    SimpleUploadedFile("工资.pdf", clean_pdf),
                ],
            },
        )
    assert response.status_code == 302
    bad = Evidence.objects.get(display_name="合同.pdf")
    good = Evidence.objects.get(display_name="工资.pdf")
    assert bad.scan_status == EvidenceScanStatus.INFECTED and "EICAR" in bad.scan_signature
    assert good.scan_status == EvidenceScanStatus.CLEAN
    client.force_login(directory.staff["mediator"])
    refused = client.get(reverse("admin:disputes_evidence_download", args=[bad.pk]))
    assert refused.status_code == 409
    assert "未通过病毒检查" in refused.content.decode()
    assert b"EICAR" not in refused.content
    served = client.get(reverse("admin:disputes_evidence_download", args=[good.pk]))
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == clean_pdf


def test_a_file_waiting_for_its_scan_is_not_served(client, directory, clamd):
    """Without the after-commit publish (the broker was down), the file stays pending and quarantined."""
    response = client.post("/intake/", {**claim(), "evidence": [SimpleUploadedFile("工资.pdf", PDF)]})
    assert response.status_code == 302
    item = Evidence.objects.get()
    assert item.scan_status == EvidenceScanStatus.PENDING
    client.force_login(directory.staff["mediator"])
    response = client.get(reverse("admin:disputes_evidence_download", args=[item.pk]))
    assert response.status_code == 409
    assert "正在进行病毒检查" in response.content.decode()
    assert response["X-Content-Type-Options"] == "nosniff"
    preview = client.get(reverse("admin:disputes_evidence_preview", args=[item.pk]))
    assert preview.status_code == 409


def test_an_infected_photo_loses_its_preview_and_a_second_delivery_records_nothing(client, directory, clamd):
    """The preview was decoded from the same bytes: once the file is found infected, nothing of it is kept where
    it could be served."""
    from disputes.scanning import ScanVerdict, evidence_scan

    class Infected:
        def scan(self, data):
            return ScanVerdict(infected=True, signature="Test.Infected")

    client.post("/intake/", {**claim(), "evidence": [SimpleUploadedFile("照片.jpg", jpeg(), "image/jpeg")]})
    item = Evidence.objects.get()
    preview = item.preview.name
    assert item.scan_status == EvidenceScanStatus.PENDING and preview
    assert item.preview.storage.exists(preview)

    assert evidence_scan(evidence_id=item.pk, scanner=Infected()) == EvidenceScanStatus.INFECTED
    item.refresh_from_db()
    assert item.scan_status == EvidenceScanStatus.INFECTED and item.scan_signature == "Test.Infected"
    assert not item.preview and not item.file.storage.exists(preview)
    assert evidence_scan(evidence_id=item.pk, scanner=Infected()) is None


def test_the_sweeper_scans_what_was_left_pending(client, directory, clamd, settings):
    from disputes.scanning import evidence_scans_sweep

    client.post("/intake/", {**claim(), "evidence": [SimpleUploadedFile("工资.pdf", PDF)]})
    item = Evidence.objects.get()
    Evidence.objects.filter(pk=item.pk).update(uploaded_at=timezone.now() - timezone.timedelta(hours=1))
    assert evidence_scans_sweep() == 1  # eager in tests: the task runs here
    item.refresh_from_db()
    assert item.scan_status == EvidenceScanStatus.CLEAN


def test_the_beat_sweeps_pending_scans(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["disputes-sweep-evidence-scans"]
    assert entry["task"] in app.tasks and "disputes.scan_evidence" in app.tasks
