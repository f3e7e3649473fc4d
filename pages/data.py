"""Data: load a workbook with review (its problems, or a preview of every change) before anything is written."""

import streamlit as st

from portal import access, db, stewardship_ui, ui
from portal.display import markdown_text
from portal.i18n import t
from portal.importer import (DatabaseChanged, ImportRejected, field_changes, omitted_lines,
                             problems_frame)
from portal.workbook import MAX_FILE_BYTES

ui.require(access.ADMINISTRATOR_ROLES, "access.administrators_page")

generation = st.session_state.setdefault("upload_generation", 0)
applied = st.session_state.pop("applied_import", None)

st.title(t("data.title"))
st.caption(t("data.intro"))
stewardship_ui.template_download()

if applied:
    st.success(t("data.applied", id=applied.import_id))
    ui.table(stewardship_ui.counts_frame(applied.counts), stewardship_ui.COUNT_HEADERS, download="import-result")

upload = st.file_uploader(t("data.upload"), type=["xlsx", "zip", "xml"], key=f"workbook_upload_{generation}",
                          help=t("data.upload_help"), max_upload_size=MAX_FILE_BYTES // 1024**2)
if upload is None:
    st.stop()
if stewardship_ui.upload_too_large(upload):
    st.error(t("data.too_large", file=upload.name, limit=MAX_FILE_BYTES // 1024**2))
    st.stop()

with st.status(t("data.checking"), expanded=False) as status:
    preview = stewardship_ui.preview_upload(upload, status)
    status.update(label=t("data.checked"), state="complete")

if isinstance(preview, db.WriteFailed):
    st.error(stewardship_ui.write_failed_text(preview))
    st.stop()
if isinstance(preview, ImportRejected):
    st.error(t("data.rejected", count=preview.count, file=markdown_text(upload.name)))
    ui.table(problems_frame(preview.problems), stewardship_ui.PROBLEM_HEADERS, download="import-problems")
    for line in omitted_lines(preview):
        st.caption(line)
    if preview.warnings:
        st.warning(t("data.warnings", count=len(preview.warnings)))
        ui.table(problems_frame(preview.warnings), stewardship_ui.PROBLEM_HEADERS, download="import-warnings")
    st.stop()

st.success(t("data.valid", file=markdown_text(upload.name)))
if preview.warnings:
    st.warning(t("data.warnings", count=len(preview.warnings)))
    ui.table(problems_frame(preview.warnings), stewardship_ui.PROBLEM_HEADERS, download="import-warnings")

st.subheader(t("data.preview"))
ui.table(stewardship_ui.counts_frame(preview.counts), stewardship_ui.COUNT_HEADERS, download="import-preview-counts")
changes = field_changes(preview.changes)
if changes.empty:
    st.info(t("data.nothing_changes"))
else:
    st.caption(t("data.preview_caption"))
    ui.table(changes, stewardship_ui.CHANGE_HEADERS, download="import-preview-changes")

if st.button(t("data.apply"), type="primary", key="apply_import"):
    try:
        with st.status(t("data.applying"), expanded=True) as status:
            with stewardship_ui.upload_on_disk(upload) as source:
                result = stewardship_ui.import_giving_way(source, file_name=upload.name,
                                                          expected_version=preview.base_version,
                                                          progress=stewardship_ui.progress_reporter(status))
    except DatabaseChanged:
        st.error(t("data.changed_meanwhile"))
        st.stop()
    except db.WriteFailed as failed:
        st.error(stewardship_ui.write_failed_text(failed))
        st.stop()
    st.session_state["applied_import"] = result
    st.session_state["upload_generation"] = generation + 1  # a fresh, empty uploader
    st.rerun()
