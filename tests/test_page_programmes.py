"""The Programmes page: facets kept in the URL, the Gantt and table of what they match, and one programme in full."""

from __future__ import annotations

import base64
import json
import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from workbooks import column_settings, open_app, valid_workbook
from portal import auth, display, ui
from portal.importer import import_workbook
from portal.charts import programmes as shown

PAGE = "pages/programmes.py"
REAL_TRAININGS = {"NCTD-2024-SCH", "NCTD-2024-KUA"}


def open_page(monkeypatch, database, params: dict[str, str | list[str]] | None = None, **state) -> AppTest:
    """The Programmes page under AppTest, reached with `params` in its URL and `state` in the session."""
    return open_app(monkeypatch, database, PAGE, params, linked=True, **state)  # first run: a link to the page


def gantt(app: AppTest) -> dict:
    charts = app.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def gantt_ids(app: AppTest) -> set[str]:
    """The programme ids drawn on the Gantt, one row each."""
    ids = [i for trace in gantt(app)["data"] for i in trace["customdata"]]
    assert len(ids) == len(set(ids))
    return set(ids)


def numbers(values) -> list[float]:
    """A plotly array from a chart spec: a list, or typed binary data ({"dtype", "bdata"})."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def table(app: AppTest) -> pd.DataFrame:
    return app.dataframe[0].value


def database_ids(database, where: str = "true", **params) -> set[str]:
    """Programme ids straight from the database file (read-only), joined to both institutions' countries."""
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "SELECT p.programme_id FROM programmes AS p"
            " JOIN institutions AS home ON home.institution_id = p.home_institution_id"
            " JOIN institutions AS host ON host.institution_id = p.host_institution_id WHERE " + where,
            params).fetchall()
    return {r[0] for r in rows}


def texts(app: AppTest) -> str:
    """Everything the page wrote as text, for 'does it say so' checks."""
    parts = [e.value for kind in ("title", "markdown", "caption", "info", "warning", "subheader")
             for e in getattr(app, kind)]
    return "\n".join(parts).replace("\\", "")  # Markdown escapes of imported text


# ---------------------------------------------------------------- facets


def test_facets_set_through_widgets_narrow_the_gantt_and_keep_codes_in_the_url(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db)
    assert gantt_ids(app) == database_ids(seed_db)  # no facet: all 51 programmes

    app.multiselect(key="programmes_kind").select("training_abroad").run()
    trainings = database_ids(seed_db, "p.kind = 'training_abroad'")
    assert gantt_ids(app) == trainings and len(trainings) == 13
    assert app.query_params["kind"] == "training_abroad"  # the code, not the label "Training abroad"
    assert {trace["name"] for trace in gantt(app)["data"]} == {"Training abroad"}

    app.multiselect(key="programmes_home_country").select("MNG").run()
    assert gantt_ids(app) == database_ids(seed_db, "p.kind = 'training_abroad' AND home.country = 'MNG'")
    assert app.query_params["home_country"] == "MNG"
    assert "Mongolia" in app.multiselect(key="programmes_home_country").options  # shown by name

    app.multiselect(key="programmes_kind").unselect("training_abroad").run()
    assert "kind" not in app.query_params
    assert gantt_ids(app) == database_ids(seed_db, "home.country = 'MNG'")

    app.multiselect(key="specialty").select("neurosurgery").run()
    app.slider(key="years").set_range(2016, 2024).run()
    assert gantt_ids(app) == database_ids(seed_db, "home.country = 'MNG' AND p.specialty = 'neurosurgery'"
                                                   " AND year(date_first(p.start_date)) BETWEEN 2016 AND 2024")
    # (bound widgets write the URL from the browser, which AppTest does not run; see the URL test below)


def test_facets_in_the_url_give_what_the_widgets_give(monkeypatch, seed_db):
    by_widget = open_page(monkeypatch, seed_db)
    by_widget.multiselect(key="programmes_kind").select("training_abroad").run()
    by_widget.multiselect(key="programmes_host_country").select("KOR").run()

    by_link = open_page(monkeypatch, seed_db, {"kind": "training_abroad", "host_country": "KOR"})
    assert by_link.multiselect(key="programmes_kind").value == ["training_abroad"]
    assert gantt_ids(by_link) == gantt_ids(by_widget)
    assert gantt_ids(by_link) == database_ids(seed_db, "p.kind = 'training_abroad' AND host.country = 'KOR'")
    assert table(by_link).equals(table(by_widget))


