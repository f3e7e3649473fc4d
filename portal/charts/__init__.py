"""Chart builders: pure functions, a DataFrame in and a plotly figure out. Every text comes from t()."""

from __future__ import annotations

import textwrap
import unicodedata
from datetime import timedelta

import pandas as pd
import plotly.graph_objects as go

from portal.charts import geometry
from portal.display import date_range, date_text, html_text, number
from portal.i18n import country_name, label, language, t

# Okabe & Ito's eight colours, designed to stay distinct under the common colour-vision deficiencies (and in
# grey): every fixed list of kinds has at most eight values. Paul Tol's muted scheme follows for longer lists.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
TOL_MUTED = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499")
PALETTE = OKABE_ITO + TOL_MUTED
# Event kinds share the Partners timeline with programme kinds (Okabe-Ito): colours from Paul Tol's light, dark
# and bright schemes chosen to stay apart from Okabe-Ito's, and from each other, under deuteranopia and protanopia
# (Machado 2009 simulation, CIE76 difference of 14 or more; tests/test_charts.py checks it).
EVENT_PALETTE = ("#EEDD88", "#225522", "#225555", "#FFAABB", "#99DDFF", "#CCDDAA", "#EE6677")
LABEL_LINE = 34  # characters per line of a timeline's row label: long titles wrap at spaces, never cut
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
    # Events share timelines with programmes: their kinds take colours of their own, so no event looks like a programme.
    palette = EVENT_PALETTE if group == "event_kind" else PALETTE
    return palette[values.index(value) % len(palette)] if value in values else "#888888"


def is_imprecise(partial: str | None) -> bool:
    """Whether a partial date leaves the day open."""
    return isinstance(partial, str) and len(partial) < 10


def empty_figure(message: str) -> go.Figure:
    """A blank figure that says why it is blank."""
    # One constructor call: plotly checks the figure once (add_annotation and update_layout each check again).
    return go.Figure(layout=dict(annotations=[dict(text=message, showarrow=False, font=dict(size=14), xref="paper",
                                                   yref="paper", x=0.5, y=0.5)],
                                 xaxis=dict(visible=False), yaxis=dict(visible=False), height=200, **BASE_LAYOUT))


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
    mixed = items["lane"].nunique() > 1  # kinds of two lanes share names ("Joint surgery"): the lane is named too
    frame = items.assign(row=rows, group=[_group(r, colour_by, mixed) for r in records],
                         hover=[_hover(r) for r in records],
                         imprecise=[is_imprecise(r.start_date) or is_imprecise(r.end_date) or not r.end_reported
                                    for r in records],
                         point=[_is_point(r) for r in records])
    in_legend: set[str] = set()
    # Traces get plain lists, not Series: plotly validates those much faster.
    for (group, imprecise), part in frame[~frame["point"]].groupby(["group", "imprecise"], sort=False):
        key, name, fill = group
        first = pd.to_datetime(part["first_day"])
        last = pd.to_datetime(part["last_day"]) + timedelta(days=1)  # a bar covers its last day too
        figure.add_bar(
            y=part["row"].tolist(), base=first.dt.strftime("%Y-%m-%d").tolist(),
            x=((last - first).dt.total_seconds() * 1000).tolist(),
            orientation="h", name=name, legendgroup=key, showlegend=key not in in_legend,
            # Imprecise dates keep their kind's full colour under white hatching, so no two kinds look alike.
            marker=dict(color=fill, opacity=0.9,
                        pattern=dict(shape=IMPRECISE_PATTERN if imprecise else "", fillmode="overlay",
                                     fgcolor="white", fgopacity=0.7, size=7, solidity=0.35),
                        line=dict(color=fill, width=1)),
            hovertext=part["hover"].tolist(), hoverinfo="text", customdata=part["item_id"].tolist())
        in_legend.add(key)
    points = frame[frame["point"]]
    for (key, name, fill), part in points.groupby("group", sort=False):
        figure.add_scatter(y=part["row"].tolist(), x=pd.to_datetime(part["first_day"]).dt.strftime("%Y-%m-%d").tolist(),
                           mode="markers", name=name, legendgroup=key, showlegend=key not in in_legend,
                           marker=dict(symbol="diamond", size=11, color=fill, line=dict(color="#333", width=1)),
                           hovertext=part["hover"].tolist(), hoverinfo="text", customdata=part["item_id"].tolist())
        in_legend.add(key)
    lines = max((text.count("<br>") + 1 for text in row_labels.values()), default=1)
    figure.update_layout(
        title=title, barmode="overlay", height=max(260, (14 * lines + 12) * len(row_labels) + 130),
        xaxis=date_axis(),  # dates need no axis title, and one would collide with the legend
        yaxis=dict(autorange="reversed", title=None, categoryorder="array", categoryarray=list(row_labels),
                   tickmode="array", tickvals=list(row_labels), ticktext=list(row_labels.values())),
        **BASE_LAYOUT)
    # The notes sit a fixed number of pixels above the plot (a share of a tall chart's height would put them
    # above the figure, cut off), in a top margin made tall enough for them and a title: the hatching note on
    # the line next to the plot, what was cut one line a part above it (side by side, long ones overlapped).
    cut = timeline_cut_lines(items)
    figure.update_layout(margin=dict(t=NOTE_SPACE + NOTE_LINE * len(cut) + (TITLE_SPACE if title else 0)))
    figure.add_annotation(text=t("chart.hatched_means_imprecise"), showarrow=False, xref="paper", yref="paper",
                          x=1, y=1, yshift=NOTE_SHIFT, xanchor="right", yanchor="bottom",
                          font=dict(size=NOTE_FONT, color="#555"))
    if cut:  # on the chart itself, where a reader looks, not only in a caption under it
        figure.add_annotation(text="<br>".join(cut), showarrow=False, xref="paper", yref="paper", x=0, y=1,
                              yshift=NOTE_SHIFT + NOTE_LINE, xanchor="left", yanchor="bottom", align="left",
                              font=dict(size=NOTE_FONT, color="#8a3b00"))
    return figure


