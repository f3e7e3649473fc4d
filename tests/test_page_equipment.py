"""The Equipment investments page: spending in the reporting currency, honest gaps, programmes and procedures."""

from __future__ import annotations

import base64
import json
import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from portal import display
from portal.charts import equipment as equipment_charts
from portal.i18n import label
from portal.importer import import_workbook
from workbooks import as_read, column_settings, open_app

PAGE = "pages/equipment.py"


def open_page(monkeypatch, database, query: dict | None = None, **state) -> AppTest:
    """The app at the Equipment page, with session state and URL query parameters set before it runs."""
    return open_app(monkeypatch, database, PAGE, query, **state)


def chart(app: AppTest, key: str) -> dict:
    """The plotly spec of the chart shown with `key`."""
    found = [c for c in app.get("plotly_chart") if c.proto.id.endswith(key)]
    assert len(found) == 1, [c.proto.id for c in app.get("plotly_chart")]
    return json.loads(found[0].proto.spec)


def bar_totals(spec: dict) -> dict[str, float]:
    """Stacked bars summed per category-axis value, whichever way the bars run."""
    totals: dict[str, float] = {}
    for trace in spec["data"]:
        if trace["type"] != "bar":
            continue
        horizontal = trace.get("orientation") == "h"
        places, values = (trace["y"], trace["x"]) if horizontal else (trace["x"], trace["y"])
        for place, value in zip(_values(places), _values(values)):
            if value is not None and not math.isnan(value):
                totals[str(place)] = totals.get(str(place), 0.0) + float(value)
    return totals


def _values(data) -> list:
    # plotly may send arrays as {"dtype": ..., "bdata": ...}; the builders send plain lists of Python values.
    if isinstance(data, dict):
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).tolist()
    return list(data)


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def investments(app: AppTest) -> pd.DataFrame:
    """The investments table as shown (the page's last table)."""
    return app.dataframe[-1].value


