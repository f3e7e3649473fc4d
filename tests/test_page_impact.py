"""The Impact page under AppTest: its figures agree with the database, computed here independently."""

from __future__ import annotations

import calendar
import json
from collections import defaultdict
from datetime import date

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from portal import db
from portal.importer import import_workbook
from workbooks import as_read, open_app, valid_workbook

PAGE = "pages/impact.py"


def open_impact(monkeypatch, database, query: dict[str, str] | None = None, **state) -> AppTest:
    """The app on the Impact page, with `query` as the page address's parameters."""
    return open_app(monkeypatch, database, PAGE, query, **state)


def charts(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def bar_cases(app: AppTest) -> dict[tuple[str, str], float]:
    """The volumes chart's bars as {(month, technique name): cases}."""
    bars = [trace for trace in charts(app)[0]["data"] if trace["type"] == "bar"]
    return {(x[:7], trace["name"]): y for trace in bars for x, y in zip(trace["x"], trace["y"])}


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def text(app: AppTest) -> str:
    return "\n".join(as_read(e.value) for e in [*app.markdown, *app.caption, *app.info])


# ---------------------------------------------------------------- direct computations, without the page's SQL


def span(period: str) -> tuple[date, date]:
    """First and last day a partial date can mean."""
    year = int(period[:4])
    if len(period) == 4:
        return date(year, 1, 1), date(year, 12, 31)
    month = int(period[5:7])
    if len(period) == 7:
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    day = date.fromisoformat(period)
    return day, day


def procedure_rows(database, institution: str, procedure: str | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(
            "SELECT period, technique, cases, mean_length_of_stay_days, complications FROM procedures "
            "WHERE institution_id = $institution AND ($procedure IS NULL OR procedure = $procedure)",
            {"institution": institution, "procedure": procedure}).fetchall()


def direct_volumes(database, institution: str, procedure: str | None = None) -> dict[tuple[str, str], float]:
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for period, technique, cases, _, _ in procedure_rows(database, institution, procedure):
        if len(period) > 4:
            totals[(period[:7], technique.capitalize())] += cases
    return dict(totals)


def direct_before_after(database, institution: str, first: date, last: date) -> dict[str, dict]:
    """Cases, weighted mean length of stay, complication rate and technique shares before and after."""
    sides = {side: defaultdict(float) for side in ("before", "after")}
    for period, technique, cases, los, complications in procedure_rows(database, institution):
        period_first, period_last = span(period)
        side = "before" if period_last < first else "after" if period_first > last else None
        if side is None:
            continue
        figures = sides[side]
        figures["cases"] += cases
        figures[technique] += cases
        if los is not None:
            figures["los_cases"] += cases
            figures["los_days"] += los * cases
        if complications is not None:
            figures["complication_cases"] += cases
            figures["complications"] += complications
    return {side: dict(f, mean_los=f["los_days"] / f["los_cases"] if f["los_cases"] else None,
                       rate=f["complications"] / f["complication_cases"] if f["complication_cases"] else None)
            for side, f in sides.items()}


def assert_before_after_shown(app: AppTest, expected: dict[str, dict]) -> None:
    shown = metrics(app)
    for side in ("before", "after"):
        figures = expected[side]
        assert shown[f"Cases {side}"] == f"{int(figures['cases']):,}"
        assert shown[f"Mean length of stay {side}"] == f"{figures['mean_los']:.1f} days"
        assert shown[f"Complication rate {side}"] == f"{figures['rate']:.1%}"


# ---------------------------------------------------------------- the seed


def test_volumes_sum_to_the_cases_in_the_database(monkeypatch, seed_db):
    app = open_impact(monkeypatch, seed_db, {"institution": "MNG-SSC"})
    assert app.selectbox(key="institution").value == "MNG-SSC"
    assert app.query_params["institution"] == ["MNG-SSC"] or app.query_params["institution"] == "MNG-SSC"
    assert bar_cases(app) == direct_volumes(seed_db, "MNG-SSC")
    assert sum(bar_cases(app).values()) == 1229
    assert "Steppe Spine Centre (illustrative), Mongolia · 1,229 cases in 322 records" in text(app)


def test_markers_show_the_institutions_programmes_and_equipment(monkeypatch, seed_db):
    app = open_impact(monkeypatch, seed_db, {"institution": "MNG-SSC"})
    figure = charts(app)[0]
    markers = {trace["name"]: trace["customdata"] for trace in figure["data"] if trace["type"] == "scatter"}
    # Within the months of records (2023-2025): PRG-022 and PRG-032 start, two acquisitions; the rest is outside.
    assert markers == {"Programme starts": ["programme:PRG-022", "programme:PRG-032"],
                       "Equipment acquired": ["equipment:EQ-MNG-SSC-01", "equipment:EQ-MNG-SSC-03"]}
    bands = {shape["name"]: (shape["x0"], shape["x1"]) for shape in figure["layout"]["shapes"]}
    assert bands["equipment:EQ-MNG-SSC-01"] == ("2023-08-01", "2023-09-01")  # "2023-08": the whole month
    assert any("6 programme(s) or acquisition(s) fall outside" in a["text"] for a in figure["layout"]["annotations"])
    listed = app.dataframe[0].value  # every programme and acquisition, those outside the chart included
    assert len(listed) == 10
    observership = listed[listed["Name"] == "Spine anaesthesia observership in Munich"].iloc[0]
    expected = direct_before_after(seed_db, "MNG-SSC", date(2024, 2, 1), date(2024, 4, 30))
    assert (observership["Cases before"], observership["Cases after"]) == (expected["before"]["cases"],
                                                                           expected["after"]["cases"])
    assert observership["When"] == "2024-02 (day not reported) to 2024-04 (day not reported)"


def test_before_and_after_equal_a_direct_weighted_computation(monkeypatch, seed_db):
    app = open_impact(monkeypatch, seed_db, {"institution": "MNG-SSC"})
    # Default: the first completed programme with records on both sides, PRG-032 (2024-02 to 2024-04).
    assert app.selectbox(key="impact_reference").value == "programme:PRG-032"
    used = text(app)
    assert "Compared before and after **Spine anaesthesia observership in Munich**" in used
    assert "Before: cases up to 2024-01-31. After: cases from 2024-05-01." in used
    assert "This is the default" in used
    expected = direct_before_after(seed_db, "MNG-SSC", date(2024, 2, 1), date(2024, 4, 30))
    assert_before_after_shown(app, expected)
    shares = {side: {technique: expected[side].get(technique, 0) / expected[side]["cases"]
                     for technique in ("open", "microscopic", "endoscopic")} for side in expected}
    sentence = "; ".join(f"{technique.capitalize()}: {shares['before'][technique]:.0%} of cases before, "
                         f"{shares['after'][technique]:.0%} after"
                         for technique in ("open", "microscopic", "endoscopic"))
    assert f"**Shift in technique:** {sentence}." in used
    assert shares["before"]["open"] > 0.8 > 0.4 > shares["after"]["open"]  # the shift the seed was made to show


def test_choosing_another_reference_event_recomputes_before_and_after(monkeypatch, seed_db):
    app = open_impact(monkeypatch, seed_db, {"institution": "MNG-SSC"})
    app.selectbox(key="impact_reference").set_value("equipment:EQ-MNG-SSC-01").run()
    assert "Compared before and after **spinal endoscope system" in text(app)
    assert "Chosen above" in text(app)
    assert_before_after_shown(app, direct_before_after(seed_db, "MNG-SSC", date(2023, 8, 1), date(2023, 8, 31)))
    shift = charts(app)[1]
    assert [(s["x0"], s["x1"]) for s in shift["layout"]["shapes"]] == [("2023-08-01", "2023-09-01")]


def test_choosing_another_institution_changes_the_data(monkeypatch, seed_db):
    app = open_impact(monkeypatch, seed_db, {"institution": "MNG-SSC"})
    before = bar_cases(app)
    app.selectbox(key="institution").set_value("KAZ-SNH").run()
    assert not app.exception
    assert bar_cases(app) == direct_volumes(seed_db, "KAZ-SNH") != before
    assert "Steppe Wind Neurosurgical Hospital (illustrative)" in text(app)
    assert app.selectbox(key="impact_reference").value.startswith("programme:PRG-02")  # KAZ-SNH's own events


def test_every_choice_is_kept_in_the_page_address_so_views_can_be_shared(monkeypatch, seed_db):
    app = open_impact(monkeypatch, seed_db, {"institution": "MNG-SSC"})
    for key in ("department", "procedure"):
        choice = app.selectbox(key=key).options[0]
        app.selectbox(key=key).set_value(choice).run()
        assert app.query_params[key] in (choice, [choice])
    app.selectbox(key="institution").set_value("KAZ-SNH").run()
    assert app.query_params["institution"] in ("KAZ-SNH", ["KAZ-SNH"])


def test_procedure_filter_is_kept_in_the_address_and_narrows_every_figure(monkeypatch, seed_db):
    app = open_impact(monkeypatch, seed_db, {"institution": "UZB-TSH", "procedure": "microdiscectomy"})
    assert app.selectbox(key="procedure").value == "microdiscectomy"
    assert bar_cases(app) == direct_volumes(seed_db, "UZB-TSH", "microdiscectomy")
    assert sum(bar_cases(app).values()) < sum(direct_volumes(seed_db, "UZB-TSH").values())


def test_chart_data_is_bounded_to_the_most_recent_months(seed_db):
    rows = db.open_store(seed_db).read("impact_monthly_volumes", db.FULL_SCOPE, include_illustrative=True,
                                       institution="MNG-SSC", department=None, procedure=None, months=12)
    assert rows["month"].nunique() == 12 and rows["months_total"].iloc[0] == 36
    assert str(rows["month"].min().date()) == "2025-01-01"


def test_an_institution_without_procedures_says_so_and_what_to_import(monkeypatch, seed_db):
    app = open_impact(monkeypatch, seed_db, {"institution": "MNG-NCTD"})
    assert app.selectbox(key="institution").value == "MNG-NCTD"
    message = " ".join(as_read(i.value) for i in app.info)
    assert "No procedure counts are reported for National Center for Traumatology and Defectology yet" in message
    assert "Load a procedures sheet for institution_id MNG-NCTD" in message
    assert "python -m portal import" in app.code[0].value
    assert not app.get("plotly_chart")


def test_the_empty_database_shows_the_empty_message(monkeypatch, empty_db):
    app = open_impact(monkeypatch, empty_db)
    assert any("No institution you can see has procedure counts" in i.value for i in app.info)
    assert "python -m portal import" in app.code[0].value
    assert not app.get("plotly_chart")


def test_a_partner_without_procedures_is_pointed_to_my_submissions(monkeypatch, loaded_db, viewer):
    from portal import auth

    viewer(auth.User("host@example.org", "partner", "KR-HOST"))  # the fixture's procedures are UB-TRAUMA's
    app = open_impact(monkeypatch, loaded_db)
    message = " ".join(as_read(i.value) for i in app.info)
    assert "No procedure counts are reported for your institution (Test university hospital)" in message
    assert "on My submissions" in message and "stewards" not in message
    assert not app.code  # no command a partner cannot run
    links = app.get("page_link")
    assert [(link.proto.label, link.proto.page.endswith("submissions")) for link in links] == \
        [("My submissions", True)]


def test_hiding_illustrative_data_leaves_no_procedures_to_show(monkeypatch, seed_db):
    app = open_impact(monkeypatch, seed_db, {"institution": "MNG-SSC"}, include_illustrative=False)
    assert any("No institution you can see has procedure counts" in i.value and "Show illustrative data" in i.value
               for i in app.info)


# ---------------------------------------------------------------- partial periods and unreported values


@pytest.fixture
def partial_periods_db(loaded_db, write):
    """The fixture database plus procedures known by month, by day, and only by year, some without LOS."""
    tables = valid_workbook()
    tables["procedures"] += [
        {"institution_id": "UB-TRAUMA", "department": "spine", "period": "2023-09", "procedure": "laminectomy",
         "technique": "open", "cases": 10, "mean_length_of_stay_days": 9.0, "complications": 2},
        {"institution_id": "UB-TRAUMA", "department": "spine", "period": "2024", "procedure": "laminectomy",
         "technique": "open", "cases": 7, "complications": 1},
        {"institution_id": "UB-TRAUMA", "department": "spine", "period": "2025-06-14", "procedure": "microdiscectomy",
         "technique": "microscopic", "cases": 1, "mean_length_of_stay_days": 3.0, "record_id": "CASE-1"},
        {"institution_id": "UB-TRAUMA", "department": "spine", "period": "2025-07", "procedure": "microdiscectomy",
         "technique": "endoscopic", "cases": 5, "complications": 0},
    ]
    import_workbook(write(tables, "partial-periods"), loaded_db, "test")
    return loaded_db


def test_a_year_only_row_counts_as_month_not_reported_not_january(monkeypatch, partial_periods_db):
    app = open_impact(monkeypatch, partial_periods_db, {"institution": "UB-TRAUMA"})
    assert bar_cases(app) == {("2023-09", "Open"): 10, ("2025-05", "Microscopic"): 4, ("2025-06", "Microscopic"): 1,
                              ("2025-07", "Endoscopic"): 5}
    assert not any(month.startswith("2024") for month, _ in bar_cases(app))
    note = " ".join(i.value for i in app.info)
    assert "7 cases (1 record(s)) are known only by year" in note and "month not reported" in note
    assert "2024: 7 cases" in note


def test_unreported_values_are_left_out_of_the_weighted_figures_and_counted(monkeypatch, partial_periods_db):
    app = open_impact(monkeypatch, partial_periods_db, {"institution": "UB-TRAUMA"})
    # Default: programme P1 (2024 to 2024-11); the year-only 2024 row overlaps it and is in neither side.
    assert app.selectbox(key="impact_reference").value == "programme:P1"
    assert "7 cases whose dates overlap it are in neither" in text(app)
    shown = metrics(app)
    assert (shown["Cases before"], shown["Cases after"]) == ("10", "10")
    assert shown["Mean length of stay after"] == "5.0 days"  # (5.5 x 4 + 3.0 x 1) / 5: 5 cases report none
    assert shown["Complication rate before"] == "20.0%"
    assert shown["Complication rate after"] == "0.0%"  # 0 of the 9 cases that report complications
    captions = [c.value for c in app.caption]
    assert "50% of cases (5 of 10) do not report a length of stay" in captions
    assert "10% of cases (1 of 10) do not report complications" in captions
    assert_before_after_shown(app, direct_before_after(partial_periods_db, "UB-TRAUMA", date(2024, 1, 1),
                                                        date(2024, 11, 30)))


def test_a_year_only_row_counts_before_an_event_after_its_whole_year(monkeypatch, partial_periods_db):
    app = open_impact(monkeypatch, partial_periods_db, {"institution": "UB-TRAUMA"})
    app.selectbox(key="impact_reference").set_value("equipment:EQ1").run()
    shown = metrics(app)
    assert shown["Cases before"] == "17"  # 2023-09 and the whole of 2024, both before 2025-03-14
    assert shown["Mean length of stay before"] == "9.0 days"
    assert "41% of cases (7 of 17) do not report a length of stay" in [c.value for c in app.caption]
    assert_before_after_shown(app, direct_before_after(partial_periods_db, "UB-TRAUMA", date(2025, 3, 14),
                                                        date(2025, 3, 14)))


def test_the_institution_picker_lists_names_sorted_by_name_not_codes(monkeypatch, seed_db):
    app = open_impact(monkeypatch, seed_db, {"institution": "MNG-SSC"})
    options = app.selectbox(key="institution").options
    assert not any("-" in option and option.isupper() for option in options)  # no KAZ-SNH
    assert options == sorted(options, key=str.casefold)
