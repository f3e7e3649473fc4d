"""The read API's trainee lists: retention as numbers, with the page's small-group rule for anonymous callers
(null and named in `suppressed`), follow-ups only for callers who may see names (in process, through Starlette's
test client)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal import api, auth, tokens
from portal.charts.trainees import FIGURES, SHARES, retention_figures, retention_table
from portal.db import Scope, open_store
from portal.display import fewer_than, not_reported, number, percent
from portal.importer import import_workbook
from workbooks import valid_workbook
from test_retention import cohort_db  # noqa: F401  (the hand-worked cohort of six trainees of P1)


@pytest.fixture
def client(monkeypatch, cohort_db, tmp_path):  # noqa: F811
    """A client of the API on the hand-worked cohort, and a ministry official's token."""
    accounts = tmp_path / "accounts.sqlite"
    monkeypatch.setenv("PORTAL_DB", str(cohort_db))
    monkeypatch.setenv("PORTAL_ACCOUNTS", str(accounts))
    auth.add_user(accounts, "official@moh.example", "ministry", None, None)
    return TestClient(Starlette(routes=api.routes())), tokens.create(accounts, "official@moh.example", "test", 1)


SUPPRESSED_AT_SIX = ["home", "country", "left", "not_followed_up", "practising_yes", "practising_partly",
                     "practising_not_reported", "retained_share", "practising_share", "cases_reported"]


def test_retention_rows_are_numbers_with_small_groups_suppressed_for_anonymous_callers(client):
    """At 6 months: 6 trainees, 1 home, 1 elsewhere, 1 abroad/left, 3 not followed up (tests/test_retention.py):
    every band rests on fewer than 5 people, so an anonymous caller gets null for each and its name in
    `suppressed`; the cohort's size (6) and the 0 practising "no" are numbers."""
    http, token = client
    rows = http.get("/api/v1/retention").json()["data"]
    six = next(row for row in rows if row["months"] == 6)
    assert (six["cohort"], six["cohort_code"], six["trainees"], six["practising_no"]) == ("Spine training", "P1", 6, 0)
    assert six["suppressed"] == SUPPRESSED_AT_SIX
    assert all(six[column] is None for column in SUPPRESSED_AT_SIX)
    named = http.get("/api/v1/retention?cohort_by=host", headers={"Authorization": f"Bearer {token}"}).json()["data"]
    six = next(row for row in named if row["months"] == 6)
    assert (six["home"], six["country"], six["left"], six["not_followed_up"], six["cases_reported"]) == (1, 1, 1, 3, 13)
    assert six["retained_share"] == pytest.approx(1 / 6) and six["practising_share"] == pytest.approx(2 / 3)
    assert six["suppressed"] == [] and all(type(six[f]) is int for f in FIGURES)
    assert http.get("/api/v1/retention?cohort_by=nonsense").status_code == 400


@pytest.mark.parametrize("protect", [True, False])
def test_retention_rows_say_what_the_page_table_says(cohort_db, protect):  # noqa: F811
    """Every API figure reads as the page's (and its download's) cell: the number written, "fewer than 5" where
    suppressed, "not reported" where null and not suppressed."""
    retention = open_store(cohort_db).read("cohort_retention", Scope(names_visible=not protect),
                                           cohort_by="programme", as_of=date.today())
    rows, page = retention_figures(retention, protect).to_dict("records"), retention_table(retention, protect)
    assert len(rows) == len(page) == 3
    for row, cells in zip(rows, page.to_dict("records")):
        for column in (*FIGURES, *SHARES, "cases_reported"):
            written = (fewer_than() if column in row["suppressed"] else not_reported() if row[column] is pd.NA
                       else percent(row[column]) if column in SHARES else number(row[column]))
            assert cells[column] == written, (row["months"], column)


def small_cohort_client(monkeypatch, tmp_path, write, trainees: str, checks: list[tuple[str, str]]):
    """A client of the API on P1 (ends 2024-11) with these trainees, checked (person, date) at home."""
    book = valid_workbook()
    book["participants"] = [{"programme_id": "P1", "person_name": name, "role": "trainee"} for name in trainees]
    book["follow_ups"] = [{"programme_id": "P1", "person_name": who, "role": "trainee", "date": when,
                           "status": "at_home_institution", "practising": "yes"} for who, when in checks]
    database = tmp_path / "db.duckdb"
    import_workbook(write(book), database, "test")
    monkeypatch.setenv("PORTAL_DB", str(database))
    monkeypatch.setenv("PORTAL_ACCOUNTS", str(tmp_path / "accounts.sqlite"))
    return TestClient(Starlette(routes=api.routes()))


