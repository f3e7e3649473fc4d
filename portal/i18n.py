"""The one translation function: every text a person reads comes from a catalog in portal/locales.

A language's catalog is every JSON file in portal/locales/LANG/ (one per area of the portal), merged.
"""

from __future__ import annotations

import json
import unicodedata
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

import pycountry
from babel import Locale

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"
# Per thread (each Streamlit session reruns in its own thread), so sessions never mix languages.
_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


@lru_cache(maxsize=None)
def catalog(language: str) -> dict[str, str]:
    """The messages of one language, keyed by message id."""
    messages: dict[str, str] = {}
    for file in sorted((LOCALES_DIR / language).glob("*.json")):
        with open(file, encoding="utf-8") as f:
            part = json.load(f)
        repeated = messages.keys() & part.keys()
        if repeated:
            raise ValueError(f"{file} repeats message ids {sorted(repeated)}")
        messages.update(part)
    return messages


def languages() -> list[str]:
    """The languages that have a catalog."""
    return sorted(p.name for p in LOCALES_DIR.iterdir() if p.is_dir())


def set_language(language: str) -> None:
    """Choose the language of this process's messages (the app sets it on every rerun)."""
    _language.set(language if language in languages() else DEFAULT_LANGUAGE)


def t(key: str, /, **args: object) -> str:
    """The message `key` in the current language, its {placeholders} filled from `args`."""
    text = catalog(_language.get()).get(key) or catalog(DEFAULT_LANGUAGE)[key]
    return text.format(**args) if args else text


def label(group: str, value: str | None) -> str:
    """The readable name of a fixed-list value (a kind, status, category, technique or role)."""
    if value is None:
        return t("value.not_reported")
    return catalog(_language.get()).get(f"{group}.{value}") or catalog(DEFAULT_LANGUAGE).get(f"{group}.{value}", value)


def language() -> str:
    """The language of this thread's messages."""
    return _language.get()


def preferred_language(accept_language: str | None) -> str:
    """The first language of a browser's Accept-Language header that has a catalog, else English."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in languages():
            return code
    return DEFAULT_LANGUAGE


# Mongolian Cyrillic puts Ө after О and Ү after У; Unicode's code points do not (Ү U+04AF, Ө U+04E9).
_MONGOLIAN = "абвгдеёжзийклмноөпрстуүфхцчшщъыьэюя"
_MONGOLIAN_KEY = {letter: chr(0x0430 + 0x100 + rank) for rank, letter in enumerate(_MONGOLIAN)}


def name_key(text: object) -> str:
    """A sort key that orders names as the current language's alphabet does (case and accents aside): Hangul
    syllables and Latin letters in their code-point order, Mongolian Cyrillic by its own alphabet."""
    if language() == "mn":  # й and ё are letters of their own here, not и and е with marks
        return "".join(_MONGOLIAN_KEY.get(c, c) for c in unicodedata.normalize("NFC", str(text).casefold()))
    text = str(text).casefold()
    if text.isascii():  # nothing to decompose: most names, and a picker may list thousands
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def by_name(codes, name) -> list:
    """`codes` sorted by the name each is shown by (`name(code)`), in the reader's language."""
    return sorted(codes, key=lambda code: name_key(name(code)))


def in_name_order(names: dict[str, str]) -> dict[str, str]:
    """A picker's {code: shown name}, ordered by the shown name in the reader's language (by_name)."""
    return {code: names[code] for code in by_name(names, names.get)}


def country_name(alpha_3: str | None) -> str:
    """A country's name in the current language (CLDR territory names via Babel), from its ISO alpha-3 code."""
    if not isinstance(alpha_3, str) or not alpha_3:
        return t("value.not_reported")
    country = pycountry.countries.get(alpha_3=alpha_3)
    if country is None:
        return alpha_3
    return Locale.parse(language()).territories.get(country.alpha_2, country.name)
