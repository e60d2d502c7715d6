"""disputes.evidence.evidence_check: the type from the content (never the name), limits, images re-encoded without
their metadata and given a small preview, the SHA-256 of the bytes kept, and safe display names."""

import hashlib
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from disputes.evidence import PREVIEW_EDGE, evidence_check, safe_display_name

GPS_IFD = 0x8825
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def image_bytes(fmt="JPEG", size=(2000, 1500), mode="RGB", colour=(120, 60, 30), exif=None) -> bytes:
    image = Image.new(mode, size, colour)
    out = io.BytesIO()
    image.save(out, fmt, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "AcmeCam"  # Make
    exif[0x0110] = "Model 7"  # Model
    exif[GPS_IFD] = {1: "N", 2: (28.0, 0.0, 55.0), 3: "E", 4: (120.0, 39.0, 36.0)}
    if orientation:
        exif[0x0112] = orientation
    return exif


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def refused(uploaded) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        evidence_check(uploaded)
    message = " ".join(caught.value.messages)
    assert CHINESE.search(message), message
    return caught.value


# --- Images --------------------------------------------------------------------------------------------------
def test_a_jpeg_loses_its_exif_and_gps_and_gets_a_small_preview():
    original = image_bytes(exif=gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test image does carry a location

    checked = evidence_check(upload(original))

    assert (checked.kind, checked.content_type, checked.extension) == ("image", "image/jpeg", "jpg")
    kept = Image.open(io.BytesIO(checked.data))
    assert kept.format == "JPEG"
    assert dict(kept.getexif()) == {}
    assert not kept.getexif().get_ifd(GPS_IFD)
    assert b"Exif" not in checked.data and b"AcmeCam" not in checked.data
    assert kept.size == (2000, 1500)
    preview = Image.open(io.BytesIO(checked.preview))
    assert preview.format == "JPEG"
    assert max(preview.size) <= PREVIEW_EDGE
    assert preview.size == (960, 720)
    assert dict(preview.getexif()) == {}


def test_the_orientation_is_applied_before_it_is_dropped():
    original = image_bytes(size=(400, 300), exif=gps_exif(orientation=6))  # rotated 90° on the camera
    kept = Image.open(io.BytesIO(evidence_check(upload(original)).data))
    assert kept.size == (300, 400)
    assert dict(kept.getexif()) == {}


def test_a_small_image_keeps_its_size_in_the_preview():
    checked = evidence_check(upload(image_bytes(size=(320, 200))))
    assert Image.open(io.BytesIO(checked.preview)).size == (320, 200)


def test_a_png_with_transparency_stays_png():
    original = image_bytes("PNG", size=(300, 200), mode="RGBA", colour=(10, 200, 10, 128))
    checked = evidence_check(upload(original, "screenshot.png", "image/png"))

    assert (checked.kind, checked.content_type, checked.extension) == ("image", "image/png", "png")
    kept = Image.open(io.BytesIO(checked.data))
    assert kept.format == "PNG" and kept.mode == "RGBA"
    assert kept.getpixel((5, 5)) == (10, 200, 10, 128)
    assert Image.open(io.BytesIO(checked.preview)).format == "JPEG"


def test_an_opaque_png_screenshot_is_kept_as_jpeg():
    checked = evidence_check(upload(image_bytes("PNG", size=(300, 200)), "shot.png", "image/png"))
    assert checked.content_type == "image/jpeg"


def test_a_webp_is_accepted():
    checked = evidence_check(upload(image_bytes("WEBP", size=(300, 200)), "a.webp", "image/webp"))
    assert checked.kind == "image"
    assert Image.open(io.BytesIO(checked.data)).format in {"JPEG", "PNG"}


def test_the_type_comes_from_the_content_not_the_name():
    checked = evidence_check(upload(image_bytes("PNG", size=(50, 50)), "notes.pdf", "application/pdf"))
    assert checked.kind == "image"


# --- PDF -----------------------------------------------------------------------------------------------------
PDF = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_a_pdf_is_kept_as_it_is():
    checked = evidence_check(upload(PDF, "劳动合同.pdf", "application/pdf"))
    assert (checked.kind, checked.content_type, checked.extension) == ("pdf", "application/pdf", "pdf")
    assert checked.data == PDF
    assert checked.preview is None and checked.preview_file() is None
    assert checked.display_name == "劳动合同.pdf"


def test_a_pdf_named_as_a_photo_is_still_a_pdf():
    assert evidence_check(upload(PDF, "photo.jpg")).kind == "pdf"


# --- Refused -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "photo.jpg"),
        (b"<html><body>hi</body></html>", "photo.png"),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "a.svg",
        ),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "photo.jpg"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 64, "evidence.zip"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 64, "photo.jpg"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"PE\x00\x00", "photo.jpg"),
        (
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
            "a.gif",
        ),
        (b"just some text that is not a picture", "photo.jpg"),
        (b"", "photo.jpg"),
        (b"\x00" * 2048, "photo.jpg"),
    ],
)
def test_other_content_is_refused_whatever_its_name(data, name):
    error = refused(upload(data, name))
    assert error.code == "file_type"
    assert "请上传照片" in error.messages[0]


