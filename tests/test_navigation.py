"""The page list app.py navigates, and every run going through app.py, even Streamlit's folder-based first run."""

from __future__ import annotations

import duckdb
from streamlit.runtime.pages_manager import PagesManager

from portal import access, first_run, navigation
from portal.i18n import catalog
from workbooks import PROJECT, open_app

LINK = {"kind": "fellowship", "lang": "mn"}  # /programmes?kind=fellowship&lang=mn


def test_the_page_list_names_every_page_script_once():
    scripts = [page.script for page in navigation.PAGES]
    assert sorted(scripts) == sorted(f"pages/{path.name}" for path in (PROJECT / "pages").glob("*.py"))
    assert [page.name for page in navigation.PAGES if page.default] == ["overview"]
    assert navigation.page("data_quality").roles == access.MINISTRY_ROLES
    assert [p.name for p in navigation.pages_for(None)] == ["overview", "programmes", "partners", "equipment",
                                                            "impact", "trainees"]
    assert "history" not in [p.name for p in navigation.pages_for("ministry")]
    assert "history" in [p.name for p in navigation.pages_for("administrator")]


def database_count(database, sql: str) -> int:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql).fetchone()[0]


def sidebar_keys(app) -> set[str]:
    return {getattr(element, "key", None) for element in app.sidebar}


def test_a_viewer_reaches_their_pages_in_the_menu_and_the_refusing_pages_by_address_only():
    shown = {(p.name, in_menu) for p, in_menu in navigation.addresses_for("partner")}
    assert {(p.name, True) for p in navigation.pages_for("partner")} <= shown
    assert ("review", False) in shown and ("submissions", True) in shown
    assert {("history", False), ("data", False), ("records", False), ("data_quality", False)} <= shown
    assert {name for name, in_menu in shown if in_menu} == {p.name for p in navigation.pages_for("partner")}
    administrator = dict((p.name, in_menu) for p, in_menu in navigation.addresses_for("administrator"))
    assert administrator["review"] and not administrator["submissions"]


def test_a_link_opened_first_runs_app_py_with_sidebar_language_and_scope(monkeypatch, seed_db, viewer):
    viewer(None)
    app = open_app(monkeypatch, seed_db, navigation.page("programmes").script, LINK, linked=True,
                   plain_streamlit_run=True)
    assert {"include_illustrative", "language_choice", "sign_in_email"} <= sidebar_keys(app)
    assert app.selectbox(key="language_choice").value == "mn"
    assert app.title[0].value == "Хөтөлбөрүүд"
    assert app.multiselect(key="programmes_kind").value == ["fellowship"]
    fellowships = database_count(seed_db, "SELECT count(*) FROM programmes WHERE kind = 'fellowship'")
    assert 0 < fellowships < database_count(seed_db, "SELECT count(*) FROM programmes")
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Тохирох хөтөлбөр"] == str(fellowships)
    assert metrics["Зардал (USD)"] == catalog("mn")["value.hidden"]  # anonymous: costs not shown


def test_streamlit_still_runs_a_pages_folder_without_app_py_first(monkeypatch, seed_db, viewer):
    """The trap portal/first_run.py defends against. If this fails after a Streamlit upgrade, the folder-based
    first run is gone or works differently: read portal/first_run.py again and simplify it."""
    viewer(None)
    monkeypatch.setattr(first_run, "rerun_through_app", lambda: None)
    app = open_app(monkeypatch, seed_db, navigation.page("programmes").script, LINK, linked=True,
                   plain_streamlit_run=True)
    assert "include_illustrative" not in sidebar_keys(app)  # the page ran on its own: no app.py, no sidebar


def test_start_with_app_turns_the_folder_mode_off_for_every_later_session(monkeypatch):
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    PagesManager(str(PROJECT / "app.py"))
    assert PagesManager.uses_pages_directory is True  # what Streamlit decides from pages/ beside app.py
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    first_run.start_with_app()
    PagesManager(str(PROJECT / "app.py"))
    assert PagesManager.uses_pages_directory is False


def test_the_script_runner_still_reads_the_flag_that_start_with_app_sets():
    import inspect

    from streamlit.runtime.scriptrunner import script_runner

    source = inspect.getsource(script_runner.ScriptRunner)
    assert "if PagesManager.uses_pages_directory:" in source and "_mpa_v1(" in source
