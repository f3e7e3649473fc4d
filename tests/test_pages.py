"""Every page runs under AppTest, on the seed and on an empty database, and shows what the data says."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import PROJECT

PAGES = ["pages/overview.py", "pages/programmes.py", "pages/partners.py", "pages/equipment.py", "pages/impact.py"]


def run_page(monkeypatch, database, page: str | None = None, **state) -> AppTest:
    monkeypatch.setenv("PORTAL_DB", str(database))
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    for key, value in state.items():
        app.session_state[key] = value
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_the_seed(monkeypatch, seed_db, page):
    run_page(monkeypatch, seed_db, page)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_an_empty_database(monkeypatch, empty_db, page):
    run_page(monkeypatch, empty_db, page)


def test_overview_figures_on_the_seed(monkeypatch, seed_db):
    app = run_page(monkeypatch, seed_db)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Programmes"] == "51"
    assert metrics["Countries"] == "10"
    assert any("Illustrative data is shown" in i.value for i in app.info)


def test_hiding_illustrative_rows_leaves_the_real_case(monkeypatch, seed_db):
    app = run_page(monkeypatch, seed_db, include_illustrative=False)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Programmes"] == "3"
    assert metrics["Partner institutions"] == "3"
    assert metrics["Total investment (USD)"] == "not reported"
    assert metrics["People trained"] == "not reported"  # no count in the article, never 0
    assert not any("Illustrative data is shown" in i.value for i in app.info)


def test_empty_database_explains_how_to_import(monkeypatch, empty_db):
    app = run_page(monkeypatch, empty_db)
    assert any("database is empty" in i.value for i in app.info)
    assert "python -m portal import" in app.code[0].value


def test_missing_database_is_built_from_the_seed(monkeypatch, tmp_path):
    database = tmp_path / "new" / "portal.duckdb"
    app = run_page(monkeypatch, database)
    assert database.exists()
    assert {m.label: m.value for m in app.metric}["Programmes"] == "51"
