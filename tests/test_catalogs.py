"""Every message the code uses is in every catalog, no catalog holds a message the code never uses, and the
translations keep their English placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from portal.i18n import DEFAULT_LANGUAGE, catalog, languages

PROJECT = Path(__file__).resolve().parent.parent
CODE = [PROJECT / "app.py", *(PROJECT / "pages").glob("*.py"), *(PROJECT / "portal").rglob("*.py")]
LITERAL = re.compile(r"""["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']""")
# Keys built at run time: t(f"history.action_{action}"), t("lane." + lane), label("technique", value)...
DYNAMIC = re.compile(r"""(?:f["']|["'](?=[a-z0-9_.]*["']\s*\+))([a-z][a-z0-9_]*\.(?:[a-z0-9_]+\.)*[a-z0-9_]*)(?:\{|["'])""")
LABEL_GROUPS = re.compile(r"""label\(\s*["']([a-z_]+)["']""")
# Fixed-list groups whose labels are looked up by value: label("technique", value), {"role": "participant_role"}.
GROUPS_IN_CODE = re.compile(r"""["'](programme_kind|programme_status|equipment_category|equipment_status|event_kind|"""
                            r"""technique|institution_kind|participant_role)["']""")


def code_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in CODE)


def used_keys(keys: set[str]) -> tuple[set[str], set[str]]:
    """(keys the code names literally, keys it builds at run time), among the catalog's keys and beyond."""
    text = code_text()
    namespaces = {key.split(".")[0] for key in keys}
    found = {m for m in LITERAL.findall(text) if m.split(".")[0] in namespaces
             and not m.endswith((".py", ".sql", ".json"))}
    literal = {m for m in found if not m.endswith("_")}
    prefixes = set(DYNAMIC.findall(text)) | (found - literal)  # "bench.col_" + name builds a key too
    groups = set(GROUPS_IN_CODE.findall(text)) | set(LABEL_GROUPS.findall(text))
    dynamic = {key for key in keys if any(key.startswith(p) for p in prefixes if p.endswith((".", "_")))
               or key.split(".")[0] in groups}
    return literal, dynamic


def test_the_english_catalog_has_every_message_the_code_uses_and_no_other():
    english = set(catalog(DEFAULT_LANGUAGE))
    literal, dynamic = used_keys(english)
    missing = sorted(literal - english)
    assert missing == [], f"used in code but missing from portal/locales/en: {missing}"
    unused = sorted(english - literal - dynamic)
    assert unused == [], f"in portal/locales/en but never used: {unused}"


@pytest.mark.parametrize("language", [code for code in languages() if code != DEFAULT_LANGUAGE])
def test_every_catalog_has_exactly_the_english_messages_with_the_same_placeholders(language):
    english, translated = catalog(DEFAULT_LANGUAGE), catalog(language)
    assert sorted(set(english) - set(translated)) == [], "missing translations"
    assert sorted(set(translated) - set(english)) == [], "messages English does not have"
    for key, text in english.items():
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        assert {name for _, name, _, _ in string.Formatter().parse(translated[key]) if name} == fields, key


def test_the_languages_are_english_mongolian_and_korean():
    assert set(languages()) >= {"en"}
