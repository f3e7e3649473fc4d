"""Checking a workbook against the contract: every problem at once, each with its sheet, row, column and value."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

import pyarrow as pa
import pycountry

from portal.contract import (BASE_CURRENCY, GUIDE_SHEETS, LOCATED_KINDS, MAX_INTEGER, MAX_NUMBER, SHEET_ORDER, SHEETS,
                             Column, ErrorCell, Problem, Sheet, SheetRows)
from portal.workbook import MAX_CELL_CHARS, cell_text

# ASCII digits only: \d and float() also take full-width (２０２４) and Arabic-Indic (٢٠٢٣) digits, which
# the database cannot read back as dates or numbers.
ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
PARTIAL_DATE_PATTERN = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
# What a number cell may hold as text: a decimal number, optionally with an exponent (no "1_000", "inf", "nan").
NUMBER_PATTERN = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")
# Problems reported per sheet and rule; the rest are counted (README, "Limits").
MAX_REPORTED = 100
COUNTRIES = frozenset(c.alpha_3 for c in pycountry.countries)
CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies)


class CellError(ValueError):
    """A cell's value does not fit its column; args are the translation key and its placeholders."""

    def __init__(self, expected: str, **args: object):
        super().__init__(expected)
        self.expected = expected
        self.args_ = tuple(args.items())


@dataclass
class Existing:
    """What the database already holds that a file may refer to."""

    ids: dict[str, set[str]] = field(default_factory=dict)  # sheet -> its ids
    fx_pairs: set[tuple[str, int]] = field(default_factory=set)
    participants: set[tuple[str, str, str]] = field(default_factory=set)  # (programme_id, person_name, role)
    programme_starts: dict[str, str] = field(default_factory=dict)  # programme_id -> start_date


@dataclass
class CheckedWorkbook:
    """The outcome of checking: clean records per sheet, problems (errors) and warnings."""

    tables: dict[str, pa.Table]  # sheet -> its records, with the sheet's columns
    problems: list[Problem]  # the first MAX_REPORTED per sheet and rule
    warnings: list[Problem]
    omitted: dict[tuple[str, str], int] = field(default_factory=dict)  # (sheet, rule) -> problems not listed


