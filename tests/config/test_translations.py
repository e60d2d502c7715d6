"""The English catalog: complete, compiled, in step with the code, and used.

The source strings are Chinese; ``locale/en/LC_MESSAGES/django.po`` holds their English translations and the
compiled ``django.mo`` is committed next to it (so the demo runs on a machine without gettext). After adding or
changing a translatable string, run ``make messages``, translate what is new and commit both files.
"""

import gettext as gettext_module
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from disputes.states import WORKER_LABELS, CaseStatus

ROOT = Path(settings.BASE_DIR)
CATALOG = ROOT / "locale" / "en" / "LC_MESSAGES"
PO = CATALOG / "django.po"
MO = CATALOG / "django.mo"
# The same ignores as ``make messages``.
MAKEMESSAGES_IGNORES = [".venv", "staticfiles", "tests", "test-results"]
HINT = (
    "run `make messages`, translate the new entries in locale/en/LC_MESSAGES/django.po and commit .po and .mo"
)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _require_gettext(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    message = f"GNU gettext is not installed (missing {', '.join(missing)}; apt-get install gettext)"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _unquote(text: str) -> str:
    body = text.strip()
    assert body.startswith('"') and body.endswith('"'), f"not a PO string: {text!r}"
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), "\\" + m.group(1)), body[1:-1])


def parse_po(path: Path) -> list[dict]:
    """The entries of a PO file as gettext's tools write it (entries separated by blank lines; obsolete ``#~``
    lines left out). Each entry is a dict with ``msgctxt``, ``msgid``, ``msgid_plural``, ``msgstr`` (a list: one
    string, or one per plural form), ``flags`` and ``line``."""
    entries: list[dict] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, block = [], []
    for number, line in enumerate(lines + [""], start=1):
        if line.strip():
            block.append((number, line.strip()))
        elif block:
            blocks.append(block)
            block = []
    for block in blocks:
        entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": [], "flags": set()}
        entry["line"] = block[0][0]
        target = None
        for number, line in block:
            if line.startswith("#~"):
                continue
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
                continue
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
            if match:
                keyword, value = match.group(1), _unquote(match.group(2))
                if keyword.startswith("msgstr"):
                    entry["msgstr"].append(value)
                    target = ("msgstr", len(entry["msgstr"]) - 1)
                else:
                    entry[keyword] = value
                    target = (keyword, None)
            elif line.startswith('"') and target is not None:
                name, index = target
                if index is None:
                    entry[name] += _unquote(line)
                else:
                    entry["msgstr"][index] += _unquote(line)
            else:
                raise AssertionError(f"{path}:{number}: cannot parse {line!r}")
        if entry["msgid"] is not None:
            entries.append(entry)
    return entries


def messages(path: Path) -> list[dict]:
    """The translatable entries (without the header)."""
    return [e for e in parse_po(path) if e["msgid"] != ""]


def keys(entries) -> set[tuple]:
    return {(e["msgctxt"], e["msgid"], e["msgid_plural"]) for e in entries}


def _describe(key: tuple) -> str:
    context, msgid, plural = key
    text = msgid if plural is None else f"{msgid} | {plural}"
    return f"  {text!r}" + (f" (context {context!r})" if context else "")


# (a) the committed catalog is complete ---------------------------------------------------------------------------


def test_the_catalog_exists_and_is_english():
    assert PO.is_file() and MO.is_file(), f"missing {PO} or {MO}: {HINT}"
    header = next(e for e in parse_po(PO) if e["msgid"] == "")
    assert "Language: en\n" in header["msgstr"][0]
    assert "fuzzy" not in header["flags"], "the header is marked fuzzy; remove the flag"
    assert "charset=UTF-8" in header["msgstr"][0]
    assert "nplurals=2; plural=(n != 1);" in header["msgstr"][0]


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = messages(PO)
    assert len(entries) > 500, "the catalog looks truncated"
    fuzzy = [e for e in entries if "fuzzy" in e["flags"]]
    empty = [e for e in entries if not e["msgstr"] or any(not s.strip() for s in e["msgstr"])]
    problems = [f"  line {e['line']}: fuzzy: {e['msgid']!r}" for e in fuzzy]
    problems += [f"  line {e['line']}: not translated: {e['msgid']!r}" for e in empty]
    assert not problems, "locale/en/LC_MESSAGES/django.po is incomplete:\n" + "\n".join(problems)


