"""Each station's printable QR poster: the code opens ``/intake/s/<code>/`` (SPEC.md), the form with that station
chosen.

The QR is made with segno, the poster with reportlab. The address printed is ``settings.PUBLIC_BASE_URL`` when set
(a poster outlives the request that printed it: behind a proxy, or printed from an internal host, the request's
own host would be wrong), else the request's scheme and host. Nothing here touches the database.
"""

import io
from dataclasses import dataclass
from functools import lru_cache

import segno
from django.conf import settings
from django.utils.translation import gettext as _

from .models import Organization
from .states import OrgType

CJK_FONT = "STSong-Light"  # one of reportlab's built-in CID fonts: the PDF needs no font file
QR_ERROR = "m"  # 15% recovery: survives a scuffed or partly covered poster on a station wall
PNG_SCALE = 12  # pixels per module: a 33-module code (version 4) is ~480 px with its quiet zone
QR_BORDER = 4  # the quiet zone the standard asks for, in modules


def has_poster(org: Organization) -> bool:
    """Whether the organization gets a poster: the rule of :func:`selectors.organization_list_taking_claims`,
    checked on a loaded row (the admin list asks it per row without a query)."""
    return bool(org.is_active and org.accepts_claims and org.type in OrgType.mediation_types())


def intake_path(code: str) -> str:
    """The public path a poster opens (a contract path, SPEC.md)."""
    return f"/intake/s/{code}/"


def intake_url(org: Organization, request=None) -> str:
    """The absolute address of the organization's intake form, as printed and encoded on its poster."""
    path = intake_path(org.code)
    base = (getattr(settings, "PUBLIC_BASE_URL", "") or "").rstrip("/")
    if base:
        return base + path
    if request is None:
        raise ValueError("intake_url needs a request when PUBLIC_BASE_URL is not set")
    return request.build_absolute_uri(path)


def qr_code(url: str) -> segno.QRCode:
    # micro=False: phones' camera apps do not read Micro QR codes.
    return segno.make(url, error=QR_ERROR, micro=False, boost_error=False)


def qr_svg(url: str) -> bytes:
    """The QR as an SVG document with both a ``viewBox`` (it scales in a page) and a natural size (for print)."""
    buffer = io.BytesIO()
    qr_code(url).save(
        buffer, kind="svg", scale=1, border=QR_BORDER, omitsize=True, title=url, svgclass="qr", lineclass=None
    )
    size = qr_code(url).symbol_size(scale=10, border=QR_BORDER)[0]
    svg = buffer.getvalue().decode()
    svg = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
    if not svg.startswith("<?xml"):
        svg = '<?xml version="1.0" encoding="utf-8"?>\n' + svg
    return svg.encode()


def qr_png(url: str, *, scale: int = PNG_SCALE) -> bytes:
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="png", scale=scale, border=QR_BORDER)
    return buffer.getvalue()


# --- The A4 poster -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PosterText:
    name: str
    headline: str
    lines: list[str]
    url: str
    address: str
    phone: str
    footer: str


def poster_text(org: Organization, url: str) -> PosterText:
    """What the poster says, in the active language (zh-hans by default)."""
    return PosterText(
        name=org.name,
        headline=_("扫码申请劳动争议调解"),
        lines=[
            _("调解免费，不收取任何费用；调解自愿，您也可以直接申请劳动仲裁。"),
            _(
                "请准备：身份证；用人单位或平台的名称；能证明工作和欠薪的材料，如工资或转账记录、聊天记录、"
                "接单或考勤记录、工牌照片（有多少准备多少，没有也可以先申请）。"
            ),
            _("提交后会得到查询码和密码，请截图保存，凭此查看办理进度。"),
            _("不方便扫码的，可以拨打12351职工服务热线，或到本站窗口登记。"),
        ],
        url=url,
        address=org.address,
        phone=org.phone,
        footer=_("一站式劳动争议多元化解平台"),
    )


@lru_cache(maxsize=1)
def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break Chinese text by width, character by character (there are no spaces to break at); a run of Latin
    letters or digits (a URL, a phone number) is broken only when it is itself wider than the line."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def latin(char: str) -> bool:
        return char.isascii() and not char.isspace()

    tokens: list[str] = []
    for char in text:
        if tokens and latin(char) and latin(tokens[-1][-1]):
            tokens[-1] += char
        else:
            tokens.append(char)
    lines, current = [], ""
    for token in tokens:
        if stringWidth(current + token, font, size) <= width:
            current += token
            continue
        if current:
            lines.append(current.rstrip())
        current = token.lstrip()
        while stringWidth(current, font, size) > width:  # a single over-long token: cut it
            cut = len(current)
            while cut > 1 and stringWidth(current[:cut], font, size) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    return lines