class ProblemLog:
    """Problems as they are found: the first MAX_REPORTED per sheet and rule kept, the rest only counted, so
    a million bad rows cost a counter, not a million messages."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.seen: Counter = Counter()
        self.total = 0

    def add(self, problem: Problem) -> None:
        key = (problem.sheet, problem.expected)
        self.seen[key] += 1
        self.total += 1
        if self.seen[key] <= MAX_REPORTED:
            self.kept.append(problem)

    def __iadd__(self, problems: Iterable[Problem]) -> "ProblemLog":
        for problem in problems:
            self.add(problem)
        return self

    def omitted(self) -> dict[tuple[str, str], int]:
        return {key: count - MAX_REPORTED for key, count in self.seen.items() if count > MAX_REPORTED}


# ---------------------------------------------------------------- single cells


def _text(value: object) -> str:
    # Most cells are text already (every CSV cell is): skip cell_text's checks for them.
    return value.strip() if type(value) is str else cell_text(value).strip()


def parse_text(value: object, column: Column) -> str:
    return _text(value)


def parse_id(value: object, column: Column) -> str:
    text = _text(value)
    if not ID_PATTERN.fullmatch(text):
        raise CellError("problem.id")
    return text


def parse_enum(value: object, column: Column) -> str:
    text = _text(value).lower()
    if text not in column.choices:
        raise CellError("problem.enum", choices=", ".join(column.choices))
    return text


def parse_country(value: object, column: Column) -> str:
    text = _text(value).upper()
    if text not in COUNTRIES:
        raise CellError("problem.country")
    return text


def parse_currency(value: object, column: Column) -> str:
    text = _text(value).upper()
    if text not in CURRENCIES:
        raise CellError("problem.currency")
    return text


def parse_partial_date(value: object, column: Column) -> str:
    if isinstance(value, datetime):  # an Excel date cell is a full date
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _text(value)
    match = PARTIAL_DATE_PATTERN.fullmatch(text)
    if not match:
        raise CellError("problem.partial_date")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:  # month or day 00 is no date ("2024-00" once passed as January and failed later, in SQL)
        date(year, 1 if month is None else month, 1 if day is None else day)
    except ValueError:
        raise CellError("problem.partial_date") from None
    return text


def parse_number(value: object, column: Column) -> float:
    if isinstance(value, bool):
        raise CellError("problem.number")
    if isinstance(value, str) and not NUMBER_PATTERN.fullmatch(value):
        raise CellError("problem.number")
    try:
        # float() passes over surrounding spaces itself; other cell types (dates) are read as their text
        number = float(value if isinstance(value, (int, float, str)) else _text(value))
    except ValueError:
        raise CellError("problem.number") from None
    if math.isnan(number) or math.isinf(number):
        raise CellError("problem.number")
    _check_range(number, column)
    return number


def parse_integer(value: object, column: Column) -> int:
    number = parse_number(value, column)
    if not number.is_integer():
        raise CellError("problem.integer")
    return int(number)


def _check_range(number: float, column: Column) -> None:
    low, high = column.minimum, column.maximum
    if high is None:  # the portal's own bound: what the database column holds, sums that stay finite
        high = MAX_INTEGER if column.type == "integer" else MAX_NUMBER
    if low is None:
        low = -high
    if (low is not None and number < low) or (high is not None and number > high) or \
            (column.name == "units_per_usd" and number <= 0):
        if column.name == "units_per_usd" and number <= 0:
            raise CellError("problem.positive")
        raise CellError("problem.between", minimum=_plain(low), maximum=_plain(high))


def _plain(number: float | None) -> str:
    return cell_text(float(number)) if number is not None else ""


def parse_url(value: object, column: Column) -> str:
    text = _text(value)
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise CellError("problem.url")
    return text


def parse_list(value: object, column: Column) -> list[str] | None:
    items = [item.strip() for item in _text(value).split(";")]
    return [item for item in items if item] or None


def parse_id_list(value: object, column: Column) -> list[str] | None:
    items = parse_list(value, column)
    if items and not all(ID_PATTERN.fullmatch(item) for item in items):
        raise CellError("problem.id_list")
    return items


PARSERS: dict[str, Callable[[object, Column], object]] = {
    "text": parse_text, "id": parse_id, "enum": parse_enum, "country": parse_country,
    "currency": parse_currency, "partial_date": parse_partial_date, "number": parse_number,
    "integer": parse_integer, "url": parse_url, "list": parse_list, "id_list": parse_id_list,
}


def is_blank(value: object) -> bool:
    if type(value) is str:  # the usual case first
        return not value.strip()
    return value is None or (isinstance(value, float) and math.isnan(value))


# ---------------------------------------------------------------- partial dates


def date_bounds(partial: str) -> tuple[date, date]:
    """The first and last day a partial date can mean: "2024" spans 2024-01-01 to 2024-12-31."""
    parts = [int(p) for p in partial.split("-")]
    if len(parts) == 3:
        day = date(*parts)
        return day, day
    if len(parts) == 2:
        year, month = parts
        next_month = date(year + month // 12, month % 12 + 1, 1)
        return date(year, month, 1), date.fromordinal(next_month.toordinal() - 1)
    return date(parts[0], 1, 1), date(parts[0], 12, 31)


# ---------------------------------------------------------------- whole workbook


def check_workbook(sheets: dict[str, SheetRows], existing: Existing, whole_workbook: bool = True) -> CheckedWorkbook:
    """Check every sheet, row and cross-reference; return clean records only if there is no problem.

    Each sheet's rows are read once, as they are checked, and kept only as compact Arrow tables.
    `whole_workbook` False checks a part (a single edited record) that need not carry an institutions sheet.
    """
    problems = ProblemLog()
    warnings: list[Problem] = []
    tables: dict[str, pa.Table] = {}

    for name, rows in sheets.items():
        if name not in SHEETS and name not in GUIDE_SHEETS:
            warnings.append(Problem(name, None, "", "", "problem.unknown_sheet"))
    if whole_workbook and "institutions" not in sheets:
        problems.add(Problem("institutions", None, "", "", "problem.sheet_missing"))

    # A sheet only refers to sheets before it, so references are checked as each sheet is read; costs need
    # their fx rates, which come last, so those are read first.
    known = {sheet: set(existing.ids.get(sheet, ())) for sheet in ("institutions", "programmes", "equipment")}
    people = People(set(existing.participants), dict(existing.programme_starts))
    rates = set(existing.fx_pairs)
    for name in sorted(SHEET_ORDER, key=lambda sheet: sheet != "fx_rates"):
        if name in sheets:
            tables[name] = _check_sheet(SHEETS[name], sheets[name], known, rates, problems, warnings, people)
    listed = sorted(problems.kept, key=lambda p: (SHEET_ORDER.index(p.sheet) if p.sheet in SHEET_ORDER else -1,
                                                   p.row or 0))
    return CheckedWorkbook(tables if not problems.total else {}, listed, warnings, problems.omitted())


@dataclass
class People:
    """What follow-ups are checked against: participants and programme start dates, stored or in the file."""

    participants: set[tuple[str, str, str]]
    programme_starts: dict[str, str]

    def learn(self, sheet: str, record: dict[str, object]) -> None:
        if sheet == "participants" and None not in (record["programme_id"], record["person_name"], record["role"]):
            self.participants.add((record["programme_id"], record["person_name"], record["role"]))
        if sheet == "programmes" and record["programme_id"] and record["start_date"]:
            self.programme_starts[record["programme_id"]] = record["start_date"]

    def check(self, sheet: str, record: dict[str, object], row: int, failed: set[str]) -> list[Problem]:
        """A follow-up must name a participant and be dated no earlier than its programme's start."""
        if sheet != "follow_ups" or failed & {"programme_id", "person_name", "role"}:
            return []
        problems = []
        key = (record["programme_id"], record["person_name"], record["role"])
        if record["programme_id"] in self.programme_starts and key not in self.participants:
            problems.append(Problem(sheet, row, "person_name", record["person_name"], "problem.unknown_participant",
                                    (("programme", record["programme_id"]), ("role", record["role"]))))
        start = self.programme_starts.get(record["programme_id"])
        if start and record["date"] and date_bounds(record["date"])[1] < date_bounds(start)[0]:
            problems.append(Problem(sheet, row, "date", record["date"], "problem.follow_up_before_start",
                                    (("start", start),)))
        return problems