def test_no_chinese_is_left_in_the_english_translations():
    leftovers = [e for e in messages(PO) if any(CJK.search(s) for s in e["msgstr"])]
    assert not leftovers, "English translations still containing Chinese:\n" + "\n".join(
        f"  line {e['line']}: {e['msgid']!r} -> {e['msgstr']!r}" for e in leftovers
    )


def test_placeholders_and_markup_are_kept():
    placeholder = re.compile(r"%\([a-z_]+\)[sd]|%%|\{[a-z_]*\}")
    tag = re.compile(r"</?[a-z]+[^>]*>")
    wrong = []
    for e in messages(PO):
        for source, translated in zip([e["msgid"]] + [e["msgid_plural"] or e["msgid"]] * 4, e["msgstr"]):
            if sorted(placeholder.findall(source)) != sorted(placeholder.findall(translated)):
                wrong.append(f"  placeholders: {source!r} -> {translated!r}")
            if sorted(tag.findall(source)) != sorted(tag.findall(translated)):
                wrong.append(f"  HTML: {source!r} -> {translated!r}")
    assert not wrong, "translations that changed placeholders or HTML tags:\n" + "\n".join(wrong)


def test_plural_entries_have_both_english_forms():
    plurals = [e for e in messages(PO) if e["msgid_plural"] is not None]
    for e in plurals:
        assert len(e["msgstr"]) == 2, e
        assert e["msgstr"][0] != e["msgstr"][1], f"singular and plural are the same: {e['msgstr']!r}"


# (b) the committed .mo is compiled from the committed .po --------------------------------------------------------


