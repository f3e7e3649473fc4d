"""What the submission pages share: the queue as people read it, a submission's changes, and the actions."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from portal import access, db, stewardship_ui, submissions, ui
from portal.charts.programmes import CONFIRMATIONS
from portal.contract import SHEETS
from portal.display import Column as TableColumn
from portal.i18n import t
from portal.display import markdown_text, markdown_values, utc_time
from portal.importer import ImportRejected, omitted_lines, problems_frame
from portal.stewardship import StewardshipError
from portal.validate import key_fields
from portal.workbook import cell_text

# The administrators' queue: what a decision needs, in full at 1,400 px (who sent it with its institution in one
# column, the day it was sent; the time and reviewer read below, the reviewer's column starts hidden).
QUEUE_HEADERS = {"submission_id": TableColumn("submissions.col_id", "count"), "state": "submissions.col_state",
                 "sent_on": "submissions.col_sent", "sender": "submissions.col_account",
                 "file_name": "submissions.col_file", "records": TableColumn("submissions.col_records", "count"),
                 "reason": "submissions.col_reason", "reviewer": TableColumn("submissions.col_reviewer", optional=True)}
# A partner's own list: each row links to its page (where the reason and the values sent read in full); who sent
# and who reviewed start hidden, so the columns shown fit a page at 1,400 px.
MINE_HEADERS = {"submission_id": TableColumn("submissions.col_id", "link", link="submissions?submission={}"),
                "state": "submissions.col_state", "sent": "submissions.col_sent", "file_name": "submissions.col_file",
                "records": TableColumn("submissions.col_records", "count"), "reason": "submissions.col_reason",
                "account": TableColumn("submissions.col_account", optional=True),
                "reviewer": TableColumn("submissions.col_reviewer", optional=True)}
# The proposed value before the stored ones: a table too wide for the page hides its last columns first.
FIELD_HEADERS = {"sheet": "data.col_sheet", "record": "data.col_record", "status": "data.col_status",
                 "field": "data.col_field", "proposed": "review.col_proposed", "current": "review.col_current",
                 "base": "review.col_base"}


def state_of(row) -> str:
    """A submission's state in words; an accepted one whose change was rolled back says so."""
    return submissions.state_text(row)


def sent_as(row, markdown: bool = False) -> str:
    """How a submission was sent: its file's name, or on the form, or as a confirmation (neither has a file)."""
    return submissions.sent_as(row.kind, row.file_name, markdown_text if markdown else str)


def queue_rows(queue: pd.DataFrame) -> pd.DataFrame:
    """Submissions as people read them: states named, how each was sent, times in UTC (and the day alone), who
    sent each with its institution, no reason for a pending one."""
    sent = pd.to_datetime(queue["sent_at"], utc=True)
    return queue.assign(state=[state_of(r) for r in queue.itertuples()],
                        # a pending submission has no reason yet: empty, not "not reported"
                        reason=queue["reason"].astype(object).where(queue["state"] != "pending", ""),
                        file_name=[sent_as(r) for r in queue.itertuples()],
                        sent=[utc_time(moment) for moment in sent], sent_on=sent.dt.strftime("%Y-%m-%d"),
                        sender=[t("review.sender", institution=r.institution_id, account=r.account)
                                for r in queue.itertuples()])


def choices(queue: pd.DataFrame) -> dict[int, str]:
    """Submissions labelled for a selectbox, pending first."""
    ordered = pd.concat([queue[queue["state"] == "pending"], queue[queue["state"] != "pending"]])
    return {int(r.submission_id): t("review.choice", id=int(r.submission_id), account=r.account,
                                    when=pd.Timestamp(r.sent_at).strftime("%Y-%m-%d %H:%M"), state=state_of(r))
            for r in ordered.itertuples()}


SENT_HEADERS = {"sheet": "data.col_sheet", "record": "data.col_record", "state": "submissions.col_state",
                "values": "submissions.col_values"}


def own_submission(queue: pd.DataFrame, asked: str | None) -> int | None:
    """The submission a link names (?submission=ID) if it is one of the viewer's; None for any other or none."""
    if asked and asked.isdigit() and int(asked) in set(queue["submission_id"].astype(int)):
        return int(asked)
    return None


