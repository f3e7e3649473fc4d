"""Overview: key figures and what the database holds."""

import streamlit as st

from portal import ui
from portal.i18n import t

contents = ui.read("database_contents")
figures = ui.read("overview_figures").iloc[0]
imports = ui.read("latest_imports", limit=5)

st.title(t("overview.title"))

if contents["records"].sum() == 0:
    st.info(t("overview.empty"))
    st.code("python -m portal import PATH/TO/WORKBOOK.xlsx", language="bash")
    st.stop()

programmes, people, institutions, countries = st.columns(4)
programmes.metric(t("overview.programmes"), ui.number(figures["programmes"]))
people.metric(t("overview.people_trained"), ui.number(figures["people_trained"]),
              help=t("overview.people_trained_help"))
people.caption(ui.not_reported_note(figures["people_not_reported"], figures["programmes"]))
institutions.metric(t("overview.institutions"), ui.number(figures["institutions"]))
countries.metric(t("overview.countries"), ui.number(figures["countries"]))

equipment, events, cases, _ = st.columns(4)
equipment.metric(t("overview.equipment_items"), ui.number(figures["equipment_items"]))
events.metric(t("overview.events"), ui.number(figures["events"]))
cases.metric(t("overview.procedure_cases"), ui.number(figures["procedure_cases"]))

st.subheader(t("overview.contents"))
ui.table(contents, {"sheet": "overview.col_sheet", "records": "overview.col_records",
                    "illustrative": "overview.col_illustrative", "without_source": "overview.col_without_source"})

st.subheader(t("overview.imports"))
ui.table(imports, {"import_id": "imports.col_id", "action": "imports.col_action", "imported_at": "imports.col_at",
                   "imported_by": "imports.col_by", "file_name": "imports.col_file", "file_sha256": "imports.col_sha",
                   "added": "imports.col_added", "changed": "imports.col_changed",
                   "unchanged": "imports.col_unchanged"})
