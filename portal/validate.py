"""Checking a workbook against the contract: every problem at once, each with its sheet, row, column and value."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

import pycountry

from portal.contract import BASE_CURRENCY, GUIDE_SHEETS, LOCATED_KINDS, SHEET_ORDER, SHEETS, Column, Problem, Sheet, SheetRows
from portal.workbook import cell_text

ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
PARTIAL_DATE_PATTERN = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
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


@dataclass
class CheckedWorkbook:
    """The outcome of checking: clean records per sheet, problems (errors) and warnings."""

    tables: dict[str, list[dict[str, object]]]
    problems: list[Problem]
    warnings: list[Problem]


# ---------------------------------------------------------------- single cells


def _text(value: object) -> str:
    return cell_text(value).strip()


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
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        raise CellError("problem.partial_date") from None
    return text


def parse_number(value: object, column: Column) -> float:
    if isinstance(value, bool):
        raise CellError("problem.number")
    try:
        number = float(value) if isinstance(value, (int, float)) else float(_text(value))
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
    if (low is not None and number < low) or (high is not None and number > high) or \
            (column.name == "units_per_usd" and number <= 0):
        if column.name == "units_per_usd":
            raise CellError("problem.positive")
        if high is None:
            raise CellError("problem.at_least", minimum=_plain(low))
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
    return value is None or (isinstance(value, str) and not value.strip()) or \
        (isinstance(value, float) and math.isnan(value))


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

    `whole_workbook` False checks a part (a single edited record) that need not carry an institutions sheet.
    """
    problems: list[Problem] = []
    warnings: list[Problem] = []
    tables: dict[str, list[dict[str, object]]] = {}
    row_numbers: dict[str, list[int]] = {}

    for name, rows in sheets.items():
        if name not in SHEETS and name not in GUIDE_SHEETS:
            warnings.append(Problem(name, None, "", "", "problem.unknown_sheet"))
    if whole_workbook and "institutions" not in sheets:
        problems.append(Problem("institutions", None, "", "", "problem.sheet_missing"))

    for name in SHEET_ORDER:
        if name in sheets:
            records, errors, notes = _check_sheet(SHEETS[name], sheets[name])
            tables[name], row_numbers[name] = records, sheets[name].row_numbers
            problems += errors
            warnings += notes

    problems += _check_keys(tables, row_numbers)
    problems += _check_references(tables, row_numbers, existing)
    problems += _check_rates(tables, row_numbers, existing)
    problems.sort(key=lambda p: (SHEET_ORDER.index(p.sheet) if p.sheet in SHEET_ORDER else -1, p.row or 0))
    return CheckedWorkbook(tables if not problems else {}, problems, warnings)


def _check_sheet(sheet: Sheet, raw: SheetRows) -> tuple[list[dict[str, object]], list[Problem], list[Problem]]:
    problems, warnings = [], []
    positions: dict[str, int] = {}
    for index, name in enumerate(raw.header):
        if name in positions:
            problems.append(Problem(sheet.name, 1, name, name, "problem.duplicate_column"))
        elif name in sheet.column_names:
            positions[name] = index
        elif name or any(index < len(r) and not is_blank(r[index]) for r in raw.rows):
            warnings.append(Problem(sheet.name, 1, name, name, "problem.unknown_column"))
    for column in sheet.columns:
        if column.required and column.name not in positions:
            problems.append(Problem(sheet.name, 1, column.name, "", "problem.column_missing"))

    present = [(c, positions[c.name], PARSERS[c.type]) for c in sheet.columns if c.name in positions]
    absent = [c.name for c in sheet.columns if c.name not in positions]
    records = []
    for raw_row, row_number in zip(raw.rows, raw.row_numbers):
        record: dict[str, object] = dict.fromkeys(absent)
        failed = set(absent)  # columns with no usable value: rules across columns pass over them
        for column, index, parse in present:
            value = raw_row[index] if index < len(raw_row) else None
            if is_blank(value):
                record[column.name] = None
                if column.required:
                    failed.add(column.name)
                    problems.append(Problem(sheet.name, row_number, column.name, "", "problem.required"))
                continue
            try:
                record[column.name] = parse(value, column)
            except CellError as error:
                record[column.name] = None
                failed.add(column.name)
                problems.append(Problem(sheet.name, row_number, column.name, cell_text(value),
                                        error.expected, error.args_))
        problems += _check_row(sheet.name, record, row_number, failed)
        records.append(record)
    return records, problems, warnings


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


def _check_keys(tables, row_numbers) -> list[Problem]:
    problems = []
    for sheet, records in tables.items():
        first_row: dict[tuple, int] = {}
        key_columns = SHEETS[sheet].key
        for record, row in zip(records, row_numbers[sheet]):
            key = record_key(sheet, record)
            if any(part is None for part in key[:1]) and sheet != "procedures":
                continue  # a missing id is already reported
            if key in first_row:
                columns = "record_id" if key[0] == "record_id" else ", ".join(key_columns)
                expected = "problem.duplicate_key_procedure" if sheet == "procedures" else "problem.duplicate_key"
                problems.append(Problem(sheet, row, columns, " | ".join(cell_text(k) for k in key[-len(key):]
                                                                         if k is not None and k != "record_id"),
                                        expected, (("first_row", first_row[key]),)))
            else:
                first_row[key] = row
    return problems


def _check_references(tables, row_numbers, existing: Existing) -> list[Problem]:
    known = {sheet: set(existing.ids.get(sheet, ())) for sheet in ("institutions", "programmes", "equipment")}
    for sheet in known:
        id_column = SHEETS[sheet].key[0]
        known[sheet].update(r[id_column] for r in tables.get(sheet, ()) if r[id_column])
    problems = []
    for sheet, records in tables.items():
        references = [c for c in SHEETS[sheet].columns if c.refers_to]
        for record, row in zip(records, row_numbers[sheet]):
            for column in references:
                value = record[column.name]
                for item in (value or ()) if column.type == "id_list" else ([value] if value else []):
                    if item not in known[column.refers_to]:
                        problems.append(Problem(sheet, row, column.name, item, "problem.unknown_reference",
                                                (("sheet", column.refers_to),)))
    return problems


def _check_rates(tables, row_numbers, existing: Existing) -> list[Problem]:
    """Every (currency, year) a cost uses needs an fx rate, in this file or in the database."""
    rates = set(existing.fx_pairs) | {(r["currency"], r["year"]) for r in tables.get("fx_rates", ())}
    problems = []
    for sheet, date_column in (("programmes", "start_date"), ("equipment", "acquired_date")):
        for record, row in zip(tables.get(sheet, ()), row_numbers.get(sheet, ())):
            currency, when = record["cost_currency"], record[date_column]
            if record["cost_amount"] is None or not currency or not when or currency == BASE_CURRENCY:
                continue
            year = int(when[:4])
            if (currency, year) not in rates:
                problems.append(Problem(sheet, row, "cost_currency", currency, "problem.missing_rate",
                                        (("currency", currency), ("year", year))))
    return problems
