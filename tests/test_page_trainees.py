"""The Trainees page: retention per cohort, "fewer than 5" for anonymous visitors, people only for named roles."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from portal import auth
from portal.db import Scope, open_store
from portal.charts.trainees import retention_table
from portal.importer import import_workbook
from test_retention import CHECKS, cohort_db  # noqa: F401  (the hand-worked cohort of six trainees)
from workbooks import open_app, valid_workbook

PAGE = "pages/trainees.py"


def table_with(app, header: str):
    """The one table on the page with this column header."""
    [frame] = [f.value for f in app.dataframe if header in f.value.columns]
    return frame


def shown_texts(app) -> set[str]:
    return {str(v) for frame in app.dataframe for v in frame.value.to_numpy().ravel()}


def test_a_ministry_sees_exact_figures_and_every_person(monkeypatch, cohort_db, viewer):  # noqa: F811
    viewer(auth.User("official@moh.example", "ministry", None))
    app = open_app(monkeypatch, cohort_db, PAGE, {"cohort_by": "programme"})
    figures, people = app.dataframe[0].value, app.dataframe[1].value
    assert "fewer than 5" not in shown_texts(app)
    six = figures[figures.iloc[:, 1] == 6].iloc[0].tolist()
    assert six[2:7] == ["6", "1", "1", "1", "3"]  # trainees, home, elsewhere, abroad/left, not followed up
    assert set(people["Person"]) == {"A", "B", "C", "D", "F"}
    assert len(app.get("plotly_chart")) == 1


def test_an_anonymous_visitor_reads_fewer_than_5_and_sees_no_names(monkeypatch, cohort_db, viewer):  # noqa: F811
    viewer(None)
    app = open_app(monkeypatch, cohort_db, PAGE)
    assert all("Person" not in frame.value.columns for frame in app.dataframe)  # no per-person table
    figures = app.dataframe[0].value
    six = figures[figures.iloc[:, 1] == 6].iloc[0].tolist()
    assert six[2] == "6" and six[3:7] == ["fewer than 5"] * 4
    assert not {"A", "B", "C", "D", "F"} & shown_texts(app)
    [message] = chart_specs(app)[0]["layout"]["annotations"]
    assert message["text"] == ("Spine training: every point rests on fewer than 5 people in some band, "
                               "so it is not charted.")


def test_downloads_carry_fewer_than_5(cohort_db):  # noqa: F811
    from datetime import date

    from portal.db import Scope, open_store

    retention = open_store(cohort_db).read("cohort_retention", Scope(names_visible=False), cohort_by="host",
                                           as_of=date(2026, 12, 31))
    table = retention_table(retention, protect=True)
    assert set(table["home"]) == {"fewer than 5"} and set(table["cases_reported"]) == {"fewer than 5"}
    assert set(retention_table(retention, protect=False)["home"]) == {"1", "2"}


def test_cohort_facets_live_in_the_url(monkeypatch, cohort_db):  # noqa: F811
    app = open_app(monkeypatch, cohort_db, PAGE, {"cohort_by": "specialty", "cohort": "spine surgery"})
    assert app.query_params["cohort_by"] == "specialty"
    assert app.dataframe[0].value.iloc[0, 0] == "spine surgery"


def test_the_equipment_window_lives_in_the_url(monkeypatch, tmp_path, write):
    """The months of the equipment window are kept in the address (?equipment_months=1, bind="query-params"), so a
    reload or a shared link shows the same list: EQ1 (acquired 2025-03-14, its cases in 2025-05) is listed only
    with 1 month."""
    database = tmp_path / "db.duckdb"
    import_workbook(write(practising_book()), database, "test")
    # The browser writes a bound widget's value into the address (AppTest does not): a link with it is read back.
    reloaded = open_app(monkeypatch, database, PAGE, {"equipment_months": "1"}, linked=True)
    assert reloaded.number_input(key="equipment_months").value == 1
    assert table_with(reloaded, "Out of step").iloc[0, 0] == "microscope"
    assert not any("Out of step" in f.value.columns for f in open_app(monkeypatch, database, PAGE).dataframe)


def test_equipment_out_of_step_with_training(monkeypatch, tmp_path, write):
    """EQ1 (acquired 2025-03-14) has its 4 cases in 2025-05: listed with a 1-month window, not with 6 months;
    its one trainee was checked practising at home in 2025-02, before installation."""
    from workbooks import valid_workbook

    book = valid_workbook()
    book["follow_ups"] = [{"programme_id": "P1", "person_name": "Trainee One", "role": "trainee",
                           "date": "2025-02", "status": "at_home_institution", "practising": "yes"}]
    database = tmp_path / "db.duckdb"
    import_workbook(write(book), database, "test")
    app = open_app(monkeypatch, database, PAGE)
    assert any("Every investment" in s.value for s in app.success)
    app.number_input(key="equipment_months").set_value(1).run()
    listed = table_with(app, "Out of step")
    assert listed.iloc[0].tolist()[:1] == ["microscope"]
    assert "no procedures recorded in the window" in listed.iloc[0].tolist()[3]
    assert "no practising trainee" not in listed.iloc[0].tolist()[3]


def practising_book(source: str = "") -> dict:
    """The valid workbook with its one trainee checked at home and practising before EQ1 was installed."""
    book = valid_workbook()
    book["follow_ups"] = [{"programme_id": "P1", "person_name": "Trainee One", "role": "trainee",
                           "date": "2025-02", "status": "at_home_institution", "practising": "yes", "source": source}]
    return book


def test_an_anonymous_visitor_is_not_told_how_few_trainees_practise(monkeypatch, tmp_path, write, viewer):
    """EQ1's one linked trainee has no follow-up, so it is listed for "no practising trainee": a ministry reads
    that reason and 1 / 0; an anonymous visitor reads "fewer than 5" for the reason and both counts."""
    from workbooks import valid_workbook

    database = tmp_path / "db.duckdb"
    import_workbook(write(valid_workbook()), database, "test")
    viewer(auth.User("official@moh.example", "ministry", None))
    named = table_with(open_app(monkeypatch, database, PAGE), "Out of step").iloc[0].tolist()
    assert "no practising trainee" in named[3] and named[4:] == ["1", "0"]
    viewer(None)
    anonymous = table_with(open_app(monkeypatch, database, PAGE), "Out of step").iloc[0].tolist()
    assert anonymous[0] == "microscope" and anonymous[3:] == ["fewer than 5"] * 3


def test_practising_share_of_those_followed_up(monkeypatch, cohort_db, viewer):  # noqa: F811
    """At 12 months A, B and C are followed up (D, E, F not): A practises, B partly, C not, so 2 of 3 = 67%.
    Three people are fewer than 5: an anonymous visitor reads "fewer than 5"."""
    viewer(auth.User("official@moh.example", "ministry", None))
    figures = open_app(monkeypatch, cohort_db, PAGE).dataframe[0].value
    twelve = figures[figures["Months after the end"] == 12].iloc[0]
    assert twelve["Practising share (of those followed up)"] == "67%"
    viewer(None)
    figures = open_app(monkeypatch, cohort_db, PAGE).dataframe[0].value
    assert set(figures["Practising share (of those followed up)"]) == {"fewer than 5"}


@pytest.mark.parametrize("today, listed", [(date(2025, 4, 13), False), (date(2025, 4, 14), True)])
def test_no_procedures_only_once_the_window_has_ended(tmp_path, write, today, listed):
    """EQ1 is acquired 2025-03-14 and its cases come in 2025-05: the 1-month window runs to 2025-04-14, so it is
    listed for no procedures from that day on, not before (its trainee practises, so nothing else lists it)."""
    database = tmp_path / "db.duckdb"
    import_workbook(write(practising_book()), database, "test")
    matches = open_store(database).read("equipment_training_match", Scope(), months=1, today=today, limit=10)
    assert list(matches["equipment_id"]) == (["EQ1"] if listed else [])


@pytest.mark.parametrize("months, period, cases_after", [(1, "2025-05", None), (2, "2025-05", 4),
                                                       (2, "2025-05-20", 4), (2, "2025-06-01", None)])
def test_cases_after_installation_count_every_month_the_window_touches(tmp_path, write, months, period, cases_after):
    """EQ1 is acquired 2025-03-14. 1 month runs to 2025-04-14: May is outside. 2 months run to 2025-05-14: May
    overlaps the window, so its 4 cases count whole, a case dated 2025-05-20 too (the pages read monthly
    totals); June does not overlap. Its trainee has no check, so EQ1 is listed either way."""
    book = valid_workbook()
    book["procedures"][0]["period"] = period
    database = tmp_path / "db.duckdb"
    import_workbook(write(book), database, "test")
    matches = open_store(database).read("equipment_training_match", Scope(), months=months, today=date(2030, 1, 1),
                                        limit=10)
    found = matches["cases_after"].iloc[0]
    assert (None if pd.isna(found) else int(found)) == cases_after


def test_illustrative_follow_ups_count_only_where_the_viewer_shows_them(tmp_path, write):
    """The trainee's one check is illustrative: with illustrative rows hidden, nobody practises by installation."""
    database = tmp_path / "db.duckdb"
    import_workbook(write(practising_book(source="illustrative example")), database, "test")
    store, today = open_store(database), date(2030, 1, 1)
    shown = store.read("equipment_training_match", Scope(), months=6, today=today, limit=10,
                        include_illustrative=True)
    hidden = store.read("equipment_training_match", Scope(), months=6, today=today, limit=10,
                        include_illustrative=False)
    assert shown.empty and hidden["trainees_practising"].tolist() == [0]


