"""The read API's trainee lists: retention with the page's "fewer than 5" for anonymous callers, follow-ups
only for callers who may see names (in process, through Starlette's test client)."""

from __future__ import annotations

from datetime import date

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal import api, auth, tokens
from portal.charts.trainees import retention_table
from portal.db import Scope, open_store
from portal.importer import import_workbook
from test_retention import cohort_db  # noqa: F401  (the hand-worked cohort of six trainees of P1)


@pytest.fixture
def client(monkeypatch, cohort_db, tmp_path):  # noqa: F811
    """A client of the API on the hand-worked cohort, and a ministry official's token."""
    accounts = tmp_path / "accounts.sqlite"
    monkeypatch.setenv("PORTAL_DB", str(cohort_db))
    monkeypatch.setenv("PORTAL_ACCOUNTS", str(accounts))
    auth.add_user(accounts, "official@moh.example", "ministry", None, None)
    return TestClient(Starlette(routes=api.routes())), tokens.create(accounts, "official@moh.example", "test", 1)


def test_anonymous_callers_read_retention_as_the_page_shows_it(client, cohort_db):  # noqa: F811
    """At 6 months: 6 trainees, 1 home, 1 elsewhere, 1 abroad/left, 3 not followed up (tests/test_retention.py):
    every band rests on fewer than 5 people, so an anonymous caller reads "fewer than 5", as on the page."""
    http, token = client
    rows = http.get("/api/v1/retention").json()["data"]
    six = next(row for row in rows if row["months"] == 6)
    assert (six["trainees"], six["home"], six["country"], six["left"], six["not_followed_up"]) == \
        ("6", "fewer than 5", "fewer than 5", "fewer than 5", "fewer than 5")
    page = retention_table(open_store(cohort_db).read("cohort_retention", Scope(names_visible=False),
                                                      cohort_by="programme", as_of=date.today()), protect=True)
    assert rows == page.to_dict("records")
    named = http.get("/api/v1/retention?cohort_by=host", headers={"Authorization": f"Bearer {token}"}).json()["data"]
    assert next(row for row in named if row["months"] == 6)["home"] == "1"
    assert http.get("/api/v1/retention?cohort_by=nonsense").status_code == 400


def test_follow_ups_need_names(client):
    http, token = client
    refused = http.get("/api/v1/follow_ups")
    assert (refused.status_code, refused.json()["error"]) == (403, "names_not_shown")
    rows = http.get("/api/v1/follow_ups?programme=P1", headers={"Authorization": f"Bearer {token}"}).json()["data"]
    assert sorted({row["person_name"] for row in rows}) == ["A", "B", "C", "D", "F"] and len(rows) == 7


def test_cohorts_with_one_name_are_told_apart(monkeypatch, tmp_path, write):
    """P1 and P2 share the title "Spine training": each retention row names its cohort with its code and carries
    the code; a cohort whose name is its own (P3) keeps its plain name."""
    from workbooks import valid_workbook

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
