"""The mediation agreement as a PDF: its extracted text holds both parties, the mediator, the station, the items and
amounts in Chinese (figures and capitals), the schedule and the signature blocks; the worker's copy masks the ID
number and the contact's phone, the staff's copy does not."""

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from mediation import services
from mediation.pdf import agreement_pdf_bytes, amount_in_words

from .conftest import CLIENT_IP, EMPLOYER_PHONE, ID_NUMBER, draft

pytestmark = pytest.mark.django_db


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    # Lines wrap anywhere in CJK text: compare without whitespace.
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("6000", "陆仟元整"),
        ("4000.00", "肆仟元整"),
        ("10050.5", "壹万零伍拾元伍角整"),
        ("100000", "壹拾万元整"),
        ("1005.08", "壹仟零伍元零捌分"),
        ("123456789.12", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
        ("20000008", "贰仟万零捌元整"),
        ("0.5", "伍角整"),
        ("0", "零元整"),
    ],
)
def test_amounts_in_capital_numerals(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_the_agreement_pdf_says_who_what_how_much_and_when_in_chinese(directory, mediating):
    case, pin = mediating
    station = directory.station
    station.address = "示范市北区东街88号"
    station.phone = "0577-88886666"
    station.save()
    mediator = directory.staff["mediator"]
    mediator.first_name = "陈静"
    mediator.save()
    agreement = draft(case, mediator, other_terms="用人单位为劳动者出具离职证明。")

    data = agreement_pdf_bytes(agreement=agreement, reveal_personal_data=False)
    assert data.startswith(b"%PDF-")
    text = text_of(data)
    for expected in (
        "劳动争议调解协议书",
        agreement.number,
        "申请人（劳动者）：刘洋",
        "被申请人（用人单位）：某某即时配送有限公司",
        "王经理",
        "调解组织：北区快递行业调解站",
        "调解员：陈静",
        "劳动报酬",
        "2026年9月工资",
        "3,000.00",
        "经济补偿",
        "1,000.00",
        "合计人民币4,000.00元（大写：人民币肆仟元整）",
        "银行转账",
        "分2期支付",
        "第1期",
        "2,000.00",
        "用人单位为劳动者出具离职证明。",
        "申请人（签字）",
        "被申请人（签章）",
        "调解员（签字）",
        "调解组织（印章）",
        "（待签署）",
        "示范市北区东街88号",
    ):
        assert expected in text, expected
    assert ID_NUMBER not in text and "1101**********002X" in text
    assert (
        case.tracking_code not in text
    )  # the employer gets this paper: the tracking code stays the worker's
    assert EMPLOYER_PHONE not in text and "137****1111" in text

    services.agreement_sign_by_worker(agreement_id=agreement.pk, pin=pin, client_ip=CLIENT_IP)
    services.agreement_sign_by_employer(agreement_id=agreement.pk, actor=mediator, signatory="王经理")
    agreement.refresh_from_db()
    staff_copy = text_of(agreement_pdf_bytes(agreement=agreement, reveal_personal_data=True))
    assert ID_NUMBER in staff_copy and EMPLOYER_PHONE in staff_copy
    assert "在线确认签署（查询密码验证）" in staff_copy and "签字人：王经理" in staff_copy
    assert "（待签署）" not in staff_copy and "协议生效时间" in staff_copy


def test_a_one_off_payment_reads_as_one(directory, mediating):
    case, _pin = mediating
    agreement = draft(
        case, directory.staff["mediator"], item_rows=[("wages", "工资", "6000")], schedule_rows=[(3, "6000")]
    )
    text = text_of(agreement_pdf_bytes(agreement=agreement, reveal_personal_data=False))
    assert "一次性支付人民币6,000.00元" in text and "陆仟元整" in text
