"""Data quality: what is missing or suspicious in the visible data, each finding linked to its record."""

import datetime
from functools import partial

import pandas as pd
import streamlit as st

from portal import access, display, submissions, ui
from portal.i18n import label, t

ui.require(access.MINISTRY_ROLES, "access.ministry_page")

TABLE_LIMIT = 500  # rows of each check's table: enough to work through, bounded in bytes
ONGOING_GRACE_DAYS = 90  # an "ongoing" programme is listed once its end date is more than this many days past


def contradiction(problem: str) -> str:
    """How a programme's status contradicts its dates, as a person reads it."""
    return t("quality.problem." + problem, days=ONGOING_GRACE_DAYS)


def follow_up_problem(problem: str) -> str:
    """How a follow-up contradicts the participant records, as a person reads it."""
    return t("quality.follow_up_problem." + problem)


# Each check reads portal/queries/quality_CHECK.sql (columns record, name, link, total and its own) and shows
# these columns as ui.table Columns; READ turns coded values into what a person reads.
def column(name: str, kind: str = "text", **options: object) -> display.Column:
    """The ui.table column of a finding's field `name`, headed by quality.col_NAME."""
    return display.Column("quality.col_" + name, kind, **options)


OPEN = column("link", "link", link="{}")  # the query's address of the record's page; shows the id it opens
RECORD = {"record": column("record"), "name": column("name")}
COSTS = {"cost_kind": column("cost_kind"), **RECORD, "amount": column("amount", "money"),
         "currency": column("currency", private="costs"), "year": column("year")}
CHECKS = {
    "rows_without_source": {"sheet": column("sheet"), **RECORD},
    "institutions_without_coordinates": {**RECORD, "kind": column("kind"), "country": column("country")},
    "programmes_contradicting_dates": {**RECORD, "problem": column("problem"), "start_date": column("start_date", "date"),
                                       "end_date": column("end_date", "date")},
    "participant_count_mismatches": {**RECORD, "participants_count": column("participants_count", "count"),
                                     "trainees_listed": column("trainees_listed", "count"),
                                     "people_listed": column("people_listed", "count")},
    "programmes_without_cost": {**RECORD, "kind": column("kind"), "status": column("status"),
                                "start_date": column("start_date", "date"), "funding_source": column("funding_source")},
    "equipment_without_cost": {**RECORD, "institution_name": column("institution_name"),
                               "acquired_date": column("acquired_date", "date"),
                               "funding_source": column("funding_source")},
    "programmes_without_participant_count": {**RECORD, "kind": column("kind"), "status": column("status"),
                                             "start_date": column("start_date", "date"),
                                             "trainees_listed": column("trainees_listed", "count")},
    "equipment_without_programmes": {**RECORD, "institution_name": column("institution_name"),
                                     "acquired_date": column("acquired_date", "date")},
    "trainees_without_follow_up": {**RECORD, "programme_title": column("programme_title"),
                                   "end_date": column("end_date", "date")},
    "follow_ups_contradicting_participants": {**RECORD, "problem": column("problem"), "date": column("checked", "date"),
                                              "status": column("status"), "start_date": column("start_date", "date"),
                                              "end_date": column("end_date", "date")},
    "costs_without_reporting_rate": COSTS,
    "costs_without_own_rate": COSTS,
    # what settles a dispute first (the submission, its state and reason), then the record: all fit at 1,400 px
    "records_disputed": {"submission_id": column("submission_id", "count"), "state": column("state"),
                         "reason": column("reason"), **RECORD, "partner": column("partner")},
    "programmes_unconfirmed": {**RECORD, "home_name": column("home_name"), "host_name": column("host_name"),
                               "start_date": column("start_date", "date")},
}
PROGRAMME_CODES = {"kind": partial(label, "programme_kind"), "status": partial(label, "programme_status")}
READ = {"institutions_without_coordinates": {"kind": partial(label, "institution_kind")},
        "programmes_contradicting_dates": {"problem": contradiction},
        "follow_ups_contradicting_participants": {"problem": follow_up_problem,
                                                  "status": partial(label, "follow_up_status")},
        "programmes_without_cost": PROGRAMME_CODES, "programmes_without_participant_count": PROGRAMME_CODES,
        "costs_without_reporting_rate": {"cost_kind": partial(label, "lane"), "year": str},
        "costs_without_own_rate": {"cost_kind": partial(label, "lane"), "year": str},
        "records_disputed": {"state": lambda state: t(f"submissions.state_{state}")}}
# Readings that need the whole table: a record not stored yet has only the name the partner proposes.
READ_TABLES = {"records_disputed": {"name": submissions.disputed_names}}
# Administrators open a disputed record's submission on the Review queue (no one else may open it).
REVIEW_LINKS = {"records_disputed": {"submission_id": column("submission_id", "link", link="review?submission={}")}}


def findings_table(check: str, found: pd.DataFrame, total: int) -> None:
    """One check's findings: typed columns, a link to each record's page, downloads of every row, what was cut."""
    if found.empty:
        st.success(t("quality.nothing_found"), icon=":material/check_circle:")
        return
    read = found.assign(**{name: found[name].map(as_read) for name, as_read in READ.get(check, {}).items()},
                        **{name: as_read(found) for name, as_read in READ_TABLES.get(check, {}).items()})
    ui.table(read, {"link": OPEN, **CHECKS[check], **(REVIEW_LINKS.get(check, {}) if reviewer else {})},
             download=f"quality-{check}")
    ui.showing_note(len(found), total, "quality.showing")


ADMINISTRATORS_SETTLE = ("records_disputed",)
reviewer = access.may(access.ADMINISTRATOR_ROLES)
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

for check in CHECKS:
    st.subheader(t("quality.heading", name=names[check], count=display.number(totals[check])), anchor=check)
    # Only administrators can open the Review queue: the others read where disputes are settled, not how.
    why = f"quality.{check}.why_reader" if check in ADMINISTRATORS_SETTLE and not reviewer else f"quality.{check}.why"
    st.caption(t(why, days=ONGOING_GRACE_DAYS, currency=ui.reporting_currency()))
    findings_table(check, found[check], totals[check])
