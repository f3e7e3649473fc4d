"""Records: add, edit or delete one record, with the import's validation; every change is logged."""

import streamlit as st

from portal import access, db, ui, ui_data
from portal.display import markdown_values
from portal.contract import SHEET_ORDER, SHEETS
from portal.i18n import t
from portal.importer import ImportRejected, problems_frame
from portal.stewardship import StewardshipError, delete_record, save_record

ui.require(access.ADMINISTRATOR_ROLES)

message = st.session_state.pop("records_message", None)

st.title(t("records.title"))
st.caption(t("records.intro"))
if message:
    st.success(message)

sheet = st.selectbox(t("records.sheet"), SHEET_ORDER, format_func=lambda s: t(f"sheet.{s}"), key="records_sheet",
                     bind="query-params")
records = ui.store().sheet_records(sheet, limit=ui_data.EDITABLE_RECORDS)
choices = ui_data.record_choices(sheet, records)
chosen = st.selectbox(t("records.record"), list(choices), format_func=choices.get, key=f"records_pick_{sheet}")
creating = chosen == ui_data.NEW_RECORD
current = {} if creating else records.iloc[chosen].to_dict()

with st.form(f"record_form_{sheet}_{chosen}"):
    values = {column.name: ui_data.field_input(column, current.get(column.name),
                                               locked=not creating and column.name in SHEETS[sheet].key)
              for column in SHEETS[sheet].columns}
    saved = st.form_submit_button(t("records.add") if creating else t("records.save"), type="primary")

if saved:
    try:
        result = save_record(ui_data.database(), sheet, values, ui_data.viewer_name(), creating=creating)
    except ImportRejected as rejected:
        st.error(t("records.rejected", count=len(rejected.problems)))
        ui.table(problems_frame(rejected.problems), ui_data.PROBLEM_HEADERS, download="record-problems")
        st.stop()
    except db.WriteFailed as failed:  # disk full, read-only folder: nothing changed
        st.error(ui_data.write_failed_text(failed))
        st.stop()
    st.session_state["records_message"] = t("records.saved", id=result.import_id)
    st.rerun()

if not creating:
    with st.expander(t("records.delete")):
        st.caption(t("records.delete_help"))
        if st.button(t("records.delete_button"), key="delete_record"):
            try:
                change = delete_record(ui_data.database(), sheet, ui_data.key_of(sheet, current),
                                       ui_data.viewer_name())
            except StewardshipError as refused:
                st.error(t(refused.message, **markdown_values(refused.args_)))
                st.stop()
            except db.WriteFailed as failed:
                st.error(ui_data.write_failed_text(failed))
                st.stop()
            st.session_state["records_message"] = t("records.deleted", id=change)
            st.rerun()