# Date ticks as numbers, finer as the reader zooms in: plotly writes month names in English only (its other
# locales are scripts the portal would have to load), so Mongolian and Korean read "2024-03", not "Mar 2024".
NUMERIC_DATE_TICKS = [dict(dtickrange=[None, 86_400_000], value="%Y-%m-%d %H:%M"),
                      dict(dtickrange=[86_400_000, "M1"], value="%Y-%m-%d"),
                      dict(dtickrange=["M1", "M12"], value="%Y-%m"), dict(dtickrange=["M12", None], value="%Y")]


def date_axis(**settings: object) -> dict:
    """A date axis whose tick labels read in the reader's language (in English, plotly's own "Mar 2024")."""
    return dict(type="date", **settings) if language() == "en" else dict(
        type="date", tickformatstops=NUMERIC_DATE_TICKS, **settings)


NOTE_FONT, NOTE_SHIFT, NOTE_LINE = 11, 4, 15  # pixels: the notes above a timeline, their gap to the plot, a line
NOTE_SPACE, TITLE_SPACE = 30, 30  # pixels of top margin for the notes, and for a title above them


def timeline_cut_lines(items: pd.DataFrame) -> list[str]:
    """"showing the 15 most recent of 40 programmes" for each lane of a timeline cut to fewer items than match,
    then "narrow the years or filters to see the rest" (none when nothing is cut)."""
    if "lane_total" not in items.columns or items.empty:
        return []
    totals = items.groupby("lane", sort=False).agg(shown=("item_id", "size"), total=("lane_total", "max"))
    cut = [t("chart.showing_of", shown=number(r.shown), total=number(r.total),
             what=t("lane.plural." + lane)) for lane, r in totals.iterrows() if r.total > r.shown]
    return [*cut, t("chart.see_the_rest")] if cut else []