def equipment_book() -> dict:
    """P1 (home UB-TRAUMA), P2 (home AIMAG-A) and P3 (home AIMAG-B) all linked to EQ1, a microscope at UB-TRAUMA;
    AIMAG-B has its own microscope EQ2, linked to nothing. Latest checks: Trainee One home (has EQ1), A1..A3
    home (AIMAG-A has no microscope: listed), A4 home then abroad (not home: not listed), B1 home (EQ2 is of
    the category P3 needs: not listed). So: A1, A2, A3 at AIMAG-A, which an anonymous visitor reads as 3 < 5."""
    book = valid_workbook()
    for code in ("AIMAG-A", "AIMAG-B"):
        book["institutions"].append({"institution_id": code, "name": f"Hospital {code}", "kind": "hospital",
                                     "country": "MNG", "latitude": 46.0, "longitude": 105.0})
    for programme, home in (("P2", "AIMAG-A"), ("P3", "AIMAG-B")):
        book["programmes"].append({**book["programmes"][0], "programme_id": programme, "home_institution_id": home})
    book["equipment"][0]["programme_ids"] = "P1; P2; P3"
    book["equipment"].append({**book["equipment"][0], "equipment_id": "EQ2", "institution_id": "AIMAG-B",
                              "programme_ids": ""})
    people = [("P1", "Trainee One"), ("P2", "A1"), ("P2", "A2"), ("P2", "A3"), ("P2", "A4"), ("P3", "B1")]
    book["participants"] = [{"programme_id": p, "person_name": n, "role": "trainee"} for p, n in people]
    book["follow_ups"] = [{"programme_id": p, "person_name": n, "role": "trainee", "date": "2025-06",
                           "status": "at_home_institution"} for p, n in people]
    book["follow_ups"].append({"programme_id": "P2", "person_name": "A4", "role": "trainee", "date": "2025-09",
                               "status": "abroad"})
    return book


