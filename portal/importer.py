"""Importing a workbook: read, check against the contract and the database, then merge all or nothing."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from portal import db
from portal.contract import SHEETS, Problem
from portal.i18n import t
from portal.screen import worth_screening
from portal.validate import check_workbook, record_key
from portal.workbook import WorkbookError, cell_text, file_checksum, read_workbook


# A preview shows this many changed records per sheet; its counts cover every record.
PREVIEW_RECORDS = 200


class ImportRejected(Exception):
    """The workbook breaks the contract; nothing was written. `problems` lists every reason."""

    def __init__(self, problems: list[Problem], warnings: list[Problem],
                 omitted: dict[tuple[str, str], int] | None = None):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems  # the first validate.MAX_REPORTED per sheet and rule
        self.warnings = warnings
        self.omitted = omitted or {}  # (sheet, rule) -> how many more problems of that kind were found

    @property
    def count(self) -> int:
        """Every problem found, listed or not."""
        return len(self.problems) + sum(self.omitted.values())


class DatabaseChanged(Exception):
    """The database changed between a preview and its apply: the preview no longer says what would happen."""


@dataclass
class ImportResult:
    """What an accepted import did (or, for a preview, would do)."""

    import_id: int | None  # None for a preview: nothing was written
    counts: dict[str, db.Counts]
    warnings: list[Problem]
    # A preview's records (at most PREVIEW_RECORDS per sheet, so a large file's preview stays light):
    # sheet, before, after
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    base_version: tuple | None = None  # the database the preview was made against


class _PreviewDone(Exception):
    """Raised inside the writer to discard the working copy once a preview has been read off it."""

    def __init__(self, result: ImportResult):
        super().__init__("preview")
        self.result = result


# An import is bulk work beside people waiting for pages: it takes the CPU they leave, not half of it
# (BENCHMARKS.md, "The goal met").
IMPORT_NICENESS = 10


def give_way_to_pages() -> None:
    """Lower the calling thread's CPU priority to IMPORT_NICENESS (Linux nice); the threads it starts afterwards,
    DuckDB's among them, inherit it. Where the system refuses, nothing changes."""
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, thread, max(IMPORT_NICENESS, os.getpriority(os.PRIO_PROCESS, thread)))


def import_workbook(source: Path, database: Path, user: str, action: str = "import", fresh: bool = False,
                    preview: bool = False, expected_version: tuple | None = None,
                    progress: Callable[[str], None] | None = None, file_name: str | None = None) -> ImportResult:
    """Import the workbook at `source` into `database`, or raise ImportRejected and change nothing.

    With `preview`, do everything on a working copy, report what would change, and discard it.
    With `expected_version`, refuse (DatabaseChanged) if the database is no longer the one previewed.
    `progress` is told each stage: "reading", "checking", then each sheet name as it is merged.
    `file_name` is the name to log when `source` is a temporary copy (an upload).
    """
    source = Path(source)
    # A .zip's CSV files are unpacked here as they are read, for the check in SQL; removed afterwards.
    with tempfile.TemporaryDirectory(prefix="portal-import-") as unpacked:
        return _import(source, Path(unpacked), database, user, action, fresh, preview, expected_version, progress,
                       file_name)


def _import(source: Path, unpacked: Path, database: Path, user: str, action: str, fresh: bool, preview: bool,
            expected_version: tuple | None, progress: Callable[[str], None] | None,
            file_name: str | None) -> ImportResult:
    if progress:
        progress("reading")
    notes = []  # what an IATI file holds that is not imported: skipped activities, unmapped fields
    try:
        if source.suffix.lower() == ".xml":
            from portal.iati.imports import read_activity_file

            sheets, notes = read_activity_file(source)
        else:
            sheets = read_workbook(source, unpack_to=unpacked)
    except WorkbookError as error:
        raise ImportRejected(error.problems, []) from None
    checksum = file_checksum(source)
    try:
        with db.writing(database, fresh=fresh) as writer:
            if expected_version is not None and writer.base_version != expected_version:
                raise DatabaseChanged(str(database))
            if progress:
                progress("checking")
            # Checked inside the writer's turn, so the ids it refers to cannot vanish before it is applied.
            # Problems are found in SQL over whole sheets; when there are any, the row checker names them.
            try:
                screened = writer.screen(sheets) if worth_screening(sheets) else None
                checked = screened or check_workbook(sheets, writer.existing())
            except WorkbookError as error:  # the file is read as it is checked
                raise ImportRejected(error.problems, []) from None
            checked.warnings[:0] = notes
            if checked.problems:
                raise ImportRejected(checked.problems, checked.warnings, checked.omitted)
            import_id = writer.begin(action, user, file_name or source.name, checksum)
            # only a preview reads changed records: an import keeps none aside
            counts = writer.merge(import_id, checked.tables, progress, sample=PREVIEW_RECORDS if preview else 0)
            if preview:
                raise _PreviewDone(ImportResult(None, counts, checked.warnings, writer.changes(),
                                                writer.base_version))
    except _PreviewDone as done:
        return done.result
    return ImportResult(import_id, counts, checked.warnings)


def field_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """A preview's changes field by field: sheet, record, status, field, before, after (added: after only)."""
    rows = []
    for sheet, part in changes.groupby("sheet", sort=False):
        for change in part.itertuples():
            before = json.loads(change.before) if isinstance(change.before, str) else None
            after = json.loads(change.after) if isinstance(change.after, str) else {}
            record = " | ".join(cell_text(v) for v in record_key(sheet, after or before) if v is not None)
            if before is None:
                rows.append((sheet, record, "added", "", "", ""))
                continue
            for column in SHEETS[sheet].column_names:
                if before.get(column) != after.get(column):
                    rows.append((sheet, record, "changed", column, cell_text(before.get(column)),
                                 cell_text(after.get(column))))
    return pd.DataFrame(rows, columns=["sheet", "record", "status", "field", "before", "after"])


def omitted_lines(rejected: ImportRejected) -> list[str]:
    """"and 999,900 more in programmes: ..." for each sheet and rule whose problems were not all listed."""
    from portal.display import format_number
    from portal.i18n import t

    examples = {(p.sheet, p.expected): p for p in reversed(rejected.problems)}
    return [t("problem.omitted", count=format_number(count), sheet=sheet or t("problem.file"),
              expected=examples[(sheet, expected)].expected_text())
            for (sheet, expected), count in rejected.omitted.items()]


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table to show or hand back to the hospital: sheet, row, column, value, expected; and where a
    problem is about a whole sheet or a whole row, that instead of a row or column (never "not reported": the
    file did not leave them out)."""
    frame = pd.DataFrame([(p.sheet, p.row, p.column, p.value, p.expected_text()) for p in problems],
                         columns=["sheet", "row", "column", "value", "expected"])
    sheet_text, row_text = t("data.whole_sheet"), t("data.whole_row")
    return frame.assign(whole_sheet=[sheet_text if row is None else None for row in frame["row"]],
                        whole_row=[None if column else sheet_text if row is None else row_text
                                   for row, column in zip(frame["row"], frame["column"])])