def test_every_facet_and_the_years_are_read_from_the_url(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, {
        "home_country": ["MNG", "KAZ"], "host_country": "KOR", "institution": "MNG-SSC",
        "kind": ["training_abroad", "fellowship"], "specialty": "spine surgery", "status": "completed",
        "funding": "government", "years": ["2016", "2023"]})
    expected = database_ids(
        seed_db, "home.country IN ('MNG', 'KAZ') AND host.country = 'KOR'"
        " AND 'MNG-SSC' IN (p.home_institution_id, p.host_institution_id)"
        " AND p.kind IN ('training_abroad', 'fellowship') AND p.specialty = 'spine surgery'"
        " AND p.status = 'completed' AND p.funding_source = 'government'"
        " AND year(date_first(p.start_date)) BETWEEN 2016 AND 2023")
    assert expected and gantt_ids(app) == expected
    assert app.slider(key="years").value == (2016, 2023)


def test_a_code_nobody_can_choose_is_dropped_from_the_url(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, {"kind": ["no_such_kind", "fellowship"]})
    assert app.query_params["kind"] == "fellowship"
    assert gantt_ids(app) == database_ids(seed_db, "p.kind = 'fellowship'")


def test_filters_matching_nothing_say_so(monkeypatch, seed_db):
    params = {"institution": "MNG-NCTD", "kind": "fellowship"}
    assert not database_ids(seed_db, "'MNG-NCTD' IN (p.home_institution_id, p.host_institution_id)"
                                     " AND p.kind = 'fellowship'")
    app = open_page(monkeypatch, seed_db, params)
    assert [i.value for i in app.info if "Nothing matches these filters" in i.value]
    assert not app.get("plotly_chart") and not app.dataframe and not app.metric


def test_an_empty_database_says_there_is_nothing_to_filter(monkeypatch, empty_db):
    app = open_page(monkeypatch, empty_db)
    assert "No programme is recorded" in texts(app)
    assert not app.get("plotly_chart") and not app.multiselect


# ---------------------------------------------------------------- Gantt and table


def test_table_rows_match_the_database(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, {"home_country": "MNG", "status": "completed"})
    expected = database_ids(seed_db, "home.country = $country AND p.status = $status",
                            country="MNG", status="completed")
    rows = table(app)
    assert len(rows) == len(expected) == 12
    with duckdb.connect(str(seed_db), read_only=True) as connection:
        titles = {r[0] for r in connection.execute(
            "SELECT title FROM programmes WHERE programme_id IN (SELECT unnest($ids))", {"ids": sorted(expected)}
        ).fetchall()}
    assert set(rows["Title"]) == titles
    assert set(rows["Status"]) == {"Completed"}
    assert {m.label: m.value for m in app.metric}["Matching programmes"] == "12"


def test_table_shows_costs_as_reported_and_converted(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, {"kind": "visiting_expert"})
    row = table(app).set_index("Title").loc["Visiting experts for cervical spine surgery"]  # PRG-004
    assert (row["Cost (as reported)"], row["Currency"]) == (3_500_000, "JPY")  # a number, sortable
    assert row["Cost in USD"] == pytest.approx(3_500_000 / 108.8)
    assert row["Countries (home → host)"] == "Vietnam → Japan"
    missing = table(app)[table(app)["Cost (as reported)"].isna()]
    assert len(missing) and missing["Cost in USD"].isna().all()  # empty, so "not reported"; never 0
    assert app.dataframe[0].proto.placeholder == "not reported"


def test_the_real_2024_trainings_span_the_year_and_say_the_month_is_not_reported(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, {"institution": "MNG-NCTD"})
    rows = table(app).set_index("Title")
    for title in ("Spine surgery training at Soonchunhyang University Bucheon Hospital",
                  "Spine surgery training at Korea University Ansan Hospital"):
        assert rows.loc[title, "Start"] == "2024 (month not reported)"
        assert pd.isna(rows.loc[title, "End"]) and pd.isna(rows.loc[title, "Participants"])  # "not reported"
    bars = [(trace, i) for trace in gantt(app)["data"] for i, item in enumerate(trace["customdata"])
            if item in REAL_TRAININGS]
    assert len(bars) == 2
    for trace, i in bars:
        assert trace["base"][i].startswith("2024-01-01")
        assert numbers(trace["x"])[i] == 366 * 24 * 3600 * 1000  # all of 2024, a leap year
        assert trace["marker"]["pattern"]["shape"] == "/"  # hatched: imprecise
        assert "2024 (month not reported)" in trace["hovertext"][i]


