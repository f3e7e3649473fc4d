"""Chart builders of the Impact page: procedure volumes with programme and equipment markers, the shift in
technique, and the sentences and labels that go with them. Pure functions: DataFrames in, figures or text out.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.graph_objects as go

from portal import contract
from portal.charts import BASE_LAYOUT, LANE_GROUPS, colour, date_axis, empty_figure, is_imprecise
from portal.display import (date_range, date_text, decimal, html_text, is_missing, markdown_text, not_reported,
                            number, percent)
from portal.i18n import label, t

# Marker colours kept apart from the technique colours of the bars; the reference event is black and thick.
MARKER_COLOURS = {"programme": "#332288", "equipment": "#666666"}
REFERENCE_COLOUR = "#111111"
MARKER_SYMBOLS = {"programme": "triangle-down", "equipment": "diamond"}
MARKER_HEIGHTS = {"programme": 0.97, "equipment": 0.9}  # apart, so a programme and a purchase in one month both show


# ---------------------------------------------------------------- figures


def monthly_volumes(volumes: pd.DataFrame, markers: pd.DataFrame, reference: str | None = None,
                    title: str | None = None) -> go.Figure:
    """Cases per month stacked by technique, with a marker at each programme start and equipment acquisition.

    `volumes`: month (NULL for rows known only by year, which are left out here), technique, cases.
    `markers`: key, lane, label, kind, status, start_date, end_date, marker_first, marker_last.
    A marker known to the day is a vertical line; one known only to the month or year is a dashed band over
    the days it can mean. The `reference` marker (a key) is drawn black and thick. Markers outside the months with
    cases are not drawn; an annotation says how many.
    """
    placed = volumes[volumes["month"].notna()]
    if placed.empty:
        return empty_figure(t("chart.nothing_in_range"))
    months = pd.to_datetime(placed["month"])
    first, last = months.min(), months.max() + pd.DateOffset(months=1)
    figure = go.Figure()
    for technique in _techniques(placed):
        part = placed[placed["technique"] == technique]
        name = label("technique", technique)
        figure.add_bar(
            x=[_day(m) for m in pd.to_datetime(part["month"])], y=part["cases"].tolist(), name=name,
            marker=dict(color=colour("technique", technique)), xperiod="M1", xperiodalignment="middle",
            hovertext=[t("impact.hover_month", month=f"{m:%Y-%m}", technique=name, cases=number(c))
                       for m, c in zip(pd.to_datetime(part["month"]), part["cases"])],
            hoverinfo="text")
    shown = _within(markers, first, last)
    _add_markers(figure, shown, reference)
    hidden = len(markers) - len(shown)
    notes = [t("impact.band_means_imprecise")]
    if hidden:
        notes.append(t("impact.markers_outside", count=hidden))
    figure.add_annotation(text=" · ".join(notes), showarrow=False, xref="paper", yref="paper", x=1, y=1.02,
                          xanchor="right", yanchor="bottom", font=dict(size=11, color="#555"))
    _time_bars_layout(figure, title, first, last, height=440)
    figure.update_layout(yaxis=dict(title=t("impact.cases"), rangemode="tozero"),
                         yaxis2=dict(overlaying="y", range=[0, 1], visible=False, fixedrange=True))
    return figure


def technique_shift(shares: pd.DataFrame, reference: dict[str, object] | None = None,
                    title: str | None = None) -> go.Figure:
    """Share of cases by technique per quarter (100% stacked), with the reference event's dates shaded.

    `shares`: quarter, technique, cases, quarter_cases, share (0-1).
    `reference`: a milestones record (key, window_first, window_last) or None.
    """
    if shares.empty:
        return empty_figure(t("chart.nothing_in_range"))
    figure = go.Figure()
    quarters = pd.to_datetime(shares["quarter"])
    for technique in _techniques(shares):
        part = shares[shares["technique"] == technique]
        name = label("technique", technique)
        figure.add_bar(
            x=[_day(q) for q in pd.to_datetime(part["quarter"])], y=(part["share"] * 100).tolist(), name=name,
            marker=dict(color=colour("technique", technique)), xperiod="M3", xperiodalignment="middle",
            hovertext=[t("impact.hover_quarter", quarter=_quarter(q), technique=name, share=percent(s),
                         cases=number(c), total=number(n))
                       for q, s, c, n in zip(pd.to_datetime(part["quarter"]), part["share"], part["cases"],
                                             part["quarter_cases"])],
            hoverinfo="text")
    if reference is not None:
        first, last = pd.Timestamp(reference["window_first"]), pd.Timestamp(reference["window_last"])
        figure.add_shape(type="rect", xref="x", yref="paper", x0=_day(first), x1=_day(last + timedelta(days=1)),
                         y0=0, y1=1, layer="above",
                         fillcolor=_translucent(REFERENCE_COLOUR, 0.12), line=dict(color=REFERENCE_COLOUR, width=2),
                         name=reference["key"])
        figure.add_annotation(text=t("impact.reference_band"), x=_day(first), xref="x", yref="paper",
                              y=1.0, yanchor="bottom", showarrow=False, font=dict(size=11, color=REFERENCE_COLOUR))
    _time_bars_layout(figure, title, quarters.min(), quarters.max() + pd.DateOffset(months=3), height=380)
    figure.update_layout(yaxis=dict(title=t("impact.share_of_cases"), range=[0, 100], ticksuffix="%"))
    return figure


def _time_bars_layout(figure: go.Figure, title: str | None, first: pd.Timestamp, last: pd.Timestamp,
                      height: int) -> None:
    """Stacked bars on a date axis framed on [first, last), legend in the order the traces were added."""
    pad = timedelta(days=12)
    figure.update_layout(title=title, barmode="stack", height=height, bargap=0.1,
                         xaxis=date_axis(range=[_day(first - pad), _day(last + pad)]), **BASE_LAYOUT)
    figure.update_layout(legend_traceorder="normal")


def _day(moment: pd.Timestamp) -> str:
    return f"{moment:%Y-%m-%d}"


def _techniques(frame: pd.DataFrame) -> list[str]:
    """The techniques present, in the contract's order (open first), then any other value."""
    present = list(dict.fromkeys(frame["technique"]))
    return [x for x in contract.TECHNIQUES if x in present] + [x for x in present if x not in contract.TECHNIQUES]


