"""The exchange workbook, version 1.1 (docs/data-contract.md) as data: sheets, columns, types, keys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

INSTITUTION_KINDS = ("hospital", "university_hospital", "university", "ministry", "agency", "manufacturer", "other")
# Kinds that must have coordinates: "yes for hospitals and universities".
LOCATED_KINDS = ("hospital", "university_hospital", "university")
PROGRAMME_KINDS = (
    "training_abroad", "fellowship", "visiting_expert", "joint_surgery",
    "observership", "conference", "equipment_training", "other",
)
PROGRAMME_STATUSES = ("planned", "ongoing", "completed", "cancelled")
PARTICIPANT_ROLES = ("trainee", "trainer", "visiting_expert", "coordinator")
EQUIPMENT_CATEGORIES = ("endoscope", "microscope", "navigation", "imaging", "implant_system", "other")
EQUIPMENT_STATUSES = ("ordered", "installed", "in_use", "retired")
EVENT_KINDS = (
    "agreement", "visit", "joint_surgery", "first_procedure", "equipment_commissioned", "graduation", "other",
)
TECHNIQUES = ("open", "microscopic", "endoscopic", "other")
FOLLOW_UP_STATUSES = ("at_home_institution", "elsewhere_in_country", "abroad", "left_profession", "deceased", "unknown")
PRACTISING_VALUES = ("yes", "partly", "no")
# Numbers the portal stores (README, "Limits"): amounts and other numbers at most MAX_NUMBER, so sums of
# millions of them stay finite; whole numbers within the database's INTEGER.
MAX_NUMBER = 1e15
MAX_INTEGER = 2**31 - 1
# The smallest rate: converting the largest amount at it stays finite.
MIN_UNITS_PER_USD = 1e-9
# How each column type is stored; every other type is text.
ARROW_TYPES = {"number": pa.float64(), "integer": pa.int64(), "list": pa.list_(pa.string()),
               "id_list": pa.list_(pa.string())}


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its type, whether it is required, and what it refers to."""

    name: str
    type: str  # id, text, enum, country, currency, partial_date, number, integer, url, list, id_list
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    refers_to: str | None = None  # sheet whose key this value must name


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook: its columns and the columns that make a row's key."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = False
    notes: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def records_table(self, records: list[dict[str, object]]) -> pa.Table:
        """Records (dicts by column name; missing columns are empty) as an Arrow table of this sheet."""
        schema = pa.schema([(c.name, ARROW_TYPES.get(c.type, pa.string())) for c in self.columns])
        return pa.Table.from_pylist(records, schema=schema)


def _source() -> Column:
    # Every sheet takes an optional source (the contract's table for procedures omits it, its prose does not).
    return Column("source", "text")


