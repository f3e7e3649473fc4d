"""The Impact page's chart builders: bars per technique, markers at the right dates, honest sentences."""

from __future__ import annotations

import pandas as pd
import pytest

from portal import display
from portal.charts import impact
from portal.display import markdown_text


def volumes(rows) -> pd.DataFrame:
    """Rows of (month or None, year, technique, cases) as impact_monthly_volumes.sql returns them."""
    frame = pd.DataFrame(rows, columns=["month", "year", "technique", "cases"])
    undated = frame[frame["month"].isna()]
    return frame.assign(month=pd.to_datetime(frame["month"]), records=1, months_total=frame["month"].nunique(),
                        year_only_cases=undated["cases"].sum(), year_only_records=len(undated))


def milestone(key, start_date, end_date=None, kind="training_abroad", status="completed", label=None):
    """A milestones row as impact_milestones.sql returns it (marker and window from the partial dates)."""
    lane, item_id = key.split(":")
    first = {4: f"{start_date}-01-01", 7: f"{start_date}-01"}.get(len(start_date), start_date)
    last = (pd.Timestamp(first) + {4: pd.offsets.YearEnd(0), 7: pd.offsets.MonthEnd(0)}[len(start_date)]
            if len(start_date) < 10 else pd.Timestamp(start_date))
    return dict(key=key, lane=lane, item_id=item_id, label=label or f"{item_id} <b>name</b>", kind=kind,
                status=status, start_date=start_date, end_date=end_date, marker_first=pd.Timestamp(first),
                marker_last=last, window_first=pd.Timestamp(first), window_last=last)


VOLUMES = volumes([
    ("2024-01-01", 2024, "open", 10), ("2024-01-01", 2024, "microscopic", 2),
    ("2024-02-01", 2024, "open", 8), ("2024-02-01", 2024, "endoscopic", 3),
    ("2024-03-01", 2024, "open", 5), ("2024-03-01", 2024, "microscopic", 6),
    (None, 2022, None, 5), (None, 2023, None, 40),  # known only by year: in no month
])
MARKERS = pd.DataFrame([
    milestone("programme:DAY", "2024-02-10", "2024-02-20"),
    milestone("programme:MONTH", "2024-03", "2024-05"),
    milestone("equipment:SCOPE", "2024-01", kind="endoscope", status="in_use"),
    milestone("programme:OLD", "2015", "2015", status="completed"),  # before the months with cases
])


def shapes_by_name(figure) -> dict[str, object]:
    return {shape.name: shape for shape in figure.layout.shapes}


def test_one_bar_trace_per_technique_in_contract_order_with_the_month_counts():
    figure = impact.monthly_volumes(VOLUMES, MARKERS)
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert [trace.name for trace in bars] == ["Open", "Microscopic", "Endoscopic"]
    open_bars = bars[0]
    assert list(open_bars.x) == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert list(open_bars.y) == [10, 8, 5]
    assert sum(sum(trace.y) for trace in bars) == 34  # the 40 cases known only by year are in no month
    assert all(x.startswith("2024") for trace in bars for x in trace.x)
    assert all(trace.xperiod == "M1" for trace in bars)
    assert bars[1].marker.color != bars[0].marker.color


def test_markers_are_lines_on_precise_days_and_dashed_bands_over_imprecise_dates():
    shapes = shapes_by_name(impact.monthly_volumes(VOLUMES, MARKERS))
    day = shapes["programme:DAY"]
    assert (day.type, day.x0, day.x1) == ("line", "2024-02-10", "2024-02-10")
    assert day.line.dash is None
    month = shapes["programme:MONTH"]
    assert (month.type, month.x0, month.x1) == ("rect", "2024-03-01", "2024-04-01")  # all of March
    assert month.line.dash == "dash"
    scope = shapes["equipment:SCOPE"]
    assert (scope.type, scope.x0, scope.x1, scope.line.dash) == ("rect", "2024-01-01", "2024-02-01", "dash")


def test_marker_hover_names_the_event_and_marks_imprecise_dates():
    figure = impact.monthly_volumes(VOLUMES, MARKERS)
    markers = {trace.name: trace for trace in figure.data if trace.type == "scatter"}
    programmes = markers["Programme starts"]
    hovers = dict(zip(programmes.customdata, programmes.hovertext))
    assert "2024-02-10 to 2024-02-20" in hovers["programme:DAY"]
    assert "date imprecise" not in hovers["programme:DAY"]
    assert "2024-03 (day not reported) to 2024-05 (day not reported)" in hovers["programme:MONTH"]
    assert "date imprecise" in hovers["programme:MONTH"]
    assert "&lt;b&gt;name&lt;/b&gt;" in hovers["programme:DAY"]  # imported names never become markup
    assert list(programmes.marker.symbol) == ["triangle-down", "triangle-down-open"]
    equipment = markers["Equipment acquired"]
    assert list(equipment.marker.symbol) == ["diamond-open"]
    assert "2024-01 (day not reported)" in equipment.hovertext[0] and "Endoscope" in equipment.hovertext[0]


def test_markers_outside_the_months_with_cases_are_counted_not_drawn():
    figure = impact.monthly_volumes(VOLUMES, MARKERS)
    assert "programme:OLD" not in shapes_by_name(figure)
    assert any("1 programme(s) or acquisition(s) fall outside" in a.text for a in figure.layout.annotations)
    assert figure.layout.xaxis.range[0] < "2024-01-01" and figure.layout.xaxis.range[1] > "2024-03-31"


def test_the_reference_marker_stands_out():
    shapes = shapes_by_name(impact.monthly_volumes(VOLUMES, MARKERS, reference="programme:MONTH"))
    assert shapes["programme:MONTH"].line.width > shapes["programme:DAY"].line.width
    assert shapes["programme:MONTH"].line.color == impact.REFERENCE_COLOUR != shapes["programme:DAY"].line.color


