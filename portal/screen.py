"""The set-based check of a CSV import: every rule of portal/validate.py as SQL over whole sheets at once.

The screen only ever says "clean": when every cell, row, key, reference, rate and follow-up of a CSV
workbook passes, its records come from SQL (portal/db.py: Writer.screen runs these statements). When it
finds anything, or the file is not plain enough to read exactly as the csv module does (portal/workbook.py:
plain_csv_lines), the row checker checks the workbook again and names every problem as it always has.
Identifiers in the SQL come from the contract's fixed lists (portal/contract.py); values are bound.
"""

from __future__ import annotations

from portal.contract import (BASE_CURRENCY, GUIDE_SHEETS, LOCATED_KINDS, MAX_INTEGER, MAX_NUMBER, SHEET_ORDER, SHEETS,
                             Sheet, SheetRows)
from portal.validate import COSTED_SHEETS, COUNTRIES, CURRENCIES
from portal.workbook import MAX_CELL_CHARS

# Below this much CSV the row checker is the faster one: planning the screen's statements takes most of a
# second, while the row checker reads 10,000 rows (about 1 MB) in about as long.
SCREEN_FROM_BYTES = 1024**2
# Tables of the screen: the file as read, then one typed table per sheet.
RAW_TABLE = "screen_raw"
# The country and currency codes (validate.COUNTRIES, CURRENCIES), one table each: a bound list of 249 codes
# would make every sheet's statement slow to plan.
CODE_TABLES = {"country": "screen_countries", "currency": "screen_currencies"}
SQL_TYPES = {"number": "DOUBLE", "integer": "BIGINT", "list": "VARCHAR[]", "id_list": "VARCHAR[]"}


def quoted(name: str) -> str:
    """A name as a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def typed_table(sheet: str) -> str:
    """The screen's typed table of a sheet: named only for the contract's fixed sheets."""
    if sheet not in SHEETS:
        raise ValueError(f"not a sheet of the contract: {sheet!r}")
    return quoted(f"screen_{sheet}")


def on_sheet(template: str, sheet: str, column: str | None = None, **parts: str) -> str:
    """A statement `template` with the sheet's names filled in, from the contract's fixed lists only: {table} (its
    typed table), {stored} (its stored table), {key} (its first key column), {keys} (its key columns), {columns}
    (all its columns), {column} (`column`, which must be one of them); `parts` are statements of this module's
    templates already filled the same way."""
    spec = SHEETS[sheet]
    if column is not None and column not in spec.column_names:
        raise ValueError(f"not a column of the {sheet} sheet: {column!r}")
    return template.format(table=typed_table(sheet), stored=quoted(sheet), key=quoted(spec.key[0]),
                           keys=", ".join(quoted(c) for c in spec.key),
                           columns=", ".join(quoted(c) for c in spec.column_names),
                           column=quoted(column) if column is not None else None, **parts)


# Statements on the screen's own tables (portal/db.py runs them; values are always bound).
RAW_ROW_COUNT = "SELECT count(*) FROM " + RAW_TABLE
DROP_RAW = "DROP TABLE " + RAW_TABLE
ANY_BROKEN = "SELECT bool_or(broken) FROM {table}"  # whether any row of a typed sheet breaks a cell or row rule
DROP_TYPED = "DROP TABLE {table}"
TYPED_ROWS = "SELECT row_index + 2 AS row, broken, {columns} FROM {table} ORDER BY row_index"  # in file order
STORED_IDS = "SELECT {key} AS id FROM {stored}"
FILE_IDS = " UNION ALL SELECT {key} FROM {table}"
CLEAN_RECORDS = "SELECT {columns} FROM {table} ORDER BY row_index"  # a screened sheet's records, in file order
CODE_TABLE = "CREATE OR REPLACE TEMP TABLE {table} AS SELECT unnest($codes) AS code"  # {table}: of CODE_TABLES

# The set checks (set_checks): each counts the rows that break a rule across rows; every count must be 0.
DUPLICATE_KEYS = ("SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {key} IS NOT NULL GROUP BY {keys}"
                  " HAVING count(*) > 1)")
# A procedure's record_id, when given, is its whole key (validate.record_key).
DUPLICATE_PROCEDURE_KEYS = ("SELECT count(*) FROM (SELECT 1 FROM {table}"
                            " GROUP BY record_id, CASE WHEN record_id IS NULL THEN row({keys}) END"
                            " HAVING count(*) > 1)")
USED_IDS = "SELECT {column} AS id FROM {table} WHERE {column} IS NOT NULL"
USED_ID_LISTS = "SELECT unnest({column}) AS id FROM {table}"
UNKNOWN_IDS = ("SELECT count(*) FROM ({used}) AS used WHERE NOT EXISTS (SELECT 1 FROM ({known}) AS known"
               " WHERE known.id = used.id)")
STORED_RATES = "SELECT currency, year FROM fx_rates"
FILE_RATES = " UNION ALL SELECT currency, year FROM {table}"
# {column}: the date a cost is of (validate.COSTED_SHEETS).
COSTS_WITHOUT_RATE = ("SELECT count(*) FROM {table} AS costs WHERE cost_amount IS NOT NULL AND cost_currency IS NOT NULL"
                      " AND {column} IS NOT NULL AND cost_currency <> $base_currency AND NOT EXISTS (SELECT 1"
                      " FROM ({rates}) AS rates WHERE rates.currency = costs.cost_currency"
                      " AND rates.year = CAST({column}[1:4] AS INTEGER))")
STORED_STARTS = "SELECT programme_id, start_date FROM programmes"
FILE_STARTS = (" WHERE programme_id NOT IN (SELECT programme_id FROM {table})"
               " UNION ALL SELECT programme_id, start_date FROM {table}")
STORED_PEOPLE = "SELECT programme_id, person_name, role FROM participants"
FILE_PEOPLE = " UNION ALL SELECT programme_id, person_name, role FROM {table}"
FOLLOW_UPS_UNFOUNDED = (
    "SELECT count(*) FROM {table} AS follow_up JOIN ({starts}) AS starts USING (programme_id)"
    " WHERE NOT EXISTS (SELECT 1 FROM ({people}) AS people WHERE people.programme_id = follow_up.programme_id"
    " AND people.person_name = follow_up.person_name AND people.role = follow_up.role)"
    " OR coalesce(date_last(follow_up.date) < date_first(starts.start_date), false)")


def worth_screening(sheets: dict[str, SheetRows]) -> bool:
    """Whether the workbook's CSV files are large enough for the screen to be the faster check."""
    return sum(rows.csv_path.stat().st_size for rows in sheets.values() if rows.csv_path) >= SCREEN_FROM_BYTES


