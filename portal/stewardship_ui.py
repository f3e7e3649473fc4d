"""What the data-stewardship pages share: uploads, previews, progress, counts and the template download."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from portal import access, db, i18n, ui
from portal.contract import SHEET_ORDER, SHEETS, Column
from portal.display import markdown_values, utc_time
from portal.i18n import t
from portal.importer import ImportRejected, ImportResult, give_way_to_pages, import_workbook
from portal.template import column_rule, write_template
from portal.display import Column as TableColumn
from portal.validate import key_fields, record_key
from portal.workbook import MAX_FILE_BYTES, cell_text

PROBLEM_HEADERS = {"sheet": "data.col_sheet", "row": TableColumn("data.col_row", instead="whole_sheet"),
                   "column": TableColumn("data.col_column", instead="whole_row"),
                   "value": "data.col_value", "expected": "data.col_expected"}
COUNT_HEADERS = {"sheet": "data.col_sheet", "added": "imports.col_added", "changed": "imports.col_changed",
                 "unchanged": "imports.col_unchanged", "removed": "imports.col_removed"}
CHANGE_HEADERS = {"sheet": "data.col_sheet", "record": "data.col_record", "status": "data.col_status",
                  "field": "data.col_field", "before": "data.col_before", "after": "data.col_after"}


def database() -> Path:
    """The database file the app reads and writes."""
    return db.database_path()


def viewer_name() -> str:
    """Who is making a change, for the change log: the signed-in account's email and role."""
    user = access.viewer()
    if user is None:  # the stewardship pages refuse anonymous visitors; kept for a call from elsewhere
        return t("user.app_not_signed_in")
    return f"{user.email} ({user.role})"


@contextmanager
def upload_on_disk(upload) -> Iterator[Path]:
    """The uploaded file on disk for the importer to read, only while it reads it: in a private folder
    (0700, the file 0600) that is removed as soon as the preview or import is done, whatever happens."""
    folder = Path(tempfile.mkdtemp(prefix="exchange-portal-upload-"))  # mkdtemp makes it 0700
    try:
        path = folder / f"upload{Path(upload.name).suffix.lower()}"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(upload.getbuffer())
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def upload_too_large(upload) -> bool:
    """Whether an upload is over the import's file-size limit (refused before it is written anywhere)."""
    return upload.size > MAX_FILE_BYTES


def import_giving_way(source: Path, **options: object) -> ImportResult:
    """import_workbook(source, database(), the viewer, **options) in a thread of its own at an import's lower CPU
    priority (importer.give_way_to_pages), so that other visitors' pages come first; its progress still shows on
    this page. What it raises is raised here."""
    page = get_script_run_ctx()

    def start() -> None:  # this thread only: the page's own thread, and the readers' database, keep theirs
        add_script_run_ctx(threading.current_thread(), page)
        give_way_to_pages()

    with ThreadPoolExecutor(1, thread_name_prefix="portal-import", initializer=start) as worker:
        return worker.submit(import_workbook, source, database(), viewer_name(), **options).result()


def preview_upload(upload, status) -> ImportResult | ImportRejected | db.WriteFailed:
    """Check an upload and preview its changes, once per file and database version (reruns reuse it)."""
    key = (hashlib.sha256(upload.getbuffer()).hexdigest(), db.file_identity(database()))
    cached = st.session_state.get("upload_preview")
    if cached and cached[0] == key:
        return cached[1]
    try:
        with upload_on_disk(upload) as source:
            outcome = import_giving_way(source, preview=True, file_name=upload.name, progress=progress_reporter(status))
    except (ImportRejected, db.WriteFailed) as refused:
        outcome = refused
    st.session_state["upload_preview"] = (key, outcome)
    return outcome


def write_failed_text(failed: db.WriteFailed) -> str:
    """What went wrong writing the database, and that nothing changed."""
    return t("write.failed", **markdown_values({"path": str(failed.path), "detail": failed.detail}),
             reason=t(f"write.reason_{failed.reason}"))


def progress_reporter(status):
    """A callback for the importer that shows each stage in a st.status box, with a progress bar."""
    stages = ["reading", "checking", *SHEET_ORDER]
    bar = status.progress(0.0)

    def report(stage: str) -> None:
        done = (stages.index(stage) + 1) / len(stages) if stage in stages else 1.0
        label = t(f"data.stage_{stage}") if stage in ("reading", "checking") else t("data.stage_sheet", sheet=stage)
        bar.progress(done, text=label)
    return report


def counts_frame(counts: dict[str, db.Counts]) -> pd.DataFrame:
    """Per-sheet counts as a table."""
    return pd.DataFrame([(sheet, c.added, c.changed, c.unchanged, c.removed) for sheet, c in counts.items()],
                        columns=["sheet", "added", "changed", "unchanged", "removed"])


def template_download() -> None:
    """A button that downloads the empty workbook with instructions and dropdown lists."""
    st.download_button(t("data.template"), ui.in_this_language(_template_bytes), "exchange-workbook-template.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/description:", on_click="ignore", help=t("data.template_help"))


def _template_bytes() -> bytes:
    buffer = io.BytesIO()
    write_template(buffer)
    return buffer.getvalue()