def query(database, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


# ---------------------------------------------------------------- a small database with exact numbers


def small_workbook() -> dict[str, list[dict[str, object]]]:
    """Four investments: a cost in USD, no cost, a KRW cost of a year without a EUR rate, a 2022 USD cost."""
    return {
        "institutions": [
            {"institution_id": "H1", "name": "First hospital", "kind": "hospital", "country": "MNG",
             "latitude": 47.9, "longitude": 106.9},
            {"institution_id": "H2", "name": "Second hospital", "kind": "hospital", "country": "KAZ",
             "latitude": 51.1, "longitude": 71.4},
            {"institution_id": "HOST", "name": "Host hospital", "kind": "hospital", "country": "KOR",
             "latitude": 37.5, "longitude": 127.0},
        ],
        "programmes": [
            {"programme_id": "P1", "title": "Microscope training", "kind": "training_abroad",
             "home_institution_id": "H1", "host_institution_id": "HOST", "start_date": "2024-02",
             "status": "completed"},
            {"programme_id": "P2", "title": "Visiting microsurgeons", "kind": "visiting_expert",
             "home_institution_id": "H1", "host_institution_id": "HOST", "start_date": "2024-09",
             "status": "completed"},
        ],
        "equipment": [
            {"equipment_id": "E1", "institution_id": "H1", "name": "operating microscope", "category": "microscope",
             "acquired_date": "2024-05", "cost_amount": 100000, "cost_currency": "USD", "programme_ids": "P1; P2"},
            {"equipment_id": "E2", "institution_id": "H1", "name": "spinal endoscope", "category": "endoscope",
             "acquired_date": "2024"},
            {"equipment_id": "E3", "institution_id": "H2", "name": "second microscope", "category": "microscope",
             "acquired_date": "2023-03-10", "cost_amount": 2600000, "cost_currency": "KRW"},
            {"equipment_id": "E4", "institution_id": "H2", "name": "old endoscope", "category": "endoscope",
             "acquired_date": "2022", "cost_amount": 50000, "cost_currency": "USD"},
        ],
        "procedures": [
            {"institution_id": "H1", "period": "2024-06", "procedure": "microdiscectomy", "technique": "microscopic",
             "cases": 5, "equipment_id": "E1"},
            {"institution_id": "H1", "period": "2024-07", "procedure": "microdiscectomy", "technique": "microscopic",
             "cases": 3, "equipment_id": "E1"},
            {"institution_id": "H1", "period": "2024-07", "procedure": "laminectomy", "technique": "open",
             "cases": 2, "equipment_id": "E1"},
            {"institution_id": "H1", "period": "2024", "procedure": "laminectomy", "technique": "microscopic",
             "cases": 6, "equipment_id": "E1"},
            {"institution_id": "H2", "period": "2024-01", "procedure": "discectomy", "technique": "endoscopic",
             "cases": 7, "equipment_id": "E4"},
            {"institution_id": "H1", "period": "2024-08", "procedure": "laminectomy", "technique": "open",
             "cases": 4},
        ],
        # No EUR rate for 2023: E3 cannot be shown in EUR.
        "fx_rates": [{"currency": "KRW", "year": 2023, "units_per_usd": 1300},
                     {"currency": "EUR", "year": 2022, "units_per_usd": 0.95},
                     {"currency": "EUR", "year": 2024, "units_per_usd": 0.9}],
    }


@pytest.fixture
def small_db(tmp_path, write):
    database = tmp_path / "small.duckdb"
    import_workbook(write(small_workbook(), "small"), database, "fixture")
    return database


# ---------------------------------------------------------------- spending


def test_spending_by_category_equals_a_direct_computation(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db)
    shown = bar_totals(chart(app, "equipment_by_category"))
    expected = query(seed_db, """
        SELECT e.category, sum(e.cost_amount / CASE WHEN e.cost_currency = 'USD' THEN 1 ELSE r.units_per_usd END)
        FROM equipment AS e
        LEFT JOIN fx_rates AS r ON r.currency = e.cost_currency AND r.year = left(e.acquired_date, 4)::INTEGER
        WHERE e.cost_amount IS NOT NULL
        GROUP BY e.category""")
    assert len(expected) == 6
    assert shown == pytest.approx({label("equipment_category", category): total for category, total in expected})
    assert metrics(app)["Spending (USD)"] == display.compact(sum(total for _, total in expected))
    assert metrics(app)["Investments"] == "24"


def test_reporting_in_euros_converts_each_year_at_its_rate(monkeypatch, seed_db):
    dollars = bar_totals(chart(open_page(monkeypatch, seed_db), "equipment_by_year"))
    euros = bar_totals(chart(open_page(monkeypatch, seed_db, reporting_currency="EUR"), "equipment_by_year"))
    rates = dict(query(seed_db, "SELECT year::VARCHAR, units_per_usd FROM fx_rates WHERE currency = 'EUR'"))
    assert set(euros) == set(dollars) and len(dollars) >= 8
    for year, total in dollars.items():
        assert euros[year] == pytest.approx(total * rates[year])


def test_euro_totals_and_a_missing_rate_on_exact_numbers(monkeypatch, small_db):
    app = open_page(monkeypatch, small_db, reporting_currency="EUR")
    assert metrics(app)["Spending (EUR)"] == "137,500"  # 100,000 USD x 0.9 + 50,000 USD x 0.95; E3 has no rate
    by_year = chart(app, "equipment_by_year")
    assert bar_totals(by_year) == pytest.approx({"2022": 47500, "2024": 90000})
    assert [(a["text"], a["x"]) for a in by_year["layout"]["annotations"]] == [("no fx rate", 1)]  # 2023
    warnings = [w.value for w in app.warning]
    assert any("1 amount(s) cannot be shown in EUR" in w for w in warnings), warnings
    row = investments(app).set_index("Item").loc["second microscope"]
    assert (row["Cost as recorded"], row["Currency"]) == (2_600_000, "KRW")
    assert row["Cost in EUR"] == "no fx rate for 2023"
    assert any("1 could not be converted to EUR" in c.value for c in app.caption)


def test_the_detail_of_a_cost_without_a_rate_warns_too(monkeypatch, small_db):
    app = open_page(monkeypatch, small_db, query={"equipment": "E3"}, reporting_currency="EUR")
    cost = app.dataframe[1].value.set_index("Field")["Value"]
    assert cost["Cost as recorded"] == "2,600,000 KRW"
    assert cost["Cost in the reporting currency"] == "no fx rate for 2023"
    assert any("1 amount(s) cannot be shown in EUR" in w.value for w in app.warning)


def test_dollars_need_no_rate_and_show_the_rate_used(monkeypatch, small_db):
    app = open_page(monkeypatch, small_db)
    assert metrics(app)["Spending (USD)"] == "152,000"  # 100,000 + 2,600,000 / 1,300 + 50,000
    assert not app.warning
    row = investments(app).set_index("Item").loc["second microscope"]
    assert row["Cost in USD"] == pytest.approx(2_000)  # a number: sortable, right-aligned
    assert row["Rate"] == "1,300 KRW per USD · 1 USD per USD"  # as fx_rates states them, as Programmes shows them
    assert row["Rate year"] == "2023"


def test_an_item_without_a_cost_is_not_reported_never_zero(monkeypatch, small_db):
    app = open_page(monkeypatch, small_db)
    assert "1 of 4 not reported" in [c.value for c in app.caption]
    assert any(c.value.startswith("1 of 4 item(s) have no reported cost") for c in app.caption)
    by_category = chart(app, "equipment_by_category")
    assert bar_totals(by_category) == pytest.approx({"Endoscope": 50000, "Microscope": 102000})
    endoscope = next(t for t in by_category["data"] if t["name"] == "Endoscope")
    assert "cost not reported: 1" in endoscope["hovertext"][0]
    row = investments(app).set_index("Item").loc["spinal endoscope"]
    assert pd.isna(row["Cost as recorded"]) and pd.isna(row["Cost in USD"])  # empty cells: "not reported"
    assert app.dataframe[-1].proto.placeholder == "not reported"


def test_when_no_cost_is_known_the_charts_say_so_instead_of_drawing_zero(monkeypatch, small_db):
    app = open_page(monkeypatch, small_db,
                    query={"equipment_category": "Endoscope", "equipment_years": ["2024", "2024"]})
    assert metrics(app)["Spending (USD)"] == "not reported"
    assert not [c for c in app.get("plotly_chart") if "by_institution" in c.proto.id]  # no chart of zeros
    assert any(i.value.startswith("No cost can be shown by category, year or institution: 1 of 1") for i in app.info)


# ---------------------------------------------------------------- the real case


def test_the_conmed_endoscope_is_known_only_by_year_and_without_cost(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db)
    hovers = {item: hover for trace in chart(app, "equipment_timeline")["data"]
              for item, hover in zip(trace["customdata"], trace["hovertext"])}
    assert "2023 (month not reported)" in hovers["NCTD-EQ-ENDOSCOPE-2023"]
    table = investments(app)
    row = table[table["Manufacturer"] == "CONMED"].iloc[0]
    assert (row["Item"], row["Model"], row["Acquired"]) == ("spinal endoscope", "4K UHD", "2023 (month not reported)")
    assert row[["Cost as recorded", "Cost in USD", "Rate"]].isna().all()  # empty cells: "not reported"


def test_the_zeiss_microscope_lists_the_programmes_it_supports(monkeypatch, seed_db):
    titles = ["Spine surgery training at Korea University Ansan Hospital",
              "Spine surgery training at Soonchunhyang University Bucheon Hospital",
              "Joint microscopic spinal surgery with Soonchunhyang Bucheon neurosurgery"]
    table = investments(open_page(monkeypatch, seed_db))
    assert table[table["Manufacturer"] == "Carl Zeiss"].iloc[0]["Programmes supported"] == "; ".join(titles)

    detail = open_page(monkeypatch, seed_db, query={"equipment": "NCTD-EQ-MICROSCOPE-2025"})
    assert detail.title[0].value == "operating microscope · National Center for Traumatology and Defectology"
    programmes = detail.dataframe[2].value
    assert programmes["Programme"].tolist() == titles
    facts = detail.dataframe[0].value.set_index("Field")["Value"]
    assert facts["Manufacturer"] == "Carl Zeiss" and facts["Acquired"] == "2025 (month not reported)"
    assert "MiddleAsianNews" in facts["Source"]
    assert any("No procedure is recorded with this equipment" in i.value for i in detail.info)


def test_hiding_illustrative_rows_leaves_two_real_items_without_costs(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, include_illustrative=False)
    assert metrics(app)["Investments"] == "2"
    assert metrics(app)["Spending (USD)"] == "not reported"
    assert metrics(app)["Cases with this equipment"] == "not reported"
    assert "2 of 2 not reported" in [c.value for c in app.caption]
    drawn = {c.proto.id for c in app.get("plotly_chart")}
    assert not any(key in element_id for key in ("by_category", "by_year", "by_institution") for element_id in drawn)
    no_cost = [i.value for i in app.info if i.value.startswith("No cost can be shown")]
    assert no_cost == ["No cost can be shown by category, year or institution: 2 of 2 item(s) have no reported "
                       "cost and 0 no fx rate for USD."]  # once, not three empty charts saying it
    assert any("No procedure is recorded with the selected equipment" in i.value for i in app.info)


# ---------------------------------------------------------------- procedures


def test_procedures_recorded_with_each_item_are_summed(monkeypatch, small_db):
    app = open_page(monkeypatch, small_db)
    assert metrics(app)["Cases with this equipment"] == "23"  # 5 + 3 + 2 + 6 with E1, 7 with E4
    spec = chart(app, "equipment_procedures")
    by_technique = {trace["name"]: dict(zip(_values(trace["y"]), _values(trace["x"]))) for trace in spec["data"]}
    assert by_technique == {"Microscopic": {"operating microscope · First hospital": 14},
                            "Open": {"operating microscope · First hospital": 2},
                            "Endoscopic": {"old endoscope · Second hospital": 7}}
    cases = investments(app).set_index("Item")["Procedure cases"]
    assert (cases["operating microscope"], cases["old endoscope"]) == (16, 7)
    assert pd.isna(cases["spinal endoscope"])  # an empty cell: "not reported"


def test_the_detail_shows_procedures_by_month_and_keeps_year_only_cases_apart(monkeypatch, small_db):
    app = open_page(monkeypatch, small_db, query={"equipment": "E1"})
    assert any(c.value == "16 case(s) recorded with this equipment." for c in app.caption)
    spec = chart(app, "equipment_item_procedures")
    by_technique = {trace["name"]: dict(zip(_values(trace["x"]), _values(trace["y"]))) for trace in spec["data"]}
    assert by_technique == {"Microscopic": {"2024-06-01": 5, "2024-07-01": 3}, "Open": {"2024-07-01": 2}}
    notes = [a["text"] for a in spec["layout"]["annotations"]]
    assert notes == ["6 case(s) recorded only by year (2024) are not on this chart"]
    programmes = app.dataframe[2].value
    assert programmes["Programme"].tolist() == ["Microscope training", "Visiting microsurgeons"]


def test_procedure_chart_equals_a_direct_sum_on_the_seed(monkeypatch, seed_db):
    spec = chart(open_page(monkeypatch, seed_db), "equipment_procedures")
    expected = query(seed_db, """
        SELECT e.name || ' · ' || i.name, sum(p.cases)
        FROM procedures AS p JOIN equipment AS e USING (equipment_id) JOIN institutions AS i
            ON i.institution_id = e.institution_id
        GROUP BY ALL""")
    assert bar_totals(spec) == pytest.approx(dict(expected))


# ---------------------------------------------------------------- filters, detail, empty


def test_filters_by_widget_and_by_url_give_the_same_data(monkeypatch, seed_db):
    by_widget = open_page(monkeypatch, seed_db)
    by_widget.slider(key="equipment_years").set_value((2018, 2024)).run()
    by_widget.multiselect(key="equipment_category").select("microscope").select("endoscope").run()
    by_widget.multiselect(key="equipment_country").select("KAZ").select("MNG").run()
    by_url = open_page(monkeypatch, seed_db, query={
        "equipment_years": ["2018", "2024"], "equipment_category": ["Microscope", "Endoscope"],
        "equipment_country": ["Kazakhstan", "Mongolia"]})
    assert by_url.multiselect(key="equipment_category").value == ["microscope", "endoscope"]
    assert by_url.multiselect(key="equipment_country").value == ["KAZ", "MNG"]
    assert metrics(by_widget) == metrics(by_url)
    assert metrics(by_url)["Investments"] == "4"  # 2 microscopes and 2 endoscopes in Kazakhstan and Mongolia
    for key in ("equipment_by_category", "equipment_by_year", "equipment_by_institution", "equipment_timeline",
                "equipment_procedures"):
        assert chart(by_widget, key)["data"] == chart(by_url, key)["data"], key
    assert investments(by_widget).equals(investments(by_url))
    assert set(investments(by_url)["Country"]) == {"Kazakhstan", "Mongolia"}


def test_an_institution_filter_by_url_uses_its_name(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db,
                    query={"equipment_institution": "National Center for Traumatology and Defectology"})
    assert app.multiselect(key="equipment_institution").value == ["MNG-NCTD"]
    assert investments(app)["Item"].tolist() == ["operating microscope", "spinal endoscope"]


def test_filters_that_match_nothing_say_what_to_change(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, query={"equipment_category": "Navigation", "equipment_country": "Uzbekistan"})
    assert any("Nothing matches these filters" in i.value for i in app.info)
    assert not app.get("plotly_chart")


def test_an_unknown_item_in_the_url_is_said_to_be_missing(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, query={"equipment": "NO-SUCH-ITEM"})
    assert any('"NO-SUCH-ITEM" is visible to this account' in as_read(w.value) for w in app.warning)


def test_the_empty_database_says_how_to_add_equipment(monkeypatch, empty_db):
    app = open_page(monkeypatch, empty_db)
    assert any("No equipment investment is recorded yet" in i.value for i in app.info)
    assert not app.get("plotly_chart")


# ---------------------------------------------------------------- builders


def test_a_total_without_any_convertible_amount_says_why():
    row = pd.Series({"spending": None, "rate_missing": 2, "not_reported": 1})
    assert equipment_charts.spending_text(row) == "no fx rate"
    assert equipment_charts.spending_text(row.replace({2: 0})) == "not reported"
    assert equipment_charts.spending_text(pd.Series({"spending": 1500.0, "rate_missing": 1})) == "1,500"


def test_rates_are_written_out_to_four_significant_digits():
    assert [display.significant(v) for v in (9.95e-05, 1.12359, 1364.2, 1.0, 0.5)] == \
        ["0.0000995", "1.124", "1,364", "1", "0.5"]


def test_spending_bars_keep_every_year_so_gaps_read_as_gaps():
    spending = pd.DataFrame({
        "dimension": ["year"] * 3, "bar": ["2019", "2019", "2022"], "category": ["microscope", "imaging", "other"],
        "items": [1, 1, 2], "spending": [10.0, 5.0, None], "not_reported": [0, 0, 2], "rate_missing": [0, 0, 0]})
    figure = equipment_charts.spending_bars(spending, "year", "USD")
    assert list(figure.layout.xaxis.categoryarray) == ["2019", "2020", "2021", "2022"]
    assert [(a.text, a.x) for a in figure.layout.annotations] == [("not reported", 3)]
    hovers = [h for trace in figure.data for h in trace.hovertext]
    assert any("2 item(s); cost not reported: 2; no fx rate: 0" in h for h in hovers)


def test_choosing_an_item_opens_its_detail_and_back_returns_to_the_filtered_list(monkeypatch, small_db):
    app = open_page(monkeypatch, small_db, query={"equipment_country": "Kazakhstan"})
    assert investments(app)["Item"].tolist() == ["second microscope", "old endoscope"]
    app.selectbox(key="equipment_open").select("E4").run()
    assert app.query_params["equipment"] == "E4"
    assert app.title[0].value == "old endoscope · Second hospital"
    app.button[0].click().run()
    assert "equipment" not in app.query_params
    assert app.title[0].value == "Equipment investments"
    assert investments(app)["Item"].tolist() == ["second microscope", "old endoscope"]


def test_a_short_timeline_keeps_its_legend_clear_of_the_dates():
    items = pd.DataFrame({
        "lane": ["equipment"] * 2, "item_id": ["A", "B"], "label": ["a", "b"], "kind": ["microscope", "endoscope"],
        "start_date": ["2024-05", "2023"], "end_date": [None, None], "first_day": ["2024-05-01", "2023-01-01"],
        "last_day": ["2024-05-31", "2023-12-31"], "end_reported": [True, True], "lane_total": [2, 2]})
    figure = equipment_charts.acquisitions(items)
    assert figure.layout.legend.y * (figure.layout.height - 50) == pytest.approx(-90)
    assert {trace.name for trace in figure.data} == {"Microscope", "Endoscope"}


def test_hidden_costs_read_not_shown_in_the_investments_table(monkeypatch, seed_db, viewer):
    """Issue 11.3: an anonymous visitor's cost cells say the costs are hidden, never that they are missing."""
    viewer(None)
    app = open_page(monkeypatch, seed_db)
    table = investments(app)
    for column in ("Cost as recorded", "Currency", "Cost in USD", "Rate"):
        assert set(table[column]) == {"not shown"}, column
    detail = open_page(monkeypatch, seed_db, query={"equipment": "EQ-MNG-SSC-01"})
    assert "not reported" not in {str(v) for d in detail.dataframe for v in d.value.to_numpy().ravel()}
    assert any("Costs are shown only to signed-in users" in i.value for i in detail.info)


def test_the_currency_column_is_text_and_amounts_are_numbers(monkeypatch, seed_db):
    """A currency is a code ("KRW"): typed as a number, every cell of it would be an error cell."""
    app = open_page(monkeypatch, seed_db)
    columns = column_settings(app.dataframe[-1])
    assert columns["Currency"] == {"type": "text", "width": None, "hidden": True}
    assert columns["Cost as recorded"]["type"] == columns["Quantity"]["type"] == "number"
    assert "KRW" in set(investments(app)["Currency"])
