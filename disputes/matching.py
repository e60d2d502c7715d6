"""Keys that make the same person or employer match across cases however they were typed."""

import re
import unicodedata

# Longest first, so that 有限责任公司 is removed whole rather than leaving 有限责任.
_SUFFIXES = sorted(
    [
        "有限责任公司",
        "有限責任公司",
        "股份有限公司",
        "股份公司",
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
_BRACKETS = re.compile(r"[（(\[【〔〖].*?[）)\]】〕〗]")
# An opening bracket never closed (a name cut short): it and what follows are the same aside as above.
_UNCLOSED = re.compile(r"[（(\[【〔〖].*$")


def _is_noise(char: str) -> bool:
    """Spaces, punctuation, symbols and invisible format characters (zero-width space): none tells employers
    apart, and each is typed differently from one form to the next."""
    return unicodedata.category(char)[0] in "PSZ" or unicodedata.category(char) in ("Cc", "Cf")


def employer_key(name: str) -> str:
    """``温州市 顺达速运（鹿城）有限公司`` and ``温州市顺达速运有限公司`` give the same key: full width folded to half
    width, brackets and their content, spaces and punctuation and the legal-form suffixes removed."""
    value = unicodedata.normalize("NFKC", name or "").lower()
    value = _UNCLOSED.sub("", _BRACKETS.sub("", value))
    value = "".join(char for char in value if not _is_noise(char))
    stripped = True
    while stripped:
        stripped = False
        for suffix in _SUFFIXES:
            if value.endswith(suffix) and len(value) > len(suffix):
                value = value[: -len(suffix)]
                stripped = True
                break  # start again from the longest: 有限公司分公司 loses 分公司, then 有限公司 whole
    return value
