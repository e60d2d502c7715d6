"""Removing personal data from a worker's question before it is logged or sent to a language model.

What is replaced: ID card numbers (15 or 18 characters), mobile and landline numbers, bank card numbers, e-mail
addresses, and a name the asker gives after 我叫 / 本人 / 我是 / 姓名 (for 本人 and 我是 only when a common
surname follows, so 我是骑手 stays). Amounts, dates and employers' names stay: they are what the question is about.
"""

import re

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
BANK_CARD = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# A name runs for one to three characters after the surname and stops before words that start the sentence's
# next part (在/是/的…), so 我叫张三在公司干了两年 keeps 在公司干了两年.
_NAME_TAIL = r"[\u4e00-\u9fff](?:(?![在是的了今去从和跟于我，,。.！!？?、\s])[\u4e00-\u9fff]){0,2}"
NAME_AFTER_INTRO = re.compile(r"(我叫|名叫|我的名字是|我名字叫|姓名[:：]?)\s*(" + _NAME_TAIL + ")")
NAME_AFTER_SELF = re.compile(
    r"(本人|我是)\s*([" + SURNAMES + "]" + _NAME_TAIL.replace("{0,2}", "{0,1}") + ")"
)


# Full-width digits, letters, ＋ － ＠ to ASCII (so the patterns see them); Chinese punctuation is kept as written.
_HALF_WIDTH = {
    code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
}
_HALF_WIDTH.update({ord("＋"): "+", ord("－"): "-", ord("＠"): "@"})


def scrub(text: str) -> str:
    """The text with personal identifiers replaced by ``[身份证号]``, ``[手机号]``, ``[电话]``, ``[银行卡号]``,
    ``[邮箱]`` and ``[姓名]``."""
    text = (text or "").translate(_HALF_WIDTH)
    text = EMAIL.sub("[邮箱]", text)
    text = ID_NUMBER.sub("[身份证号]", text)
    text = BANK_CARD.sub("[银行卡号]", text)
    text = MOBILE.sub("[手机号]", text)
    text = LANDLINE.sub("[电话]", text)
    text = NAME_AFTER_INTRO.sub(lambda m: f"{m.group(1)}[姓名]", text)
    # Over-scrubbing (我是高中毕业 → 我是[姓名]毕业) is the safe side of the trade.
    return NAME_AFTER_SELF.sub(lambda m: f"{m.group(1)}[姓名]", text)