def test_trainees_back_home_without_the_equipment(monkeypatch, tmp_path, write, viewer):
    database = tmp_path / "db.duckdb"
    import_workbook(write(equipment_book()), database, "test")
    viewer(auth.User("official@moh.example", "ministry", None))
    named = table_with(open_app(monkeypatch, database, PAGE), "Equipment needed")
    assert named[["Person", "Home institution", "Equipment needed"]].values.tolist() == [
        [name, "Hospital AIMAG-A", "Microscope"] for name in ("A1", "A2", "A3")]
    viewer(None)
    anonymous = open_app(monkeypatch, database, PAGE)
    # EQ1 is linked to three programmes: listed once, and counted once beside the limited rows.
    matches = open_store(database).read("equipment_training_match", Scope(), months=6, today=date(2030, 1, 1),
                                        limit=10)
    assert matches[["equipment_id", "total"]].values.tolist() == [["EQ1", 1]]
    counts = table_with(anonymous, "Trainees without the equipment")
    assert counts.values.tolist() == [["Hospital AIMAG-A", "fewer than 5"]]
    assert not {"A1", "A2", "A3"} & shown_texts(anonymous)


def chart_specs(app) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def person_code(programme_id: str, name: str) -> str:
    """What portal/sql/schema.sql: person_code gives: the start of the MD5 of programme, unit separator, name."""
    import hashlib

    return hashlib.md5(f"{programme_id}\x1f{name}".encode()).hexdigest()[:16]


