"""Data quality: what is missing or suspicious in the visible data, each finding linked to its record."""

import datetime
from functools import partial

import pandas as pd
import streamlit as st

from portal import access, display, ui
from portal.i18n import label, t

ui.require(access.MINISTRY_ROLES)

TABLE_LIMIT = 500  # rows of each check's table: enough to work through, bounded in bytes
ONGOING_GRACE_DAYS = 90  # an "ongoing" programme is listed once its end date is more than this many days past


def contradiction(problem: str) -> str:
    """How a programme's status contradicts its dates, as a person reads it."""
    return t("quality.problem." + problem, days=ONGOING_GRACE_DAYS)


# Each check reads portal/queries/quality_CHECK.sql (columns record, name, link, total and its own) and shows
# these columns, each with how its values read (None: as stored).
COSTS = {"cost_kind": partial(label, "lane"), "record": None, "name": None, "amount": display.number, "currency": None,
         "year": str}
CHECKS = {
    "rows_without_source": {"sheet": None, "record": None, "name": None},
    "institutions_without_coordinates": {"record": None, "name": None, "kind": partial(label, "institution_kind"),
                                         "country": None},
    "programmes_contradicting_dates": {"record": None, "name": None, "problem": contradiction,
                                       "start_date": display.date_text, "end_date": display.date_text},
    "participant_count_mismatches": {"record": None, "name": None, "participants_count": display.number,
                                     "trainees_listed": display.number, "people_listed": display.number},
    "programmes_without_cost": {"record": None, "name": None, "kind": partial(label, "programme_kind"),
                                "status": partial(label, "programme_status"), "start_date": display.date_text,
                                "funding_source": None},
    "equipment_without_cost": {"record": None, "name": None, "institution_name": None,
                               "acquired_date": display.date_text, "funding_source": None},
    "programmes_without_participant_count": {"record": None, "name": None, "kind": partial(label, "programme_kind"),
                                             "status": partial(label, "programme_status"),
                                             "start_date": display.date_text, "trainees_listed": display.number},
    "equipment_without_programmes": {"record": None, "name": None, "institution_name": None,
                                     "acquired_date": display.date_text},
    "trainees_without_follow_up": {"record": None, "name": None, "programme_title": None,
                                   "end_date": display.date_text},
    "costs_without_reporting_rate": COSTS,
    "costs_without_own_rate": COSTS,
}


def findings_table(check: str, found: pd.DataFrame, columns: dict, total: int) -> None:
    """One check's findings: the columns as a person reads them, a link to each record, and what was cut."""
    if found.empty:
        st.success(t("quality.nothing_found"), icon=":material/check_circle:")
        return
    shown = ui.headed(pd.DataFrame({c: found[c].map(f) if f else found[c] for c, f in columns.items()}),
                      {c: "quality.col_" + c for c in columns})
    shown.insert(0, "link", found["link"])  # first and pinned: in view however wide the table
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "link": st.column_config.LinkColumn(t("quality.col_link"), display_text=t("quality.open"), pinned=True)})
    ui.download_buttons(shown.drop(columns="link"), f"quality-{check}", key=check)  # as shown, every row it lists
    ui.showing_note(len(found), total, "quality.showing")


contents = ui.read("database_contents")

st.title(t("quality.title"))

if contents["records"].sum() == 0:
    st.info(t("quality.empty", load=t("nav.data")))
    st.stop()

today = datetime.date.today()
found = {check: ui.read("quality_" + check, limit=TABLE_LIMIT, today=today, grace_days=ONGOING_GRACE_DAYS)
         for check in CHECKS}
totals = {check: int(frame["total"].iloc[0]) if len(frame) else 0 for check, frame in found.items()}
names = {check: t(f"quality.{check}.name", currency=ui.reporting_currency()) for check in CHECKS}

st.caption(t("quality.intro", today=today.isoformat()))
passed, flagged = st.columns(2)
passed.metric(t("quality.passed"), display.number(sum(total == 0 for total in totals.values())))
flagged.metric(t("quality.with_findings"), display.number(sum(total > 0 for total in totals.values())))
st.markdown("\n".join(
    "- " + (t("quality.summary_found", name=names[check], anchor=check, count=display.number(total)) if total
            else t("quality.summary_passed", name=names[check], anchor=check))
    for check, total in totals.items()))

for check, columns in CHECKS.items():
    st.subheader(t("quality.heading", name=names[check], count=display.number(totals[check])), anchor=check)
    st.caption(t(f"quality.{check}.why", days=ONGOING_GRACE_DAYS, currency=ui.reporting_currency()))
    findings_table(check, found[check], columns, totals[check])