def test_the_gantt_and_table_show_the_latest_200_and_say_how_many_match(monkeypatch, tmp_path, write):
    tables = valid_workbook()
    tables["programmes"] = [{**tables["programmes"][0], "programme_id": f"P{n:03}", "title": f"Training {n:03}",
                             "start_date": f"{2000 + n // 12}-{n % 12 + 1:02}", "end_date": None}
                            for n in range(250)]
    tables["participants"], tables["equipment"], tables["events"], tables["procedures"] = [], [], [], []
    tables["fx_rates"] = [{"currency": "KRW", "year": 2000 + n, "units_per_usd": 1000.0} for n in range(21)]
    database = tmp_path / "many.duckdb"
    import_workbook(write(tables), database, "fixture")

    app = open_page(monkeypatch, database)
    assert gantt_ids(app) == {f"P{n:03}" for n in range(50, 250)}  # the 200 most recent
    assert len(table(app)) == 200 and table(app)["Title"].iloc[0] == "Training 050"  # oldest first
    assert "showing the 200 most recent of 250 programmes" in texts(app)
    # The note under the timeline says what the chart itself says, in the same words (one wording, not two).
    [cut] = [note["text"] for note in gantt(app)["layout"]["annotations"] if "most recent" in note["text"]]
    assert cut == "showing the 200 most recent of 250 programmes<br>narrow the years or filters to see the rest"
    assert cut.replace("<br>", " · ") in [caption.value for caption in app.caption]
    assert {m.label: m.value for m in app.metric}["Matching programmes"] == "250"
    assert len(json.dumps(gantt(app))) < 1_000_000


def test_missing_rates_are_a_warning_not_a_zero(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, {"years": ["2027", "2027"]}, reporting_currency="EUR")
    assert any("cannot be shown in EUR" in w.value for w in app.warning)
    assert set(table(app)["Cost in EUR"].dropna()) == {"no fx rate"}  # the rest empty: "not reported"


# ---------------------------------------------------------------- one programme


def test_the_joint_surgery_lists_im_soo_bin_and_the_microscope(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, {"programme": "NCTD-SCH-JOINT"})
    assert app.title[0].value.replace("\\", "") == "Joint microscopic spinal surgery with Soonchunhyang Bucheon neurosurgery"
    people, equipment, events, costs = (d.value for d in app.dataframe)
    person = people.set_index("Name").loc["Im Soo-bin"]
    assert (person["Role"], person["Profession"], person["Position"]) == (
        "Visiting expert", "neurosurgeon", "head of the neurosurgery department")
    assert person["Institution"] == "Soonchunhyang University Bucheon Hospital"
    assert list(equipment["Equipment"]) == ["operating microscope"]
    assert equipment["Manufacturer"][0] == "Carl Zeiss" and equipment["Model"][0] == "Pentero 800"
    assert equipment["Acquired"][0] == "2025 (month not reported)"
    assert events["Kind"][0] == "Joint surgery"
    assert set(costs["Amount as reported"]) == {"not reported"}
    page = texts(app)
    assert "Гэмтэл Согог Судлалын Үндэсний Төв" in page and "순천향대학교 부속 부천병원" in page
    assert "2025 (month not reported) to end not reported" in page
    assert "MiddleAsianNews, article by Tatar S.Maidar" in page
    assert "participant Im Soo-bin" in page and "equipment operating microscope" in page


def test_a_programme_with_a_cost_shows_the_amount_the_conversion_and_the_rates(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, {"programme": "PRG-004"}, reporting_currency="EUR")
    costs = app.dataframe[-1].value.set_index("What")
    cost = costs.loc["Programme: Visiting experts for cervical spine surgery"]
    assert cost["Amount as reported"] == "3,500,000 JPY"
    assert cost["Year of the rates"] == "2016"
    assert cost["Rates used"] == "108.8 JPY per USD · 0.904 EUR per USD"
    assert cost["In the reporting currency"] == f"{3_500_000 / 108.8 * 0.904:,.2f} EUR"
    assert "fx rate JPY 2016" in texts(app) and "fx rate EUR 2016" in texts(app)
    assert not app.warning