def test_one_trainees_timeline_for_roles_that_see_names(monkeypatch, cohort_db, viewer):  # noqa: F811
    """A (P1, 2024 .. 2024-11) was checked at home in 2025-03 and 2025-09; E was never checked but can be picked."""
    viewer(auth.User("official@moh.example", "ministry", None))
    app = open_app(monkeypatch, cohort_db, PAGE, {"person": person_code("P1", "A")})
    picker = app.selectbox(key="person")
    assert "E · Spine training · never followed up" in picker.options
    assert picker.value == person_code("P1", "A") and app.query_params["person"] == person_code("P1", "A")
    [timeline] = [spec for spec in chart_specs(app) if "Follow-ups" in spec["layout"]["yaxis"].get("categoryarray", [])]
    assert timeline["layout"]["title"]["text"] == "A · Spine training · 2 follow-ups"
    assert "B · Spine training · 1 follow-up" in picker.options
    traces = {trace["name"]: trace for trace in timeline["data"]}
    assert traces["At the home institution"]["x"] == ["2025-03-01", "2025-09-01"]
    assert traces["Spine training"]["base"] == ["2024-01-01"]  # the programme's bar starts on its first day
    viewer(None)
    anonymous = open_app(monkeypatch, cohort_db, PAGE, {"person": person_code("P1", "A")})
    assert not [s for s in anonymous.selectbox if s.key == "person"]
    assert not [spec for spec in chart_specs(anonymous) if "Follow-ups" in str(spec["layout"].get("yaxis"))]
    anonymous_scope = Scope(role="anonymous", names_visible=False, costs_visible=False)
    assert open_store(cohort_db).read("trainee_timeline", anonymous_scope, person=person_code("P1", "A")).empty


def test_only_the_largest_cohorts_are_charted_unless_chosen(monkeypatch, tmp_path, write):
    """Thirteen programmes, P00 with two trainees, the others one each: the 12 largest are charted (P00 first,
    then by code, so P12 is left out) under a "12 largest of 13" note; choosing P12 charts it alone."""
    book = valid_workbook()
    book["programmes"] = [{**book["programmes"][0], "programme_id": f"P{n:02}", "title": f"Course {n:02}"}
                          for n in range(13)]
    book["participants"] = [{"programme_id": f"P{n:02}", "person_name": "One", "role": "trainee"} for n in range(13)]
    book["participants"].append({"programme_id": "P00", "person_name": "Two", "role": "trainee"})
    book["follow_ups"] = [{"programme_id": "P00", "person_name": name, "role": "trainee", "date": "2025-06",
                           "status": "at_home_institution"} for name in ("One", "Two")]
    book["equipment"], book["events"], book["procedures"] = [], [], []
    database = tmp_path / "db.duckdb"
    import_workbook(write(book), database, "test")
    app = open_app(monkeypatch, database, PAGE)
    titles = [spec["layout"]["title"]["text"] for spec in chart_specs(app)]
    assert titles == [f"Course {n:02}" for n in range(12)]
    assert any("the 12 largest of 13 cohorts" in caption.value for caption in app.caption)
    chosen = open_app(monkeypatch, database, PAGE, {"cohort": "P12"})
    assert [spec["layout"]["title"]["text"] for spec in chart_specs(chosen)] == ["Course 12"]
    assert [c.value for c in chosen.caption if "of 13 cohorts" in c.value] == ["charted: the 1 chosen of 13 cohorts"]
    follow_ups = open_store(database).read("trainee_follow_ups", Scope(), programme=None, limit=1)
    assert (len(follow_ups), int(follow_ups["total"].iloc[0])) == (1, 2)  # the per-person rows are limited


def test_cohorts_with_one_title_are_told_apart(monkeypatch, tmp_path, write, viewer):
    """P1 and P2 are both "Spine training": their charts, the cohort picker and the figures name each with its code."""
    book = valid_workbook()
    book["programmes"].append({**book["programmes"][0], "programme_id": "P2"})
    book["participants"] = [{"programme_id": p, "person_name": "A", "role": "trainee"} for p in ("P1", "P2")]
    database = tmp_path / "db.duckdb"
    import_workbook(write(book), database, "test")
    viewer(auth.User("official@moh.example", "ministry", None))
    app = open_app(monkeypatch, database, PAGE)
    named = ["Spine training (P1)", "Spine training (P2)"]
    assert [spec["layout"]["title"]["text"] for spec in chart_specs(app)] == named
    assert app.multiselect(key="cohort").options == named
    assert sorted(set(app.dataframe[0].value.iloc[:, 0])) == named


