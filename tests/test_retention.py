"""Retention as the contract defines it, on a hand-worked cohort (figures worked out below)."""

from __future__ import annotations

from datetime import date

import pytest

from portal import db
from portal.db import Scope, open_store
from portal.charts.trainees import retention_table
from portal.importer import import_workbook
from workbooks import valid_workbook

# P1 ends 2024-11, so its last day is 2024-11-30: the 6-month point is 2025-05-30, 12 months 2025-11-30,
# 24 months 2026-11-30; on 2026-12-31 the 36- and 60-month points are not reached yet.
#   A: 2025-03 home (yes, 10 cases), 2025-09 home (yes, 20)   -> 6: home,    12: home,    24: home
#   B: 2025-05-15 elsewhere in country (partly, 3)            -> 6: country, 12: country, 24: country
#   C: 2025-04 abroad, 2025-10 home (no)                      -> 6: left,    12: home,    24: home
#   D: "2025" left profession (counts by 2025-12-31)          -> 6: not followed up, 12: not followed up, 24: left
#   E: no follow-up                                           -> not followed up throughout
#   F: 2025-02 status unknown                                 -> not followed up throughout
# 6 months:  home 1, country 1, left 1, not followed up 3; practising yes 1, partly 1, not reported 1; cases 13
# 12 months: home 2, country 1, left 0, not followed up 3; practising yes 1, partly 1, no 1; cases 10+20+3 = 33
# 24 months: home 2, country 1, left 1, not followed up 2; practising as at 12, plus D not reported; cases 33
CHECKS = [("A", "2025-03", "at_home_institution", "yes", 10), ("A", "2025-09", "at_home_institution", "yes", 20),
          ("B", "2025-05-15", "elsewhere_in_country", "partly", 3), ("C", "2025-04", "abroad", "", ""),
          ("C", "2025-10", "at_home_institution", "no", ""), ("D", "2025", "left_profession", "", ""),
          ("F", "2025-02", "unknown", "", "")]
COLUMNS = ["months", "trainees", "home", "country", "left", "not_followed_up", "practising_yes",
           "practising_partly", "practising_no", "practising_not_reported", "cases_reported"]
EXPECTED = [[6, 6, 1, 1, 1, 3, 1, 1, 0, 1, 13], [12, 6, 2, 1, 0, 3, 1, 1, 1, 0, 33],
            [24, 6, 2, 1, 1, 2, 1, 1, 1, 1, 33]]


@pytest.fixture
def cohort_db(tmp_path, write):
    book = valid_workbook()
    book["participants"] = [{"programme_id": "P1", "person_name": name, "role": "trainee"} for name in "ABCDEF"]
    book["follow_ups"] = [{"programme_id": "P1", "person_name": who, "role": "trainee", "date": when,
                           "status": status, "practising": practising, "procedures_performed": cases}
                          for who, when, status, practising, cases in CHECKS]
    database = tmp_path / "cohort.duckdb"
    import_workbook(write(book), database, "test")
    return database


def retention(database, scope, cohort_by="programme"):
    frame = open_store(database).read("cohort_retention", scope, cohort_by=cohort_by, as_of=date(2026, 12, 31))
    return frame


@pytest.mark.parametrize("scope", [Scope(), Scope(role="anonymous", names_visible=False, costs_visible=False),
                                   Scope(role="partner", institution_id="KR-HOST")])
def test_hand_worked_retention(cohort_db, scope):
    frame = retention(cohort_db, scope)
    assert set(frame["cohort"]) == {"P1"}
    assert frame[COLUMNS].astype(int).values.tolist() == EXPECTED


@pytest.mark.parametrize("cohort_by, cohort", [("host", "KR-HOST"), ("specialty", "spine surgery"),
                                               ("return_year", "2024")])
def test_cohorts_by_host_specialty_and_year_of_return(cohort_db, cohort_by, cohort):
    frame = retention(cohort_db, Scope(), cohort_by)
    assert list(frame["cohort"].unique()) == [cohort]
    assert frame[COLUMNS].astype(int).values.tolist() == EXPECTED


@pytest.mark.parametrize("subject", [{"programme": "P1"}, {"institution": "KR-HOST"}, {"country": "KOR"}])
def test_a_briefing_packs_subject_counts_as_one_cohort_the_same_figures(cohort_db, subject):
    """subject_retention and cohort_retention read one band aggregate (schema.sql: retention_bands)."""
    given = {"programme": None, "institution": None, "country": None, **subject}
    frame = open_store(cohort_db).read("subject_retention", Scope(), as_of=date(2026, 12, 31), **given)
    assert list(frame["cohort"].unique()) == ["subject"]
    assert frame[COLUMNS].astype(int).values.tolist() == EXPECTED


def test_a_briefing_pack_subject_without_programmes_has_no_retention(cohort_db):
    frame = open_store(cohort_db).read("subject_retention", Scope(), as_of=date(2026, 12, 31), programme="NONE",
                                       institution=None, country=None)
    assert frame.empty


