"""The documents the commission and the court issue through the platform, as PDFs in Chinese: the arbitration
mediation document (仲裁调解书), the refusal decision, the court's ruling and its refusal, the acceptance and
non-acceptance notices, and the award.

One layout for all (reportlab platypus, the built-in CID font, so the text can be extracted and checked): the
issuer and the title, the number, the parties by name (the worker's ID number masked: a document travels), the
body, the items and amounts where there are any, the issuer's seal block with the date, and on every page the
footer of :func:`disputes.documents.draw_footer` (tracking code, number, verification code, where to verify).
Renderers read only what they are given; :func:`disputes.documents.document_issue` numbers and stores them.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape  # escapes text for ReportLab's markup, parses no XML  # nosec B406

from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.documents import DocumentStamp, draw_footer, register_cjk_font
from disputes.models import Case
from disputes.pii import mask_id_number
from mediation.pdf import amount_in_words

MARGIN_MM = 18


def yuan(amount) -> str:
    return f"{Decimal(amount):,.2f}"


def chinese_date(value) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": value.year, "m": value.month, "d": value.day}


@dataclass(frozen=True)
class Item:
    category: str
    description: str
    amount: Decimal


@dataclass(frozen=True)
class Layout:
    """What a document says; the stamp (number, codes, issuer, date) comes from document_issue."""

    title: str
    parties: list[tuple[str, str]]  # (role, text)
    paragraphs: list[str] = field(default_factory=list)
    items_intro: str = ""
    items: list[Item] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)
    seal_note: str = ""


def parties_of(case: Case, *, employer_name: str = "") -> list[tuple[str, str]]:
    """The applicant and the respondent as a document names them: names, the worker's ID number masked, the
    employer's credit code (a public register), never a phone or an address."""
    worker = case.worker_name
    if case.worker_id_number:
        worker = _("%(name)s，公民身份号码 %(id)s") % {
            "name": case.worker_name,
            "id": mask_id_number(case.worker_id_number),
        }
    employer = employer_name or case.employer_name
    if case.employer_credit_code:
        employer = _("%(name)s，统一社会信用代码 %(code)s") % {
            "name": employer,
            "code": case.employer_credit_code,
        }
    return [(_("申请人"), worker), (_("被申请人"), employer)]


def renderer(layout: Layout) -> Callable[[DocumentStamp], bytes]:
    """The function :func:`disputes.documents.document_issue` calls with the stamp to get the PDF."""

    def render(stamp: DocumentStamp) -> bytes:
        return render_pdf(layout, stamp)

    return render


def render_pdf(layout: Layout, stamp: DocumentStamp) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = register_cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=21, wordWrap="CJK", firstLineIndent=24)
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    small = ParagraphStyle("small", parent=plain, fontSize=10, leading=16)
    issuer = ParagraphStyle("issuer", parent=plain, fontSize=16, leading=26, alignment=1)
    title = ParagraphStyle("title", parent=plain, fontSize=22, leading=34, alignment=1, spaceAfter=2)
    number = ParagraphStyle("number", parent=plain, fontSize=11, alignment=2)
    right = ParagraphStyle("right", parent=plain, alignment=2)

    def p(text: str, style=body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    story = [
        p(stamp.issuer_name, issuer),
        p(layout.title, title),
        p(stamp.number, number),
        Spacer(1, 5 * mm),
    ]
    for role, text in layout.parties:
        story.append(p(f"{role}：{text}", plain))
    story.append(Spacer(1, 3 * mm))
    story += [p(text) for text in layout.paragraphs]
    if layout.items:
        if layout.items_intro:
            story.append(p(layout.items_intro))
        rows = [[p(_("序号"), small), p(_("类别"), small), p(_("事项"), small), p(_("金额（元）"), small)]]
        total = Decimal("0")
        for n, item in enumerate(layout.items, start=1):
            rows.append(
                [
                    p(str(n), plain),
                    p(item.category, plain),
                    p(item.description, plain),
                    p(yuan(item.amount), plain),
                ]
            )
            total += item.amount
        rows.append([p("", plain), p("", plain), p(_("合计"), plain), p(yuan(total), plain)])
        table = Table(rows, colWidths=[14 * mm, 32 * mm, 90 * mm, 34 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story += [Spacer(1, 2 * mm), table, Spacer(1, 2 * mm)]
        story.append(
            p(
                _("合计人民币 %(total)s 元（大写：人民币%(words)s）。")
                % {"total": yuan(total), "words": amount_in_words(total)}
            )
        )
    story += [p(text) for text in layout.closing]
    story.append(Spacer(1, 12 * mm))
    if layout.seal_note:
        story.append(p(layout.seal_note, right))
    story.append(p(_("%(issuer)s（印章）") % {"issuer": stamp.issuer_name}, right))
    story.append(p(chinese_date(timezone.localtime(stamp.issued_at)), right))

    buffer = io.BytesIO()
    page_width = A4[0]
    margin = MARGIN_MM * mm

    def footer(canvas, _doc):
        draw_footer(canvas, stamp, page_width=page_width, margin=margin)

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 8 * mm,
        title=f"{layout.title} {stamp.number}",
        author=stamp.issuer_name,
        subject=_("一站式劳动争议多元化解平台"),
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