def _within(markers: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """The markers whose dates touch the months shown (from `first` up to, not including, `last`)."""
    if markers.empty:
        return markers
    keep = (pd.to_datetime(markers["marker_last"]) >= first) & (pd.to_datetime(markers["marker_first"]) < last)
    return markers[keep]


def _add_markers(figure: go.Figure, markers: pd.DataFrame, reference: str | None) -> None:
    """Lines for precise dates, dashed bands for imprecise ones, and a hover symbol on top of each."""
    shapes = []  # set once at the end: add_shape one by one re-validates the figure each time (slow)
    for lane, fill in MARKER_COLOURS.items():
        part = markers[markers["lane"] == lane]
        if part.empty:
            continue
        xs, symbols, hovers = [], [], []
        for row in part.itertuples():
            start, end = pd.Timestamp(row.marker_first), pd.Timestamp(row.marker_last) + timedelta(days=1)
            imprecise = is_imprecise(row.start_date)
            chosen = row.key == reference
            line = dict(color=REFERENCE_COLOUR if chosen else fill, width=3 if chosen else 1.5)
            if imprecise:
                shapes.append(dict(type="rect", xref="x", yref="paper", x0=_day(start), x1=_day(end),
                                   y0=0, y1=1, layer="above", fillcolor=_translucent(line["color"]),
                                   line=dict(line, dash="dash"), name=row.key))
            else:
                shapes.append(dict(type="line", xref="x", yref="paper", x0=_day(start), x1=_day(start),
                                   y0=0, y1=1, layer="above", line=line, name=row.key))
            xs.append(_day(start + (end - start) / 2) if imprecise else _day(start))
            symbols.append(MARKER_SYMBOLS.get(lane, "circle") + ("-open" if imprecise else ""))
            hovers.append(_marker_hover(row, chosen))
        figure.add_scatter(x=xs, y=[MARKER_HEIGHTS[lane]] * len(xs), yaxis="y2", mode="markers",
                           name=t(f"impact.markers.{lane}"),
                           marker=dict(symbol=symbols, size=12, color=fill, line=dict(color=fill, width=2)),
                           hovertext=hovers, hoverinfo="text", customdata=list(part["key"]))
    figure.update_layout(shapes=list(figure.layout.shapes) + shapes)


def _translucent(hex_colour: str, alpha: float = 0.12) -> str:
    red, green, blue = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _marker_hover(row, chosen: bool) -> str:
    lines = [f"<b>{html_text(row.label)}</b>", label(LANE_GROUPS[row.lane], row.kind),
             _when(row.lane, row.start_date, row.end_date)]
    if isinstance(row.status, str):
        lines.append(_status(row.lane, row.status))
    if is_imprecise(row.start_date):
        lines.append(t("impact.marker_imprecise"))
    if chosen:
        lines.append(f"<b>{t('impact.marker_reference')}</b>")
    return "<br>".join(lines)


def _status(lane: str, status: str) -> str:
    return label("programme_status" if lane == "programme" else "equipment_status", status)


def _when(lane: str, start_date: str, end_date: str | None) -> str:
    """A milestone's date in words: a programme's range ("end not reported" if so), an acquisition's day."""
    if lane != "programme" or end_date == start_date:
        return date_text(start_date)
    return date_range(start_date, end_date)


def _quarter(day: pd.Timestamp) -> str:
    return t("impact.quarter", year=day.year, quarter=day.quarter)


# ---------------------------------------------------------------- text


def days(value: object) -> str:
    """A length of stay in days, or "not reported"."""
    return not_reported() if is_missing(value) else t("impact.days", days=decimal(value, 1))


def change(before: object, after: object, unit: str) -> str | None:
    """The change from before to after ("-1.2 days", "+0.8 points"), or None when either is missing."""
    if is_missing(before) or is_missing(after):
        return None
    if unit == "days":
        return t("impact.change_days", change=decimal(float(after) - float(before), 1, signed=True))
    return t("impact.change_points", change=decimal((float(after) - float(before)) * 100, 1, signed=True))


def not_reported_share(missing: object, total: object, what: str) -> str:
    """Under a weighted mean: the share of cases whose row does not report `what` (length of stay...)."""
    if is_missing(total) or not total:
        return ""
    if not missing:
        return t("impact.all_cases_report", what=t(f"impact.measure.{what}"))
    return t("impact.cases_not_reporting", share=percent(missing / total), missing=number(int(missing)),
             total=number(int(total)), what=t(f"impact.measure.{what}"))


def record(frame: pd.DataFrame, column: str, value: object) -> dict[str, object]:
    """The first row whose `column` is `value`, as plain Python values (counts read "1,229", not "1,229.00")."""
    return frame[frame[column] == value].head(1).to_dict("records")[0]


def side_totals(before_after: pd.DataFrame) -> dict[str, dict[str, object]]:
    """The before, after and during totals (the technique NULL rows), by side."""
    totals = before_after[before_after["technique"].isna()]
    return {side: record(totals, "side", side) for side in totals["side"]}


def shift_sentence(before_after: pd.DataFrame) -> str:
    """"Open: 83% of cases before, 36% after; microscopic: ..." from the before/after rows by technique."""
    totals = side_totals(before_after)
    if not totals["before"]["cases"] or not totals["after"]["cases"]:
        return t("impact.shift_no_cases_" + ("before" if not totals["before"]["cases"] else "after"))
    by_technique = before_after[before_after["technique"].notna() & before_after["side"].isin(["before", "after"])]
    shares = by_technique.pivot(index="technique", columns="side", values="share").fillna(0.0)
    parts = [t("impact.shift_part", technique=label("technique", technique),
               before=percent(shares.loc[technique].get("before", 0.0)),
               after=percent(shares.loc[technique].get("after", 0.0)))
             for technique in _techniques(by_technique)]
    return t("impact.shift_sentence", parts="; ".join(parts))


def year_only_note(volumes: pd.DataFrame) -> str | None:
    """How many cases are known only by year, so in no month ("month not reported"), by year; None if none.

    `volumes` holds one row per year for them (month NULL) and their totals (year_only_cases, _records).
    """
    undated = volumes[volumes["month"].isna()]
    if undated.empty:
        return None
    years = "; ".join(t("impact.year_cases", year=row.year, cases=number(int(row.cases)))
                      for row in undated.itertuples())
    return t("impact.year_only", cases=number(int(undated['year_only_cases'].iloc[0])),
             records=number(int(undated['year_only_records'].iloc[0])), years=years)


def milestone_choices(milestones: pd.DataFrame) -> dict[str, str]:
    """Each milestone's key and how the reference selectbox names it: date, kind, name."""
    return {row.key: t("impact.choice", when=date_text(row.start_date), kind=label(LANE_GROUPS[row.lane], row.kind),
                       what=t(f"lane.{row.lane}"), name=row.label)
            for row in milestones.itertuples()}


def reference_text(reference: dict[str, object], chosen_by_default: bool) -> str:
    """Which event the before/after figures use, why, and the dates that split the cases (Markdown)."""
    used = t("impact.reference_used", name=markdown_text(reference["label"]),
             what=t(f"lane.{reference['lane']}").lower(),
             when=_when(reference["lane"], reference["start_date"], reference["end_date"]),
             before=_day(pd.Timestamp(reference["before_until"])), after=_day(pd.Timestamp(reference["after_from"])),
             during=number(int(reference['cases_during'])))
    why = t(f"impact.default_reason.{int(reference['preference'])}") if chosen_by_default else t("impact.chosen")
    return f"{used} {why}"


def milestone_table(milestones: pd.DataFrame) -> pd.DataFrame:
    """The milestones as a table a person reads: dates in words, kinds and statuses labelled."""
    return pd.DataFrame({
        "when": [_when(row.lane, row.start_date, row.end_date) for row in milestones.itertuples()],
        "what": [t(f"lane.{lane}") for lane in milestones["lane"]],
        "kind": [label(LANE_GROUPS[row.lane], row.kind) for row in milestones.itertuples()],
        "name": milestones["label"],
        "status": [_status(row.lane, row.status) if isinstance(row.status, str) else None
                   for row in milestones.itertuples()],
        "cases_before": milestones["cases_before"], "cases_after": milestones["cases_after"],
    })
