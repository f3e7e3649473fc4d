"""Changing data by other means than an import: rollback, single-record edits and deletions. All logged."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from portal import db
from portal.contract import SHEETS, Problem, SheetRows
from portal.importer import ImportRejected, ImportResult
from portal.validate import check_workbook, record_key


class StewardshipError(Exception):
    """A change that cannot be made; the message (a translation key with its args) says why."""

    def __init__(self, message: str, **args: object):
        super().__init__(message)
        self.message = message
        self.args_ = args


@dataclass
class RollbackResult:
    """What a rollback did: its own id, the changes it undid (newest first), and counts per sheet."""

    rollback_id: int
    undone: list[int]
    counts: dict[str, db.Counts]


def rollback(database: Path, target: int | None, user: str, expected_undone: list[int] | None = None) \
        -> RollbackResult:
    """Restore the database to its state before change `target` (None: the last change still in effect).

    Changes made after `target` are undone too, newest first, since they were made on top of it. With
    `expected_undone`, refuse if that list is no longer what the rollback would undo.
    """
    with db.writing(database) as writer:
        target = writer.last_change() if target is None else target
        if target is None:
            raise StewardshipError("rollback.nothing")
        summary = writer.change_summary(target)
        if summary is None:
            raise StewardshipError("rollback.unknown", id=target)
        action, rolled_back_by = summary
        if action == "rollback":
            raise StewardshipError("rollback.of_rollback", id=target)
        if action == "synth":  # a synthetic build logs no record images: rebuild it instead
            raise StewardshipError("rollback.synth", id=target)
        if rolled_back_by is not None:
            raise StewardshipError("rollback.already", id=target, by=rolled_back_by)
        undone = writer.undoable_since(target)
        if expected_undone is not None and undone != expected_undone:
            raise StewardshipError("rollback.changed_meanwhile", id=target)
        rollback_id = writer.begin("rollback", user, rolls_back=target)
        totals: dict[str, db.Counts] = {}
        for change in undone:
            for sheet, counts in writer.undo(change, rollback_id).items():
                before = totals.get(sheet, db.Counts())
                totals[sheet] = db.Counts(before.added + counts.added, before.changed + counts.changed, 0,
                                          before.removed + counts.removed)
        writer.record_counts(rollback_id, totals)
    return RollbackResult(rollback_id, undone, totals)


def save_record(database: Path, sheet: str, values: dict[str, object], user: str, creating: bool) -> ImportResult:
    """Add (`creating`) or update one record with the import's validation; the change is logged as an edit."""
    rows = SheetRows(sheet, list(values), [(2, list(values.values()))])
    with db.writing(database) as writer:
        checked = check_workbook({sheet: rows}, writer.existing(), whole_workbook=False)
        problems = list(checked.problems)
        if not problems:
            record = checked.tables[sheet].to_pylist()[0]
            exists = writer.record(sheet, _key_record(sheet, record)) is not None
            if creating and exists:
                problems.append(Problem(sheet, None, ", ".join(SHEETS[sheet].key), _key_text(sheet, record),
                                        "edit.already_exists"))
            if not creating and not exists:
                problems.append(Problem(sheet, None, ", ".join(SHEETS[sheet].key), _key_text(sheet, record),
                                        "edit.not_found"))
        if problems:
            raise ImportRejected(problems, checked.warnings)
        import_id = writer.begin("edit", user)
        counts = writer.merge(import_id, checked.tables)
    return ImportResult(import_id, counts, checked.warnings)


def delete_record(database: Path, sheet: str, key: dict[str, object], user: str) -> int:
    """Delete one record, logged so a rollback can restore it; refuse while other records refer to it (or, for a
    participant, while follow-ups name the person)."""
    with db.writing(database) as writer:
        if writer.record(sheet, key) is None:
            raise StewardshipError("delete.not_found", sheet=sheet, key=_key_text(sheet, key))
        id_column = SHEETS[sheet].key[0]
        references = writer.references(sheet, key[id_column]) if len(SHEETS[sheet].key) == 1 else []
        if references:
            raise StewardshipError("delete.referenced", key=_key_text(sheet, key), references="; ".join(
                f"{other}.{column} ({count})" for other, column, count in references))
        # A participant's follow-ups name the person, not an id, so `references` cannot see them.
        follow_ups = writer.follow_ups_naming(key) if sheet == "participants" else 0
        if follow_ups:
            raise StewardshipError("delete.followed_up", key=_key_text(sheet, key), count=follow_ups)
        import_id = writer.begin("delete", user)
        writer.delete(import_id, sheet, key)
    return import_id


def _key_record(sheet: str, record: dict[str, object]) -> dict[str, object]:
    columns = SHEETS[sheet].key + (("record_id",) if sheet == "procedures" else ())
    return {c: record.get(c) for c in columns}


def _key_text(sheet: str, record: dict[str, object]) -> str:
    return " | ".join(str(part) for part in record_key(sheet, record) if part is not None)
