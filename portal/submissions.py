"""Partner submissions (issue 15): a partner proposes records of its own institution; an administrator accepts
them (through the same atomic merge as an import) or rejects them with a reason. Nothing a partner sends
changes a record until it is accepted.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from portal import db
from portal.contract import SHEETS, Problem, SheetRows
from portal.i18n import t
from portal.importer import ImportRejected
from portal.stewardship import StewardshipError
from portal.validate import check_workbook, key_fields, record_key
from portal.workbook import WorkbookError, cell_text, file_checksum, read_workbook

# A partner's file may be this large (PORTAL_PARTNER_UPLOAD_MB) and hold this many rows in all
# (PORTAL_PARTNER_MAX_ROWS): a hospital's own side is small, and a review has to be readable by a person.
DEFAULT_UPLOAD_MB = 5
DEFAULT_MAX_ROWS = 2000

# What a row must name for a partner to send it: the columns that tie it to the partner's institution.
SCOPE_COLUMNS = {"institutions": ("institution_id",), "programmes": ("home_institution_id", "host_institution_id"),
                 "participants": ("programme_id",), "follow_ups": ("programme_id",), "equipment": ("institution_id",),
                 "events": ("institution_id", "partner_institution_id"), "procedures": ("institution_id",)}


# The record types a partner can enter one at a time on a form, new or its existing records filled in (its own
# institution row stays an upload's).
FORM_SHEETS = ("programmes", "participants", "follow_ups", "equipment", "events", "procedures")
# The most existing records of one sheet the form offers (newest first; the rest by workbook).
FORM_RECORDS_SHOWN = 2000


def upload_limit_bytes() -> int:
    """The largest file a partner may send, in bytes."""
    return int(float(os.environ.get("PORTAL_PARTNER_UPLOAD_MB", DEFAULT_UPLOAD_MB)) * 1024**2)


def row_limit() -> int:
    """The most rows a partner may send in one submission."""
    return int(os.environ.get("PORTAL_PARTNER_MAX_ROWS", DEFAULT_MAX_ROWS))


@dataclass
class FieldChange:
    """One field of a submitted record at review: what the partner saw, what is stored now, what it proposes."""

    sheet: str
    record: str
    # added, changed, unchanged, kept (changed since it was sent, the partner left it: the newer value stays),
    # stale (changed since it was sent and the partner changes it too)
    status: str
    field: str
    base: object
    current: object
    proposed: object


def submit_workbook(source: Path, database: Path, account: str, institution_id: str,
                    file_name: str | None = None) -> int:
    """Check a partner's workbook (the import's rules, then its scope) and keep it pending; return its id.

    Raises ImportRejected naming every problem (nothing is kept), like a bad import.
    """
    source = Path(source)
    size = source.stat().st_size if source.is_file() else sum(p.stat().st_size for p in source.iterdir())
    if size > upload_limit_bytes():
        raise ImportRejected([Problem("", None, "", file_name or source.name, "submission.too_large",
                                      (("limit", upload_limit_bytes() // 1024**2),))], [])
    try:
        sheets = _rows_within_limit(read_workbook(source))
    except WorkbookError as error:
        raise ImportRejected(error.problems, []) from None
    with db.writing(database) as writer:
        records = _checked_records(writer, sheets, institution_id)
        return writer.store_submission(account, institution_id, file_name or source.name, file_checksum(source),
                                       records)


def submit_record(database: Path, account: str, institution_id: str, sheet: str, values: dict[str, object],
                  prefilled: dict[str, str] | None = None) -> int:
    """Check one record entered in a form exactly as a one-row sheet of an upload, and keep it pending.

    `prefilled`: the texts the form opened with for an existing record; a field left as it was keeps the stored
    value (hidden ones too), so the submission differs only where the partner changed something.
    """
    with db.writing(database) as writer:
        # an empty field is a missing value, as in an upload's cell (a key's missing department, equipment_id)
        stored = writer.record(sheet, {c: None if v == "" else v for c, v in values.items()}) if prefilled else None
        if stored is not None:
            values = {c: stored.get(c) if v == prefilled.get(c) else v for c, v in values.items()}
        rows = SheetRows(sheet, list(values), [(2, list(values.values()))])  # row 2: the first under a header
        records = _checked_records(writer, {sheet: rows}, institution_id)
        if all(base is not None and _as_stored(sheet, proposed) == _as_stored(sheet, base)
               for sheet, _, proposed, base in records):
            # it would only be counted as pending and disputed: refuse it, keeping nothing
            raise StewardshipError("submissions.nothing_changed", sheet=t(f"sheet.{sheet}"),
                                   record=record_label(sheet, records[0][2]))
        return writer.store_submission(account, institution_id, None, None, records, kind="form")


def _as_stored(sheet: str, record: dict) -> dict:
    """A record's fields as a submission keeps them (JSON), to compare a proposed one with the stored one."""
    return json.loads(json.dumps({c: record.get(c) for c in SHEETS[sheet].column_names}, default=str))


