"""Trainees: what became of trained people after they came home, cohort by cohort (contract 1.1 retention)."""

from datetime import date

import streamlit as st

from portal import ui
from portal.charts import trainees as charts
from portal.display import Column, number
from portal.i18n import t

COHORTS = ("programme", "host", "specialty", "return_year")
CHART_COHORTS = 12  # cohorts charted when none is chosen: the largest, so a page stays well under 1 MB of charts
PEOPLE_LIMIT = 200  # rows of a table of people or equipment: enough to work through, bounded in bytes

st.title(t("trainees.title"))
st.caption(t("trainees.intro"))
protect = not ui.names_visible()

cohort_by = ui.coded_select(t("trainees.cohort_by"), {c: t(f"trainees.by_{c}") for c in COHORTS}, "cohort_by",
                            default="programme")
retention = ui.read("cohort_retention", cohort_by=cohort_by, as_of=date.today())
if retention.empty:  # no retention yet says so, and the people and equipment below still show
    st.info(t("trainees.empty"))
else:
    cohort_names = charts.cohort_names(retention)
    chosen = ui.coded_multiselect(t("trainees.cohorts"), cohort_names, "cohort",
                                  placeholder=t("trainees.all_cohorts"))
    shown = charts.of_cohorts(retention, chosen, largest=CHART_COHORTS)
    ui.showing_note(shown["cohort"].nunique(), len(cohort_names),
                    "trainees.showing_chosen_cohorts" if chosen else "trainees.showing_cohorts")
    if protect:
        st.caption(t("trainees.small_groups", limit=5))

    for cohort, figures in shown.groupby("cohort", sort=True):
        ui.plot(charts.retention_bars, figures, cohort_names[cohort], protect,
                key=f"retention-{cohort_by}-{cohort}")

    st.subheader(t("trainees.figures"))
    ui.table(charts.retention_table(shown, protect), {
        "cohort": "trainees.col_cohort", "months": Column("trainees.col_months", "count"),
        "trainees": "trainees.col_trainees", "home": "trainees.band_home", "country": "trainees.band_country",
        "left": "trainees.band_left", "not_followed_up": "trainees.band_not_followed_up",
        "retained_share": "trainees.col_retained_share", "practising_share": "trainees.col_practising_share",
        "practising_yes": "trainees.col_practising_yes",
        "practising_partly": "trainees.col_practising_partly", "practising_no": "trainees.col_practising_no",
        "practising_not_reported": "trainees.col_practising_not_reported", "cases_reported": "trainees.col_cases",
    }, download="retention")

if not protect:
    st.subheader(t("trainees.people"))
    follow_ups = ui.read("trainee_follow_ups", programme=None, limit=PEOPLE_LIMIT)
    if follow_ups.empty:
        st.caption(t("trainees.no_follow_ups"))
    else:
        ui.table(charts.follow_up_rows(follow_ups), {
            "person_name": Column("trainees.col_person", "person"), "programme_title": "trainees.col_programme",
            "end_date": Column("trainees.col_return", "date"), "date": Column("trainees.col_checked", "date"),
            "status": "trainees.col_status", "institution_name": "trainees.col_institution",
            "practising": "trainees.col_practising", "procedures_performed": Column("trainees.col_cases", "count"),
        }, download="follow-ups")
        ui.showing_note(len(follow_ups), follow_ups["total"].iloc[0], "quality.showing")

    st.subheader(t("trainees.timeline"))
    people = ui.read("trainee_people", limit=PEOPLE_LIMIT)
    person_names = charts.person_names(people)
    person = ui.coded_select(t("trainees.person"), person_names, "person", placeholder=t("trainees.pick_person"))
    ui.showing_note(len(people), people["total"].iloc[0] if len(people) else 0, "quality.showing")
    if person:
        timeline = ui.read("trainee_timeline", person=person)
        ui.plot(charts.person_timeline, timeline, person_names[person], key=f"timeline-{person}")
        if len(timeline) and timeline["programmes"].iloc[0] > 1:
            st.caption(t("trainees.timeline_by_name", count=number(timeline["programmes"].iloc[0])))

st.subheader(t("trainees.equipment"))
st.caption(t("trainees.equipment_caption"))
months = int(st.number_input(t("trainees.equipment_months"), min_value=1, max_value=60, value=6, step=1,
                             key="equipment_months", bind="query-params"))
matches = ui.read("equipment_training_match", months=months, today=date.today(), limit=PEOPLE_LIMIT)
if matches.empty:
    st.success(t("trainees.equipment_in_step"), icon=":material/check_circle:")
else:
    ui.table(charts.mismatch_table(matches, protect), {
        "name": "trainees.col_equipment", "institution_name": "trainees.col_institution",
        "acquired_date": Column("trainees.col_acquired", "date"), "problem": "trainees.col_problem",
        "trainees_linked": "trainees.col_trainees_linked", "trainees_practising": "trainees.col_trainees_practising",
    }, download="equipment-training")
    ui.showing_note(len(matches), matches["total"].iloc[0], "quality.showing")

st.subheader(t("trainees.without_equipment"))
st.caption(t("trainees.without_equipment_caption"))
without = (ui.read("trainees_without_equipment_by_institution") if protect
           else ui.read("trainees_without_equipment", limit=PEOPLE_LIMIT))
if without.empty:
    st.caption(t("trainees.nobody_without_equipment"))
elif protect:
    ui.table(charts.without_equipment_counts(without, protect), {
        "institution_name": "trainees.col_home_institution", "trainees": "trainees.col_trainees_without",
    }, download="trainees-without-equipment")
else:
    ui.table(charts.without_equipment_rows(without), {
        "person_name": Column("trainees.col_person", "person"), "programme_title": "trainees.col_programme",
        "institution_name": "trainees.col_home_institution", "checked": Column("trainees.col_checked", "date"),
        "categories": "trainees.col_equipment_needed",
    }, download="trainees-without-equipment")
    ui.showing_note(len(without), without["total"].iloc[0], "quality.showing")