def test_a_cohort_of_fewer_than_5_trainees_reads_as_suppressed_numbers_for_anonymous_callers(
        monkeypatch, tmp_path, write):
    """Three trainees, all checked home: every figure resting on them is null and suppressed, including the
    cohort's size; only the bands nobody is in read 0. The CSV answer carries the same."""
    http = small_cohort_client(monkeypatch, tmp_path, write, "ABC", [(p, "2025-03") for p in "ABC"])
    six = next(row for row in http.get("/api/v1/retention").json()["data"] if row["months"] == 6)
    assert six["suppressed"] == ["trainees", "home", "practising_yes", "retained_share", "practising_share",
                                 "cases_reported"]
    assert [six[f] for f in FIGURES] == [None, None, 0, 0, 0, None, 0, 0, 0]
    assert six["retained_share"] is None and six["practising_share"] is None
    csv_lines = http.get("/api/v1/retention?format=csv").text.splitlines()
    assert csv_lines[0].lstrip("\ufeff").split(",")[-1] == "suppressed"
    assert csv_lines[1] == ("Spine training,P1,6,,,0,0,0,,0,0,0,,,,"
                            "trainees; home; practising_yes; retained_share; practising_share; cases_reported")


def test_a_share_of_nobody_followed_up_is_null_but_not_suppressed(monkeypatch, tmp_path, write):
    """Six trainees, one checked home only in 2025-09: by the 6-month point nobody was followed up, so the
    retained share is not reported (null, not suppressed), not 0; at 12 months it rests on one person."""
    http = small_cohort_client(monkeypatch, tmp_path, write, "ABCDEF", [("A", "2025-09")])
    rows = {row["months"]: row for row in http.get("/api/v1/retention").json()["data"]}
    assert rows[6]["retained_share"] is None and "retained_share" not in rows[6]["suppressed"]
    assert rows[6]["practising_share"] is None and "practising_share" not in rows[6]["suppressed"]
    assert rows[6]["trainees"] == 6 and rows[6]["not_followed_up"] == 6
    assert rows[12]["retained_share"] is None and "retained_share" in rows[12]["suppressed"]


def test_the_openapi_row_of_retention_types_numbers_and_the_suppressed_list(client):
    http, _ = client
    document = http.get("/api/v1/openapi.json").json()
    columns = document["components"]["schemas"]["retention"]["properties"]
    assert all(columns[f]["type"] == ["integer", "null"] for f in (*FIGURES, "months", "cases_reported"))
    assert all(columns[s]["type"] == ["number", "null"] for s in SHARES)
    assert columns["suppressed"] == {"type": ["array", "null"], "items": {"type": ["string", "null"]}}
    assert "fractions from 0 to 1" in document["paths"]["/api/v1/retention"]["get"]["summary"]


def test_follow_ups_need_names(client):
    http, token = client
    refused = http.get("/api/v1/follow_ups")
    assert (refused.status_code, refused.json()["error"]) == (403, "names_not_shown")
    rows = http.get("/api/v1/follow_ups?programme=P1", headers={"Authorization": f"Bearer {token}"}).json()["data"]
    assert sorted({row["person_name"] for row in rows}) == ["A", "B", "C", "D", "F"] and len(rows) == 7


def test_cohorts_with_one_name_are_told_apart(monkeypatch, tmp_path, write):
    """P1 and P2 share the title "Spine training": each retention row names its cohort with its code and carries
    the code; a cohort whose name is its own (P3) keeps its plain name."""
    book = valid_workbook()
    book["programmes"] += [{**book["programmes"][0], "programme_id": "P2"},
                           {**book["programmes"][0], "programme_id": "P3", "title": "Hand surgery"}]
    book["participants"] = [{"programme_id": p, "person_name": "A", "role": "trainee"} for p in ("P1", "P2", "P3")]
    database = tmp_path / "db.duckdb"
    import_workbook(write(book), database, "test")
    monkeypatch.setenv("PORTAL_DB", str(database))
    monkeypatch.setenv("PORTAL_ACCOUNTS", str(tmp_path / "accounts.sqlite"))
    rows = TestClient(Starlette(routes=api.routes())).get("/api/v1/retention").json()["data"]
    assert sorted({(row["cohort_code"], row["cohort"]) for row in rows}) == [
        ("P1", "Spine training (P1)"), ("P2", "Spine training (P2)"), ("P3", "Hand surgery")]