def timeline_cut_text(items: pd.DataFrame) -> str | None:
    """timeline_cut_lines as one sentence for a caption under the chart (None when nothing is cut)."""
    return " · ".join(timeline_cut_lines(items)) or None


def _names(figure: go.Figure) -> set[str]:
    return {trace.name for trace in figure.data if trace.showlegend is not False}


def _row_label(item) -> str:
    text = f"{t('lane.' + item.lane)} · {item.label}" if item.lane else str(item.label)
    return wrapped(html_text(text))  # tick labels read HTML


def wrapped(text: str, width: int = LABEL_LINE) -> str:
    """Text broken into lines of about `width` characters at spaces (plotly's <br>), never inside a word."""
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)) or text


def _group(item, colour_by: str, mixed: bool) -> tuple[str, str, str]:
    """(legend group, legend name, colour) of an item: its lane, or its kind (named with its lane when mixed)."""
    if colour_by == "kind":
        group = LANE_GROUPS[item.lane]
        name = label(group, item.kind)
        return f"{item.lane}:{item.kind}", f"{t('lane.' + item.lane)} · {name}" if mixed else name, \
            colour(group, item.kind)
    lanes = tuple(LANE_GROUPS)
    return item.lane, t("lane.plural." + item.lane), colour("lane", item.lane, lanes)


def _is_point(item) -> bool:
    return item.lane != "programme" and not is_imprecise(item.start_date)


def _hover(item) -> str:
    when = date_range(item.start_date, item.end_date if item.end_reported else None) \
        if item.lane == "programme" else date_text(item.start_date)
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
                   lonaxis_range=list(_lon_frame(lon)))
    figure.update_layout(geo=geo, height=height, **BASE_LAYOUT)


def _lon_frame(lon) -> tuple[float, float]:
    """The longitudes a map shows around the points' (their span, and 16 degrees each side)."""
    return max(-180.0, float(min(lon)) - 16), min(180.0, float(max(lon)) + 16)


def _labels(places: dict[str, tuple[float, float]], weights: dict[str, float],
            names: dict[str, str]) -> dict[str, str]:
    """The points named on the map itself, and where each name goes (geometry.labelled): no name over another."""
    frame = _lon_frame([x for x, _ in places.values()]) if places else (-180.0, 180.0)
    # Degrees a pixel spans, as _geo_layout frames the map (about MAP_WIDTH by its height), erring wide.
    latitudes = [y for _, y in places.values()] or [0.0]
    per_pixel = max((frame[1] - frame[0]) / MAP_WIDTH, (max(latitudes) - min(latitudes) + 16) / MAP_HEIGHT)
    extents = {key: (LABEL_CHAR_PIXELS * _label_chars(str(name)) * per_pixel, LABEL_LINE_PIXELS * per_pixel)
               for key, name in names.items()}
    return geometry.labelled(places, weights, LABELLED, LABEL_GAP, frame, extents)


def _label_chars(name: str) -> float:
    """A name's length in average Latin characters: Hangul and other wide characters count 1.7."""
    return sum(1.7 if unicodedata.east_asian_width(c) in "WF" else 1.0 for c in name)


# A light halo round each name (plotly's "auto" text shadow, the text colour's contrast): a name drawn across
# an arc or another institution's circle stays readable.
MAP_LABEL_FONT = dict(size=11, color="#1f2d3d", shadow="auto")
LABELLED = 6  # the busiest institutions named on the map itself; every other one on hover
LABEL_GAP = 4.0  # degrees: no label for a point this close to one already labelled (names would overlap)
MAP_WIDTH, MAP_HEIGHT = 930, 520  # pixels of a map at 1,400 px (the page's content beside the sidebar)
LABEL_CHAR_PIXELS, LABEL_LINE_PIXELS = 6.6, 16  # an 11-px label's average Latin character, and its line
SPREAD_REACH, SPREAD_RADIUS = 1.0, 0.8  # degrees: institutions this close are moved apart onto a small ring