def test_a_cost_without_a_rate_is_a_warning_in_the_detail(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, {"programme": "PRG-045"}, reporting_currency="EUR")
    cost = app.dataframe[-1].value.iloc[0]
    assert cost["Amount as reported"] == "15,000 USD"
    assert cost["In the reporting currency"] == "no fx rate"
    assert "no EUR rate for 2027" in cost["Rates used"]
    assert any("cannot be shown in EUR" in w.value for w in app.warning)


@pytest.mark.parametrize("programme, state, reason", [
    ("NO-SUCH-PROGRAMME", {}, "No such record exists: check the link."),
    ("PRG-004", {"include_illustrative": False},
     'It may not exist, or it may be illustrative: "Show illustrative data" in the sidebar is off.')])
def test_an_unknown_or_hidden_programme_says_so_and_nothing_else(monkeypatch, seed_db, programme, state, reason):
    app = open_page(monkeypatch, seed_db, {"programme": programme}, **state)
    assert [w.value.replace("\\", "") for w in app.warning] == [
        f'No programme "{programme}" is visible to this account. {reason}']
    assert not app.dataframe and not app.get("plotly_chart") and not app.title and not app.subheader


def test_choosing_a_programme_opens_it_and_back_returns_to_the_filtered_list(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, {"institution": "MNG-NCTD"})
    assert set(app.selectbox(key="programmes_open_0").options) == {
        "Spine surgery training at Soonchunhyang University Bucheon Hospital",
        "Spine surgery training at Korea University Ansan Hospital",
        "Joint microscopic spinal surgery with Soonchunhyang Bucheon neurosurgery"}
    app.selectbox(key="programmes_open_0").select("NCTD-SCH-JOINT").run()
    assert app.query_params["programme"] == "NCTD-SCH-JOINT"
    assert "Im Soo-bin" in set(app.dataframe[0].value["Name"])
    app.button[0].click().run()
    assert "programme" not in app.query_params and app.query_params["institution"] == "MNG-NCTD"
    assert gantt_ids(app) == database_ids(seed_db, "'MNG-NCTD' IN (p.home_institution_id, p.host_institution_id)")
    assert app.selectbox(key="programmes_open_1").value is None  # a fresh chooser: the last choice is not re-read
    app.selectbox(key="programmes_open_1").select("NCTD-2024-KUA").run()
    assert app.query_params["programme"] == "NCTD-2024-KUA"


# ---------------------------------------------------------------- builders


def test_country_names_come_from_iso_codes():
    assert shown.country_name("MNG") == "Mongolia"
    assert shown.country_name("KOR") == "South Korea"
    assert shown.country_name("XXX") == "XXX"
    assert shown.country_name(None) == "not reported"


def test_text_reads_imported_text_as_written_or_not_reported():
    from portal.display import markdown_text

    assert shown.text("**bold** [a](b)") == markdown_text("**bold** [a](b)")
    assert shown.text(None) == "not reported" and shown.text(float("nan")) == "not reported"


def test_programme_rows_read_missing_values_as_not_reported():
    frame = pd.DataFrame([
        {"item_id": "P1", "label": "Training", "kind": "training_abroad", "home_name": "Home", "home_country": "MNG",
         "host_name": "Host", "host_country": "KOR", "start_date": "2024", "end_date": None, "status": "completed",
         "participants_count": pd.NA, "cost_amount": None, "cost_currency": None, "converted": None,
         "rate_missing": False},
        {"item_id": "P2", "label": "Fellowship", "kind": "fellowship", "home_name": "Home", "home_country": "MNG",
         "host_name": "Host", "host_country": "DEU", "start_date": "2027-03", "end_date": "2027-05-31",
         "status": "planned", "participants_count": 3, "cost_amount": 15000.0, "cost_currency": "USD",
         "converted": None, "rate_missing": True},
    ]).assign(confirmation=["none", "both"])
    rows = shown.programme_rows(frame)
    assert list(rows.iloc[0][["kind", "countries", "start", "status"]]) == [
        "Training abroad", "Mongolia → South Korea", "2024 (month not reported)", "Completed"]
    assert rows.iloc[0][["end", "participants", "cost", "converted", "no_rate"]].isna().all()  # left empty
    assert list(rows.iloc[1][["start", "end", "participants", "cost", "currency", "no_rate"]]) == [
        "2027-03 (day not reported)", "2027-05-31", 3, 15000.0, "USD", "no fx rate"]
    assert list(rows["confirmation"]) == ["not confirmed", "confirmed by both"]
    assert shown.programme_headers("EUR")["converted"].currency == "EUR"