def test_no_month_rows_gives_an_empty_figure_that_says_so():
    figure = impact.monthly_volumes(volumes([(None, 2023, None, 4)]), MARKERS)
    assert not figure.data
    assert figure.layout.annotations[0].text == "Nothing to show for these filters"


SHARES = pd.DataFrame({
    "quarter": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-04-01", "2024-04-01", "2024-04-01"]),
    "technique": ["open", "microscopic", "open", "microscopic", "endoscopic"],
    "cases": [9, 1, 2, 3, 5], "quarter_cases": [10, 10, 10, 10, 10], "share": [0.9, 0.1, 0.2, 0.3, 0.5],
})


def test_technique_shift_stacks_shares_to_100_percent_and_shades_the_reference():
    reference = milestone("programme:MONTH", "2024-03", "2024-05") | {"window_last": pd.Timestamp("2024-05-31")}
    figure = impact.technique_shift(SHARES, reference)
    bars = {trace.name: trace for trace in figure.data}
    assert list(bars) == ["Open", "Microscopic", "Endoscopic"]
    assert list(bars["Open"].y) == pytest.approx([90, 20])
    assert list(bars["Endoscopic"].x) == ["2024-04-01"]
    assert "2024 Q2 · Endoscopic: 50% (5 of 10 cases)" == bars["Endoscopic"].hovertext[0]
    band = shapes_by_name(figure)["programme:MONTH"]
    assert (band.x0, band.x1) == ("2024-03-01", "2024-06-01")
    assert figure.layout.yaxis.range == (0, 100)


def before_after(rows) -> pd.DataFrame:
    """(side, technique, cases, share) rows as impact_before_after.sql returns them, totals included."""
    frame = pd.DataFrame(rows, columns=["side", "technique", "cases", "share"])
    return frame.assign(mean_los=None, complication_rate=None)


def test_shift_sentence_states_each_technique_before_and_after():
    frame = before_after([
        ("before", None, 100, 1.0), ("before", "open", 89, 0.89), ("before", "microscopic", 11, 0.11),
        ("after", None, 200, 1.0), ("after", "open", 90, 0.45), ("after", "microscopic", 50, 0.25),
        ("after", "endoscopic", 60, 0.30), ("during", None, 0, None),
    ])
    assert impact.shift_sentence(frame) == ("Open: 89% of cases before, 45% after; "
                                            "Microscopic: 11% of cases before, 25% after; "
                                            "Endoscopic: 0% of cases before, 30% after.")


def test_shift_sentence_says_when_a_side_has_no_cases():
    frame = before_after([("before", None, 0, None), ("after", None, 5, 1.0), ("after", "open", 5, 1.0),
                          ("during", None, 0, None)])
    assert impact.shift_sentence(frame).startswith("No cases before the reference event")


def test_year_only_note_counts_the_cases_no_month_can_hold():
    note = impact.year_only_note(VOLUMES)
    assert note.startswith("45 cases (2 record(s)) are known only by year")
    assert "month not reported" in note
    assert ": 2022: 5 cases; 2023: 40 cases." in note
    assert impact.year_only_note(VOLUMES[VOLUMES["month"].notna()]) is None


def test_missing_figures_read_not_reported_never_zero():
    assert impact.days(None) == "not reported"
    assert impact.days(float("nan")) == "not reported"
    assert impact.days(5.26) == "5.3 days"
    assert display.percent(pd.NA) == "not reported"
    assert display.percent(0.0541, 1) == "5.4%"
    assert impact.change(None, 4.0, "days") is None
    assert impact.change(8.0, 5.5, "days") == "-2.5 days"
    assert impact.change(0.062, 0.054, "points") == "-0.8 percentage points"


def test_share_of_cases_without_a_reported_value_is_stated():
    assert impact.not_reported_share(5, 10, "los") == "50% of cases (5 of 10) do not report a length of stay"
    assert impact.not_reported_share(0, 10, "complications") == "every case reports complications"
    assert impact.not_reported_share(0, 0, "los") == ""


def test_milestone_choices_and_table_read_as_words():
    choices = impact.milestone_choices(MARKERS)
    assert choices["programme:MONTH"] == ("2024-03 (day not reported) · Programme: Training abroad · "
                                          "MONTH <b>name</b>")
    table = impact.milestone_table(MARKERS.assign(cases_before=[1, 2, 3, 4], cases_after=[5, 6, 7, 8]))
    assert list(table["when"])[:2] == ["2024-02-10 to 2024-02-20",
                                       "2024-03 (day not reported) to 2024-05 (day not reported)"]
    assert list(table["status"]) == ["Completed", "Completed", "In use", "Completed"]
    assert list(table["when"])[3] == "2015 (month not reported)"  # same start and end: said once


def test_reference_text_says_which_event_why_and_where_it_splits_the_cases():
    reference = MARKERS.iloc[1].to_dict() | dict(
        label="[click](http://x) *now*", before_until=pd.Timestamp("2024-02-29"), after_from=pd.Timestamp("2024-06-01"),
        cases_during=12, preference=1)
    text = impact.reference_text(reference, chosen_by_default=True)
    assert "(programme, 2024-03 (day not reported) to 2024-05 (day not reported))" in text
    assert "Before: cases up to 2024-02-29. After: cases from 2024-06-01. 12 cases whose dates overlap" in text
    assert "This is the default: the first completed programme" in text
    assert f"**{markdown_text('[click](http://x) *now*')}**" in text  # an imported name never becomes markup
    assert "Chosen above" in impact.reference_text(reference, chosen_by_default=False)
