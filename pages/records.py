"""Records: add, edit or delete one record, with the import's validation; every change is logged."""

import streamlit as st

from portal import access, db, stewardship_ui, ui
from portal.display import markdown_values
from portal.contract import SHEET_ORDER, SHEETS
from portal.i18n import t
from portal.ror_ui import dump_upload, ror_lookup
from portal.importer import ImportRejected, problems_frame
from portal.stewardship import StewardshipError, delete_record, save_record

ui.require(access.ADMINISTRATOR_ROLES, "access.administrators_page")

message = st.session_state.pop("records_message", None)

st.title(t("records.title"))
st.caption(t("records.intro"))
if message:
    st.success(message)

sheet = ui.coded_select(t("records.sheet"), {s: t(f"sheet.{s}") for s in SHEET_ORDER}, "records_sheet",
                       default=SHEET_ORDER[0])
records = ui.store().sheet_records(sheet, limit=stewardship_ui.EDITABLE_RECORDS)
choices = stewardship_ui.record_choices(sheet, records)
chosen = st.selectbox(t("records.record"), list(choices), format_func=choices.get, key=f"records_pick_{sheet}")
creating = chosen == stewardship_ui.NEW_RECORD
current = {} if creating else records.iloc[chosen].to_dict()
if sheet == "institutions":
    dump_upload()
    current = ror_lookup(current)

with st.form(f"record_form_{sheet}_{chosen}"):
    values = {column.name: stewardship_ui.field_input(column, current.get(column.name),
                                               locked=not creating and column.name in SHEETS[sheet].key, sheet=sheet)
              for column in SHEETS[sheet].columns}
    saved = st.form_submit_button(t("records.add") if creating else t("records.save"), type="primary")

if saved:
    try:
        result = save_record(stewardship_ui.database(), sheet, values, stewardship_ui.viewer_name(), creating=creating)
    except ImportRejected as rejected:
        st.error(t("records.rejected", count=len(rejected.problems)))
        ui.table(problems_frame(rejected.problems), stewardship_ui.PROBLEM_HEADERS, download="record-problems")
        st.stop()
    except db.WriteFailed as failed:  # disk full, read-only folder: nothing changed
        st.error(stewardship_ui.write_failed_text(failed))
        st.stop()
    st.session_state["records_message"] = t("records.saved", id=result.import_id)
    st.rerun()

if not creating:
    # Read only when asked: the change log of a national database is long.
    if st.toggle(t("records.provenance"), key=f"records_provenance_{sheet}"):
        ui.table(stewardship_ui.record_provenance(sheet, current), stewardship_ui.PROVENANCE_HEADERS,
                 download="record-provenance")
    with st.expander(t("records.delete")):
        st.caption(t("records.delete_help"))
        if st.button(t("records.delete_button"), key="delete_record"):
            try:
                change = delete_record(stewardship_ui.database(), sheet, stewardship_ui.key_of(sheet, current),
                                       stewardship_ui.viewer_name())
            except StewardshipError as refused:
                st.error(t(refused.message, **markdown_values(refused.args_)))
                st.stop()
            except db.WriteFailed as failed:
                st.error(stewardship_ui.write_failed_text(failed))
                st.stop()
            st.session_state["records_message"] = t("records.deleted", id=change)
            st.rerun()
