"""Importing a workbook: read, check against the contract and the database, then merge all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from portal import db
from portal.contract import Problem
from portal.validate import check_workbook
from portal.workbook import WorkbookError, file_checksum, read_workbook


class ImportRejected(Exception):
    """The workbook breaks the contract; nothing was written. `problems` lists every reason."""

    def __init__(self, problems: list[Problem], warnings: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
        self.warnings = warnings


@dataclass
class ImportResult:
    """What an accepted import did."""

    import_id: int
    counts: dict[str, tuple[int, int, int]]  # sheet -> (added, changed, unchanged)
    warnings: list[Problem]


def import_workbook(source: Path, database: Path, user: str, action: str = "import",
                    fresh: bool = False) -> ImportResult:
    """Import the workbook at `source` into `database`, or raise ImportRejected and change nothing."""
    source = Path(source)
    try:
        sheets = read_workbook(source)
    except WorkbookError as error:
        raise ImportRejected(error.problems, []) from None
    checksum = file_checksum(source)
    with db.writing(database, fresh=fresh) as writer:
        # Checked inside the writer's turn, so the ids it refers to cannot vanish before it is applied.
        checked = check_workbook(sheets, writer.existing())
        if checked.problems:
            raise ImportRejected(checked.problems, checked.warnings)
        counts = writer.merge(checked.tables)
        import_id = writer.record_import(action, user, source.name, checksum, counts)
    return ImportResult(import_id, counts, checked.warnings)