def screenable(sheets: dict[str, SheetRows]) -> bool:
    """Whether the screen can decide this workbook: CSV sheets of the contract with clean headers.

    Anything the row checker would warn about or refuse before reading a row (an unknown sheet or column,
    a missing sheet or column, a column twice) sends the workbook to the row checker.
    """
    if "institutions" not in sheets:
        return False
    for name, rows in sheets.items():
        if name in GUIDE_SHEETS:
            continue
        if name not in SHEETS or rows.csv_path is None or len(set(rows.header)) != len(rows.header):
            return False
        sheet = SHEETS[name]
        if any(column not in sheet.column_names for column in rows.header):
            return False
        if any(c.required and c.name not in rows.header for c in sheet.columns):
            return False
    return True


def code_statements() -> list[tuple[str, dict[str, object]]]:
    """Fill the code tables."""
    return [(CODE_TABLE.format(table=CODE_TABLES[kind]), {"codes": sorted(codes)})
            for kind, codes in (("country", COUNTRIES), ("currency", CURRENCIES))]


def load_statement(width: int) -> str:
    """Read a CSV file ($path) below its header, every cell as text, quoting as the csv module does."""
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    return (f"CREATE OR REPLACE TEMP TABLE {RAW_TABLE} AS SELECT * FROM read_csv($path, header = false, skip = 1,"
            f" all_varchar = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"',"
            f" strict_mode = true, null_padding = false, columns = {{{columns}}})")


def _cell_rule(column, text: str, params: dict[str, object], index: int) -> tuple[str, str]:
    """(value, broken) SQL for one column's cell text: its typed value, and when the cell breaks a rule."""
    kind = column.type
    if kind == "id":
        return text, f"NOT is_id({text})"
    if kind == "enum":
        params[f"choices_{index}"] = list(column.choices)
        return (f"lower({text})",
                f"NOT (regexp_full_match({text}, '[A-Za-z_]+') AND list_contains($choices_{index}, lower({text})))")
    if kind in ("country", "currency"):
        codes = CODE_TABLES[kind]
        return (f"upper({text})",
                f"NOT (regexp_full_match({text}, '[A-Za-z]{{3}}') AND upper({text}) IN (SELECT code FROM {codes}))")
    if kind == "partial_date":
        return text, f"NOT is_partial_date({text})"
    if kind in ("number", "integer"):
        high = column.maximum if column.maximum is not None else (MAX_INTEGER if kind == "integer" else MAX_NUMBER)
        low = column.minimum if column.minimum is not None else -high
        params[f"low_{index}"], params[f"high_{index}"] = float(low), float(high)
        number = f"number_of({text})"
        broken = (f"coalesce(NOT isfinite({number}) OR {number} < $low_{index} OR {number} > $high_{index}"
                  + (f" OR {number} <= 0" if column.name == "units_per_usd" else "")
                  + (f" OR {number} <> floor({number})" if kind == "integer" else "") + ", true)")
        return (f"TRY_CAST({number} AS BIGINT)" if kind == "integer" else number), broken
    if kind == "url":
        return text, f"NOT is_plain_url({text})"
    if kind == "list":
        return f"list_of({text})", "false"
    if kind == "id_list":
        every_id = f"list_bool_and(list_transform(list_of({text}), lambda item: is_id(item)))"
        return f"list_of({text})", f"coalesce(NOT {every_id}, false)"
    return text, "false"