def test_a_partner_outside_the_collaboration_sees_no_cohort(cohort_db):
    assert retention(cohort_db, Scope(role="partner", institution_id="MOH")).empty


def test_a_programme_without_end_date_has_no_retention(tmp_path, write):
    book = valid_workbook()
    book["programmes"][0]["end_date"] = ""
    book["programmes"][0]["status"] = "ongoing"
    import_workbook(write(book), tmp_path / "db.duckdb", "test")
    assert retention(tmp_path / "db.duckdb", Scope()).empty


def test_a_check_dated_by_the_month_of_the_point_counts(tmp_path, write):
    """P1 ends "2024-11": its last day is 2024-11-30, plus 6 months is 2025-05-30; the end was known only by
    month, so the point reaches to the end of that month, 2025-05-31. A check dated "2025-05" counts by its
    last day, 2025-05-31 <= 2025-05-31: the trainee is home at 6 months (not "not followed up")."""
    book = valid_workbook()
    book["participants"] = [{"programme_id": "P1", "person_name": "A", "role": "trainee"}]
    book["follow_ups"] = [{"programme_id": "P1", "person_name": "A", "role": "trainee", "date": "2025-05",
                           "status": "at_home_institution"}]
    import_workbook(write(book), tmp_path / "db.duckdb", "test")
    six = retention(tmp_path / "db.duckdb", Scope()).set_index("months").loc[6]
    assert (int(six["home"]), int(six["not_followed_up"])) == (1, 0)


def test_a_full_end_date_keeps_its_day(tmp_path, write):
    """P1 ends 2024-11-30: the 6-month point is 2025-05-30, so a check dated 2025-05-31 comes too late."""
    book = valid_workbook()
    book["programmes"][0]["end_date"] = "2024-11-30"
    book["participants"] = [{"programme_id": "P1", "person_name": "A", "role": "trainee"}]
    book["follow_ups"] = [{"programme_id": "P1", "person_name": "A", "role": "trainee", "date": "2025-05-31",
                           "status": "at_home_institution"}]
    import_workbook(write(book), tmp_path / "db.duckdb", "test")
    six = retention(tmp_path / "db.duckdb", Scope()).set_index("months").loc[6]
    assert (int(six["home"]), int(six["not_followed_up"])) == (0, 1)


def test_checks_before_the_programme_start_do_not_count(tmp_path, write):
    """P1 runs 2024 .. 2024-11; after the checks were recorded its start moves to 2024-06 (as an edit can leave
    them). At 6 months (2025-05-31):
      A: 2024-03 home: certainly before the start (2024-03-31 < 2024-06-01), a contradiction -> not followed up
      B: 2024-06 abroad: in the start's month                                                 -> left
      C: "2024" home: may be after the start (2024-12-31), not a contradiction, as on Data quality -> home
    """
    book = valid_workbook()
    book["participants"] = [{"programme_id": "P1", "person_name": name, "role": "trainee"} for name in "ABC"]
    database = tmp_path / "db.duckdb"
    import_workbook(write(book), database, "test")
    with db.writing(database) as writer:
        writer.connection.execute("UPDATE programmes SET start_date = '2024-06'")
        writer.connection.executemany(
            "INSERT INTO follow_ups (programme_id, person_name, role, date, status) VALUES ('P1', ?, 'trainee', ?, ?)",
            [("A", "2024-03", "at_home_institution"), ("B", "2024-06", "abroad"), ("C", "2024", "at_home_institution")])
    six = retention(database, Scope()).set_index("months").loc[6]
    assert [int(six[band]) for band in ("home", "country", "left", "not_followed_up")] == [1, 0, 1, 1]


@pytest.mark.parametrize("protect, at_twelve", [(False, "17%"), (True, "fewer than 5")])
def test_retained_share_is_not_reported_while_nobody_was_followed_up(tmp_path, write, protect, at_twelve):
    """Six trainees of P1 (ends 2024-11), one checked home in 2025-09: nobody is followed up by the 6-month point
    (2025-05-31), so the retained share is not reported there, not "0%"; at 12 months it is 1 of 6 (17%), which
    rests on one person for anonymous visitors."""
    book = valid_workbook()
    book["participants"] = [{"programme_id": "P1", "person_name": name, "role": "trainee"} for name in "ABCDEF"]
    book["follow_ups"] = [{"programme_id": "P1", "person_name": "A", "role": "trainee", "date": "2025-09",
                           "status": "at_home_institution"}]
    import_workbook(write(book), tmp_path / "db.duckdb", "test")
    scope = Scope(role="anonymous", names_visible=False, costs_visible=False) if protect else Scope()
    table = retention_table(retention(tmp_path / "db.duckdb", scope), protect).set_index("months")
    assert (table.loc[6, "retained_share"], table.loc[12, "retained_share"]) == ("not reported", at_twelve)
