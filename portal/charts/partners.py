"""Builders for the Partner hospitals page: the institutions map, the clicked institution, readable tables."""

from __future__ import annotations

from functools import partial

import pandas as pd
import plotly.graph_objects as go

from portal import charts
from portal.display import date_range, date_text, html_text, text_or_not_reported
from portal.i18n import by_name, country_name, label, t


def partner_map(institutions: pd.DataFrame, selected: str | None = None) -> go.Figure:
    """Institutions sized by activity, the chosen one outlined; customdata is the institution id.

    Columns as portal/queries/institution_activity.sql returns them.
    """
    # Drawn last, so a small chosen institution is not hidden under a larger neighbour.
    frame = institutions.assign(hover=[_hover(i) for i in institutions.itertuples()],
                                chosen=institutions["institution_id"] == selected).sort_values("chosen", kind="stable")
    figure = charts.institution_map(frame, selected=selected)
    for rank, trace in enumerate(figure.data):
        trace.legendrank = 1000 + rank
    figure.data = sorted(figure.data, key=lambda trace: selected in list(trace.customdata))
    return figure


def partner_timeline(items: pd.DataFrame) -> go.Figure:
    """The shared timeline coloured by kind, with its legend below the date axis rather than on it."""
    figure = charts.timeline(items, colour_by="kind")
    if not items.empty:
        figure.update_layout(margin=dict(b=70), legend=dict(yref="container", y=0, yanchor="bottom"))
    return figure


def _hover(institution) -> str:
    local = f"<br>{html_text(institution.name_local)}" if isinstance(institution.name_local, str) else ""
    city = text_or_not_reported(institution.city)
    place = t("partners.kind_place", kind=label("institution_kind", institution.kind), city=html_text(city),
              country=html_text(country_name(institution.country)))
    activity = t("partners.map_activity", programmes=int(institution.programmes), events=int(institution.events))
    kinds = by_name(institution.programme_kinds, partial(label, "programme_kind"))
    listed = f"<br>{t('partners.map_kinds', kinds=', '.join(label('programme_kind', k) for k in kinds))}" if kinds else ""
    return f"<b>{html_text(institution.name)}</b>{local}<br>{place}<br>{activity}{listed}"


def readable(frame: pd.DataFrame, dates: tuple[str, ...] = (), labels: dict[str, str] | None = None,
             countries: tuple[str, ...] = ()) -> pd.DataFrame:
    """A table as a person reads it: partial dates spelled out, fixed-list values and countries named.

    Missing values stay missing, so `ui.table` shows them as "not reported".
    """
    shown = frame.copy()
    for column in dates:
        shown[column] = [date_text(d) if isinstance(d, str) else None for d in shown[column]]
    for column, group in (labels or {}).items():
        shown[column] = [label(group, v) if isinstance(v, str) else None for v in shown[column]]
    for column in countries:
        shown[column] = [country_name(c) if isinstance(c, str) else None for c in shown[column]]
    return shown


def timeline_rows(items: pd.DataFrame) -> pd.DataFrame:
    """The timeline's items as table rows: when, what, of which kind, with whom, and the source."""
    shown = readable(items, labels={"lane": "lane"})
    shown["kind"] = [label(charts.LANE_GROUPS[item.lane], item.kind) for item in items.itertuples()]
    shown["when"] = [_when(item) for item in items.itertuples()]
    return shown


def _when(item) -> str:
    return date_range(item.start_date, item.end_date) if item.lane == "programme" else date_text(item.start_date)