def test_cost_rows_give_amount_year_rates_and_conversion():
    costs = pd.DataFrame([
        {"cost_kind": "programme", "record_name": "P", "amount": 90_000_000.0, "currency": "KRW", "year": 2016,
         "currency_per_usd": 1160.5, "reporting_per_usd": 1.0, "converted": 90_000_000 / 1160.5,
         "rate_missing": False},
        {"cost_kind": "equipment", "record_name": "scope", "amount": None, "currency": None, "year": 2025,
         "currency_per_usd": None, "reporting_per_usd": None, "converted": None, "rate_missing": False},
    ])
    rows = shown.cost_rows(costs, "USD")
    assert rows.iloc[0].tolist() == ["Programme: P", "90,000,000 KRW", "2016", "1,160.5 KRW per USD · 1 USD per USD",
                                     f"{90_000_000 / 1160.5:,.2f} USD"]
    assert rows.iloc[1].tolist()[:2] == ["Equipment: scope", "not reported"]
    assert rows.iloc[1][["year", "rates", "converted"]].isna().all()  # ui.table shows them as "not reported"


def test_facts_and_sources_say_what_is_not_reported_and_where_facts_come_from():
    from portal.display import markdown_text

    programme = pd.Series({
        "kind": "joint_surgery", "status": "completed", "start_date": "2025", "end_date": None,
        "home_name": "Centre", "home_name_local": "Төв", "home_city": "Ulaanbaatar", "home_country": "MNG",
        "host_name": "Hospital", "host_name_local": None, "host_city": None, "host_country": "KOR",
        "specialty": "spine surgery", "topics": ["fixation", "implants"], "funding_source": None,
        "participants_count": pd.NA, "confirmation": "both"})
    facts = shown.facts(programme)
    assert "**Dates:** 2025 (month not reported) to end not reported" in facts
    assert "**Home institution:** Centre (Төв) · Ulaanbaatar, Mongolia" in facts
    assert "**Host institution:** Hospital · South Korea" in facts
    assert f"**Topics:** {markdown_text('fixation; implants')}" in facts
    assert "**Funding source:** not reported" in facts and "**Participants:** not reported" in facts
    assert "**Confirmation:** confirmed by both" in facts
    lines = shown.source_lines(pd.DataFrame([
        {"source": "An article", "supports": [{"what": "programme", "name": "P"},
                                              {"what": "participant", "name": "Im Soo-bin"}]},
        {"source": None, "supports": [{"what": "fx_rate", "name": "KRW 2016"}]}]))
    assert lines[0].startswith("- An article") and "the programme, participant Im Soo\\-bin" in lines[0]
    assert lines[1].startswith("- No source given") and "fx rate KRW 2016" in lines[1]


def test_labelled_turns_codes_and_partial_dates_into_text():
    frame = pd.DataFrame({"role": ["trainee", None], "date": ["2024-03", "2024-03-14"]})
    out = shown.labelled(frame, {"role": "participant_role"}, dates=("date",))
    assert out["role"][0] == "Trainee" and pd.isna(out["role"][1])
    assert out["date"].tolist() == ["2024-03 (day not reported)", "2024-03-14"]
    assert frame["role"][0] == "trainee"  # the input is left as it was


def test_clicked_item_reads_the_timeline_point():
    assert ui.clicked_record({"selection": {"points": [{"customdata": "P1"}]}}) == "P1"
    assert ui.clicked_record({"selection": {"points": [{"customdata": ["P2"]}]}}) == "P2"
    assert ui.clicked_record({"selection": {"points": []}}) is None
    assert ui.clicked_record(None) is None
    assert display.date_range("2024", None) == "2024 (month not reported) to end not reported"
    assert display.date_range("2023-01", "2023-06") == "2023-01 (day not reported) to 2023-06 (day not reported)"