def test_a_page_without_retention_goes_on_to_the_equipment(monkeypatch, tmp_path, write, viewer):
    """P1 is ongoing (no end date), so there are no retention figures yet: a partner of its home institution
    reads so, and still sees the equipment out of step with training and the trainees without equipment."""
    book = valid_workbook()
    book["programmes"][0].update(end_date="", status="ongoing")
    database = tmp_path / "db.duckdb"
    import_workbook(write(book), database, "test")
    viewer(auth.User("partner@example.org", "partner", "UB-TRAUMA"))
    app = open_app(monkeypatch, database, PAGE)
    assert [info.value for info in app.info][0].startswith("No retention figures yet")
    headers = [header.value for header in app.subheader]
    assert "Trainees back home without the equipment they trained for" in headers
    assert table_with(app, "Out of step").iloc[0, 0] == "microscope"


def test_a_trainee_of_two_programmes_has_both_on_one_timeline(monkeypatch, tmp_path, write, viewer):
    """A trained in P1 (2024 .. 2024-11, checked home 2025-03) and in P2 "Hand surgery" (2025-06 .. 2025-09,
    checked abroad 2026-01): picking A of P1 shows both programmes on their own rows and both checks, says why
    they are joined, and keeps the legend above the plot (clear of the date labels)."""
    book = valid_workbook()
    book["programmes"].append({**book["programmes"][0], "programme_id": "P2", "title": "Hand surgery",
                               "start_date": "2025-06", "end_date": "2025-09", "cost_amount": ""})
    book["participants"] = [{"programme_id": p, "person_name": "A", "role": "trainee"} for p in ("P1", "P2")]
    book["follow_ups"] = [{"programme_id": p, "person_name": "A", "role": "trainee", "date": when, "status": status}
                          for p, when, status in (("P1", "2025-03", "at_home_institution"),
                                                  ("P2", "2026-01", "abroad"))]
    database = tmp_path / "db.duckdb"
    import_workbook(write(book), database, "test")
    viewer(auth.User("official@moh.example", "ministry", None))
    app = open_app(monkeypatch, database, PAGE, {"person": person_code("P1", "A")})
    [timeline] = [spec for spec in chart_specs(app) if "Follow-ups" in spec["layout"]["yaxis"].get("categoryarray", [])]
    assert timeline["layout"]["yaxis"]["categoryarray"] == ["Follow-ups", "Hand surgery", "Spine training"]
    traces = {trace["name"]: trace for trace in timeline["data"]}
    assert (traces["Spine training"]["base"], traces["Hand surgery"]["base"]) == (["2024-01-01"], ["2025-06-01"])
    assert (traces["At the home institution"]["x"], traces["Abroad"]["x"]) == (["2025-03-01"], ["2026-01-01"])
    assert "Programme: Hand surgery" in traces["Abroad"]["hovertext"][0]
    legend = timeline["layout"]["legend"]
    assert (legend["orientation"], legend["yanchor"]) == ("h", "bottom") and legend["y"] >= 1
    assert any("Every programme with a trainee of this name is shown (2)" in c.value for c in app.caption)


@pytest.mark.parametrize("user", [auth.User("official@moh.example", "ministry", None), None])
def test_empty_lists_say_why(monkeypatch, tmp_path, write, viewer, user):
    """The valid workbook records no follow-up, so nobody is back home without equipment: where the follow-ups
    and the trainees without equipment would be, captions say why, and no empty table stands there."""
    database = tmp_path / "db.duckdb"
    import_workbook(write(valid_workbook()), database, "test")
    viewer(user)
    app = open_app(monkeypatch, database, PAGE)
    captions = [caption.value for caption in app.caption]
    assert ("No follow-ups of trainees are recorded yet (the follow_ups sheet of the workbook)." in captions) == \
        (user is not None)  # the follow-ups are listed only for viewers who see names
    assert any(c.startswith("Nothing to list: no trainee back at their home institution") for c in captions)
    assert all(len(frame.value) for frame in app.dataframe)