# Rows become Arrow tables this many at a time: few enough that the rows in flight stay small.
CHUNK_ROWS = 50_000


def _check_sheet(sheet: Sheet, raw: SheetRows, known: dict[str, set[str]], rates: set[tuple[str, int]],
                 problems: ProblemLog, warnings: list[Problem], people: People | None = None) -> pa.Table:
    """Check one sheet's rows as they are read; add its problems and warnings, return its clean records.

    `known` (ids by sheet), `rates` ((currency, year) pairs) and `people` gain what this sheet defines.
    """
    people = people if people is not None else People(set(), {})
    first_problem = problems.total
    positions: dict[str, int] = {}
    unnamed: list[int] = []  # columns without a header: warned about only if they hold something
    for index, name in enumerate(raw.header):
        if name in positions:
            problems.add(Problem(sheet.name, 1, name, name, "problem.duplicate_column"))
        elif name in sheet.column_names:
            positions[name] = index
        elif name:
            warnings.append(Problem(sheet.name, 1, name, name, "problem.unknown_column"))
        else:
            unnamed.append(index)
    for column in sheet.columns:
        if column.required and column.name not in positions:
            problems.add(Problem(sheet.name, 1, column.name, "", "problem.column_missing"))

    present = [(c, positions[c.name], PARSERS[c.type]) for c in sheet.columns if c.name in positions]
    absent = [c.name for c in sheet.columns if c.name not in positions]
    references = [c for c in sheet.columns if c.refers_to]
    first_row: dict[tuple, int] = {}
    chunks, records = [], []
    for row_number, raw_row in raw.rows:
        if unnamed:
            for index in [i for i in unnamed if i < len(raw_row) and not is_blank(raw_row[i])]:
                unnamed.remove(index)
                warnings.append(Problem(sheet.name, 1, "", "", "problem.unknown_column"))
        record: dict[str, object] = dict.fromkeys(absent)
        failed = set(absent)  # columns with no usable value: rules across columns pass over them
        for column, index, parse in present:
            value = raw_row[index] if index < len(raw_row) else None
            if type(value) is ErrorCell or (type(value) is str and len(value) > MAX_CELL_CHARS):
                record[column.name] = None
                failed.add(column.name)
                problems.add(_unreadable_cell(sheet.name, row_number, column.name, value))
                continue
            if is_blank(value):
                record[column.name] = None
                if column.required:
                    failed.add(column.name)
                    problems.add(Problem(sheet.name, row_number, column.name, "", "problem.required"))
                continue
            try:
                record[column.name] = parse(value, column)
            except CellError as error:
                record[column.name] = None
                failed.add(column.name)
                problems.add(Problem(sheet.name, row_number, column.name, cell_text(value),
                                     error.expected, error.args_))
        problems += _check_row(sheet.name, record, row_number, failed)
        problems += _check_key(sheet, record, row_number, first_row)
        problems += _check_references(sheet.name, references, record, row_number, known)
        problems += _check_rate(sheet.name, record, row_number, rates)
        problems += people.check(sheet.name, record, row_number, failed)
        people.learn(sheet.name, record)
        if problems.total == first_problem:  # once a sheet fails, its records are not kept
            records.append(record)
            if len(records) == CHUNK_ROWS:
                chunks.append(sheet.records_table(records))
                records = []
    if sheet.name in known:
        known[sheet.name].update(key[0] for key in first_row if key[0])
    if sheet.name == "fx_rates":
        rates.update(first_row)
    return pa.concat_tables([*chunks, sheet.records_table(records)])