def test_gantt_labels_rows_by_title_and_lists_each_kind_once():
    frame = pd.DataFrame([
        {"lane": "programme", "item_id": "P1", "label": "Training in Seoul", "kind": "training_abroad",
         "start_date": "2024", "end_date": None, "first_day": "2024-01-01", "last_day": "2024-12-31",
         "end_reported": False},
        {"lane": "programme", "item_id": "P2", "label": "Training in Ansan", "kind": "training_abroad",
         "start_date": "2024-03-01", "end_date": "2024-03-31", "first_day": "2024-03-01", "last_day": "2024-03-31",
         "end_reported": True},
    ])
    figure = shown.gantt(frame)
    assert list(figure.layout.yaxis.ticktext) == ["Training in Seoul", "Training in Ansan"]
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert len(bars) == 2  # one hatched (imprecise), one solid
    assert [trace.showlegend for trace in bars] == [True, False]
    assert {trace.name for trace in bars} == {"Training abroad"}
    assert shown.gantt(frame.iloc[0:0]).layout.annotations[0].text == "Nothing to show for these filters"


def test_facet_choices_name_each_code():
    facets = pd.Series({"home_countries": np.array(["MNG"]), "host_countries": np.array(["KOR", "DEU"]),
                        "institution_ids": np.array(["A", "B"]), "institution_names": np.array(["Alpha", "Beta"]),
                        "kinds": np.array(["fellowship"]), "statuses": np.array(["planned"])})
    choices = shown.facet_choices(facets)
    assert choices == {"home_country": {"MNG": "Mongolia"}, "host_country": {"KOR": "South Korea",
                                                                             "DEU": "Germany"},
                       "institution": {"A": "Alpha", "B": "Beta"}, "kind": {"fellowship": "Fellowship"},
                       "status": {"planned": "Planned"},
                       "confirmation": {"none": "not confirmed", "host": "confirmed by the host",
                                        "home": "confirmed by the home institution", "both": "confirmed by both"}}
    assert all(type(code) is str for names in choices.values() for code in names)


def test_hiding_illustrative_data_leaves_the_real_programmes_and_their_choices(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, include_illustrative=False)
    assert gantt_ids(app) == REAL_TRAININGS | {"NCTD-SCH-JOINT"}
    assert app.multiselect(key="programmes_home_country").options == ["Mongolia"]
    assert app.multiselect(key="funding").options == []  # the article names no funding source
    assert {m.label: m.value for m in app.metric}["Cost (USD)"] == "not reported"  # no cost reported, never 0


def test_detail_of_a_programme_without_topics(monkeypatch, loaded_db, write):
    """A programme with no topics reported opens (its topics read "not reported")."""
    book = valid_workbook()
    book["programmes"][0]["topics"] = None
    import_workbook(write(book, "no-topics"), loaded_db, "test")
    app = open_app(monkeypatch, loaded_db, PAGE, {"programme": "P1"})
    assert [title.value for title in app.title] == ["Spine training"]


def test_hidden_costs_read_not_shown_and_missing_costs_not_reported(monkeypatch, seed_db, viewer):
    """Issue 11.3: an anonymous visitor's cost cells are hidden, not missing; a ministry's empty ones are missing."""
    viewer(None)
    app = open_page(monkeypatch, seed_db)
    rows = table(app)
    assert set(rows["Cost in USD"]) == {"not shown"}
    assert "not reported" not in set(rows["Cost in USD"])

    viewer(auth.User("official@moh.example", "ministry", None))
    app = open_page(monkeypatch, seed_db)
    rows, grid = table(app), app.dataframe[0].proto
    assert grid.placeholder == "not reported"  # what an empty cell reads
    assert rows["Cost in USD"].isna().any() and "not shown" not in set(rows["Cost in USD"].astype(str))
    assert rows["Participants"].dropna().map(type).eq(int).all() or rows["Participants"].dtype.kind in "iuf"


