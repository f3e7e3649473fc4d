"""How values read wherever they are shown: numbers, money, dates, rates and missing values in the reader's
language, and text from the data or the URL made safe for each place it is shown (it reads as written, never
as markup). No Streamlit import: pages, chart builders and the briefing packs all use this module.

Formatting: `is_missing` is the one test for a missing value; missing reads `not_reported()`, hidden reads
`not_shown()`, never 0. Numbers go through Babel (CLDR grouping and decimal signs): `number`, `compact`,
`money`, `decimal`, `percent`, `significant`; dates through `date_text` and `date_range`; fx rates through
`rate_text`, always as stored in the workbook's fx_rates sheet ("108.8 JPY per USD").

Escaping: one function per target, and every page, chart builder and PDF uses these (tests/test_display.py):

- `markdown_text`: Streamlit Markdown, i.e. every st.markdown, st.caption, st.title/header/subheader,
  st.info/warning/error/success, st.toast, widget labels and help texts, and st.table cells.
- `html_text`: plotly's text, hover text, tick labels, legend names and annotations (a subset of HTML).
- `pdf_text`: reportlab Paragraph markup (XML-like) in the briefing packs.

Cells of st.dataframe and the options of select boxes are plain text in Streamlit: they need none of these.
"""

from __future__ import annotations

import html
import math
import re
import string
from dataclasses import dataclass
from datetime import date
from numbers import Integral
from xml.sax.saxutils import escape as _xml_escape

import numpy as np
import pandas as pd
from babel import dates, numbers

from portal.i18n import DEFAULT_LANGUAGE, language, t

# CommonMark lets every ASCII punctuation character be escaped with a backslash, and shows it as written.
# Escaping all of them covers Markdown (emphasis, links, images, headings, lists, tables, autolinks such as
# www.x.example or https://x.example), HTML and entities, and Streamlit's own syntax on top of it: colour and
# badge directives (:red[...]), Material icons (:material/home:), emoji shortcodes (:+1:) and LaTeX ($x$).
_MARKDOWN_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})
# Some rewrites work on the parsed text, after escapes are resolved: links made of bare addresses
# (https://..., www...., name@host), emoji and logo shortcodes (:smile:, :streamlit:) and arrows (-> <- <->
# -- >= <= ~=). An invisible WORD JOINER (U+2060) inside each such pattern keeps it from matching, and the
# text still reads as written.
WORD_JOINER = "\u2060"
_TEXT_REWRITES = re.compile(r"(?<=:)(?=//|[\w+-])|(?i:(?<=www))(?=\.)|(?<=@)|(?<=[-<>~])(?=[-<>=])")
# A line break in the data stays a line break, never a blank line (a new block: a heading, a list, code).
_LINE_BREAKS = re.compile(r"[ \t]*(?:\r\n|\r|\n)\s*")


def markdown_text(value: object) -> str:
    """Text shown as written by anything Streamlit renders as Markdown."""
    text = _TEXT_REWRITES.sub(WORD_JOINER, str(value)).translate(_MARKDOWN_ESCAPES)
    return _LINE_BREAKS.sub("  \n", text)


def html_text(value: object) -> str:
    """Text shown as written in plotly's labels, hover texts and annotations (which read a subset of HTML)."""
    return html.escape(str(value), quote=False)


def pdf_text(value: object) -> str:
    """Text shown as written in a reportlab Paragraph (whose markup is XML-like: tags and entities)."""
    return _xml_escape(str(value))


def markdown_values(values: dict[str, object]) -> dict[str, object]:
    """A message's placeholders with their texts made safe for Markdown (numbers stay numbers, for t())."""
    return {name: markdown_text(value) if isinstance(value, str) else value for name, value in values.items()}


# ---------------------------------------------------------------- missing and hidden


def is_missing(value: object) -> bool:
    """Whether a value from a query or a file is missing (None, NaN, NaT, pandas NA); lists never are."""
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def not_reported() -> str:
    """What a missing value reads: "not reported"."""
    return t("value.not_reported")


def not_shown() -> str:
    """What a value the viewer may not see reads: "not shown"."""
    return t("value.hidden")


def text_or_not_reported(value: object) -> str:
    """A value as text, or "not reported"."""
    return not_reported() if is_missing(value) else str(value)


