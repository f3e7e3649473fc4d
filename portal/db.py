"""The only code that touches DuckDB: scoped reads for the app, and atomic writes for imports.

Readers (the app) attach the database file read-only. Writers (imports, seeding) never change that file in
place: they copy it, change the copy, and rename the copy over the original. A rename is atomic, so a
reader sees the old database or the new one, never half an import; a rejected import leaves the file
byte-for-byte as it was; and the app never holds a lock that would make an import wait or fail. Writers
take turns through a lock file beside the database.
"""

from __future__ import annotations

import errno
import fcntl
import glob
import hashlib
import json
import logging
import os
import re
import shutil
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from portal import screen
from portal.contract import SHEET_ORDER, SHEETS, Sheet, SheetRows
from portal.validate import CheckedWorkbook, Existing
from portal.workbook import MAX_ROWS, plain_csv_lines

_log = logging.getLogger(__name__)  # what operators may want to see, off unless logging is configured

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_DIR / "data" / "portal.duckdb"
SQL_DIR = Path(__file__).parent / "sql"
QUERIES_DIR = Path(__file__).parent / "queries"
PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")

JSON_TYPES = {"number": "DOUBLE", "integer": "INTEGER", "list": ["VARCHAR"], "id_list": ["VARCHAR"]}
# A change (an upload on the Data page runs inside the server) may use this much of DuckDB's memory; beyond it
# DuckDB spills to a temporary folder beside the working copy. A million-row import into the 10M-row
# benchmark database stays under it (BENCHMARKS.md, "Importing").
WRITER_MEMORY = "512MB"


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: the one named, else $PORTAL_DB, else data/portal.duckdb."""
    return Path(explicit or os.environ.get("PORTAL_DB") or DEFAULT_DB)


class DatabaseUnavailable(Exception):
    """The database file is missing or cannot be read as a database; `path` names it, `reason` says which."""

    def __init__(self, path: Path, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {path}" + (f" ({detail})" if detail else ""))
        self.path, self.reason, self.detail = path, reason, detail  # reason: "missing" or "unreadable"


class WriteFailed(Exception):
    """The database could not be written (disk full, a read-only folder...); nothing changed.

    `reason` is "disk_full", "read_only", "no_folder" or "other"; `detail` is the system's own words.
    """

    def __init__(self, path: Path, reason: str, detail: str):
        super().__init__(f"{path}: {reason} ({detail})")
        self.path, self.reason, self.detail = path, reason, detail

    @classmethod
    def of(cls, path: Path, error: BaseException) -> "WriteFailed":
        """Name what went wrong from the error the system or DuckDB raised."""
        text = str(error)
        code = getattr(error, "errno", None)
        if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) or any(
                words in text for words in ("No space left", "File too large", "Disk quota",
                                            "Current transaction is aborted")):
            return cls(path, "disk_full", text)
        if code in (errno.EACCES, errno.EPERM, errno.EROFS) or "Permission denied" in text or \
                "Read-only file system" in text:
            return cls(path, "read_only", text)
        if isinstance(error, FileNotFoundError) and not path.parent.is_dir():
            return cls(path, "no_folder", text)
        return cls(path, "other", text)


@dataclass(frozen=True)
class Scope:
    """What a viewer may see. Every read takes one; the rules themselves are the visible_* macros."""

    role: str = "ministry"
    institution_id: str | None = None  # a partner's own institution; None sees every institution
    names_visible: bool = True  # people's names
    costs_visible: bool = True  # amounts of money


FULL_SCOPE = Scope()
QueryError = duckdb.Error  # what a failed read raises, for callers that must not import DuckDB


@lru_cache(maxsize=None)
def query_text(name: str) -> str:
    """The SQL of portal/queries/NAME.sql."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _bind(sql: str, scope: Scope, params: dict[str, object]) -> dict[str, object]:
    """The parameters the statement names: the scope's and the caller's, nothing more (DuckDB rejects extras).

    `$scope` is the struct the visible_* macros take: the viewer's access plus their choice to see
    illustrative rows (`include_illustrative`, default true).
    """
    params = dict(params)
    available = {"scope": {"institution": scope.institution_id,
                           "illustrative": bool(params.pop("include_illustrative", True)),
                           "names": scope.names_visible, "costs": scope.costs_visible}, **params}
    wanted = set(PARAMETER.findall(sql))
    missing = wanted - available.keys()
    if missing:
        raise KeyError(f"query needs parameters {sorted(missing)}")
    return {name: available[name] for name in wanted}


# ---------------------------------------------------------------- reading


