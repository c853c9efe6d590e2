"""The zh_Hans catalogue: complete, placeholder-safe, compiled, and actually served."""

import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

import wenming

LC_MESSAGES = Path(wenming.__file__).resolve().parent / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

# %(name)s, %(count)d, %(x)05.2f …: the name and the conversion must both survive.
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def live_entries(catalogue):
    return [entry for entry in catalogue if not entry.obsolete]


def pairs(entries) -> dict:
    """(msgctxt, msgid, msgid_plural) -> the translation(s), as one comparable value."""
    result = {}
    for entry in entries:
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural or None)
        if entry.msgid_plural:
            result[key] = tuple(sorted(entry.msgstr_plural.items()))
        else:
            result[key] = entry.msgstr
    return result


def test_header(po):
    assert po.metadata["Language"] == "zh_Hans"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert not po.metadata_is_fuzzy


def test_every_entry_is_translated_and_not_fuzzy(po):
    entries = live_entries(po)
    assert entries
    untranslated = [entry.msgid for entry in entries if not entry.translated()]
    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    assert not untranslated, f"untranslated msgids: {untranslated}"
    assert not fuzzy, f"fuzzy msgids: {fuzzy}"


def test_placeholders_match(po):
    wrong = []
    for entry in live_entries(po):
        if entry.msgid_plural:
            expected = placeholders(entry.msgid) | placeholders(entry.msgid_plural)
            translations = list(entry.msgstr_plural.values())
        else:
            expected = placeholders(entry.msgid)
            translations = [entry.msgstr]
        for msgstr in translations:
            found = placeholders(msgstr)
            if found != expected:
                wrong.append(f"{entry.msgid!r}: expected {sorted(expected)}, got {sorted(found)}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_compiled_mo_matches_po(po):
    """A .po edited without `python -m wenming.core.compile_messages` fails here."""
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run python -m wenming.core.compile_messages"
    mo = polib.mofile(str(MO_PATH))
    expected = pairs(entry for entry in po.translated_entries() if not entry.obsolete)
    compiled = pairs(mo)
    keys = expected.keys() | compiled.keys()
    stale = sorted(str(key[1]) for key in keys if expected.get(key) != compiled.get(key))
    assert not stale, f"django.mo differs from django.po (recompile) for: {stale}"


def test_django_serves_the_catalogue():
    with translation.override("zh-hans"):
        assert translation.gettext("Sign in") == "登录"
        assert translation.gettext("Simplified Chinese") == "简体中文"
    with translation.override("en"):
        assert translation.gettext("Sign in") == "Sign in"