SHEETS: dict[str, Sheet] = {s.name: s for s in (
    Sheet("institutions", required=True, key=("institution_id",), columns=(
        Column("institution_id", "id", True),
        Column("name", "text", True),
        Column("name_local", "text"),
        Column("kind", "enum", True, INSTITUTION_KINDS),
        Column("city", "text"),
        Column("country", "country", True),
        Column("latitude", "number", minimum=-90, maximum=90),
        Column("longitude", "number", minimum=-180, maximum=180),
        Column("website", "url"),
        _source(),
        # Optional portal extension to contract 1 (docs/data-contract.md): the Research Organization Registry id.
        Column("ror_id", "text"),
    )),
    Sheet("programmes", key=("programme_id",), columns=(
        Column("programme_id", "id", True),
        Column("title", "text", True),
        Column("kind", "enum", True, PROGRAMME_KINDS),
        Column("home_institution_id", "id", True, refers_to="institutions"),
        Column("host_institution_id", "id", True, refers_to="institutions"),
        Column("start_date", "partial_date", True),
        Column("end_date", "partial_date"),
        Column("specialty", "text"),
        Column("topics", "list"),
        Column("participants_count", "integer", minimum=0),
        Column("funding_source", "text"),
        Column("cost_amount", "number", minimum=0),
        Column("cost_currency", "currency"),
        Column("status", "enum", True, PROGRAMME_STATUSES),
        Column("description", "text"),
        _source(),
    )),
    Sheet("participants", key=("programme_id", "person_name", "role"), columns=(
        Column("programme_id", "id", True, refers_to="programmes"),
        Column("person_name", "text", True),
        Column("role", "enum", True, PARTICIPANT_ROLES),
        Column("profession", "text"),
        Column("institution_id", "id", refers_to="institutions"),
        Column("position", "text"),
        _source(),
    )),
    Sheet("equipment", key=("equipment_id",), columns=(
        Column("equipment_id", "id", True),
        Column("institution_id", "id", True, refers_to="institutions"),
        Column("department", "text"),
        Column("name", "text", True),
        Column("category", "enum", True, EQUIPMENT_CATEGORIES),
        Column("manufacturer", "text"),
        Column("model", "text"),
        Column("acquired_date", "partial_date", True),
        Column("quantity", "integer", minimum=1),
        Column("cost_amount", "number", minimum=0),
        Column("cost_currency", "currency"),
        Column("funding_source", "text"),
        Column("programme_ids", "id_list", refers_to="programmes"),
        Column("status", "enum", choices=EQUIPMENT_STATUSES),
        _source(),
    )),
    Sheet("events", key=("event_id",), columns=(
        Column("event_id", "id", True),
        Column("date", "partial_date", True),
        Column("kind", "enum", True, EVENT_KINDS),
        Column("title", "text", True),
        Column("institution_id", "id", True, refers_to="institutions"),
        Column("partner_institution_id", "id", refers_to="institutions"),
        Column("programme_id", "id", refers_to="programmes"),
        Column("equipment_id", "id", refers_to="equipment"),
        Column("description", "text"),
        _source(),
    )),
    Sheet("procedures",
          key=("institution_id", "department", "period", "procedure", "technique", "equipment_id"),
          notes="record_id, when given, replaces the composite key",
          columns=(
              Column("institution_id", "id", True, refers_to="institutions"),
              Column("department", "text"),
              Column("period", "partial_date", True),
              Column("procedure", "text", True),
              Column("technique", "enum", True, TECHNIQUES),
              Column("cases", "integer", True, minimum=1),
              Column("mean_length_of_stay_days", "number", minimum=0),
              Column("complications", "integer", minimum=0),
              Column("equipment_id", "id", refers_to="equipment"),
              Column("record_id", "id"),
              _source(),
          )),
    Sheet("fx_rates", key=("currency", "year"), columns=(
        Column("currency", "currency", True),
        Column("year", "integer", True, minimum=1900, maximum=2200),
        Column("units_per_usd", "number", True, minimum=MIN_UNITS_PER_USD),
        _source(),
    )),
    # Optional since 1.1: one row per person per check after a programme; personal data like participants.
    Sheet("follow_ups", key=("programme_id", "person_name", "role", "date"), columns=(
        Column("programme_id", "id", True, refers_to="programmes"),
        Column("person_name", "text", True),
        Column("role", "enum", True, PARTICIPANT_ROLES),
        Column("date", "partial_date", True),
        Column("status", "enum", True, FOLLOW_UP_STATUSES),
        Column("institution_id", "id", refers_to="institutions"),
        Column("practising", "enum", choices=PRACTISING_VALUES),
        Column("procedures_performed", "integer", minimum=0),
        Column("position", "text"),
        _source(),
    )),
)}

# Dependency order: a sheet only refers to sheets before it.
SHEET_ORDER: tuple[str, ...] = tuple(SHEETS)

# Sheets of the portal's own template that guide the person filling it in; an import passes over them.
GUIDE_SHEETS = ("instructions", "lists")

# Rows whose source says this are illustrative, not facts (the seed's convention, shown on screen).
ILLUSTRATIVE_MARK = "illustrative"

# The reporting currency that needs no rate: one US dollar is one US dollar.
BASE_CURRENCY = "USD"


class ErrorCell(str):
    """An Excel error cell (#DIV/0!, #N/A, #VALUE!, ...) as read from an .xlsx: its text is the error."""


@dataclass
class SheetRows:
    """The rows of one sheet as read from a file: its header, then each non-empty data row's cells
    with its spreadsheet row number.

    `rows` may be read only once: a large sheet is checked as it is read, never held whole in memory.
    """

    name: str
    header: list[str]
    rows: Iterable[tuple[int, list[object]]] = ()
    csv_path: Path | None = None  # the CSV file the rows come from, for the set-based check (portal/screen.py)


@dataclass(frozen=True)
class Problem:
    """One reason a file is rejected (or, as a warning, one thing it holds that is not imported).

    `expected` is a translation key of portal/locales; `args` fill its placeholders.
    """

    sheet: str
    row: int | None  # as a spreadsheet shows it: the header is row 1
    column: str
    value: str
    expected: str
    args: tuple[tuple[str, object], ...] = ()

    def expected_text(self) -> str:
        from portal.i18n import t

        return t(self.expected, **dict(self.args))

    def __str__(self) -> str:
        from portal.i18n import t

        place = self.sheet or t("problem.file")
        if self.row is not None:
            place = t("problem.place_row", place=place, row=self.row)
        if self.column:
            place = t("problem.place_column", place=place, column=self.column)
        found = t("problem.found", value=self.value) if self.value != "" else t("problem.found_nothing")
        return t("problem.line", place=place, found=found, expected=self.expected_text())