def fixed_columns(sheet: str, record: dict | None) -> tuple[str, ...]:
    """The columns that identify an existing record on the form: changing one would make a new record."""
    if record is None:
        return ()
    if sheet == "procedures":  # record_id, when given, is the whole key; adding one to a record makes a new one
        return ("record_id",) if record.get("record_id") else SHEETS[sheet].key + ("record_id",)
    return SHEETS[sheet].key


def confirm_programme(database: Path, account: str, institution_id: str, programme_id: str) -> int:
    """Propose a programme as it stands now as confirmed by the partner's side: a submission like any other."""
    with db.writing(database) as writer:
        current = writer.record("programmes", {"programme_id": programme_id})
        records = [("programmes", None, current, current)] if current else []
        if not current or scope_problems(writer, institution_id, records):
            raise StewardshipError("confirm.not_yours", id=programme_id)  # the same words for absent and others'
        return writer.store_submission(account, institution_id, None, None, records, kind="confirmation")


def _rows_within_limit(sheets: dict[str, SheetRows]) -> dict[str, SheetRows]:
    """Every sheet's rows read into memory, refusing as soon as the partner's row limit is passed."""
    limit, total, kept = row_limit(), 0, {}
    for name, sheet in sheets.items():
        rows = []
        for row in sheet.rows:
            total += 1
            if total > limit:
                raise ImportRejected([Problem(name, row[0], "", "", "submission.too_many_rows",
                                              (("limit", limit),))], [])
            rows.append(row)
        kept[name] = SheetRows(sheet.name, sheet.header, rows)
    return kept


def _checked_records(writer: db.Writer, sheets: dict[str, SheetRows], institution_id: str) \
        -> list[tuple[str, int | None, dict, dict | None]]:
    """The records of a partner's sheets with the base each replaces, or ImportRejected with every problem."""
    row_numbers = {name: [number for number, _ in sheet.rows] for name, sheet in sheets.items()}
    problems = [Problem(name, number, "", "", "submission.sheet_not_open") for name in sheets
                if name in SHEETS and name not in SCOPE_COLUMNS for number in row_numbers[name]]
    checked = check_workbook({n: s for n, s in sheets.items() if n in SCOPE_COLUMNS or n not in SHEETS},
                             writer.existing_in_scope(institution_id), whole_workbook=False)
    if checked.problems or problems:
        raise ImportRejected(problems + checked.problems, checked.warnings, checked.omitted)
    records = []
    for name, table in checked.tables.items():
        numbers = row_numbers[name]
        for index, proposed in enumerate(table.to_pylist()):
            records.append((name, numbers[index] if index < len(numbers) else None, proposed,
                            writer.record(name, proposed)))
    outside = scope_problems(writer, institution_id, records)
    if outside:
        raise ImportRejected(outside, checked.warnings)
    return records


def scope_problems(writer: db.Writer, institution_id: str,
                   records: list[tuple[str, int | None, dict, dict | None]]) -> list[Problem]:
    """Every row that touches something outside the partner's institution: as proposed, or as stored now."""
    proposed_programmes = {r["programme_id"]: r for sheet, _, r, _ in records if sheet == "programmes"}

    def takes_part(sheet: str, record: dict) -> bool:
        if sheet in ("participants", "follow_ups"):  # people of a programme where the partner is home or host
            programme = proposed_programmes.get(record["programme_id"]) or \
                writer.record("programmes", {"programme_id": record["programme_id"]})
            return programme is not None and takes_part("programmes", programme)
        return institution_id in {record.get(column) for column in SCOPE_COLUMNS[sheet]}

    problems = []
    for sheet, row, proposed, base in records:
        if not takes_part(sheet, proposed):
            columns = SCOPE_COLUMNS[sheet]
            problems.append(Problem(sheet, row, ", ".join(columns),
                                    " | ".join(cell_text(proposed.get(c)) for c in columns),
                                    f"submission.outside_{sheet}", (("institution", institution_id),)))
        elif base is not None and not takes_part(sheet, base):
            # The partner's own row, but its id is another institution's record: say the id is taken, in the
            # import's words for a clash, never whose it is or what it holds.
            key = key_fields(sheet, proposed)
            problems.append(Problem(sheet, row, ", ".join(key), " | ".join(cell_text(v) for v in key.values()),
                                    "submission.id_taken"))
    return problems