def sent_records(submission_id: int) -> pd.DataFrame:
    """A submission's records as the partner sent them, each with its decision (no stored values are shown)."""
    rows = ui.read("submission_records", submission_id=submission_id)
    return pd.DataFrame([(sheet, submissions.record_label(sheet, proposed), t(f"submissions.state_{state}"),
                          "; ".join(f"{c}: {cell_text(v)}" for c, v in proposed.items() if v is not None))
                         for (sheet, _, proposed, _), state in zip(submissions.records_of(rows), rows["state"])],
                        columns=list(SENT_HEADERS))


DECISION_HEADERS = {"sheet": "data.col_sheet", "record": "data.col_record", "state": "submissions.col_state"}


def confirmed_programmes(submission_id: int) -> list[str]:
    """The programmes a confirmation confirms (one, as sent)."""
    return [proposed["programme_id"] for sheet, _, proposed, _ in
            submissions.records_of(ui.read("submission_records", submission_id=submission_id))
            if sheet == "programmes"]


def record_choices(submission_id: int) -> list[str]:
    """A submission's records as the review names them (sheet and key), in the order sent."""
    return [f"{sheet}: {submissions.record_label(sheet, proposed)}" for sheet, _, proposed, _ in
            submissions.records_of(ui.read("submission_records", submission_id=submission_id))]


def field_changes(submission_id: int) -> pd.DataFrame:
    """A submission's fields against the records stored now (for the viewer's scope)."""
    records = submissions.records_of(ui.read("submission_records", submission_id=submission_id))
    rows = [(c.sheet, c.record, c.status, t(f"review.status_{c.status}"), c.field, cell_text(c.base),
             cell_text(c.current), cell_text(c.proposed)) for c in submissions.review_changes(ui.store(), records)]
    return pd.DataFrame(rows, columns=["sheet", "record", "status_code", "status", "field", "base", "current",
                                       "proposed"])


def decided_changes(submission_id: int) -> pd.DataFrame:
    """A decided submission's fields against the records now, each one the partner changed (from what it saw to
    what it proposed) read as applied, not applied (its record rejected) or rolled back; the others unchanged."""
    rows = ui.read("submission_records", submission_id=submission_id)
    records = submissions.records_of(rows)
    # review_changes gives each record's fields in the sheet's column order: each field's record state beside it
    decisions = [(state, base is None) for (sheet, _, _, base), state in zip(records, rows["state"])
                 for _ in SHEETS[sheet].column_names]
    found = []
    for change, (state, new_record) in zip(submissions.review_changes(ui.store(), records), decisions):
        status = "unchanged" if not new_record and change.base == change.proposed else \
            {"accepted": "applied", "rejected": "not_applied"}.get(state, state)
        found.append((change.sheet, change.record, status, t(f"review.status_{status}"), change.field,
                      cell_text(change.base), cell_text(change.current), cell_text(change.proposed)))
    return pd.DataFrame(found, columns=["sheet", "record", "status_code", "status", "field", "base", "current",
                                        "proposed"])


def send(upload) -> int | ImportRejected | db.WriteFailed:
    """Keep a partner's upload as a pending submission; return its id, or why it was refused."""
    user = access.viewer()
    try:
        with stewardship_ui.upload_on_disk(upload) as source:
            return submissions.submit_workbook(source, stewardship_ui.database(), user.email, user.institution_id,
                                               file_name=upload.name)
    except (ImportRejected, db.WriteFailed) as refused:
        return refused


def form_records(sheet: str) -> tuple[dict[str, dict], int]:
    """The records of a sheet the partner may correct on the form, newest first, by a label of their key, with the
    values its scope shows; and how many there are in all."""
    found = ui.read("form_records", sheet=sheet, limit=submissions.FORM_RECORDS_SHOWN)
    return {r.label: json.loads(r.record) for r in found.itertuples()}, int(found["total"].iloc[0]) if len(found) else 0


def prefilled_texts(record: dict | None) -> dict[str, str]:
    """The texts the form opens with for an existing record (none for a new one)."""
    return {column: cell_text(value) for column, value in (record or {}).items()}


def send_record(sheet: str, values: dict[str, object],
                prefilled: dict[str, str] | None = None) -> int | ImportRejected | StewardshipError | db.WriteFailed:
    """Keep one record a partner entered on the form as a pending submission; return its id, or why not."""
    user = access.viewer()
    try:
        return submissions.submit_record(stewardship_ui.database(), user.email, user.institution_id, sheet, values,
                                         prefilled)
    except (ImportRejected, StewardshipError, db.WriteFailed) as refused:
        return refused


