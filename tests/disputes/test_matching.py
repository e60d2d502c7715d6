"""disputes.matching.employer_key: the same employer however it was typed, and different employers kept apart."""

import pytest

from disputes.matching import employer_key

SHUNDA = "温州市顺达速运"


@pytest.mark.parametrize(
    "typed",
    [
        "温州市顺达速运有限公司",
        "温州市 顺达速运（鹿城）有限公司",
        "温州市顺达速运(鹿城)有限公司",
        "温州市顺达速运【鹿城】有限公司",
        "温州市顺达速运[鹿城]有限公司",
        "温州市顺达速运有限责任公司",
        "温州市顺达速运股份有限公司",
        "温州市顺达速运分公司",
        "温州市顺达速运公司",
        "温州市顺达速运集团有限公司",
        "温州市顺达速运",
        "  温州市顺达速运有限公司  ",
        "温州市　顺达速运　有限公司",  # ideographic spaces
        "温州市顺达速运\t有限公司\n",
        "温州市·顺达速运有限公司",
        "温州市顺达速运有限公司。",
        "温州市-顺达_速运有限公司",
    ],
)
def test_the_same_employer_typed_differently_gives_one_key(typed):
    assert employer_key(typed) == SHUNDA


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("ＡＢＣ物流有限公司", "abc物流"),  # full width folded to half width, then lower case
        ("ABC物流有限公司", "abc物流"),
        ("abc 物流（上海）有限公司", "abc物流"),
        ("Ｓｈｕｎｄａ Express Co.", "shundaexpressco"),
        ("某某科技有限公司杭州分公司", "某某科技有限公司杭州"),
        ("某某快递有限公司鹿城分公司", "某某快递有限公司鹿城"),
    ],
)
def test_folding(typed, key):
    assert employer_key(typed) == key


def test_the_suffix_is_removed_whole_not_in_part():
    assert employer_key("顺达有限责任公司") == "顺达"
    assert employer_key("顺达股份有限公司") == "顺达"
    assert employer_key("顺达有限公司") == "顺达"
    assert employer_key("顺达分公司") == "顺达"


def test_a_name_that_is_only_a_suffix_keeps_something():
    """Never an empty key for a name given: a blank key would match every other blank one."""
    for name in ("有限公司", "公司", "集团有限公司", "分公司", "门店"):
        assert employer_key(name), name
    assert employer_key("公司") == "公司"


@pytest.mark.parametrize("blank", ["", "   ", None, "（）", "()"])
def test_blank_gives_a_blank_key(blank):
    assert employer_key(blank) == ""


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("温州市顺达速运有限公司", "温州市顺通速运有限公司"),
        ("温州市顺达速运有限公司", "杭州市顺达速运有限公司"),
        ("温州市顺达速运有限公司", "温州市顺达物流有限公司"),
        ("温州市顺达速运有限公司", "温州市顺达速运科技有限公司"),
        ("美团", "饿了么"),
        ("ABC物流", "ABD物流"),
        ("某某劳务派遣有限公司", "某某人力资源有限公司"),
    ],
)
def test_distinct_employers_stay_distinct(first, second):
    assert employer_key(first) != employer_key(second)
