"""Personal data never reaches the consultation log (nor a language model)."""

import pytest

from knowledge.models import ConsultationLog
from knowledge.privacy import scrub
from knowledge.services import consultation_ask


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证330302199001011234", "身份证[身份证号]"),
        ("身份证号33030219900101123X了", "身份证号[身份证号]了"),
        ("电话13812345678", "电话[手机号]"),
        ("手机 138-1234-5678", "手机 [手机号]"),
        ("手机＋86 13812345678", "手机[手机号]"),
        ("座机0577-88123456", "座机[电话]"),
        ("卡号6222020200112233445", "卡号[银行卡号]"),
        ("邮箱zhang.san@example.com", "邮箱[邮箱]"),
        ("我叫张三在快递站干了两年", "我叫[姓名]在快递站干了两年"),
        ("本人王小明，被欠薪", "本人[姓名]，被欠薪"),
        ("姓名：李四", "姓名：[姓名]"),
    ],
)
def test_identifiers_are_replaced(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text", ["我是外卖骑手，老板欠我3000元", "2026年3月5日被辞退，工资8500元", "本人在公司干了三年"]
)
def test_amounts_dates_and_ordinary_words_stay(text):
    assert scrub(text) == text


@pytest.mark.django_db
def test_the_log_holds_the_scrubbed_question_only():
    question = "我叫张三，身份证330302199001011234，电话13812345678，老板欠我三个月工资8000元没发"
    answer, log = consultation_ask(question=question)
    log.refresh_from_db()
    assert "张三" not in log.question
    assert "330302199001011234" not in log.question and "13812345678" not in log.question
    assert log.question == "我叫[姓名]，身份证[身份证号]，电话[手机号]，老板欠我三个月工资8000元没发"
    assert log.category == "wages"
    assert log.article_slugs == [c.slug for c in answer.citations]
    assert ConsultationLog.objects.count() == 1
    # Nothing about the asker: the model has no field for an address, a session or a user.
    fields = {f.name for f in ConsultationLog._meta.get_fields()}
    assert not fields & {"ip", "ip_address", "session_key", "user", "phone", "name"}