def records_of(rows) -> list[tuple[str, int | None, dict, dict | None]]:
    """A submission's records as read by the submission_records query: sheet, row, proposed, base."""
    return [(r.sheet, None if pd.isna(r.row_number) else int(r.row_number), json.loads(r.proposed),
             json.loads(r.base) if isinstance(r.base, str) else None) for r in rows.itertuples()]


def review_changes(store: db.Store, records: list[tuple[str, int | None, dict, dict | None]]) -> list[FieldChange]:
    """Every field of a submission against the records stored now: added, changed, unchanged or stale."""
    changes = []
    for (sheet, _, proposed, base), current in zip(records, current_records(store, records)):
        changes.extend(_field_changes(sheet, proposed, base, current))
    return changes


def current_records(store: db.Store, records: list[tuple[str, int | None, dict, dict | None]]) -> list[dict | None]:
    """The record stored now for each of a submission's records, in their order: one read per sheet."""
    found: list[dict | None] = [None] * len(records)
    for sheet in dict.fromkeys(sheet for sheet, _, _, _ in records):
        positions = [i for i, (name, _, _, _) in enumerate(records) if name == sheet]
        for position, current in zip(positions, store.current_records(sheet, [records[i][2] for i in positions])):
            found[position] = current
    return found


def _field_changes(sheet: str, proposed: dict, base: dict | None, current: dict | None) -> list[FieldChange]:
    record = record_label(sheet, proposed)
    changes = []
    for column in SHEETS[sheet].column_names:
        was, now, new = (base or {}).get(column), (current or {}).get(column), proposed.get(column)
        if base is None and current is None:
            status = "added"
        elif (current is None) != (base is None) or (now != was and new != now and new != was):
            status = "stale"  # someone else changed it (or added or removed the record) since it was sent
        elif new == now:
            status = "unchanged"
        elif new == was:
            status = "kept"  # accept merges the partner's own changes onto the record as it stands now
        else:
            status = "changed"
        changes.append(FieldChange(sheet, record, status, column, was, now, new))
    return changes


def state_text(row) -> str:
    """A submission's state in words (a submissions_list row); an accepted one whose change was rolled back says so."""
    if row.state == "accepted" and pd.notna(row.rolled_back_by):
        return t("submissions.state_rolled_back")
    if row.state == "accepted" and 0 < row.accepted_records < row.records:  # some records rejected
        return t("submissions.state_partly", accepted=int(row.accepted_records), records=int(row.records))
    return t(f"submissions.state_{row.state}")


def sent_as(kind: str, file_name: object, name=lambda text: text) -> str:
    """How a submission was sent: its file's name (through `name`), on the form, or as a confirmation."""
    if isinstance(file_name, str):
        return t("submissions.how_file", file=name(file_name))
    return t("submissions.how_confirmation") if kind == "confirmation" else t("submissions.how_form")


def disputed_names(disputed: pd.DataFrame) -> list[str]:
    """Disputed records' names (quality_records_disputed rows): one not stored yet reads as the name proposed."""
    return [t("quality.proposed_name", name=name) if proposed else name
            for name, proposed in zip(disputed["name"], disputed["name_proposed"])]


def record_label(sheet: str, record: dict) -> str:
    """A record as the review names it: its key's values (`P1`, `P1 | Trainee One | trainee`)."""
    return " | ".join(cell_text(v) for v in record_key(sheet, record) if v is not None)


def record_positions(records: list[tuple[str, int | None, dict, dict | None]], asked: list[str]) -> set[int]:
    """The positions of the records named `LABEL` or `SHEET:LABEL` (as the review shows them), or StewardshipError."""
    positions = set()
    for name in asked:
        found = {i for i, (sheet, _, proposed, _) in enumerate(records)
                 if name in (record_label(sheet, proposed), f"{sheet}:{record_label(sheet, proposed)}")}
        if len(found) != 1:
            raise StewardshipError("review.record_unknown" if not found else "review.record_ambiguous", record=name)
        positions |= found
    return positions