def poster_pdf(org: Organization, url: str) -> bytes:
    """An A4 portrait poster: name, headline, the QR (drawn as vectors, sharp at any print size), the URL,
    what to prepare, address and phone. Text is in the built-in CID font, so it renders without embedded fonts."""
    from reportlab.lib.colors import HexColor, black, white
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = _register_font()
    text = poster_text(org, url)
    brand = HexColor("#b3261e")
    ink = HexColor("#1d2733")
    muted = HexColor("#5b6775")
    page_w, page_h = A4
    margin = 18 * mm
    inner = page_w - 2 * margin

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{text.name} · {text.headline}")
    pdf.setAuthor(text.footer)
    pdf.setSubject(url)

    # Band with the headline.
    band_h = 34 * mm
    pdf.setFillColor(brand)
    pdf.rect(0, page_h - band_h, page_w, band_h, stroke=0, fill=1)
    pdf.setFillColor(white)
    pdf.setFont(font, 30)
    pdf.drawCentredString(page_w / 2, page_h - band_h + 12 * mm, text.headline)

    # The organization's name, wrapped, centred.
    y = page_h - band_h - 14 * mm
    pdf.setFillColor(ink)
    for line in _wrap(text.name, font, 22, inner):
        pdf.setFont(font, 22)
        pdf.drawCentredString(page_w / 2, y, line)
        y -= 10 * mm

    # The QR, as one black square per dark module on a white quiet zone.
    qr = qr_code(url)
    modules = len(qr.matrix)
    qr_size = 100 * mm
    module = qr_size / (modules + 2 * QR_BORDER)
    left = (page_w - qr_size) / 2
    top = y - 2 * mm
    pdf.setFillColor(white)
    pdf.rect(left, top - qr_size, qr_size, qr_size, stroke=0, fill=1)
    pdf.setFillColor(black)
    for r, row in enumerate(qr.matrix):
        for c, dark in enumerate(row):
            if dark:
                x0 = left + (c + QR_BORDER) * module
                y0 = top - (r + QR_BORDER + 1) * module
                # A hair of overlap so no white seams show between modules when printed.
                pdf.rect(x0, y0, module + 0.05, module + 0.05, stroke=0, fill=1)
    y = top - qr_size - 7 * mm

    pdf.setFillColor(muted)
    for line in _wrap(url, font, 11, inner):
        pdf.setFont(font, 11)
        pdf.drawCentredString(page_w / 2, y, line)
        y -= 5.5 * mm
    y -= 4 * mm

    # Instructions.
    pdf.setFillColor(ink)
    size = 13
    for paragraph in text.lines:
        wrapped = _wrap(paragraph, font, size, inner - 6 * mm)
        pdf.setFillColor(brand)
        pdf.circle(margin + 1.5 * mm, y + 1.4 * mm, 1.1 * mm, stroke=0, fill=1)
        pdf.setFillColor(ink)
        for line in wrapped:
            pdf.setFont(font, size)
            pdf.drawString(margin + 6 * mm, y, line)
            y -= 6.4 * mm
        y -= 1.6 * mm

    # Address and phone at the foot of the page.
    foot = margin + 16 * mm
    pdf.setStrokeColor(muted)
    pdf.setLineWidth(0.5)
    pdf.line(margin, foot + 12 * mm, page_w - margin, foot + 12 * mm)
    pdf.setFillColor(ink)
    pdf.setFont(font, 12)
    contact = []
    if text.address:
        contact.append(_("地址：%(address)s") % {"address": text.address})
    if text.phone:
        contact.append(_("电话：%(phone)s") % {"phone": text.phone})
    cy = foot + 5 * mm
    for item in contact:
        for line in _wrap(item, font, 12, inner):
            pdf.drawString(margin, cy, line)
            cy -= 6 * mm
    pdf.setFillColor(muted)
    pdf.setFont(font, 10)
    pdf.drawCentredString(page_w / 2, margin, text.footer)

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
