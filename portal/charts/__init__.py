"""Chart builders: pure functions, a DataFrame in and a plotly figure out. Every text comes from t()."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from portal.display import html_text
from portal.i18n import format_partial_date, label, t

PALETTE = qualitative.Safe + qualitative.Vivid
LANE_GROUPS = {"programme": "programme_kind", "equipment": "equipment_category", "event": "event_kind"}
IMPRECISE_PATTERN = "/"
# How a figure fits the page: no drag-zoom traps on small screens, a legend that wraps.
BASE_LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.12),
                   hoverlabel=dict(align="left"))


def colour(group: str, value: str, values: tuple[str, ...] | None = None) -> str:
    """A stable colour for a fixed-list value, so a kind has the same colour on every chart."""
    from portal import contract

    values = values or {
        "programme_kind": contract.PROGRAMME_KINDS, "equipment_category": contract.EQUIPMENT_CATEGORIES,
        "event_kind": contract.EVENT_KINDS, "technique": contract.TECHNIQUES,
        "institution_kind": contract.INSTITUTION_KINDS, "programme_status": contract.PROGRAMME_STATUSES,
    }[group]
    return PALETTE[values.index(value) % len(PALETTE)] if value in values else "#888888"


def date_text(partial: str | None) -> str:
    """A partial date as a person reads it: "2024 (month not reported)", "2024-03 (day not reported)"."""
    if partial is None or partial != partial:
        return t("value.not_reported")
    if len(partial) == 4:
        return t("date.year_only", date=format_partial_date(partial))
    if len(partial) == 7:
        return t("date.month_only", date=format_partial_date(partial))
    return format_partial_date(partial)


def is_imprecise(partial: str | None) -> bool:
    """Whether a partial date leaves the day open."""
    return isinstance(partial, str) and len(partial) < 10


def empty_figure(message: str) -> go.Figure:
    """A blank figure that says why it is blank."""
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, font=dict(size=14), xref="paper", yref="paper",
                          x=0.5, y=0.5)
    figure.update_layout(xaxis=dict(visible=False), yaxis=dict(visible=False), height=200, **BASE_LAYOUT)
    return figure


# ---------------------------------------------------------------- timelines


def timeline(items: pd.DataFrame, colour_by: str = "lane", title: str | None = None) -> go.Figure:
    """Items as bars from first to last day, one row each; imprecise dates hatched, single days as diamonds.

    Columns: lane, item_id, label, kind, start_date, end_date, first_day, last_day, end_reported.
    `colour_by` is "lane" (programmes, equipment, events) or "kind" (the lane's kinds).
    """
    if items.empty:
        return empty_figure(t("chart.nothing_in_range"))
    figure = go.Figure()
    records = list(items.itertuples())
    # One row per item (labels repeat: two microscopes), keyed by lane and id, labelled by its name.
    rows = [f"{r.lane}:{r.item_id}" for r in records]
    row_labels = dict(zip(rows, (_row_label(r) for r in records)))
    frame = items.assign(row=rows, group=[_group(r, colour_by) for r in records], hover=[_hover(r) for r in records],
                         imprecise=[is_imprecise(r.start_date) or is_imprecise(r.end_date) or not r.end_reported
                                    for r in records],
                         point=[_is_point(r) for r in records])
    in_legend: set[str] = set()
    # Traces get plain lists, not Series: plotly validates those much faster.
    for (group, imprecise), part in frame[~frame["point"]].groupby(["group", "imprecise"], sort=False):
        name, fill = group
        first = pd.to_datetime(part["first_day"])
        last = pd.to_datetime(part["last_day"]) + timedelta(days=1)  # a bar covers its last day too
        figure.add_bar(
            y=part["row"].tolist(), base=first.dt.strftime("%Y-%m-%d").tolist(),
            x=((last - first).dt.total_seconds() * 1000).tolist(),
            orientation="h", name=name, legendgroup=name, showlegend=name not in in_legend,
            marker=dict(color=fill, opacity=0.55 if imprecise else 0.9,
                        pattern=dict(shape=IMPRECISE_PATTERN if imprecise else "", fgcolor="#333", size=6),
                        line=dict(color=fill, width=1)),
            hovertext=part["hover"].tolist(), hoverinfo="text", customdata=part["item_id"].tolist())
        in_legend.add(name)
    points = frame[frame["point"]]
    for (name, fill), part in points.groupby("group", sort=False):
        figure.add_scatter(y=part["row"].tolist(), x=pd.to_datetime(part["first_day"]).dt.strftime("%Y-%m-%d").tolist(),
                           mode="markers", name=name, legendgroup=name, showlegend=name not in in_legend,
                           marker=dict(symbol="diamond", size=11, color=fill, line=dict(color="#333", width=1)),
                           hovertext=part["hover"].tolist(), hoverinfo="text", customdata=part["item_id"].tolist())
        in_legend.add(name)
    figure.update_layout(
        title=title, barmode="overlay", height=max(260, 26 * len(row_labels) + 130),
        xaxis=dict(type="date"),  # dates need no axis title, and one would collide with the legend
        yaxis=dict(autorange="reversed", title=None, categoryorder="array", categoryarray=list(row_labels),
                   tickmode="array", tickvals=list(row_labels), ticktext=list(row_labels.values())),
        **BASE_LAYOUT)
    figure.add_annotation(text=t("chart.hatched_means_imprecise"), showarrow=False, xref="paper", yref="paper",
                          x=1, y=1.02, xanchor="right", yanchor="bottom", font=dict(size=11, color="#555"))
    return figure


def _names(figure: go.Figure) -> set[str]:
    return {trace.name for trace in figure.data if trace.showlegend is not False}


def _row_label(item) -> str:
    text = html_text(item.label if len(item.label) <= 48 else item.label[:47] + "…")  # tick labels read HTML
    return f"{t('lane.' + item.lane)} · {text}" if item.lane else text


def _group(item, colour_by: str) -> tuple[str, str]:
    if colour_by == "kind":
        group = LANE_GROUPS[item.lane]
        return label(group, item.kind), colour(group, item.kind)
    lanes = tuple(LANE_GROUPS)
    return t("lane.plural." + item.lane), colour("lane", item.lane, lanes)


def _is_point(item) -> bool:
    return item.lane != "programme" and not is_imprecise(item.start_date)


def _hover(item) -> str:
    when = date_text(item.start_date)
    if item.lane == "programme":
        end = date_text(item.end_date) if item.end_reported else t("date.end_not_reported")
        when = t("date.range", start=when, end=end)
    kind = label(LANE_GROUPS[item.lane], item.kind)
    return f"<b>{html_text(item.label)}</b><br>{kind}<br>{when}"


# ---------------------------------------------------------------- maps


def _geo_layout(figure: go.Figure, lat: pd.Series, lon: pd.Series, height: int = 520) -> None:
    """A natural-earth world map framed on the points shown, with country borders."""
    geo = dict(projection_type="natural earth", showcountries=True, countrycolor="#9aa5b1", showland=True,
               landcolor="#f3f1ea", showocean=True, oceancolor="#e3eef7", showframe=False,
               coastlinecolor="#9aa5b1", resolution=110)
    if len(lat):
        pad = 8
        geo.update(lataxis_range=[max(-90, lat.min() - pad), min(90, lat.max() + pad)],
                   lonaxis_range=[max(-180, lon.min() - pad * 2), min(180, lon.max() + pad * 2)])
    figure.update_layout(geo=geo, height=height, **BASE_LAYOUT)


def flow_map(flows: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Arcs from home to host institution, width by weight (participants, else programmes), colour by kind.

    Columns as portal/queries/programme_flows.sql returns them.
    """
    figure = go.Figure()
    if flows.empty:
        _geo_layout(figure, pd.Series(dtype=float), pd.Series(dtype=float))
        figure.add_annotation(text=t("chart.nothing_in_range"), showarrow=False, xref="paper", yref="paper",
                              x=0.5, y=0.5)
        return figure
    largest = max(float(flows["weight"].max()), 1.0)
    widths = 1.5 + 8.5 * (flows["weight"].astype(float) / largest) ** 0.5
    # One trace per kind and whole-pixel width (a trace has one width): few traces, quick to build and draw.
    frame = flows.assign(width_class=widths.round(), hover=[_flow_hover(flow) for flow in flows.to_dict("records")])
    for (kind, width), part in frame.groupby(["kind", "width_class"], sort=True):
        name = label("programme_kind", kind)
        figure.add_scattergeo(lat=_segments(part["home_latitude"], part["host_latitude"]),
                              lon=_segments(part["home_longitude"], part["host_longitude"]), mode="lines",
                              name=name, legendgroup=kind, showlegend=name not in _names(figure),
                              line=dict(width=float(width), color=colour("programme_kind", kind)),
                              opacity=0.75, hovertext=_segments(part["hover"], part["hover"]), hoverinfo="text")
    ends = pd.concat([
        flows[["home_id", "home_name", "home_latitude", "home_longitude"]].set_axis(
            ["id", "name", "lat", "lon"], axis=1).assign(role=t("map.home")),
        flows[["host_id", "host_name", "host_latitude", "host_longitude"]].set_axis(
            ["id", "name", "lat", "lon"], axis=1).assign(role=t("map.host")),
    ]).drop_duplicates("id")
    figure.add_scattergeo(lat=ends["lat"].tolist(), lon=ends["lon"].tolist(), mode="markers", name=t("map.institutions"),
                          marker=dict(size=7, color="#1f2d3d", line=dict(color="white", width=1)),
                          hovertext=[f"<b>{html_text(n)}</b><br>{r}" for n, r in zip(ends["name"], ends["role"])],
                          hoverinfo="text", customdata=ends["id"].tolist())
    _geo_layout(figure, ends["lat"], ends["lon"])
    figure.update_layout(title=title)
    return figure


def _segments(starts: pd.Series, ends: pd.Series) -> list[object]:
    """start, end, None for each row: the values of one line trace drawing every row as its own segment."""
    values = np.full(3 * len(starts), None, dtype=object)
    values[0::3], values[1::3] = starts.to_numpy(dtype=object), ends.to_numpy(dtype=object)
    return values.tolist()


def _flow_hover(flow: dict[str, object]) -> str:
    people = (t("map.participants", count=int(flow["participants"])) if flow["weight_is_participants"]
              else t("map.participants_not_reported"))
    return (f"<b>{html_text(flow['home_name'])} → {html_text(flow['host_name'])}</b><br>"
            f"{label('programme_kind', flow['kind'])}: {t('map.programmes', count=int(flow['programmes']))}<br>"
            f"{people}")


def institution_map(institutions: pd.DataFrame, selected: str | None = None,
                    title: str | None = None) -> go.Figure:
    """Institutions as circles sized by activity; the selected one outlined. customdata is the id.

    Columns: institution_id, name, kind, city, country, latitude, longitude, activity, hover.
    """
    figure = go.Figure()
    located = institutions.dropna(subset=["latitude", "longitude"])
    if located.empty:
        _geo_layout(figure, pd.Series(dtype=float), pd.Series(dtype=float))
        return figure
    largest = max(float(located["activity"].max()), 1.0)
    for kind, part in located.groupby("kind", sort=True):
        figure.add_scattergeo(
            lat=part["latitude"].tolist(), lon=part["longitude"].tolist(), mode="markers",
            name=label("institution_kind", kind),
            marker=dict(size=(8 + 30 * (part["activity"].astype(float) / largest) ** 0.5).tolist(),
                        color=colour("institution_kind", kind), opacity=0.8,
                        line=dict(width=[4 if i == selected else 1 for i in part["institution_id"]],
                                  color=["#d62728" if i == selected else "white" for i in part["institution_id"]])),
            hovertext=part["hover"].tolist(), hoverinfo="text", customdata=part["institution_id"].tolist())
    _geo_layout(figure, located["latitude"], located["longitude"])
    figure.update_layout(title=title, clickmode="event+select")
    return figure


# ---------------------------------------------------------------- bars and lines


def bars(frame: pd.DataFrame, x: str, y: str, colour_column: str | None = None, colour_group: str | None = None,
         title: str | None = None, x_title: str | None = None, y_title: str | None = None,
         horizontal: bool = False) -> go.Figure:
    """Stacked bars of `y` by `x`, one trace per value of `colour_column` (labelled through `colour_group`)."""
    if frame.empty:
        return empty_figure(t("chart.nothing_in_range"))
    figure = go.Figure()
    groups = frame.groupby(colour_column, sort=True) if colour_column else [(None, frame)]
    for value, part in groups:
        name = label(colour_group, value) if colour_group else (value or "")
        marker = dict(color=colour(colour_group, value)) if colour_group else {}
        figure.add_bar(x=part[y if horizontal else x].tolist(), y=part[x if horizontal else y].tolist(), name=name,
                       orientation="h" if horizontal else "v", marker=marker, showlegend=colour_column is not None)
    figure.update_layout(title=title, barmode="stack", xaxis_title=y_title if horizontal else x_title,
                         yaxis_title=x_title if horizontal else y_title, **BASE_LAYOUT)
    if horizontal:
        figure.update_layout(yaxis=dict(autorange="reversed"), height=max(300, 26 * frame[x].nunique() + 120))
    return figure