def accept(database: Path, submission_id: int, reviewer: str, overwrite_stale: bool = False,
           only: set[int] | None = None, reason: str = "") -> int:
    """Apply a pending submission through the import's merge, logged with both accounts; return the change's id.

    `only`: the positions (in the order sent) of the records to accept; the others are rejected with `reason`.

    Fields that changed since it was sent and the partner left alone keep their newer value; a stale field the
    partner also changed refuses the acceptance (review.stale) unless `overwrite_stale`. A confirmation of a
    record that changed since it was sent is always refused (review.confirmation_stale).
    """
    with db.writing(database) as writer:
        header, records = _pending(writer, submission_id)
        chosen = set(range(len(records))) if only is None else set(only) & set(range(len(records)))
        if not chosen:
            raise StewardshipError("review.none_chosen", id=submission_id)
        if len(chosen) < len(records) and not reason.strip():
            raise StewardshipError("review.reason_needed")
        records = [record for position, record in enumerate(records) if position in chosen]
        applied = []  # (sheet, row, the record to write, the record stored now)
        stale = []
        confirmation = header.get("kind") == "confirmation"
        for sheet, row, proposed, base in records:
            current = writer.record(sheet, proposed)
            changes = _field_changes(sheet, proposed, base, current)
            if confirmation:  # it confirms the record as the partner saw it: any change since voids it
                changed = [f for f in changes if f.status in ("kept", "stale")]
                if changed:
                    raise StewardshipError("review.confirmation_stale", id=submission_id, fields="; ".join(
                        f"{f.field}: {cell_text(f.base)} -> {cell_text(f.current)}" for f in changed[:20]))
            stale += [f for f in changes if f.status == "stale"]
            if current is None:
                applied.append((sheet, row, proposed, current))
            else:  # three-way: the partner's own changes (stale ones too, if overwriting) on the record as it is
                applied.append((sheet, row, {c: proposed.get(c) if proposed.get(c) != (base or {}).get(c) else v
                                             for c, v in current.items()}, current))
        if stale and not overwrite_stale:
            raise StewardshipError("review.stale", id=submission_id, fields="; ".join(
                f"{f.sheet} {f.record} {f.field}" for f in stale[:20]))
        merged: dict[str, list[dict]] = {}
        for sheet, _, record, _ in applied:
            merged.setdefault(sheet, []).append(record)
        outside = scope_problems(writer, header["institution_id"], applied)
        if outside:
            raise StewardshipError("review.outside_now", id=submission_id,
                                   rows="; ".join(f"{p.sheet} {p.row}" for p in outside[:20]))
        import_id = writer.begin("submission", reviewer, header["file_name"], header["file_sha256"],
                                 submitted_by=header["account"])
        writer.merge(import_id, {sheet: SHEETS[sheet].records_table(rows) for sheet, rows in merged.items()})
        writer.review_submission(submission_id, "accepted", reviewer, reason.strip() or None, import_id)
        writer.decide_records(submission_id, chosen)
    return import_id


def reject(database: Path, submission_id: int, reviewer: str, reason: str) -> None:
    """Reject a pending submission with a reason the partner reads; no record changes."""
    if not reason.strip():
        raise StewardshipError("review.reason_needed")
    with db.writing(database) as writer:
        _pending(writer, submission_id)
        writer.review_submission(submission_id, "rejected", reviewer, reason.strip())
        writer.decide_records(submission_id, set())


def _pending(writer: db.Writer, submission_id: int):
    found = writer.submission(submission_id)
    if found is None:
        raise StewardshipError("review.unknown", id=submission_id)
    if found[0]["state"] != "pending":
        raise StewardshipError("review.not_pending", id=submission_id, state=found[0]["state"])
    return found


def archive_path(export_path: Path) -> Path:
    """Where `portal export OUT` writes the submissions: OUT.submissions.json beside the workbook or folder."""
    export_path = Path(export_path)
    stem = export_path.stem if export_path.suffix.lower() == ".xlsx" else export_path.name
    return export_path.with_name(f"{stem}.submissions.json")


def write_archive(database: Path, out: Path) -> int:
    """Write every submission with its records and decision as JSON to `out`; return how many."""
    rows = db.open_store(database).read("submissions_archive", db.FULL_SCOPE)
    kept = [{**{column: _plain(value) for column, value in row.items() if column != "records"},
             "records": json.loads(row["records"]) if isinstance(row["records"], str) else []}
            for row in rows.to_dict("records")]
    Path(out).write_text(json.dumps({"submissions": kept}, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(kept)


def _plain(value: object) -> object:
    """A value as JSON holds it: times as ISO 8601 text, missing as null."""
    if value is None or value != value:  # NaN, NaT
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value