def flow_map(flows: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Arcs from home to host institution, width by weight (participants, else programmes), colour by kind.

    Arcs between the same two places bend apart (the briefing pack's geometry); each arc names itself at its
    middle (hover, and a click's customdata "flow:HOME|HOST|KIND"); each institution names itself on hover
    (customdata "institution:ID"), the busiest also on the map. Columns as portal/queries/programme_flows.sql
    returns them.
    """
    figure = go.Figure()
    if flows.empty:
        _geo_layout(figure, pd.Series(dtype=float), pd.Series(dtype=float))
        figure.add_annotation(text=t("chart.nothing_in_range"), showarrow=False, xref="paper", yref="paper",
                              x=0.5, y=0.5)
        return figure
    ends = _flow_ends(flows)
    places = geometry.spread(dict(zip(ends["id"], zip(ends["lon"], ends["lat"]))), SPREAD_REACH, SPREAD_RADIUS)
    largest = max(float(flows["weight"].max()), 1.0)
    pair = [tuple(sorted(p)) for p in zip(flows["home_id"], flows["host_id"])]
    frame = flows.assign(width_class=(1.5 + 8.5 * (flows["weight"].astype(float) / largest) ** 0.5).round(),
                         rank=pd.Series(pair, index=flows.index).map(str).groupby(pd.Series(pair, index=flows.index)
                                                                                   .map(str)).cumcount())
    curves = {row.Index: geometry.curve(places[row.home_id], places[row.host_id], geometry.bend(row.rank))
              for row in frame.itertuples()}
    # One trace per kind and whole-pixel width (a trace has one width): few traces, quick to build and draw.
    for (kind, width), part in frame.groupby(["kind", "width_class"], sort=True):
        name = label("programme_kind", kind)
        lon, lat = [], []
        for index in part.index:
            lon += [x for x, _ in curves[index]] + [None]
            lat += [y for _, y in curves[index]] + [None]
        figure.add_scattergeo(lon=lon, lat=lat, mode="lines", name=name, legendgroup=kind,
                              showlegend=name not in _names(figure), hoverinfo="skip",
                              line=dict(width=float(width), color=colour("programme_kind", kind)), opacity=0.75)
    middles = [curves[index][len(curves[index]) // 2] for index in frame.index]
    figure.add_scattergeo(
        lon=[x for x, _ in middles], lat=[y for _, y in middles], mode="markers", showlegend=False,
        name=t("map.flows"), marker=dict(size=7, color=[colour("programme_kind", k) for k in frame["kind"]],
                                         line=dict(color="white", width=1)),
        hovertext=[_flow_hover(flow) for flow in flows.to_dict("records")], hoverinfo="text",
        customdata=[f"flow:{h}|{g}|{k}" for h, g, k in zip(frame["home_id"], frame["host_id"], frame["kind"])])
    named = _labels({i: places[i] for i in ends["id"]}, dict(zip(ends["id"], ends["programmes"].astype(float))),
                    dict(zip(ends["id"], ends["name"])))
    figure.add_scattergeo(
        lon=[places[i][0] for i in ends["id"]], lat=[places[i][1] for i in ends["id"]], mode="markers+text",
        name=t("map.institutions"), marker=dict(size=8, color="#1f2d3d", line=dict(color="white", width=1)),
        text=[_end_label(e) if e["id"] in named else "" for e in ends.to_dict("records")],
        textposition=[named.get(i, "top center") for i in ends["id"]], textfont=MAP_LABEL_FONT,
        hovertext=[_end_hover(e) for e in ends.to_dict("records")], hoverinfo="text",
        customdata=[f"institution:{i}" for i in ends["id"]])
    _geo_layout(figure, ends["lat"], ends["lon"])
    figure.update_layout(title=title, clickmode="event+select")
    return figure


def clicked_map_target(event: object) -> tuple[str, list[str]] | None:
    """What a click on the flow map chose: ("institution", [id]) or ("flow", [home, host, kind]); else None."""
    points = ((event or {}).get("selection") or {}).get("points") or []
    for point in points:
        data = point.get("customdata")
        data = data[0] if isinstance(data, (list, tuple)) and data else data
        if isinstance(data, str) and ":" in data:
            kind, value = data.split(":", 1)
            return kind, value.split("|")
    return None


def _flow_ends(flows: pd.DataFrame) -> pd.DataFrame:
    """Every institution at an end of a flow, with its programmes and their kinds over all its flows."""
    columns = ["id", "name", "city", "country", "lat", "lon", "kind", "programmes"]
    ends = pd.concat([
        flows[[f"{end}_{c}" for c in ("id", "name", "city", "country", "latitude", "longitude")] + ["kind", "programmes"]]
        .set_axis(columns, axis=1) for end in ("home", "host")])
    return ends.groupby("id", sort=False).agg(
        name=("name", "first"), city=("city", "first"), country=("country", "first"), lat=("lat", "first"),
        lon=("lon", "first"), programmes=("programmes", "sum"), kinds=("kind", lambda k: sorted(set(k)))).reset_index()


def _end_label(end: dict[str, object]) -> str:
    return html_text(end["name"])  # map text reads HTML, like hovers


def _end_hover(end: dict[str, object]) -> str:
    place = ", ".join(str(p) for p in (end["city"], country_name(end["country"])) if isinstance(p, str) and p)
    kinds = ", ".join(label("programme_kind", k) for k in end["kinds"])
    return (f"<b>{html_text(end['name'])}</b><br>{html_text(place)}<br>"
            f"{t('map.programmes', count=int(end['programmes']))}: {kinds}<br><i>{t('map.click_institution')}</i>")


def _flow_hover(flow: dict[str, object]) -> str:
    people = (t("map.participants", count=int(flow["participants"])) if flow["weight_is_participants"]
              else t("map.participants_not_reported"))
    return (f"<b>{html_text(flow['home_name'])} → {html_text(flow['host_name'])}</b><br>"
            f"{country_name(flow['home_country'])} → {country_name(flow['host_country'])}<br>"
            f"{label('programme_kind', flow['kind'])}: {t('map.programmes', count=int(flow['programmes']))}<br>"
            f"{people}<br><i>{t('map.click_flow')}</i>")


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
    # Institutions in one city would hide each other: each moves onto a small ring around the first.
    places = geometry.spread(dict(zip(located["institution_id"], zip(located["longitude"], located["latitude"]))),
                             SPREAD_REACH, SPREAD_RADIUS)
    named = _labels(places, dict(zip(located["institution_id"], located["activity"].astype(float))),
                    dict(zip(located["institution_id"], located["name"])))
    for kind, part in located.groupby("kind", sort=True):
        figure.add_scattergeo(
            lat=[places[i][1] for i in part["institution_id"]], lon=[places[i][0] for i in part["institution_id"]],
            mode="markers+text", text=[html_text(n) if i in named else "" for i, n in zip(part["institution_id"], part["name"])],
            textposition=[named.get(i, "top center") for i in part["institution_id"]],
            textfont=MAP_LABEL_FONT,
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
        # Every bar names itself on hover: where it stands, what it counts, how much (builders may add more).
        where, much = ("y", "x") if horizontal else ("x", "y")
        figure.add_bar(x=part[y if horizontal else x].tolist(), y=part[x if horizontal else y].tolist(), name=name,
                       orientation="h" if horizontal else "v", marker=marker, showlegend=colour_column is not None,
                       hovertemplate=f"<b>%{{{where}}}</b><br>%{{fullData.name}}: %{{{much}:,}}<extra></extra>")
    figure.update_layout(title=title, barmode="stack", xaxis_title=y_title if horizontal else x_title,
                         yaxis_title=x_title if horizontal else y_title, **BASE_LAYOUT)
    if horizontal:
        figure.update_layout(yaxis=dict(autorange="reversed"), height=max(300, 26 * frame[x].nunique() + 120))
    return figure