# ---------------------------------------------------------------- numbers and money


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def format_number(value: float | int, decimals: int = 2) -> str:
    """A number as the current language writes it (grouping and decimal signs from CLDR, via Babel)."""
    value = _plain(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    pattern = None if isinstance(value, Integral) else "#,##0." + "#" * decimals
    return numbers.format_decimal(value, format=pattern, locale=language())


def format_compact(value: float | int) -> str:
    """A large number shortened as the current language does it: 4M, 4 сая, 400만."""
    return numbers.format_compact_decimal(value, format_type="short", fraction_digits=2, locale=language())


def number(value: object) -> str:
    """A count or amount for display, as the viewer's language writes it; missing reads "not reported"."""
    if is_missing(value):
        return not_reported()
    value = _plain(value)
    return format_number(int(value) if isinstance(value, Integral) else float(value))


def compact(value: object) -> str:
    """A large figure shortened for a metric tile ("4M", "4 сая"); missing reads "not reported"."""
    if is_missing(value):
        return not_reported()
    return format_compact(float(value)) if abs(float(value)) >= 1e6 else number(round(float(value)))


def money(amount: object, currency: str) -> str:
    """An amount with its currency, to the cent at most ("90,000,000 KRW", "19,955.65 USD"), or "not reported"."""
    return not_reported() if is_missing(amount) else f"{number(round(float(_plain(amount)), MONEY_DIGITS))} {currency}"


MONEY_DIGITS = 2  # a converted amount's further digits are the exchange rate's, not money anyone paid


def decimal(value: object, digits: int = 1, signed: bool = False) -> str:
    """A number with exactly `digits` decimals ("3.0", "+1.2" when `signed`), or "not reported"."""
    if is_missing(value):
        return not_reported()
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return numbers.format_decimal(float(value), format=f"+{pattern};-{pattern}" if signed else pattern,
                                  locale=language())


def percent(value: object, digits: int = 0) -> str:
    """A share (0-1) as a percentage ("25%"), or "not reported"."""
    if is_missing(value):
        return not_reported()
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return numbers.format_percent(float(value), format=pattern, locale=language())


def significant(value: float, digits: int = 4) -> str:
    """A number to `digits` significant digits, written out in full: 0.0000995, 1.124, 1,364."""
    value = float(value)
    if value == 0:
        return format_number(0)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return format_number(round(value, decimals), decimals)


def not_reported_note(missing: object, total: object) -> str:
    """"3 of 40 not reported" under a figure, so a sum is never read as complete when it is not."""
    if not missing:
        return t("value.all_reported")
    return t("value.some_not_reported", missing=number(missing), total=number(total))


# ---------------------------------------------------------------- dates


def format_partial_date(partial: str) -> str:
    """A partial date in the current language, keeping its precision ("2024 оны 3-р сар", "2024년 3월").

    English keeps the workbook's own form (2024-03-14), the one officials type and exchange.
    """
    if language() == DEFAULT_LANGUAGE:
        return partial
    parts = [int(p) for p in partial.split("-")]
    day = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    skeleton = {1: "y", 2: "yMMM", 3: "yMMMd"}[len(parts)]
    return dates.format_skeleton(skeleton, day, locale=language())


def date_text(partial: str | None) -> str:
    """A partial date as a person reads it: "2024 (month not reported)", "2024-03 (day not reported)"."""
    if is_missing(partial):
        return not_reported()
    if len(partial) == 4:
        return t("date.year_only", date=format_partial_date(partial))
    if len(partial) == 7:
        return t("date.month_only", date=format_partial_date(partial))
    return format_partial_date(partial)


def date_range(start: str | None, end: str | None) -> str:
    """"2024 (month not reported) to end not reported": a span's dates as written."""
    return t("date.range", start=date_text(start),
             end=t("date.end_not_reported") if is_missing(end) else date_text(end))


def utc_time(moment: object) -> str:
    """A moment as the portal writes it, "2024-03-14 09:30 UTC" (a time without a zone is taken as UTC)."""
    if is_missing(moment):
        return not_reported()
    return pd.to_datetime(moment, utc=True).strftime("%Y-%m-%d %H:%M UTC")


# ---------------------------------------------------------------- fx rates

RATE_DIGITS = 6  # significant digits of a rate: every digit a workbook usually gives, and no float noise


def rate_text(units_per_usd: object, currency: str, missing: str, unit_in_header: bool = False) -> str:
    """An fx rate as the workbook's fx_rates sheet states it ("108.8 JPY per USD"; "108.8 JPY" in a column whose
    header says "per USD"), or `missing` when there is none."""
    if is_missing(units_per_usd):
        return missing
    rate = significant(units_per_usd, RATE_DIGITS)
    return f"{rate} {currency}" if unit_in_header else t("rate.per_usd", rate=rate, currency=currency)


# ---------------------------------------------------------------- tables


@dataclass(frozen=True)
class Column:
    """How ui.table shows one column: its header (a message id), its type, and whether it starts hidden.

    kind: "text"; "count" and "number" (right-aligned numbers, sortable); "money" (a number in `currency`, named in the header,
    hidden from viewers who may not see costs); "person" (hidden from viewers who may not see names);
    "date" (a partial date as read; ISO order, so it sorts by time); "link" (the value is an id, linked
    to `link`, a page address with {} for it); "hash" (shortened on screen, in full in the download).
    `optional` columns start hidden: the table's "Show/hide columns" menu brings them back.
    `instead` names a column of the frame holding, per row, a text shown in place of the value ("not shown"
    where the viewer may not see that row's value, "no fx rate"...); empty where the value itself shows.
    """

    header: str
    kind: str = "text"
    currency: str | None = None
    link: str | None = None
    optional: bool = False
    instead: str | None = None
    private: str | None = None  # "costs" or "names": the scope rule that hides it (money and person: implied)


# ---------------------------------------------------------------- small groups

SMALL_GROUP = 5  # a figure resting on fewer people than this could identify them


def is_small_group(count: object, protect: bool) -> bool:
    """Whether a count of people must not be shown to this viewer: 1 to 4 people, names hidden."""
    return protect and not is_missing(count) and 0 < int(count) < SMALL_GROUP


def fewer_than() -> str:
    """What a figure resting on a small group reads: "fewer than 5"."""
    return t("value.fewer_than", limit=SMALL_GROUP)


def protected_count(count: object, protect: bool) -> str:
    """A count of people; for viewers who may not see names, 1 to 4 people read "fewer than 5"."""
    return fewer_than() if is_small_group(count, protect) else number(count)


def protected_share(count: object, group: object, protect: bool) -> str:
    """A share of a group of people ("40%"); "fewer than 5" when it rests on fewer than 5 and names are hidden."""
    if is_missing(group) or not int(group):
        return not_reported()
    if protect and (int(group) < SMALL_GROUP or is_small_group(count, protect)):
        return fewer_than()
    return percent(int(count) / int(group))