def show_refusal(outcome: ImportRejected | StewardshipError | db.WriteFailed, what: str) -> None:
    """Why a submission was not kept: every problem (sheet, row, column, value, expected), or the write failure."""
    if isinstance(outcome, db.WriteFailed):
        st.error(stewardship_ui.write_failed_text(outcome))
        return
    if isinstance(outcome, StewardshipError):
        st.error(t(outcome.message, **markdown_values(outcome.args_)))
        return
    st.error(t("submissions.rejected_file", file=markdown_text(what), count=outcome.count))
    ui.table(problems_frame(outcome.problems), stewardship_ui.PROBLEM_HEADERS, download="submission-problems")
    for line in omitted_lines(outcome):
        st.caption(line)


def decide(submission_id: int, accept: bool, reason: str = "", overwrite_stale: bool = False,
           only: set[int] | None = None, records: int = 0) -> str:
    """Accept (the records at positions `only`, or all of them) or reject a submission; return what to show."""
    try:
        if accept:
            change = submissions.accept(stewardship_ui.database(), submission_id, stewardship_ui.viewer_name(),
                                        overwrite_stale, only, reason)
            if only is not None and len(only) < records:
                return t("review.partly_accepted", id=submission_id, accepted=len(only), records=records,
                         change=change)
            return t("review.accepted", id=submission_id, change=change)
        submissions.reject(stewardship_ui.database(), submission_id, stewardship_ui.viewer_name(), reason)
        return t("review.rejected_done", id=submission_id)
    except StewardshipError as refused:
        raise ValueError(t(refused.message, **refused.args_)) from None
    except db.WriteFailed as failed:
        raise ValueError(stewardship_ui.write_failed_text(failed)) from None


CONFIRMATION_HEADERS = {"programme_id": "confirm.col_programme", "title": "confirm.col_title",
                        "confirmation": "confirm.col_state"}


def confirmation_rows(programmes: pd.DataFrame) -> pd.DataFrame:
    """Each programme's confirmation in words: by both, by the host, by the home institution, or not."""
    return programmes.assign(confirmation=[t(CONFIRMATIONS[code]) for code in programmes["confirmation"]])


def confirm(programme_id: str) -> str:
    """Send the partner's confirmation of a programme as it stands; return the message to show."""
    user = access.viewer()
    try:
        submission_id = submissions.confirm_programme(stewardship_ui.database(), user.email, user.institution_id,
                                                      programme_id)
    except StewardshipError as refused:
        raise ValueError(t(refused.message, **refused.args_)) from None
    except db.WriteFailed as failed:
        raise ValueError(stewardship_ui.write_failed_text(failed)) from None
    return t("confirm.sent", id=programme_id, submission=submission_id)


def open_to_confirm(programmes: pd.DataFrame) -> list[str]:
    """Programmes the partner has no confirmation pending for, nor one accepted of the programme as it stands."""
    settled = programmes[["own_pending", "own_confirmed"]].astype(object).fillna(False).astype(bool).any(axis=1)
    return programmes.loc[~settled, "programme_id"].tolist()


PROVENANCE_HEADERS = {"record": "data.col_record", **stewardship_ui.PROVENANCE_HEADERS}


def provenance(submission_id: int) -> pd.DataFrame:
    """For each record of a submission: the changes that wrote its stored values (one read for them all)."""
    records = submissions.records_of(ui.read("submission_records", submission_id=submission_id))
    keys = [key_fields(sheet, proposed) for sheet, _, proposed, _ in records]
    found = ui.read("submission_provenance", positions=list(range(len(records))),
                    sheets=[sheet for sheet, _, _, _ in records], key_columns=[list(key) for key in keys],
                    key_values=[[None if v is None else cell_text(v) for v in key.values()] for key in keys])
    if found.empty:
        return pd.DataFrame(columns=list(PROVENANCE_HEADERS))
    names = [f"{sheet} " + " | ".join(cell_text(v) for v in key.values() if v is not None)
             for (sheet, _, _, _), key in zip(records, keys)]
    return stewardship_ui.history_rows(found.assign(rolls_back=None)).assign(
        record=[names[position] for position in found["position"]]).drop(columns="position")