def file_identity(path: Path) -> tuple[int, int, int] | None:
    """What changes when a writer swaps a new database in: inode, modification time, size."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


class Store:
    """The process's one connection to the database, reopened when a writer has swapped in a new file."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, int, int] | None = None

    def version(self) -> tuple[int, int, int] | None:
        """The identity of the database file now: a key for caches, new after every import."""
        return file_identity(self.path)

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the current database (a cursor per query: DuckDB connections are not thread-safe)."""
        with self._lock:
            identity = file_identity(self.path)
            if identity is None:
                raise DatabaseUnavailable(self.path, "missing")
            if identity != self._identity or self._connection is None:
                try:
                    self._reopen(identity)
                except duckdb.Error as error:  # not a DuckDB file, damaged, or not readable by this process
                    raise DatabaseUnavailable(self.path, "unreadable", str(error)) from None
            cursor = self._connection.cursor()
        try:
            cursor.execute("USE portal")
            yield cursor
        finally:
            cursor.close()

    def problem(self) -> DatabaseUnavailable | None:
        """Why the database cannot be read now (missing, unreadable), or None when it can."""
        try:
            with self.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM imports").fetchall()
        except DatabaseUnavailable as unavailable:
            return unavailable
        except duckdb.Error as error:  # a DuckDB file, but not the portal's
            return DatabaseUnavailable(self.path, "unreadable", str(error))
        return None

    def _reopen(self, identity: tuple[int, int, int]) -> None:
        # An in-memory database that attaches the file: a fresh instance each time, so a swapped-in file
        # is really read anew. The old connection is not closed here (DuckDB refuses while a cursor is busy
        # on it): queries running on it finish on the old file, and it closes once the last one lets go.
        connection = duckdb.connect(":memory:")
        connection.execute("ATTACH $path AS portal (READ_ONLY)", {"path": str(self.path)})
        self._connection, self._identity = connection, identity

    def sheet_records(self, sheet: str, limit: int) -> pd.DataFrame:
        """A sheet's stored records in key order, as Python values (None when missing), for editing."""
        with self.cursor() as cursor:
            rows = cursor.execute(_sheet_query(sheet) + " LIMIT $limit", {"limit": limit}).fetchall()
        return pd.DataFrame(rows, columns=list(SHEETS[sheet].column_names), dtype=object)

    def current_record(self, sheet: str, key: dict[str, object]) -> dict[str, object] | None:
        """The stored record of `sheet` with this key now, or None (for a review's comparison)."""
        with self.cursor() as cursor:
            return _record(cursor, sheet, key)

    def current_records(self, sheet: str, keys: list[dict[str, object]]) -> list[dict[str, object] | None]:
        """The stored records of `sheet` with these keys now, in their order (None for one not stored), in one read."""
        with self.cursor() as cursor:
            return _records(cursor, sheet, keys)

    def read(self, query: str, scope: Scope, **params: object) -> pd.DataFrame:
        """Run portal/queries/QUERY.sql for this scope, values bound, and return its rows."""
        return self.read_sql(query_text(query), scope, **params)

    def read_sql(self, sql: str, scope: Scope, **params: object) -> pd.DataFrame:
        """Run one query's SQL text (the benchmarks' old versions of page queries) like `read`."""
        with self.cursor() as cursor:
            return cursor.execute(sql, _bind(sql, scope, params)).df()


def page_sql(query: str) -> str:
    """QUERY.sql cut to one page ($page_limit rows from $page_offset), in the query's own order."""
    return ("SELECT * FROM (\n" + query_text(query).strip().rstrip(";") +
            "\n) LIMIT $page_limit OFFSET $page_offset")


def stream_page(store: "Store", query: str, scope: Scope, batch_rows: int = 256,
                **params: object) -> Iterator[pa.RecordBatch]:
    """One page of QUERY.sql for this scope (`page_limit`, `page_offset` among the params), batch by batch,
    so a response is written as DuckDB produces it rather than held whole."""
    sql = page_sql(query)
    with store.cursor() as cursor:
        reader = cursor.sql(sql, params=_bind(sql, scope, params)).to_arrow_reader(batch_rows)
        yield from reader


def result_schema(store: "Store", query: str, **params: object) -> pa.Schema:
    """The columns QUERY.sql returns and their types (no row is read: the page is cut to none)."""
    sql = page_sql(query)
    with store.cursor() as cursor:
        return cursor.sql(sql, params=_bind(sql, FULL_SCOPE, {**params, "page_limit": 0, "page_offset": 0})) \
            .to_arrow_reader(1).schema


def open_store(path: Path | None = None) -> Store:
    """A store for the database at `path` (the app caches one per process with st.cache_resource)."""
    return Store(database_path(path))


# ---------------------------------------------------------------- writing


