"""Issuing documents for a case, and checking them.

Every PDF the platform issues (the mediation agreement, the arbitration mediation document, a court's ruling, a
notice) goes through :func:`document_issue`, which gives it

- a number unique per issuer, kind and year, allocated under a row lock (:class:`DocumentCounter`), so two people
  issuing at the same moment never get the same number and no number is skipped;
- a random verification code (60 bits, read aloud without ambiguity) that anyone can check on ``/verify/``, which
  tells whether such a document was issued, by whom and when, and its SHA-256, without any personal data;
- a footer on every page with the case's tracking code, the number and the verification code
  (:func:`draw_footer`), drawn by the caller's renderer.
"""

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Organization

from .models import Case
from .models.documents import DocumentCounter, DocumentKind, IssuedDocument
from .pii import normalize

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # as tracking codes: no 0/O, 1/I/L
CODE_LENGTH = 12

# The word in a document number that says what it is, as Chinese bodies number their documents.
NUMBER_WORDS = {
    DocumentKind.MEDIATION_AGREEMENT: "调协字",
    DocumentKind.ARBITRATION_MEDIATION: "仲调字",
    DocumentKind.REVIEW_REFUSAL: "仲审字",
    DocumentKind.JUDICIAL_RULING: "民特字",
    DocumentKind.JUDICIAL_REFUSAL: "民特字",
    DocumentKind.ARBITRATION_ACCEPTANCE: "仲受字",
    DocumentKind.ARBITRATION_NON_ACCEPTANCE: "仲不受字",
    DocumentKind.ARBITRATION_AWARD: "仲裁字",
}


@dataclass(frozen=True)
class DocumentStamp:
    """What a renderer prints on the document besides its content."""

    number: str
    verification_code: str
    tracking_code: str
    issuer_name: str
    issued_at: datetime
    verify_url: str


def verify_url() -> str:
    path = reverse("disputes:verify")
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}" if settings.PUBLIC_BASE_URL else path


def _new_code() -> str:
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        code = "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))
        if not IssuedDocument.objects.filter(verification_code=code).exists():
            return code


def normalize_code(raw: str) -> str:
    code = normalize(raw).replace("-", "")
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4)) if len(code) == CODE_LENGTH else code


def _next_sequence(*, issuer: Organization, kind: str, year: int) -> int:
    counter, _created = DocumentCounter.objects.get_or_create(issuer=issuer, kind=kind, year=year)
    counter = DocumentCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def document_number(*, issuer: Organization, kind: str, year: int, sequence: int) -> str:
    return f"{issuer.code.upper()} {NUMBER_WORDS[DocumentKind(kind)]}〔{year}〕第{sequence}号"


@transaction.atomic
def document_issue(
    *,
    case: Case,
    kind: str,
    issuer: Organization,
    title: str,
    render: Callable[[DocumentStamp], bytes],
    actor=None,
) -> IssuedDocument:
    """Number the document, render it with its stamp, store it with its hash. All or nothing: a renderer that
    fails leaves no number used (the counter's increment rolls back with it)."""
    issued_at = timezone.now()
    year = timezone.localtime(issued_at).year
    sequence = _next_sequence(issuer=issuer, kind=kind, year=year)
    stamp = DocumentStamp(
        number=document_number(issuer=issuer, kind=kind, year=year, sequence=sequence),
        verification_code=_new_code(),
        tracking_code=case.tracking_code,
        issuer_name=issuer.name,
        issued_at=issued_at,
        verify_url=verify_url(),
    )
    pdf = render(stamp)
    document = IssuedDocument(
        case=case,
        kind=kind,
        issuer=issuer,
        number=stamp.number,
        sequence=sequence,
        year=year,
        verification_code=stamp.verification_code,
        title=title,
        sha256=hashlib.sha256(pdf).hexdigest(),
        issued_by=actor if getattr(actor, "pk", None) else None,
        issued_at=issued_at,
    )
    document.file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
    document.save()
    return document


@dataclass(frozen=True)
class VerifiedDocument:
    """What ``/verify/`` tells anyone who holds a code: no names of people, no amounts."""

    kind_display: str
    number: str
    title: str
    issuer_name: str
    issued_at: datetime
    sha256: str
    revoked: bool


def document_verify(*, code: str) -> VerifiedDocument | None:
    document = (
        IssuedDocument.objects.select_related("issuer")
        .filter(verification_code=normalize_code(code or "")[:20])
        .first()
    )
    if document is None:
        return None
    return VerifiedDocument(
        kind_display=str(document.get_kind_display()),
        number=document.number,
        title=document.title,
        issuer_name=document.issuer.name,
        issued_at=document.issued_at,
        sha256=document.sha256,
        revoked=document.revoked_at is not None,
    )


# --- Drawing the stamp ---------------------------------------------------------------------------------------------
CJK_FONT = "STSong-Light"  # reportlab's built-in CID font: no font file needed, text stays extractable


def register_cjk_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def draw_footer(canvas, stamp: DocumentStamp, *, page_width: float, margin: float) -> None:
    """The line at the foot of every page: tracking code, number, verification code and where to check it."""
    font = register_cjk_font()
    canvas.saveState()
    canvas.setFont(font, 8)
    canvas.setStrokeGray(0.6)
    canvas.line(margin, margin - 6, page_width - margin, margin - 6)
    canvas.drawString(
        margin,
        margin - 18,
        _("查询码 %(code)s · 文书编号 %(number)s · 验证码 %(verify)s · 真伪核验：%(url)s")
        % {
            "code": stamp.tracking_code,
            "number": stamp.number,
            "verify": stamp.verification_code,
            "url": stamp.verify_url,
        },
    )
    canvas.restoreState()
