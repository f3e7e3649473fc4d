"""How a record reads in a pack: its name (marked when illustrative), place, dates, and what was left out."""

from __future__ import annotations

import pandas as pd

from portal.brief.fonts import fit, text_width
from portal.brief.styles import paragraph
from portal.contract import ILLUSTRATIVE_MARK
from portal.display import date_range, date_text, is_missing, not_reported_note, number, text_or_not_reported
from portal.i18n import country_name, t


def marked(name: object, illustrative: bool) -> str:
    """A record's name, marked "(illustrative)" when it is (illustrative institutions already say so)."""
    name = text_or_not_reported(name)
    # The seed's own names carry the English mark; any language's mark counts as marked.
    if illustrative and ILLUSTRATIVE_MARK not in name.lower() and t("brief.illustrative_suffix") not in name:
        return t("brief.illustrative_mark", name=name)
    return name



def fit_marked(name: object, illustrative: bool, width: float, size: float) -> str:
    """A name cut to fit `width`, keeping its "(illustrative)" mark whole."""
    shown = marked(name, illustrative)
    if not illustrative or text_width(shown, size) <= width:
        return fit(shown, width, size)
    mark = t("brief.illustrative_suffix")
    text = text_or_not_reported(name).removesuffix(mark).rstrip()
    return fit(text, width - text_width(" " + mark, size), size) + " " + mark


def place(city: object, country: object) -> str:
    return country_name(country) if is_missing(city) else t("brief.place", city=city, country=country_name(country))


def institution_text(institution: pd.Series) -> str:
    name = marked(institution["name"], bool(institution["illustrative"]))
    if not is_missing(institution["name_local"]):
        name = f"{name} ({institution['name_local']})"
    return t("brief.institution_text", name=name, place=place(institution["city"], institution["country"]))


def record_dates(item) -> str:
    """When a record happened, as a person reads it: "2024 (month not reported) to end not reported"."""
    if item["record_kind"] != "programme":
        return date_text(item["start_date"])
    return date_range(item["start_date"], item["end_date"])


def cut_notes(rows: pd.DataFrame) -> list:
    """"showing the 60 most recent of 75 programmes" for each kind of record the brief does not show in full."""
    return [paragraph(t("chart.showing_of", shown=number(len(part)), total=number(part["kind_total"].iloc[0]),
                 what=t("lane.plural." + kind)), "caption")
            for kind, part in rows.groupby("record_kind", sort=False) if part["kind_total"].iloc[0] > len(part)]


def missing_note(missing: object, total: object) -> str:
    """"3 of 40 not reported" under a figure; nothing when there is nothing to report."""
    return not_reported_note(int(missing), int(total)) if total else ""