def _row_rules(sheet: str, params: dict[str, object]) -> list[str]:
    """validate._check_row as SQL over the typed columns: true where a row breaks a rule across columns."""
    rules = []
    if sheet == "institutions":
        params["located"] = list(LOCATED_KINDS)
        rules.append("list_contains($located, kind) AND (latitude IS NULL OR longitude IS NULL)")
        rules.append("NOT list_contains($located, kind) AND ((latitude IS NULL) <> (longitude IS NULL))")
    if sheet == "programmes":
        rules.append("date_last(end_date) < date_first(start_date)")
    if sheet in ("programmes", "equipment"):
        rules.append("cost_amount IS NOT NULL AND cost_currency IS NULL")
    if sheet == "procedures":
        rules.append("complications > cases")
    return [f"coalesce({rule}, false)" for rule in rules]


def typed_statement(sheet: Sheet, header: list[str]) -> tuple[str, dict[str, object]]:
    """The sheet's rows as typed records, each with `broken`: true where a cell or the row breaks a rule.

    Rows whose cells are all blank are dropped, as the row checker drops them. Rules across a row's columns
    are evaluated only where its cells pass (a date that is no date would fail to convert).
    """
    params: dict[str, object] = {"max_cell_bytes": MAX_CELL_CHARS}
    position = {name: index for index, name in enumerate(header)}
    cells = ", ".join(f"unescaped_formula(c{i}) AS c{i}" for i in range(len(header)))
    # Bytes, not characters: a cell over the limit in bytes may still fit, and then the row checker decides.
    too_long = " OR ".join(f"coalesce(strlen(c{i}) > $max_cell_bytes, false)" for i in range(len(header))) or "false"
    texts = ", ".join(f"cell_text(c{position[c.name]}) AS {quoted(c.name)}" if c.name in position
                      else f"NULL::VARCHAR AS {quoted(c.name)}" for c in sheet.columns)
    all_blank = " AND ".join(f"{quoted(name)} IS NULL" for name in header) or "true"
    values, broken = [], []
    for index, column in enumerate(sheet.columns):
        text = quoted(column.name)
        value, rule = _cell_rule(column, text, params, index)
        values.append(f"CAST({value} AS {SQL_TYPES.get(column.type, 'VARCHAR')}) AS {text}")
        # NULL would read as "not broken": a rule that cannot decide counts as broken.
        broken.append(f"({text} IS NOT NULL AND coalesce({rule}, true))")
        if column.required:
            broken.append(f"({text} IS NULL)")
    rows = " OR ".join(_row_rules(sheet.name, params)) or "false"
    sql = f"""CREATE OR REPLACE TEMP TABLE {typed_table(sheet.name)} AS
SELECT *, cells_broken OR CASE WHEN NOT cells_broken THEN {rows} END AS broken FROM (
    SELECT row_index, {", ".join(values)}, {" OR ".join(broken)} OR too_long AS cells_broken FROM (
        SELECT row_index, {too_long} AS too_long, {texts} FROM (
            SELECT rowid AS row_index, {cells} FROM {RAW_TABLE}
        )
    ) WHERE NOT ({all_blank})
)"""
    return sql, params


def _known(sheet: str, present: set[str]) -> str:
    """The ids a reference to `sheet` may name: stored, or in this file."""
    return on_sheet(STORED_IDS + (FILE_IDS if sheet in present else ""), sheet)


def set_checks(sheet: Sheet, present: set[str]) -> list[tuple[str, dict[str, object]]]:
    """Counts of what breaks a rule across rows: duplicate keys, unknown references, missing fx rates,
    follow-ups of no participant or before their programme began. Every count must be 0."""
    name = sheet.name
    checks = [on_sheet(DUPLICATE_PROCEDURE_KEYS if name == "procedures" else DUPLICATE_KEYS, name)]
    for column in sheet.columns:
        if column.refers_to:
            used = on_sheet(USED_ID_LISTS if column.type == "id_list" else USED_IDS, name, column.name)
            checks.append(UNKNOWN_IDS.format(used=used, known=_known(column.refers_to, present)))
    if name in COSTED_SHEETS:
        rates = STORED_RATES + (on_sheet(FILE_RATES, "fx_rates") if "fx_rates" in present else "")
        checks.append(on_sheet(COSTS_WITHOUT_RATE, name, COSTED_SHEETS[name], rates=rates))
    if name == "follow_ups":
        starts = STORED_STARTS + (on_sheet(FILE_STARTS, "programmes") if "programmes" in present else "")
        people = STORED_PEOPLE + (on_sheet(FILE_PEOPLE, "participants") if "participants" in present else "")
        checks.append(on_sheet(FOLLOW_UPS_UNFOUNDED, name, starts=starts, people=people))
    return [(check, {"base_currency": BASE_CURRENCY} if "$base_currency" in check else {}) for check in checks]


def records_query(sheet: Sheet) -> str:
    """The clean records of a screened sheet, in the file's order."""
    return on_sheet(CLEAN_RECORDS, sheet.name)


def screened_sheets(sheets: dict[str, SheetRows]) -> list[str]:
    """The sheets the screen reads, in dependency order."""
    return [name for name in SHEET_ORDER if name in sheets]