def _unreadable_cell(sheet: str, row: int, column: str, value: str) -> Problem:
    """An Excel error cell (never stored as "not reported"), or text longer than an .xlsx cell holds."""
    if type(value) is ErrorCell:
        return Problem(sheet, row, column, str(value), "problem.excel_error")
    return Problem(sheet, row, column, value[:40] + "…", "problem.cell_too_long",
                   (("limit", MAX_CELL_CHARS), ("length", len(value))))


def _check_row(sheet: str, record: dict[str, object], row: int, failed: set[str]) -> list[Problem]:
    """Rules that tie several columns of one row together (columns already reported are passed over)."""
    problems = []
    if sheet == "institutions" and record["kind"] in LOCATED_KINDS:
        for column in ("latitude", "longitude"):
            if record[column] is None and column not in failed:
                problems.append(Problem(sheet, row, column, "", "problem.coordinates_required",
                                        (("kind", record["kind"]),)))
    if sheet == "institutions" and record["kind"] not in LOCATED_KINDS:
        # "same as latitude": one coordinate without the other places nothing on a map.
        for column, other in (("latitude", "longitude"), ("longitude", "latitude")):
            if record[column] is None and record[other] is not None and column not in failed:
                problems.append(Problem(sheet, row, column, "", "problem.coordinate_pair",
                                        (("other", other),)))
    if sheet == "programmes" and record["start_date"] and record["end_date"]:
        if date_bounds(record["end_date"])[1] < date_bounds(record["start_date"])[0]:
            problems.append(Problem(sheet, row, "end_date", record["end_date"], "problem.end_before_start",
                                    (("start", record["start_date"]),)))
    if sheet in ("programmes", "equipment") and record["cost_amount"] is not None \
            and not record["cost_currency"] and "cost_currency" not in failed:
        problems.append(Problem(sheet, row, "cost_currency", "", "problem.cost_without_currency",
                                (("amount", cell_text(record["cost_amount"])),)))
    if sheet == "procedures" and record["complications"] is not None and record["cases"] is not None \
            and record["complications"] > record["cases"]:
        problems.append(Problem(sheet, row, "complications", cell_text(record["complications"]),
                                "problem.complications_above_cases", (("cases", record["cases"]),)))
    return problems


def record_key(sheet: str, record: dict[str, object]) -> tuple:
    """The key that identifies a record for updates (procedures: record_id when given)."""
    if sheet == "procedures" and record.get("record_id"):
        return ("record_id", record["record_id"])
    return tuple(record.get(c) for c in SHEETS[sheet].key)


def key_fields(sheet: str, record: dict[str, object]) -> dict[str, object]:
    """The columns that identify a record, with its values (procedures: record_id alone when given)."""
    columns = ("record_id",) if sheet == "procedures" and record.get("record_id") else SHEETS[sheet].key
    return {column: record.get(column) for column in columns}


def _check_key(sheet: Sheet, record: dict[str, object], row: int, first_row: dict[tuple, int]) -> list[Problem]:
    """A record whose key an earlier row of the sheet already has (`first_row`: key -> its row)."""
    key = record_key(sheet.name, record)
    if any(part is None for part in key[:1]) and sheet.name != "procedures":
        return []  # a missing id is already reported
    if key not in first_row:
        first_row[key] = row
        return []
    columns = "record_id" if key[0] == "record_id" else ", ".join(sheet.key)
    expected = "problem.duplicate_key_procedure" if sheet.name == "procedures" else "problem.duplicate_key"
    return [Problem(sheet.name, row, columns, " | ".join(cell_text(k) for k in key if k is not None and k != "record_id"),
                    expected, (("first_row", first_row[key]),))]


def _check_references(sheet: str, references: list[Column], record: dict[str, object], row: int,
                      known: dict[str, set[str]]) -> list[Problem]:
    """Ids that name no record of the sheet they refer to, in this file or in the database."""
    problems = []
    for column in references:
        value = record[column.name]
        for item in (value or ()) if column.type == "id_list" else ([value] if value else []):
            if item not in known[column.refers_to]:
                problems.append(Problem(sheet, row, column.name, item, "problem.unknown_reference",
                                        (("sheet", column.refers_to),)))
    return problems


COSTED_SHEETS = {"programmes": "start_date", "equipment": "acquired_date"}  # sheet -> the date its cost is of


def _check_rate(sheet: str, record: dict[str, object], row: int, rates: set[tuple[str, int]]) -> list[Problem]:
    """Every (currency, year) a cost uses needs an fx rate, in this file or in the database."""
    if sheet not in COSTED_SHEETS:
        return []
    currency, when = record["cost_currency"], record[COSTED_SHEETS[sheet]]
    if record["cost_amount"] is None or not currency or not when or currency == BASE_CURRENCY:
        return []
    year = int(when[:4])
    if (currency, year) in rates:
        return []
    return [Problem(sheet, row, "cost_currency", currency, "problem.missing_rate",
                    (("currency", currency), ("year", year)))]