HISTORY_HEADERS = {"import_id": TableColumn("imports.col_id", "count"), "action": "imports.col_action",
                   "when": "imports.col_at", "imported_by": "imports.col_by", "file_name": "imports.col_file",
                   "file_sha256": TableColumn("imports.col_sha", "hash"), "added": TableColumn("imports.col_added", "count"),
                   "changed": TableColumn("imports.col_changed", "count"),
                   "unchanged": TableColumn("imports.col_unchanged", "count", optional=True),
                   "removed": TableColumn("imports.col_removed", "count"), "status": "imports.col_status"}

# Where a record's values came from (record_provenance): the changes that wrote it, and whether each holds.
PROVENANCE_HEADERS = {"import_id": TableColumn("imports.col_id", "count"), "action": "imports.col_action",
                      "when": "imports.col_at", "imported_by": "imports.col_by", "file_name": "imports.col_file",
                      "status": "imports.col_status"}
UNDONE_HEADERS = {"import_id": "imports.col_id", "action": "imports.col_action", "when": "imports.col_at",
                  "imported_by": "imports.col_by", "file_name": "imports.col_file"}


def history_rows(history: pd.DataFrame) -> pd.DataFrame:
    """The change log as people read it: actions named, times in UTC, what undid what."""
    def status(row) -> str:
        if pd.notna(row.rolls_back):
            return t("history.status_rolls_back", id=int(row.rolls_back))
        if pd.notna(row.rolled_back_by):
            return t("history.status_rolled_back", by=int(row.rolled_back_by))
        return t("history.status_in_effect")
    by = history["imported_by"]
    if "submitted_by" in history:  # an accepted submission names both: the reviewer and the partner account
        by = [t("history.by_submission", reviewer=r, partner=p) if isinstance(p, str) else r
              for r, p in zip(history["imported_by"], history["submitted_by"])]
    return history.assign(
        imported_by=by, action=[t(f"history.action_{a}") for a in history["action"]],
        when=[utc_time(moment) for moment in history["imported_at"]],
        status=[status(r) for r in history.itertuples()])


def record_provenance(sheet: str, record: dict[str, object]) -> pd.DataFrame:
    """Where a stored record's values came from: each change that wrote it, newest first, as History reads it."""
    key = key_fields(sheet, record)
    found = ui.read("record_provenance", sheet=sheet, key_columns=list(key),
                    key_values=[None if v is None else cell_text(v) for v in key.values()])
    return history_rows(found.assign(rolls_back=None))


def rollback_choices(history: pd.DataFrame) -> dict[int, str]:
    """Changes that can be rolled back (in effect, not rollbacks), newest first, labelled for a selectbox."""
    in_effect = history[history["rolled_back_by"].isna() & ~history["action"].isin(("rollback", "synth"))]
    return {int(r.import_id): t("history.choice", id=int(r.import_id), action=t(f"history.action_{r.action}"),
                                file=r.file_name if isinstance(r.file_name, str) else "—", by=r.imported_by)
            for r in in_effect.itertuples()}


EDITABLE_RECORDS = 5000  # records offered for editing per sheet; more are reached by a new import
NEW_RECORD = -1


def record_choices(sheet: str, records: pd.DataFrame) -> dict[int, str]:
    """The records of a sheet for a selectbox, keyed by row position, "new record" first."""
    choices = {NEW_RECORD: t("records.new")}
    label_column = next((c for c in ("name", "title", "person_name", "procedure") if c in records.columns), None)
    for position, record in enumerate(records.itertuples(index=False)):
        row = record._asdict()
        key = " | ".join(cell_text(v) for v in record_key(sheet, row) if v is not None)
        extra = f" — {row[label_column]}" if label_column and label_column not in SHEETS[sheet].key else ""
        choices[position] = f"{key}{extra}"
    return choices


# The catalog group naming each fixed-list column's values (i18n.label), by sheet and column.
VALUE_GROUPS = {("institutions", "kind"): "institution_kind", ("programmes", "kind"): "programme_kind",
                ("programmes", "status"): "programme_status", ("participants", "role"): "participant_role",
                ("follow_ups", "role"): "participant_role", ("follow_ups", "status"): "follow_up_status",
                ("follow_ups", "practising"): "practising", ("equipment", "category"): "equipment_category",
                ("equipment", "status"): "equipment_status", ("events", "kind"): "event_kind",
                ("procedures", "technique"): "technique"}


def field_input(column: Column, value: object, locked: bool, key: str | None = None,
                sheet: str | None = None) -> str | None:
    """One form field for a contract column of `sheet`, labelled and its list values named in the reader's
    language, showing its current value; returns what the person entered (list values as their codes)."""
    label = t("field.required", field=t(f"field.{column.name}")) if column.required else t(f"field.{column.name}")
    text = cell_text(value)
    if column.type == "enum":
        options = ([] if column.required else [""]) + list(column.choices)
        index = options.index(text) if text in options else 0
        group = VALUE_GROUPS.get((sheet, column.name))
        return st.selectbox(label, options, index=index, disabled=locked, key=key,
                            format_func=lambda v: (i18n.label(group, v) if group else v) if v
                            else t("value.not_reported"))
    return st.text_input(label, text, disabled=locked, help=column_rule(column), key=key)


def key_of(sheet: str, record: dict[str, object]) -> dict[str, object]:
    """The columns that identify a stored record (procedures: record_id too)."""
    columns = SHEETS[sheet].key + (("record_id",) if sheet == "procedures" else ())
    return {c: record.get(c) for c in columns}
