"""Keys that make the same person or employer match across cases however they were typed."""

import re
import unicodedata

# Longest first, so that 有限责任公司 is removed whole rather than leaving 有限责任.
_SUFFIXES = sorted(
    [
        "有限责任公司",
        "股份有限公司",
        "有限公司",
        "集团公司",
        "分公司",
        "公司",
        "集团",
        "工作室",
        "经营部",
        "门店",
    ],
    key=len,
    reverse=True,
)
_BRACKETS = re.compile(r"[（(\[【].*?[）)\]】]")


def employer_key(name: str) -> str:
    """``温州市 顺达速运（鹿城）有限公司`` and ``温州市顺达速运有限公司`` give the same key: full width folded to half
    width, brackets and their content, spaces and punctuation and the legal-form suffixes removed."""
    value = unicodedata.normalize("NFKC", name or "").lower()
    value = _BRACKETS.sub("", value)
    value = re.sub(r"[\s\-_·.,，。、]", "", value)
    stripped = True
    while stripped:
        stripped = False
        for suffix in _SUFFIXES:
            if value.endswith(suffix) and len(value) > len(suffix):
                value = value[: -len(suffix)]
                stripped = True
    return value
