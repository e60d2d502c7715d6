"""The mediation agreement (调解协议书) as a PDF, in Chinese, from one template.

Made with reportlab's platypus in the built-in CID font STSong-Light (as the QR posters are), so it needs no font
file and its text can be extracted (searched, read aloud, checked by a test). Nothing here touches the database
beyond reading the agreement, its items, instalments and case.
"""

import io
from decimal import Decimal
from functools import lru_cache
from xml.sax.saxutils import escape  # escapes text for ReportLab's markup, parses no XML  # nosec B406

from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.pii import mask_id_number, mask_phone

from .models import Agreement

CJK_FONT = "STSong-Light"
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def _group_words(group: int) -> str:
    """1–9999 in capital numerals, without the leading zero of a group shorter than four digits."""
    words, zero = "", False
    for position in (3, 2, 1, 0):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(words)
            continue
        if zero:
            words += "零"
            zero = False
        words += _DIGITS[digit] + _SMALL_UNITS[position]
    return words


def _integer_words(number: int) -> str:
    groups = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    words, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = bool(words)
            continue
        if words and (group < 1000 or gap):
            words += "零"
        words += _group_words(group) + _BIG_UNITS[index]
        gap = False
    return words


def amount_in_words(amount: Decimal) -> str:
    """An amount in yuan as written on Chinese financial documents: ``Decimal("6000")`` → ``陆仟元整``,
    ``Decimal("10050.5")`` → ``壹万零伍拾元伍角整``."""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount < 0:
        raise ValueError("negative amount")
    yuan = int(amount)
    cents = int((amount - yuan) * 100)
    jiao, fen = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零元整"
    words = _integer_words(yuan) + "元" if yuan else ""
    if cents == 0:
        return words + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    return words + (_DIGITS[fen] + "分" if fen else "整")


def yuan(amount: Decimal) -> str:
    return f"{Decimal(amount):,.2f}"


def _date(value) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": value.year, "m": value.month, "d": value.day}


def _moment(value) -> str:
    local = timezone.localtime(value)
    return _("%(day)s %(hh)02d:%(mm)02d") % {"day": _date(local), "hh": local.hour, "mm": local.minute}