def test_a_truncated_jpeg_is_refused():
    whole = image_bytes(size=(800, 600))
    error = refused(upload(whole[: len(whole) // 2]))
    assert error.code == "bad_image"
    assert "已损坏" in error.messages[0]


def test_a_jpeg_header_over_garbage_is_refused():
    error = refused(upload(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x13\x37" * 500))
    assert error.code == "bad_image"


def test_a_png_with_a_broken_body_is_refused():
    whole = image_bytes("PNG", size=(200, 200), colour=(1, 2, 3))
    broken = whole[:60] + b"\x00" * 40 + whole[100:]
    error = refused(upload(broken, "a.png"))
    assert error.code == "bad_image"


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")
def test_a_photo_with_a_corrupt_exif_block_is_no_500():
    """Pillow raises TypeError rewriting a corrupt EXIF block when it turns the picture upright."""
    exif = Image.Exif()
    exif[0x0112] = 6  # an orientation, so that the picture is turned and its EXIF rewritten
    exif[GPS_IFD] = {1: "N", 2: (1.0, 2.0, 3.0)}
    data = bytearray(image_bytes(size=(64, 48), exif=exif))
    tiff = data.find(b"Exif\x00\x00") + 6
    assert data[tiff : tiff + 2] == b"MM"  # big-endian, so the high byte of the entry count comes first
    gps_ifd = tiff + Image.open(io.BytesIO(bytes(data))).getexif()[GPS_IFD]
    data[gps_ifd] = 24  # the GPS directory now claims thousands of entries
    try:
        checked = evidence_check(upload(bytes(data)))
    except ValidationError as error:
        assert error.code == "bad_image"
        assert CHINESE.search(error.messages[0])
    else:
        assert dict(Image.open(io.BytesIO(checked.data)).getexif()) == {}


def test_a_file_over_the_limit_is_refused(settings):
    settings.EVIDENCE_MAX_BYTES = 4096
    error = refused(upload(PDF + b"0" * 5000, "big.pdf"))
    assert error.code == "too_large"
    assert "太大" in error.messages[0]
    assert evidence_check(upload(PDF + b"0" * 100, "small.pdf")).kind == "pdf"


def test_a_file_whose_size_is_not_declared_is_still_measured(settings):
    settings.EVIDENCE_MAX_BYTES = 4096
    uploaded = upload(PDF + b"0" * 5000, "big.pdf")
    uploaded.size = None  # a stream that does not say its size: the read stops at the limit
    assert refused(uploaded).code == "too_large"


def test_an_image_over_the_pixel_budget_is_refused(settings):
    settings.EVIDENCE_MAX_PIXELS = 100 * 100
    error = refused(upload(image_bytes("PNG", size=(101, 100)), "a.png"))
    assert error.code == "too_many_pixels"
    assert "尺寸过大" in error.messages[0]
    assert evidence_check(upload(image_bytes("PNG", size=(100, 100)), "a.png")).kind == "image"


def test_a_decompression_bomb_is_refused_without_being_decoded():
    """20000 × 20000 of one colour: 48 KB on the wire, 1.2 GB once decoded as RGB."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000), 0).save(out, "PNG")
    assert len(out.getvalue()) < 100_000
    error = refused(upload(out.getvalue(), "bomb.png", "image/png"))
    assert error.code == "too_many_pixels"
    assert "尺寸过大" in error.messages[0]


# --- Hash and names ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "name"),
    [(image_bytes(size=(300, 200), exif=gps_exif()), "a.jpg"), (PDF, "a.pdf")],
)
def test_the_hash_is_of_the_bytes_kept(data, name):
    checked = evidence_check(upload(data, name))
    stored = checked.file().read()
    assert stored == checked.data
    assert checked.sha256 == hashlib.sha256(stored).hexdigest()
    assert checked.size == len(stored)


def test_the_same_picture_gives_the_same_hash():
    data = image_bytes(size=(300, 200))
    assert evidence_check(upload(data)).sha256 == evidence_check(upload(data, "other.jpg")).sha256


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\worker\\Pictures\\工资条.jpg", "工资条.jpg"),
        ("/var/www/../photo.jpg", "photo.jpg"),
        ("pay\x00slip\r\n.jpg", "payslip.jpg"),
        ("a\x1b[31mred\x7f.png", "a[31mred.png"),
        ('<img src=x onerror="alert(1)">.jpg', "img src=x onerror=alert(1).jpg"),
        ("ｐｈｏｔｏ．ｊｐｇ", "photo.jpg"),
        ("   ", "未命名文件"),
        ("", "未命名文件"),
        ("../", "未命名文件"),
    ],
)
def test_display_names_are_sanitized(raw, expected):
    assert safe_display_name(raw) == expected


def test_display_names_are_cut_to_80_characters():
    name = safe_display_name("工" * 200 + ".jpg")
    assert len(name) == 80


def test_the_checked_file_carries_the_clean_name():
    checked = evidence_check(upload(PDF, "../../evil\x00<b>.pdf"))
    assert checked.display_name == "evilb.pdf"
    assert "/" not in checked.display_name