def test_the_table_says_who_confirmed_each_programme_and_the_filter_keeps_codes_in_the_url(monkeypatch, loaded_db,
                                                                                           write):
    from portal import submissions

    book = valid_workbook()
    book["programmes"].append(dict(book["programmes"][0], programme_id="P2", title="Second training"))
    import_workbook(write(book, "two"), loaded_db, "test")
    submissions.accept(loaded_db, submissions.confirm_programme(loaded_db, "host@example.org", "KR-HOST", "P1"),
                       "admin")
    app = open_page(monkeypatch, loaded_db)
    confirmation = dict(zip(table(app)["Programme"].str.extract(r"programme=(P\d)")[0], table(app)["Confirmation"]))
    assert confirmation == {"P1": "confirmed by the host", "P2": "not confirmed"}

    app.multiselect(key="programmes_confirmation").select("none").run()
    assert app.query_params["confirmation"] == "none"  # the code, in every language
    assert gantt_ids(app) == {"P2"}
    for asked, expected in (("host", {"P1"}), (["home", "both"], set()), (["none", "host"], {"P1", "P2"})):
        linked = open_page(monkeypatch, loaded_db, {"confirmation": asked})
        assert (gantt_ids(linked) if expected else set()) == expected
        if not expected:
            assert not linked.get("plotly_chart")
    in_mongolian = open_page(monkeypatch, loaded_db, {"confirmation": "host"}, language="mn")
    assert gantt_ids(in_mongolian) == {"P1"}
    # the programme's own page says it too (the table's column starts hidden, so cost fits at 1,400 px)
    for programme, expected in (("P1", "confirmed by the host"), ("P2", "not confirmed")):
        facts = open_page(monkeypatch, loaded_db, {"programme": programme}).markdown
        assert any(f"**Confirmation:** {expected}" in m.value for m in facts)


def test_the_currency_column_is_text_and_amounts_are_numbers(monkeypatch, seed_db):
    """A currency is a code ("JPY"): typed as a number, every cell of it would be an error cell."""
    app = open_page(monkeypatch, seed_db, {"kind": "visiting_expert"})
    columns = column_settings(app.dataframe[0])
    assert columns["Currency"] == {"type": "text", "width": None, "hidden": True}
    assert columns["Cost (as reported)"]["type"] == columns["Cost in USD"]["type"] == "number"
    assert columns["Participants"]["type"] == "number"
    assert set(table(app)["Currency"].dropna()) >= {"JPY"}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_visible_columns_fit_1400_px_each_wide_enough_for_its_text(monkeypatch, seed_db, language):
    """Issue 13: widths from each column's header and longest value; long titles wrap; what does not fit starts
    hidden (the column menu brings it back) rather than squeezed. The browser test checks the drawn cells."""
    from portal import i18n

    i18n.set_language(language)
    try:
        app = open_page(monkeypatch, seed_db, {"lang": language})
        grid, rows = app.dataframe[0], table(app)
        columns = {title: c for title, c in column_settings(grid).items() if not c["hidden"]}
        assert sum(c["width"] for c in columns.values()) <= ui.GRID_WIDTH - ui.ROW_MARKERS
        assert len(columns) >= 6 and list(columns)[0] == list(rows.columns)[0]  # the id always shows
        wraps = grid.proto.row_height == ui.WRAPPED_ROW_HEIGHT
        for title, column in columns.items():
            room = column["width"] - ui.CELL_PADDING
            assert ui.text_pixels(title) <= room, title
            texts = [v for v in rows[title].dropna() if isinstance(v, str) and not v.startswith("programmes?")]
            assert all(ui._lines(v, room) <= (ui.WRAP_LINES if wraps else 1) for v in texts), title
    finally:
        i18n.set_language("en")


def test_text_width_estimate_errs_a_little_on_the_wide_side_of_chromiums_measure():
    # Widths Chromium's canvas measured for the grid's font (14px Source Sans) on the seed's cells.
    measured = {"Countries (home → host)": 141.5, "Orthopaedic observership in": 166.2, "Equipment training": 113.2,
                "Mongolia → South Korea": 140.2, "Participants": 70.0, "PRG-002": 49.8, "프로그램 유형": 81.8,
                "Тоног төхөөрөмж": 106.8}
    for text, pixels in measured.items():
        assert pixels <= ui.text_pixels(text) <= 1.25 * pixels, text