class Writer:
    """A read-write connection on a working copy of the database, for one change to it."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, base_version: tuple | None,
                 totals_missing: bool = False):
        self.connection = connection
        self.base_version = base_version  # the identity of the database file this copy was made from
        self.change_ids: list[int] = []  # the changes logged through this writer
        # True when procedure_totals must be rebuilt whole at commit: a fresh database, or one from before
        # the table or one of its columns existed. A bulk writer (the synthetic build) that refreshes as it goes
        # may clear it.
        self.totals_missing = totals_missing
        # Institutions whose procedure rows this writer's merges added or changed, read off each merge itself:
        # DuckDB 2.0.0 can miss rows its own transaction appended in bulk to a large `changes` table when
        # filtering on import_id (a 10M-row database built by 50 imports kept empty totals), so the change log
        # is not the only source.
        self.merged_institutions: set[str] = set()
        # The first records per sheet a merge added or changed, kept only when a preview will read them (read off
        # the merge for the same reason: the change log's own new rows may not be found by import_id inside the
        # transaction).
        self.merged_samples: list[pd.DataFrame] = []

    def refresh_procedure_totals(self, institutions: list[str] | None = None) -> None:
        """Rebuild procedure_totals for these institutions (None: all) from the procedure rows."""
        self.run_script(_sql("procedure_totals"), {"everything": institutions is None,
                                                   "institutions": list(institutions or [])})

    def touched_institutions(self) -> list[str]:
        """The institutions whose procedure rows this writer's changes (or the changes it rolled back) touched."""
        rows = self.connection.execute(
            "SELECT DISTINCT unnest([json_extract_string(before, '$.institution_id'),"
            " json_extract_string(after, '$.institution_id')]) AS institution_id FROM changes"
            " WHERE sheet = 'procedures' AND (list_contains($ids, import_id) OR import_id IN"
            " (SELECT import_id FROM imports WHERE list_contains($ids, rolled_back_by)))",  # what a rollback undid
            {"ids": self.change_ids}).fetchall()
        return sorted({row[0] for row in rows if row[0] is not None} | self.merged_institutions)

    def bring_totals_in_step(self) -> None:
        """Make procedure_totals equal the procedure rows again, for what this writer changed."""
        if self.totals_missing:
            self.refresh_procedure_totals(None)
        elif self.change_ids:
            touched = self.touched_institutions()
            if touched:
                self.refresh_procedure_totals(touched)

    def existing(self) -> Existing:
        """The ids and fx rates already stored, which a file may refer to."""
        cursor = self.connection.cursor()
        ids = {sheet: {row[0] for row in cursor.execute(_identifiers("SELECT {key} FROM {table}", sheet)).fetchall()}
               for sheet in ("institutions", "programmes", "equipment")}
        rates = {(c, y) for c, y in cursor.execute("SELECT currency, year FROM fx_rates").fetchall()}
        participants = set(cursor.execute("SELECT programme_id, person_name, role FROM participants").fetchall())
        starts = dict(cursor.execute("SELECT programme_id, start_date FROM programmes").fetchall())
        return Existing(ids=ids, fx_pairs=rates, participants=participants, programme_starts=starts)

    def screen(self, sheets: dict[str, SheetRows]) -> CheckedWorkbook | None:
        """A CSV workbook checked in SQL (portal/screen.py): its clean records, or None when the screen finds
        anything or cannot read the files exactly, and the row checker must name the problems."""
        if not screen.screenable(sheets):
            return None
        try:
            with self._screening() as cursor:
                names = screen.screened_sheets(sheets)
                for name in names:
                    if not self._screen_sheet(cursor, name, sheets[name]) or \
                            cursor.execute(screen.on_sheet(screen.ANY_BROKEN, name)).fetchall()[0][0]:
                        return None
                for name in names:
                    for check, params in screen.set_checks(SHEETS[name], set(names)):
                        if cursor.execute(check, params).fetchall()[0][0]:
                            return None
                tables = {}
                for name in names:
                    sheet = SHEETS[name]
                    schema = sheet.records_table([]).schema
                    tables[name] = cursor.sql(screen.records_query(sheet)).to_arrow_table().cast(schema)
                    cursor.execute(screen.on_sheet(screen.DROP_TYPED, name))
                return CheckedWorkbook(tables, [], [])
        except duckdb.Error as error:  # a file DuckDB cannot read exactly, or a fault: the row checker reads it
            _log.info("import screen left the file to the row checker: %s", error)
        return None

    def screened_rows(self, name: str, rows: SheetRows) -> pa.Table | None:
        """One CSV sheet as the screen types it: `row` (as a spreadsheet numbers it), `broken` (a cell or a rule
        of the row fails) and the typed columns; None when the screen leaves the file to the row checker."""
        try:
            with self._screening() as cursor:
                if self._screen_sheet(cursor, name, rows):
                    return cursor.sql(screen.on_sheet(screen.TYPED_ROWS, name)).to_arrow_table()
        except duckdb.Error as error:
            _log.info("import screen left the file to the row checker: %s", error)
        return None

    @contextmanager
    def _screening(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own with the screen's macros and code tables: a statement that fails there leaves the
        writer's transaction usable."""
        cursor = self.connection.cursor()
        try:
            cursor.execute("SET enable_progress_bar = false")
            cursor.execute(_sql("screen"))
            for statement, params in screen.code_statements():
                cursor.execute(statement, params)
            yield cursor
        finally:
            cursor.close()

    @staticmethod
    def _screen_sheet(cursor: duckdb.DuckDBPyConnection, name: str, rows: SheetRows) -> bool:
        """Read a CSV sheet into its typed table; False if the file is not plain enough to read exactly."""
        lines = plain_csv_lines(rows.csv_path)
        if lines is None:
            return False
        cursor.execute(screen.load_statement(len(rows.header)), {"path": str(rows.csv_path)})
        read = cursor.execute(screen.RAW_ROW_COUNT).fetchall()[0][0]
        if read + 1 != lines or read + 1 > MAX_ROWS:  # blank lines, or more rows than allowed
            return False
        statement, params = screen.typed_statement(SHEETS[name], rows.header)
        cursor.execute(statement, params)
        cursor.execute(screen.DROP_RAW)
        return True

    def run_script(self, script: str, params: dict[str, object]) -> None:
        """Run a SQL script statement by statement, binding to each the parameters it names."""
        # DuckDB binds parameters only in a script's last statement, so run the statements one by one.
        for part in script.split(";\n"):
            statement = "\n".join(line for line in part.splitlines() if not line.lstrip().startswith("--")).strip()
            if statement:
                self.connection.execute(statement, {k: v for k, v in params.items()
                                                    if f"${k}" in statement}).fetchall()

    def begin(self, action: str, user: str, file_name: str | None = None, checksum: str | None = None,
              rolls_back: int | None = None, submitted_by: str | None = None) -> int:
        """Log the start of a change (import, seed, edit, deletion, rollback, accepted submission); return its id."""
        import_id = self.connection.execute(
            "INSERT INTO imports (import_id, action, imported_at, imported_by, file_name, file_sha256, rolls_back,"
            " submitted_by) VALUES (nextval('import_ids'), $action, $at, $user, $file, $sha, $rolls_back,"
            " $submitted_by) RETURNING import_id",
            {"action": action, "at": datetime.now(timezone.utc), "user": user, "file": file_name,
             "sha": checksum, "rolls_back": rolls_back, "submitted_by": submitted_by}).fetchall()[0][0]
        self.change_ids.append(import_id)
        return import_id

    def existing_in_scope(self, institution_id: str) -> Existing:
        """The ids a partner may refer to: those its scope can see (others read as unknown), and every fx rate."""
        # Names visible: a partner sees the people of its own programmes, and follow-ups must name one of them.
        scope = {"institution": institution_id, "illustrative": True, "names": True, "costs": False}
        cursor = self.connection.cursor()
        ids = {sheet: {row[0] for row in cursor.execute(
            _identifiers("SELECT {key} FROM visible_{table}($scope)", sheet), {"scope": scope}).fetchall()}
            for sheet in ("institutions", "programmes", "equipment")}
        rates = {(c, y) for c, y in cursor.execute("SELECT currency, year FROM fx_rates").fetchall()}
        participants = set(cursor.execute("SELECT programme_id, person_name, role FROM visible_participants($scope)",
                                          {"scope": scope}).fetchall())
        starts = dict(cursor.execute("SELECT programme_id, start_date FROM visible_programmes($scope)",
                                     {"scope": scope}).fetchall())
        return Existing(ids=ids, fx_pairs=rates, participants=participants, programme_starts=starts)

    def store_submission(self, account: str, institution_id: str, file_name: str | None, checksum: str | None,
                         records: list[tuple[str, int | None, dict, dict | None]], kind: str = "workbook") -> int:
        """Keep a partner's submission (sheet, row, proposed and base image per record) pending; return its id."""
        submission_id = self.connection.execute(
            "INSERT INTO submissions (submission_id, account, institution_id, sent_at, state, file_name, file_sha256,"
            " kind) VALUES (nextval('submission_ids'), $account, $institution, $at, 'pending', $file, $sha, $kind)"
            " RETURNING submission_id",
            {"account": account, "institution": institution_id, "at": datetime.now(timezone.utc), "file": file_name,
             "sha": checksum, "kind": kind}).fetchall()[0][0]
        self.connection.executemany(
            "INSERT INTO submission_records (submission_id, sheet, row_number, proposed, base)"
            " VALUES ($id, $sheet, $row, $proposed, $base)",
            [{"id": submission_id, "sheet": sheet, "row": row, "proposed": _json(proposed),
              "base": None if base is None else _json(base)} for sheet, row, proposed, base in records])
        return submission_id

    def submission(self, submission_id: int) -> tuple[dict[str, object], list[tuple[str, int | None, dict, dict | None]]] | None:
        """A submission's row and its records (sheet, row, proposed, base), or None if there is none."""
        cursor = self.connection.execute("SELECT * FROM submissions WHERE submission_id = $id", {"id": submission_id})
        rows = cursor.fetchall()
        if not rows:
            return None
        header = dict(zip([d[0] for d in cursor.description], rows[0]))
        records = self.connection.execute(
            "SELECT sheet, row_number, proposed::VARCHAR, base::VARCHAR FROM submission_records"
            " WHERE submission_id = $id ORDER BY rowid", {"id": submission_id}).fetchall()
        return header, [(sheet, row, json.loads(proposed), json.loads(base) if base else None)
                        for sheet, row, proposed, base in records]

    def review_submission(self, submission_id: int, state: str, reviewer: str, reason: str | None,
                          import_id: int | None = None) -> None:
        """Record an administrator's decision on a submission."""
        self.connection.execute(
            "UPDATE submissions SET state = $state, reviewer = $reviewer, reason = $reason, reviewed_at = $at,"
            " import_id = $import_id WHERE submission_id = $id",
            {"state": state, "reviewer": reviewer, "reason": reason, "at": datetime.now(timezone.utc),
             "import_id": import_id, "id": submission_id}).fetchall()

    def decide_records(self, submission_id: int, accepted: set[int]) -> None:
        """Mark each record of a submission accepted (its position, in the order sent, is in `accepted`) or rejected."""
        rowids = [row[0] for row in self.connection.execute(
            "SELECT rowid FROM submission_records WHERE submission_id = $id ORDER BY rowid",
            {"id": submission_id}).fetchall()]
        self.connection.executemany(
            "UPDATE submission_records SET state = $state WHERE rowid = $rowid",
            [{"state": "accepted" if position in accepted else "rejected", "rowid": rowid}
             for position, rowid in enumerate(rowids)])

    def merge(self, import_id: int, tables: dict[str, pa.Table],
              progress: Callable[[str], None] | None = None, sample: int = 0) -> dict[str, Counts]:
        """Add or update every record (checked tables, by sheet), logging each change, keeping the first `sample`
        added or changed records per sheet for `changes`; return the counts per sheet."""
        counts = {}
        template = _sql("merge")
        for name in SHEET_ORDER:
            if name not in tables:
                continue
            if progress:
                progress(name)
            sheet = SHEETS[name]
            self.connection.register("incoming", tables[name])
            try:
                self.run_script(_statement(template, sheet), {"import_id": import_id})
                if sample:
                    self.merged_samples.append(self.connection.execute(
                        "SELECT $sheet AS sheet, before_image::VARCHAR AS before, after_image::VARCHAR AS after"
                        " FROM merge_status WHERE merge_status <> 'unchanged' LIMIT $limit",
                        {"sheet": name, "limit": sample}).df())
                if name == "procedures":
                    self.merged_institutions.update(row[0] for row in self.connection.execute(
                        "SELECT institution_id FROM merge_status WHERE merge_status <> 'unchanged' UNION"
                        " SELECT json_extract_string(before_image, '$.institution_id') FROM merge_status"
                        " WHERE merge_status = 'changed'").fetchall() if row[0] is not None)
                added, changed, unchanged = self.connection.execute(
                    "SELECT count(*) FILTER (merge_status = 'added'), count(*) FILTER (merge_status = 'changed'),"
                    " count(*) FILTER (merge_status = 'unchanged') FROM merge_status").fetchall()[0]
            finally:
                self.connection.unregister("incoming")
            counts[name] = Counts(added, changed, unchanged)
        self.connection.execute("DROP TABLE IF EXISTS merge_status")
        self.record_counts(import_id, counts)
        return counts

    def record_counts(self, import_id: int, counts: dict[str, Counts]) -> None:
        """Store a change's per-sheet counts."""
        if not counts:
            return
        self.connection.executemany(
            "INSERT INTO import_counts (import_id, sheet, added, changed, unchanged, removed)"
            " VALUES ($id, $sheet, $added, $changed, $unchanged, $removed)",
            [{"id": import_id, "sheet": sheet, "added": c.added, "changed": c.changed, "unchanged": c.unchanged,
              "removed": c.removed} for sheet, c in counts.items()])

    def changes(self) -> pd.DataFrame:
        """The added or changed records this writer's merges kept (their `sample` per sheet): sheet, before and
        after images (JSON text)."""
        if not self.merged_samples:
            return pd.DataFrame(columns=["sheet", "before", "after"])
        return pd.concat(self.merged_samples, ignore_index=True)

    def undo(self, import_id: int, rollback_id: int) -> dict[str, Counts]:
        """Reverse one change's effect on every sheet and mark it rolled back by `rollback_id`."""
        counts = {}
        template = _sql("undo")
        for name in reversed(SHEET_ORDER):
            removed, reverted, restored = self.connection.execute(
                "SELECT count(*) FILTER (before IS NULL), count(*) FILTER (before IS NOT NULL AND after IS NOT NULL),"
                " count(*) FILTER (after IS NULL) FROM changes WHERE import_id = $id AND sheet = $sheet",
                {"id": import_id, "sheet": name}).fetchall()[0]
            if removed + reverted + restored == 0:
                continue
            self.run_script(_statement(template, SHEETS[name]), {"import_id": import_id})
            counts[name] = Counts(added=restored, changed=reverted, removed=removed)
        self.connection.execute("DROP TABLE IF EXISTS undo_written")
        self.connection.execute("UPDATE imports SET rolled_back_by = $by WHERE import_id = $id",
                                {"by": rollback_id, "id": import_id}).fetchall()
        return counts

    def delete(self, import_id: int, sheet: str, key: dict[str, object]) -> int:
        """Delete the record with this key, logging it; return how many records were deleted (0 or 1)."""
        self.connection.register("incoming", SHEETS[sheet].records_table([key]))
        try:
            before = self.connection.execute("SELECT count(*) FROM changes").fetchall()[0][0]
            self.run_script(_statement(_sql("delete"), SHEETS[sheet]), {"import_id": import_id})
            deleted = self.connection.execute("SELECT count(*) FROM changes").fetchall()[0][0] - before
        finally:
            self.connection.unregister("incoming")
        self.record_counts(import_id, {sheet: Counts(removed=deleted)})
        return deleted

    def references(self, sheet: str, record_id: str) -> list[tuple[str, str, int]]:
        """What refers to a record: (sheet, column, how many rows) for every reference that exists."""
        found = []
        for other in SHEETS.values():
            for column in other.columns:
                if column.refers_to != sheet:
                    continue
                test = "list_contains({column}, $id)" if column.type == "id_list" else "{column} = $id"
                # Names come from the contract's fixed lists; the id is bound.
                statement = ("SELECT count(*) FROM {table} WHERE " + test).format(table=other.name,
                                                                                   column=column.name)
                count = self.connection.execute(statement, {"id": record_id}).fetchall()[0][0]
                if count:
                    found.append((other.name, column.name, count))
        return found

    def follow_ups_naming(self, participant: dict[str, object]) -> int:
        """How many follow-ups name this participant (its programme_id, person_name and role)."""
        key = {c: participant.get(c) for c in ("programme_id", "person_name", "role")}
        return self.connection.execute(query_text("participant_follow_ups"), key).fetchall()[0][0]

    def record(self, sheet: str, key: dict[str, object]) -> dict[str, object] | None:
        """The stored record with this key, or None."""
        return _record(self.connection, sheet, key)

    def last_change(self) -> int | None:
        """The newest change still in effect (not a rollback, not rolled back)."""
        rows = self.connection.execute(
            "SELECT max(import_id) FROM imports WHERE rolled_back_by IS NULL AND action <> 'rollback'").fetchall()
        return rows[0][0]

    def change_summary(self, import_id: int) -> tuple[str, int | None] | None:
        """(action, rolled_back_by) of a change, or None if there is no such change."""
        rows = self.connection.execute("SELECT action, rolled_back_by FROM imports WHERE import_id = $id",
                                       {"id": import_id}).fetchall()
        return rows[0] if rows else None

    def undoable_since(self, import_id: int) -> list[int]:
        """The changes a rollback of `import_id` must undo: it and every later one still in effect, newest first."""
        rows = self.connection.execute(query_text("changes_in_effect_since"), {"import_id": import_id}).fetchall()
        return [row[0] for row in rows]


def _record(connection: duckdb.DuckDBPyConnection, sheet: str, key: dict[str, object]) -> dict[str, object] | None:
    """The stored record of `sheet` with this key (other fields of `key` are ignored), or None."""
    return _records(connection, sheet, [key])[0]


def _records(connection: duckdb.DuckDBPyConnection, sheet: str,
             keys: list[dict[str, object]]) -> list[dict[str, object] | None]:
    """The stored records of `sheet` with these keys, in their order (None where none is stored)."""
    columns = SHEETS[sheet].key + (("record_id",) if sheet == "procedures" else ())
    incoming = SHEETS[sheet].records_table([{c: key.get(c) for c in columns} for key in keys])
    # each key's position, to give every key its record (or None) in the order asked
    connection.register("incoming", incoming.append_column("key_position", pa.array(range(len(keys)), pa.int64())))
    try:
        statement = "SELECT incoming.key_position, existing.* FROM {table} AS existing, incoming WHERE {match}".format(
            table=sheet, match=_key_match(SHEETS[sheet]))
        cursor = connection.execute(statement)
        rows = cursor.fetchall()
        names = [d[0] for d in cursor.description][1:]
    finally:
        connection.unregister("incoming")
    found: list[dict[str, object] | None] = [None] * len(keys)
    for position, *values in rows:
        found[position] = dict(zip(names, values))
    return found


def _json(record: dict[str, object]) -> str:
    return json.dumps(record, default=str, ensure_ascii=False)


@dataclass(frozen=True)
class Counts:
    """What a change did to one sheet: records added, changed, left unchanged and removed."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0


def _identifiers(template: str, sheet: str) -> str:
    # Table and column names come from the contract's fixed lists only.
    return template.format(key=SHEETS[sheet].key[0], table=sheet)


def _key_parts(sheet: Sheet) -> list[str]:
    """Expressions, evaluated for `incoming` and `existing`, that are equal exactly when keys match."""
    if sheet.name == "procedures":
        # record_id, when given, is the whole key; otherwise the composite key among rows without one.
        return ["{t}.record_id"] + [f"CASE WHEN {{t}}.record_id IS NULL THEN {{t}}.{c} END" for c in sheet.key]
    return ["{t}." + c for c in sheet.key]


def _key_match(sheet: Sheet) -> str:
    """SQL that is true when `incoming` and `existing` rows have the same key."""
    return " AND ".join(
        f"{part.format(t='incoming')} IS NOT DISTINCT FROM {part.format(t='existing')}" for part in _key_parts(sheet))


def _statement(template: str, sheet: Sheet) -> str:
    """Fill a merge, undo or delete template with one sheet's table, columns, key match and JSON structure."""
    key_match = _key_match(sheet)
    values = [c for c in sheet.column_names]
    values_differ = "ROW({}) IS DISTINCT FROM ROW({})".format(
        ", ".join(f"incoming.{c}" for c in values), ", ".join(f"existing.{c}" for c in values))
    structure = json.dumps({c.name: JSON_TYPES.get(c.type, "VARCHAR") for c in sheet.columns})
    return template.format(table=sheet.name, columns=", ".join(sheet.column_names), key_match=key_match,
                           values_differ=values_differ, structure=structure)


def create_schema(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the tables and macros (idempotent), and note which schema the file now has."""
    connection.execute(_sql("schema"))
    connection.execute("CREATE TABLE IF NOT EXISTS schema_version (sha256 VARCHAR NOT NULL)")
    connection.execute("DELETE FROM schema_version")
    connection.execute("INSERT INTO schema_version VALUES ($sha)", {"sha": schema_sha256()})


def procedure_totals_columns(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """The columns procedure_totals has in this file (none: the table does not exist yet)."""
    return [row[0] for row in connection.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'procedure_totals' ORDER BY column_index"
    ).fetchall()]


def schema_sha256() -> str:
    """The identity of this code's schema (portal/sql/schema.sql): a file written by older code has another."""
    return hashlib.sha256(_sql("schema").encode()).hexdigest()


def upgrade(path: Path) -> bool:
    """Bring a database written by an older version to this schema (new tables, new macros); True if it did.

    Readers open the file read-only and so use the macros stored in it: without this, a page whose query
    needs a newer table or macro would fail on a database from before the upgrade.
    """
    path = Path(path)
    if not path.exists():
        return False
    try:
        with duckdb.connect(str(path), read_only=True) as connection:
            found = connection.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version'").fetchall()[0][0]
            current = found and connection.execute("SELECT any_value(sha256) FROM schema_version").fetchall()[0][0]
    except duckdb.Error:  # unreadable or not the portal's: the app says so to the viewer
        return False
    if current == schema_sha256():
        return False
    with writing(path):
        pass  # writing() creates the schema on its copy and publishes it atomically
    return True


@contextmanager
def writing(path: Path, fresh: bool = False) -> Iterator[Writer]:
    """Change the database atomically: on success the changed copy replaces the file, else nothing changes.

    With `fresh`, start from an empty database instead of a copy of the current one. A fault (disk full,
    read-only folder, a folder that does not exist) raises WriteFailed and leaves no working copy behind.
    The file keeps its permissions.
    """
    path = Path(path)
    try:
        lock = open(path.with_name(path.name + ".lock"), "a")
    except OSError as error:
        raise WriteFailed.of(path, error) from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # writers take turns; readers never wait
        remove_stale_copies(path)
        working = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        connection = None
        try:
            base_version = file_identity(path)
            if path.exists() and not fresh:
                shutil.copyfile(path, working)
                os.chmod(working, stat.S_IMODE(path.stat().st_mode))  # chmod 600 stays 600
            connection = duckdb.connect(str(working), config={"memory_limit": WRITER_MEMORY})
            # No progress bar: DuckDB would draw it on the command line's output between the portal's messages.
            connection.execute("SET enable_progress_bar = false")
            totals_columns = procedure_totals_columns(connection)
            create_schema(connection)
            # The schema created the table or added a column to it (a file from older code): rebuild it whole.
            totals_missing = procedure_totals_columns(connection) != totals_columns
            connection.execute("BEGIN TRANSACTION")
            writer = Writer(connection, base_version, totals_missing)
            yield writer
            writer.bring_totals_in_step()  # in the same transaction: no reader sees detail and totals disagree
            connection.execute("COMMIT")
            connection.execute("CHECKPOINT")  # everything in the file, no write-ahead log left behind
            connection.close()
            _fsync(working)
            os.replace(working, path)
            _fsync(path.parent)
        except (OSError, duckdb.Error) as error:
            raise WriteFailed.of(path, error) from error
        finally:
            if connection is not None:
                connection.close()
            _remove(working)


def remove_stale_copies(path: Path) -> None:
    """Remove what writers killed before they could clean up left beside `path`: their working copies,
    write-ahead logs and spill folders, and the seed builds of processes that no longer run.

    Called with the writer lock held: every writer holds it while its working copy exists, so any copy
    found then belongs to a writer that is gone.
    """
    folder, name = path.parent, glob.escape(path.name)
    for leftover in folder.glob(f".{name}.*.tmp*"):
        _remove_path(leftover)
    for building in folder.glob(f".{name}.seed-*"):
        pid = building.name.rsplit("seed-", 1)[1].split(".")[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            for leftover in (building, *folder.glob(f".{glob.escape(building.name)}.*.tmp*")):
                _remove_path(leftover)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _remove_path(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove(path: Path) -> None:
    # The working copy, its write-ahead log and the folder DuckDB spills to (beside the file, ".tmp").
    for leftover in (path, path.with_name(path.name + ".wal"), path.with_name(path.name + ".tmp")):
        _remove_path(leftover)


def create_empty(path: Path) -> None:
    """Create an empty database (tables, no rows) at `path`, replacing nothing that exists."""
    if not path.exists():
        with writing(path, fresh=True):
            pass


# ---------------------------------------------------------------- exporting


def _sheet_query(name: str) -> str:
    """SELECT every contract column of a sheet in key order (names from the contract's fixed lists)."""
    sheet = SHEETS[name]
    order = ", ".join(("record_id",) + sheet.key if name == "procedures" else sheet.key)
    return "SELECT {columns} FROM {table} ORDER BY {order}".format(
        columns=", ".join(sheet.column_names), table=name, order=order)


def export_tables(path: Path, sheets: tuple[str, ...] = SHEET_ORDER) -> dict[str, list[dict[str, object]]]:
    """Every record of `sheets` (default: all), in a stable order, as the contract names them."""
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("ATTACH $path AS portal (READ_ONLY)", {"path": str(path)})
        connection.execute("USE portal")
        tables = {}
        for name in sheets:
            rows = connection.execute(_sheet_query(name)).fetchall()
            tables[name] = [dict(zip(SHEETS[name].column_names, row)) for row in rows]
        return tables
    finally:
        connection.close()


# ---------------------------------------------------------------- ROR lookup

def ror_path(database: Path) -> Path:
    """Where a loaded ROR dump is kept: a file beside the portal's database, never part of its data."""
    return Path(database).with_suffix(".ror.duckdb")


def load_ror(database: Path, organisations: list[dict]) -> int:
    """Replace the loaded ROR dump with these organisations (written aside, then moved into place)."""
    target = ror_path(database)
    working = target.with_suffix(".loading")
    working.unlink(missing_ok=True)
    try:
        connection = duckdb.connect(str(working))
        try:
            connection.execute("CREATE TABLE ror (ror_id VARCHAR, name VARCHAR, names VARCHAR[], city VARCHAR, "
                               "country VARCHAR, latitude DOUBLE, longitude DOUBLE)")
            table = pa.Table.from_pylist(organisations, schema=pa.schema([
                ("ror_id", pa.string()), ("name", pa.string()), ("names", pa.list_(pa.string())),
                ("city", pa.string()), ("country", pa.string()), ("latitude", pa.float64()),
                ("longitude", pa.float64())]))
            connection.register("loaded", table)
            connection.execute("INSERT INTO ror SELECT * FROM loaded")
        finally:
            connection.close()
        os.replace(working, target)
    except (OSError, duckdb.Error) as error:
        working.unlink(missing_ok=True)
        raise WriteFailed.of(target, error) from None
    return len(organisations)


def find_ror(database: Path, folded_name: str, limit: int = 10) -> pd.DataFrame:
    """Organisations of the loaded ROR dump whose name, label, alias or acronym contains the folded text."""
    path = ror_path(database)
    columns = ["ror_id", "name", "city", "country", "latitude", "longitude"]
    if not path.exists():
        return pd.DataFrame(columns=columns)
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return connection.execute(query_text("ror_matches"), {"q": folded_name, "limit": limit}).df()
    finally:
        connection.close()
