"""The one translation function: every text a person reads comes from a catalog in portal/locales.

A language's catalog is every JSON file in portal/locales/LANG/ (one per area of the portal), merged.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

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