def test_the_compiled_catalog_is_up_to_date(tmp_path):
    _require_gettext("msgfmt")
    fresh = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(fresh), str(PO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"msgfmt --check rejects {PO}:\n{result.stderr}"
    # Compare what gettext reads, not bytes: another msgfmt version may lay the file out differently.
    with MO.open("rb") as committed_file, fresh.open("rb") as fresh_file:
        committed = gettext_module.GNUTranslations(committed_file)._catalog
        expected = gettext_module.GNUTranslations(fresh_file)._catalog
    stale = sorted(str(k) for k in committed.keys() ^ expected.keys())
    stale += sorted(str(k) for k in committed.keys() & expected.keys() if committed[k] != expected[k])
    assert not stale, (
        f"{MO} is out of date with {PO} (run `make messages`); differing entries:\n"
        + "\n".join(f"  {k}" for k in stale[:50])
    )


# (c) every string in the code is in the catalog -----------------------------------------------------------------


def _source_copy(target: Path) -> Path:
    """The project's sources without the virtualenv, the VCS, build output and the catalog itself (makemessages
    writes into the locale directory of the tree it runs in, so it runs on a copy)."""
    ignore = shutil.ignore_patterns(
        ".venv",
        ".git",
        "staticfiles",
        "test-results",
        "media",
        "locale",
        "__pycache__",
        ".pytest_cache",
        ".ruff_cache",
        "*.sqlite3",
        "*.egg-info",
        "node_modules",
    )
    shutil.copytree(ROOT, target, ignore=ignore)
    return target


def test_every_translatable_string_in_the_code_is_in_the_catalog(tmp_path):
    _require_gettext("xgettext", "msguniq", "msgmerge", "msgattrib")
    tree = _source_copy(tmp_path / "src")
    command = [sys.executable, "manage.py", "makemessages", "-l", "en", "-v", "0"]
    command += [f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORES]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        command, cwd=tree, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    fresh = tree / "locale" / "en" / "LC_MESSAGES" / "django.po"
    assert fresh.is_file(), f"makemessages wrote no catalog:\n{result.stdout}\n{result.stderr}"

    in_code, in_catalog = keys(messages(fresh)), keys(messages(PO))
    new, gone = sorted(in_code - in_catalog, key=str), sorted(in_catalog - in_code, key=str)
    report = []
    if new:
        report.append(f"{len(new)} string(s) in the code have no English translation yet:")
        report += [_describe(k) for k in new]
    if gone:
        report.append(f"{len(gone)} string(s) in the catalog are no longer in the code:")
        report += [_describe(k) for k in gone]
    assert not report, "\n".join(report + [f"Hint: {HINT}."])


def test_javascript_has_no_gettext_strings_to_extract():
    """The pages' JavaScript takes its texts from data attributes the templates translate; should it ever call
    gettext itself, ``make messages`` must also run ``makemessages -d djangojs``."""
    scripts = [p for p in (ROOT / "config" / "static").rglob("*.js")]
    assert scripts
    calls = [
        str(p) for p in scripts if re.search(r"\b(n|p|np)?gettext\s*\(|\binterpolate\s*\(", p.read_text())
    ]
    assert not calls, f"JavaScript calling gettext: {calls}; add a djangojs catalog to `make messages`"


# (d) English is what an English reader sees ---------------------------------------------------------------------


def test_case_statuses_in_english():
    with translation.override("en"):
        assert CaseStatus.SUBMITTED.label == "Submitted"
        assert CaseStatus.IN_MEDIATION.label == "In mediation"
        assert CaseStatus.REFERRED_TO_ARBITRATION.label == "Referred to arbitration"
        assert CaseStatus.REJECTED.label == "Not accepted"
        assert str(WORKER_LABELS[CaseStatus.MEDIATION_FAILED]) == (
            "Mediation did not reach an agreement; you can apply for labor arbitration"
        )
        labels = [str(label) for label in CaseStatus.labels] + [
            str(label) for label in WORKER_LABELS.values()
        ]
    assert not [label for label in labels if CJK.search(label)]
    with translation.override("zh-hans"):
        assert CaseStatus.SUBMITTED.label == "已提交"


def test_placeholders_fill_in_english():
    from django.utils.translation import gettext, ngettext

    with translation.override("en"):
        assert gettext("已超期 %(n)d 天") % {"n": 3} == "3 day(s) overdue"
        params = {"kind": "Legal aid", "code": "AB23-CD45", "org": "Station A"}
        assert gettext("新的移交：%(kind)s，案件 %(code)s，来自%(org)s。") % params == (
            "New handoff: Legal aid, case AB23-CD45, from Station A."
        )
        assert (
            ngettext("有 %(n)s 处需要修改", "有 %(n)s 处需要修改", 1) % {"n": 1} == "1 item needs correcting"
        )
        assert (
            ngettext("有 %(n)s 处需要修改", "有 %(n)s 处需要修改", 2) % {"n": 2} == "2 items need correcting"
        )


@pytest.mark.django_db
def test_home_page_in_chinese_by_default_even_for_an_english_browser(client):
    """Chinese unless the visitor picks English with the switch: a phone set to English still opens in Chinese."""
    for headers in ({}, {"accept-language": "en"}):
        page = client.get("/", headers=headers).content.decode()
        assert '<html lang="zh-hans">' in page
        assert "劳动争议，一站调处" in page


@pytest.mark.django_db
def test_home_page_in_english_once_chosen(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/").content.decode()
    assert '<html lang="en">' in english
    assert "<title>One-Stop Labor Dispute Resolution Platform</title>" in english
    assert "Labor disputes, resolved in one place" in english
    assert "Apply for mediation" in english
    # The switch offers the other language by its own name.
    assert 'value="zh-hans"' in english and "简体中文" in english


@pytest.mark.django_db
def test_the_language_cookie_chooses_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/track/").content.decode()
    assert '<html lang="en">' in page
    assert "Track your case" in page
    assert "Tracking code" in page
    assert "Labor dispute arbitration is free of charge." in page


@pytest.mark.django_db
def test_the_language_switch_sets_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/track/"})
    assert response.status_code == 302 and response["Location"] == "/track/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/track/").content.decode()
    assert "Track your case" in page and "Access PIN (6 digits)" in page
    back = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/track/"})
    assert back.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "查询办理进度" in client.get("/track/").content.decode()
