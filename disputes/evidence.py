"""Checking an uploaded evidence file: its type from its content (never its name), its size, its hash; images
re-encoded without their metadata (GPS, camera) and given a small preview for slow connections."""

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .states import EvidenceKind

_IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": None}
PREVIEW_EDGE = 960


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    content_type: str
    data: bytes
    preview: bytes | None
    sha256: str
    display_name: str
    extension: str

    @property
    def size(self) -> int:
        return len(self.data)

    def file(self) -> ContentFile:
        return ContentFile(self.data, name=f"evidence.{self.extension}")

    def preview_file(self) -> ContentFile | None:
        return ContentFile(self.preview, name="preview.jpg") if self.preview else None


def safe_display_name(name: str) -> str:
    """The worker's file name, for display only: no path, no control characters, at most 80 characters."""
    name = unicodedata.normalize("NFKC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f\x7f<>\"']", "", name).strip() or _("未命名文件")
    return name[:80]


def _sniff(head: bytes) -> str:
    try:
        return puremagic.from_string(head, mime=True) or ""
    except (puremagic.PureError, ValueError):  # ValueError: an empty file
        return ""


def evidence_check(uploaded) -> CheckedFile:
    """Read and check one uploaded file; raise ValidationError (in plain Chinese) when it cannot be accepted."""
    limit = settings.EVIDENCE_MAX_BYTES
    if uploaded.size is not None and uploaded.size > limit:
        raise ValidationError(
            _("文件“%(name)s”太大了（最大 %(mb)d MB），请压缩后再上传。"),
            code="too_large",
            params={"name": safe_display_name(uploaded.name), "mb": limit // (1024 * 1024)},
        )
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("文件“%(name)s”太大了（最大 %(mb)d MB），请压缩后再上传。"),
            code="too_large",
            params={"name": safe_display_name(uploaded.name), "mb": limit // (1024 * 1024)},
        )
    name = safe_display_name(uploaded.name)
    if data.startswith(b"%PDF-"):
        return CheckedFile(EvidenceKind.PDF, "application/pdf", data, None, _sha256(data), name, "pdf")
    mime = _sniff(data[:4096])
    if mime in _IMAGE_TYPES:
        return _image(data, name)
    raise ValidationError(
        _("文件“%(name)s”的类型无法接受：请上传照片、截图（JPG、PNG）或 PDF 文件。"),
        code="file_type",
        params={"name": name},
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _image(data: bytes, name: str) -> CheckedFile:
    """Decode within a pixel budget (a decompression bomb is refused), then re-encode without metadata."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > settings.EVIDENCE_MAX_PIXELS:
                raise ValidationError(
                    _("图片“%(name)s”尺寸过大，无法接受。"), code="too_many_pixels", params={"name": name}
                )
            image.load()
            image = ImageOps.exif_transpose(image)
            has_alpha = image.mode in ("RGBA", "LA", "P")
            clean = image.convert("RGBA" if has_alpha else "RGB")
    except Image.DecompressionBombError:  # Pillow's own guard, at open, for the most extreme sizes
        raise ValidationError(
            _("图片“%(name)s”尺寸过大，无法接受。"), code="too_many_pixels", params={"name": name}
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError):  # TypeError: corrupt EXIF
        raise ValidationError(
            _("图片“%(name)s”已损坏或无法识别，请重新拍照或截图。"), code="bad_image", params={"name": name}
        ) from None
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, "PNG", optimize=True)
        content_type, extension = "image/png", "png"
    else:
        clean.save(out, "JPEG", quality=88, optimize=True)
        content_type, extension = "image/jpeg", "jpg"
    stored = out.getvalue()
    preview = clean.convert("RGB")
    preview.thumbnail((PREVIEW_EDGE, PREVIEW_EDGE))
    small = io.BytesIO()
    preview.save(small, "JPEG", quality=70, optimize=True, progressive=True)
    # The hash is of the bytes kept (metadata stripped): anyone holding the file can check it against the record.
    return CheckedFile(
        EvidenceKind.IMAGE, content_type, stored, small.getvalue(), _sha256(stored), name, extension
    )
