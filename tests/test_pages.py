"""Every page runs under AppTest, on the seed and on an empty database, and shows what the data says."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from portal.display import format_compact

from workbooks import PAGES, open_app, partner_for



def run_page(monkeypatch, database, page: str | None = None, **state) -> AppTest:
    return open_app(monkeypatch, database, page, **state)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_the_seed(monkeypatch, seed_db, page, viewer):
    partner_for(page, viewer)
    run_page(monkeypatch, seed_db, page)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_an_empty_database(monkeypatch, empty_db, page, viewer):
    partner_for(page, viewer)
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


def chart_data(app: AppTest, index: int) -> dict:
    """The plotly figure an element sends to the browser, as JSON."""
    return json.loads(app.get("plotly_chart")[index].proto.spec)


def flow_programmes(app: AppTest) -> int:
    """Programmes drawn on the overview's flow map, read back from the arcs' hover text."""
    figure = chart_data(app, 0)
    texts = [text for trace in figure["data"] if trace.get("name") == "Programme flows" for text in trace["hovertext"]]
    return sum(int(re.search(r": (\d+) programme", text).group(1)) for text in texts)


def test_overview_year_range_through_the_widget_and_the_url(monkeypatch, seed_db):
    app = run_page(monkeypatch, seed_db)
    everything = flow_programmes(app)
    assert everything == 51  # every seeded programme's institutions have coordinates
    app.slider(key="years").set_value((2024, 2024)).run()
    in_2024 = flow_programmes(app)
    assert 0 < in_2024 < everything
    assert {m.label: m.value for m in app.metric}["Programmes"] == str(in_2024)

    linked = open_app(monkeypatch, seed_db, params={"years": ["2024", "2024"]})
    assert flow_programmes(linked) == in_2024


def test_overview_timeline_marks_the_real_case_years_as_imprecise(monkeypatch, seed_db):
    app = run_page(monkeypatch, seed_db, include_illustrative=False)
    timeline = chart_data(app, 1)
    hovers = [text for trace in timeline["data"] for text in trace.get("hovertext", [])]
    training = [h for h in hovers if "Soonchunhyang" in h]
    assert training and "2024 (month not reported)" in training[0]
    assert any(trace["type"] == "bar" and trace["marker"]["pattern"]["shape"] == "/" for trace in timeline["data"])


def test_overview_investment_in_another_currency(monkeypatch, seed_db):
    import duckdb

    app = run_page(monkeypatch, seed_db, reporting_currency="EUR")
    shown = {m.label: m.value for m in app.metric}["Total investment (EUR)"]
    with duckdb.connect(str(seed_db), read_only=True) as connection:
        expected, missing = connection.execute(
            "SELECT sum(converted), count(*) FILTER (rate_missing) FROM converted_costs({'institution': NULL, 'illustrative': true, 'names': true, 'costs': true}, 'EUR')"
        ).fetchall()[0]
    assert shown == format_compact(expected)  # e.g. "2.4M": Babel's short form for the viewer's language
    if missing:
        assert any("cannot be shown in EUR" in w.value for w in app.warning)


def flow_programme_ids(database, home: str, host: str, kind: str, years: tuple[int, int],
                       either_end: bool = False) -> set[str]:
    """Programmes of one flow straight from the database file (or, `either_end`, of either institution)."""
    import duckdb

    ends = ("(home_institution_id IN ($home, $host) OR host_institution_id IN ($home, $host))" if either_end
            else "home_institution_id = $home AND host_institution_id = $host")
    with duckdb.connect(str(database), read_only=True) as connection:
        return {row[0] for row in connection.execute(
            f"SELECT programme_id FROM programmes WHERE {ends} AND kind = $kind"
            " AND year(date_first(start_date)) BETWEEN $first AND $last",
            dict(home=home, host=host, kind=kind, first=years[0], last=years[1])).fetchall()}


def test_a_click_on_an_arc_opens_exactly_that_flows_programmes_in_the_same_years(monkeypatch, seed_db):
    """Issue 13: the arc's home and host, each at its own end, and its kind, in the years chosen on the Overview."""
    app = open_app(monkeypatch, seed_db, params={"years": ["2020", "2025"]})
    [arcs] = [trace for trace in chart_data(app, 0)["data"] if trace.get("name") == "Programme flows"]
    flows = [data.removeprefix("flow:").split("|") for data in arcs["customdata"]]
    # An arc whose two institutions also work elsewhere in that kind: a filter on either end would list more.
    home, host, kind = next(flow for flow in flows if flow_programme_ids(seed_db, *flow, (2020, 2025)) !=
                            flow_programme_ids(seed_db, *flow, (2020, 2025), either_end=True))
    app.session_state["overview_flow_map"] = {"selection": {"points": [{"customdata": f"flow:{home}|{host}|{kind}"}]}}
    app.run()
    assert [title.value for title in app.title] == ["Programmes"]
    assert {key: app.query_params[key] for key in ("home", "host", "kind")} == {"home": home, "host": host,
                                                                                 "kind": kind}
    assert app.slider(key="years").value == (2020, 2025)
    shown = {link.split("programme=")[1].split("&")[0] for link in app.dataframe[0].value["Programme"]}
    assert shown == flow_programme_ids(seed_db, home, host, kind, (2020, 2025)) != set()
