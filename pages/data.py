"""Data: load a workbook with review (its problems, or a preview of every change) before anything is written."""

import streamlit as st

from portal import access, ui, ui_data
from portal.i18n import t
from portal.importer import DatabaseChanged, ImportRejected, field_changes, import_workbook, problems_frame

ui.require(access.ADMINISTRATOR_ROLES)

generation = st.session_state.setdefault("upload_generation", 0)
applied = st.session_state.pop("applied_import", None)

st.title(t("data.title"))
st.caption(t("data.intro"))
ui_data.template_download()

if applied:
    st.success(t("data.applied", id=applied.import_id))
    ui.table(ui_data.counts_frame(applied.counts), ui_data.COUNT_HEADERS, download="import-result")

upload = st.file_uploader(t("data.upload"), type=["xlsx", "zip"], key=f"workbook_upload_{generation}",
                          help=t("data.upload_help"))
if upload is None:
    st.stop()

with st.status(t("data.checking"), expanded=False) as status:
    preview = ui_data.preview_upload(upload, status)
    status.update(label=t("data.checked"), state="complete")

if isinstance(preview, ImportRejected):
    st.error(t("data.rejected", count=len(preview.problems), file=upload.name))
    ui.table(problems_frame(preview.problems), ui_data.PROBLEM_HEADERS, download="import-problems")
    if preview.warnings:
        st.warning(t("data.warnings", count=len(preview.warnings)))
        ui.table(problems_frame(preview.warnings), ui_data.PROBLEM_HEADERS, download="import-warnings")
    st.stop()

st.success(t("data.valid", file=upload.name))
if preview.warnings:
    st.warning(t("data.warnings", count=len(preview.warnings)))
    ui.table(problems_frame(preview.warnings), ui_data.PROBLEM_HEADERS, download="import-warnings")

st.subheader(t("data.preview"))
ui.table(ui_data.counts_frame(preview.counts), ui_data.COUNT_HEADERS, download="import-preview-counts")
changes = field_changes(preview.changes)
if changes.empty:
    st.info(t("data.nothing_changes"))
else:
    st.caption(t("data.preview_caption"))
    ui.table(changes, ui_data.CHANGE_HEADERS, download="import-preview-changes")

if st.button(t("data.apply"), type="primary", key="apply_import"):
    try:
        with st.status(t("data.applying"), expanded=True) as status:
            result = import_workbook(ui_data.saved_upload(upload), ui_data.database(), ui_data.viewer_name(),
                                     file_name=upload.name, expected_version=preview.base_version,
                                     progress=ui_data.progress_reporter(status))
    except DatabaseChanged:
        st.error(t("data.changed_meanwhile"))
        st.stop()
    st.session_state["applied_import"] = result
    st.session_state["upload_generation"] = generation + 1  # a fresh, empty uploader
    st.rerun()