@lru_cache(maxsize=1)
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def agreement_pdf_bytes(*, agreement: Agreement, reveal_personal_data: bool) -> bytes:
    """The agreement as an A4 PDF: both parties, the mediator, the station, the items and amounts (in figures and
    in capitals), the payment schedule, the other terms, the legal remedies and the signature blocks, each with
    the moment it was signed when it was.

    ``reveal_personal_data``: the worker's ID number and the employer contact's phone whole (for the staff who
    work the case); otherwise masked (the copy the worker opens on a phone that may be shared)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    case = agreement.case
    station = case.station
    items = list(agreement.items.all())
    instalments = list(agreement.instalments.all())
    mediator = agreement.created_by.get_full_name() or agreement.created_by.get_username()

    body = ParagraphStyle("body", fontName=font, fontSize=11.5, leading=19, wordWrap="CJK")
    small = ParagraphStyle(
        "small", parent=body, fontSize=10, leading=16, textColor=colors.HexColor("#444444")
    )
    title = ParagraphStyle("title", parent=body, fontSize=20, leading=30, alignment=1, spaceAfter=4)
    centre = ParagraphStyle("centre", parent=small, alignment=1)
    heading = ParagraphStyle("heading", parent=body, fontSize=12.5, leading=22, spaceBefore=8)

    def p(text: str, style=body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    id_number = case.worker_id_number if reveal_personal_data else mask_id_number(case.worker_id_number)
    contact_phone = agreement.employer_contact_phone or ""
    if contact_phone and not reveal_personal_data:
        contact_phone = mask_phone(contact_phone)

    story = [
        p(_("劳动争议调解协议书"), title),
        p(_("协议编号：%(number)s") % {"number": agreement.number}, centre),
        Spacer(1, 6 * mm),
        p(_("申请人（劳动者）：%(name)s，身份证号：%(id)s") % {"name": case.worker_name, "id": id_number}),
        p(
            _("被申请人（用人单位）：%(name)s%(code)s")
            % {
                "name": agreement.employer_name,
                "code": _("，统一社会信用代码：%(code)s") % {"code": case.employer_credit_code}
                if case.employer_credit_code
                else "",
            }
        ),
        p(
            _("被申请人联系人：%(name)s%(phone)s")
            % {
                "name": agreement.employer_contact_name,
                "phone": _("，电话：%(phone)s") % {"phone": contact_phone} if contact_phone else "",
            }
        ),
        p(_("调解组织：%(station)s") % {"station": station.name if station else ""}),
        p(_("调解员：%(name)s") % {"name": mediator}),
        Spacer(1, 3 * mm),
        p(
            _(
                "申请人与被申请人因劳动争议，于%(day)s向%(station)s申请调解。经调解员主持调解，双方在平等自愿的基础上"
                "达成如下协议："
            )
            % {"day": _date(timezone.localtime(case.created_at)), "station": station.name if station else ""}
        ),
        p(
            _("一、被申请人向申请人支付下列款项，合计人民币 %(total)s 元（大写：人民币%(words)s）：")
            % {"total": yuan(agreement.total), "words": amount_in_words(agreement.total)},
            heading,
        ),
    ]
    rows = [[p(_("序号"), small), p(_("类别"), small), p(_("事项"), small), p(_("金额（元）"), small)]]
    for number, item in enumerate(items, start=1):
        rows.append(
            [
                p(str(number)),
                p(str(item.get_category_display())),
                p(item.description),
                p(yuan(item.amount)),
            ]
        )
    rows.append([p(""), p(""), p(_("合计")), p(yuan(agreement.total))])
    table = Table(rows, colWidths=[14 * mm, 34 * mm, 88 * mm, 34 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [table, Spacer(1, 2 * mm)]

    method = str(agreement.get_payment_method_display())
    story.append(p(_("二、付款方式和期限（支付方式：%(method)s）：") % {"method": method}, heading))
    if len(instalments) == 1:
        only = instalments[0]
        story.append(
            p(
                _("被申请人于%(day)s前一次性支付人民币 %(amount)s 元。")
                % {"day": _date(only.due_on), "amount": yuan(only.amount)}
            )
        )
    else:
        story.append(p(_("被申请人分 %(n)d 期支付：") % {"n": len(instalments)}))
        for instalment in instalments:
            story.append(
                p(
                    _("第 %(n)d 期：%(day)s前支付人民币 %(amount)s 元；")
                    % {
                        "n": instalment.sequence,
                        "day": _date(instalment.due_on),
                        "amount": yuan(instalment.amount),
                    }
                )
            )
    story.append(p(_("三、其他约定："), heading))
    story.append(p(agreement.other_terms.strip() or _("无。")))
    story.append(p(_("四、履行和救济："), heading))
    story.append(
        p(
            _(
                "本协议自双方当事人签署之日起生效，双方应当履行。被申请人逾期不履行的，申请人可以依法申请劳动仲裁；"
                "协议涉及拖欠劳动报酬、工伤医疗费、经济补偿或者赔偿金的，申请人还可以持本协议依法向人民法院申请支付令"
                "（《劳动争议调解仲裁法》第十五条、第十六条）。双方可以自本协议生效之日起十五日内共同申请仲裁审查确认，"
                "或者依法自生效之日起三十日内共同向调解组织所在地基层人民法院申请司法确认。"
            )
        )
    )
    story.append(
        p(_("五、本协议一式三份，双方当事人各执一份，调解组织留存一份；电子签署记录与纸质文本具有同等效力。"))
    )
    story.append(Spacer(1, 8 * mm))

    def signed(when, by: str) -> str:
        return _("已于 %(when)s %(by)s") % {"when": _moment(when), "by": by} if when else _("（待签署）")

    worker_sign = signed(agreement.worker_signed_at, _("在线确认签署（查询密码验证）"))
    employer_sign = signed(
        agreement.employer_signed_at,
        _("签署，签字人：%(name)s") % {"name": agreement.employer_signatory or "—"},
    )
    signatures = [
        [p(_("申请人（签字）：")), p(f"{case.worker_name}　{worker_sign}")],
        [p(_("被申请人（签章）：")), p(f"{agreement.employer_name}　{employer_sign}")],
        [p(_("调解员（签字）：")), p(mediator)],
        [p(_("调解组织（印章）：")), p(station.name if station else "")],
        [
            p(_("协议生效时间：")),
            p(_moment(agreement.effective_at) if agreement.effective_at else _("双方签署后生效")),
        ],
    ]
    sign_table = Table(signatures, colWidths=[42 * mm, 128 * mm])
    sign_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (1, 0), (1, -1), 0.4, colors.HexColor("#aaaaaa")),
                ("TOPPADDING", (0, 0), (-1, -1), 7),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    story.append(sign_table)
    if station is not None and (station.address or station.phone):
        story.append(Spacer(1, 6 * mm))
        story.append(
            p(
                _("调解组织地址：%(address)s　电话：%(phone)s")
                % {"address": station.address or "—", "phone": station.phone or "—"},
                small,
            )
        )

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("劳动争议调解协议书 %(number)s") % {"number": agreement.number},
        author=station.name if station else "",
        subject=_("一站式劳动争议多元化解平台"),
    )
    doc.build(story)
    return buffer.getvalue()
