"""What the Programmes page shows, as pure functions: query rows in, rows and lines to display out."""

from __future__ import annotations

import pandas as pd

import plotly.graph_objects as go

from portal.charts import timeline, wrapped
from portal.display import (Column, date_range, date_text, html_text, is_missing, markdown_text, money,
                            not_reported, number, rate_text)
from portal.i18n import by_name, country_name, label, t

LEGEND_SPACE = 110  # pixels under a Gantt for the date axis and a legend of up to three lines
# Which side has confirmed a programme (programmes_matching.sql's `confirmation`), and how it reads.
CONFIRMATIONS = {"none": "confirm.none", "host": "confirm.by_host", "home": "confirm.by_home",
                 "both": "confirm.by_both"}


def facet_choices(facets: pd.Series) -> dict[str, dict[str, str]]:
    """For each coded facet, its codes and the names shown for them (countries, institutions, kinds, statuses).

    `facets` is the one row of portal/queries/programmes_facets.sql.
    """
    codes = {column: [str(code) for code in facets[column]] for column in (
        "home_countries", "host_countries", "institution_ids", "institution_names", "kinds", "statuses")}
    named = {
        "home_country": {c: country_name(c) for c in codes["home_countries"]},
        "host_country": {c: country_name(c) for c in codes["host_countries"]},
        "institution": dict(zip(codes["institution_ids"], codes["institution_names"])),
        "kind": {k: label("programme_kind", k) for k in codes["kinds"]},
        "status": {s: label("programme_status", s) for s in codes["statuses"]},
        "confirmation": {code: t(message) for code, message in CONFIRMATIONS.items()},
    }
    # Listed by name in the reader's language (statuses and confirmations keep their own order).
    return {facet: names if facet in ("status", "confirmation") else {c: names[c] for c in by_name(names, names.get)}
            for facet, names in named.items()}


def institution_text(name: str, name_local: str | None, city: str | None, country: str) -> str:
    """An institution as one Markdown line: its name, its local-script name, then city and country."""
    local = "" if is_missing(name_local) or name_local == name else f" ({markdown_text(name_local)})"
    place = ", ".join(markdown_text(p) for p in (city, country_name(country)) if not is_missing(p))
    return f"{markdown_text(name)}{local} · {place}"


def labelled(frame: pd.DataFrame, groups: dict[str, str] | None = None, dates: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy with fixed-list codes as their labels (column -> label group) and partial dates as read."""
    shown = frame.copy()
    for column, group in (groups or {}).items():
        shown[column] = [None if is_missing(v) else label(group, v) for v in shown[column]]
    for column in dates:
        shown[column] = [None if is_missing(v) else date_text(v) for v in shown[column]]
    return shown


def whole(value: object) -> int | None:
    """A count as a Python int (numpy and pandas give their own types), or None when not reported."""
    return None if is_missing(value) else int(value)


def text(value: object) -> str:
    """Imported text made safe for Markdown, or "not reported"."""
    return not_reported() if is_missing(value) else markdown_text(value)


def facts(programme: pd.Series) -> str:
    """A programme's facts as Markdown lines: kind, status, dates, institutions, specialty, topics, funding, people.

    Columns as portal/queries/programme_detail.sql returns them.
    """
    p = programme
    # A list column arrives as an array, or as a missing value (None/NA) when no topics were reported.
    topics = "; ".join(p["topics"]) if hasattr(p["topics"], "__len__") and len(p["topics"]) else None
    lines = [
        ("programmes.kind", label("programme_kind", p["kind"])),
        ("programmes.status", label("programme_status", p["status"])),
        ("programmes.dates", date_range(p["start_date"], p["end_date"])),
        ("programmes.home", institution_text(p["home_name"], p["home_name_local"], p["home_city"], p["home_country"])),
        ("programmes.host", institution_text(p["host_name"], p["host_name_local"], p["host_city"], p["host_country"])),
        ("programmes.specialty", text(p["specialty"])),
        ("programmes.topics", text(topics)),
        ("programmes.funding", text(p["funding_source"])),
        ("programmes.participants_count", number(whole(p["participants_count"]))),
        ("programmes.confirmation", t(CONFIRMATIONS[p["confirmation"]])),
    ]
    return "  \n".join(f"**{t(key)}:** {value}" for key, value in lines)


def programme_rows(programmes: pd.DataFrame) -> pd.DataFrame:
    """The programmes table's values: names and labels as read, counts and amounts as numbers (missing: empty).

    Columns as portal/queries/programmes_matching.sql returns them; shown through ui.table with
    programme_headers, where a conversion without an fx rate reads "no fx rate" (the `no_rate` column).
    """
    return pd.DataFrame({
        "programme": programmes["item_id"], "title": programmes["label"],
        "kind": [label("programme_kind", k) for k in programmes["kind"]],
        "home": programmes["home_name"], "host": programmes["host_name"],
        "countries": [f"{country_name(h)} → {country_name(g)}"
                      for h, g in zip(programmes["home_country"], programmes["host_country"])],
        "start": [date_text(d) for d in programmes["start_date"]],
        "end": [None if is_missing(d) else date_text(d) for d in programmes["end_date"]],
        "status": [label("programme_status", s) for s in programmes["status"]],
        "confirmation": [t(CONFIRMATIONS[c]) for c in programmes["confirmation"]],
        "participants": [whole(n) for n in programmes["participants_count"]],
        "cost": programmes["cost_amount"], "currency": programmes["cost_currency"],
        "converted": programmes["converted"],
        "no_rate": [t("programmes.no_rate") if rate_missing and not is_missing(amount) else None
                    for rate_missing, amount in zip(programmes["rate_missing"], programmes["cost_amount"])],
    })


def programme_headers(currency: str) -> dict[str, object]:
    """How ui.table shows programme_rows: what a reader needs first; the rest from the table's column menu."""
    return {
        "programme": Column("programmes.col_id", "link", link="programmes?programme={}"),
        "title": "programmes.col_title", "kind": "programmes.col_kind",
        "home": Column("programmes.col_home", optional=True), "host": Column("programmes.col_host", optional=True),
        # Countries and confirmation start hidden, so participants and cost fit at 1,400 px (issue 13).
        "countries": Column("programmes.col_countries", optional=True), "start": Column("programmes.col_start", "date"),
        "end": Column("programmes.col_end", "date", optional=True), "status": "programmes.col_status",
        "confirmation": Column("programmes.col_confirmation", optional=True),
        "participants": Column("programmes.col_participants", "count"),
        "cost": Column("programmes.col_cost", "money", optional=True),
        "currency": Column("programmes.col_currency", private="costs", optional=True),  # a code: text
        "converted": Column("programmes.col_converted", "money", currency=currency, instead="no_rate"),
    }


def cost_rows(costs: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Costs as read: what, amount as reported, year, both rates, the converted figure (None: not reported).

    Columns as portal/queries/programme_costs.sql returns them; `currency` is the reporting currency.
    """
    rows = []
    for c in costs.itertuples():
        reported = not is_missing(c.amount)
        no_rate = {code: t("programmes.rate_missing", currency=code, year=c.year) for code in (c.currency, currency)}
        rows.append({
            "item": t(f"programmes.cost_item_{c.cost_kind}", name=c.record_name),
            "amount": money(c.amount, c.currency),
            "year": str(c.year) if reported else None,
            "rates": " · ".join([rate_text(c.currency_per_usd, c.currency, no_rate[c.currency]),
                                 rate_text(c.reporting_per_usd, currency, no_rate[currency])]) if reported else None,
            "converted": (t("programmes.no_rate") if c.rate_missing else money(c.converted, currency))
            if reported else None,
        })
    return pd.DataFrame(rows, columns=["item", "amount", "year", "rates", "converted"])


def source_lines(sources: pd.DataFrame) -> list[str]:
    """One Markdown line per source: the source, then what on the page it supports.

    Columns as portal/queries/programme_sources.sql returns them (supports: a list of {what, name}).
    """
    lines = []
    for row in sources.itertuples():
        cited = t("programmes.source_missing") if is_missing(row.source) else markdown_text(row.source)
        items = ", ".join(t("programmes.what." + s["what"], name=markdown_text(s["name"])) for s in row.supports)
        lines.append(f"- {cited}  \n  *{t('programmes.source_supports', items=items)}*")
    return lines


def gantt(programmes: pd.DataFrame) -> go.Figure:
    """The shared timeline coloured by kind, one row per programme labelled by its title alone.

    Columns as portal/queries/programmes_matching.sql returns them (those of overview_timeline.sql).
    Every row is a programme, so the lane prefix is dropped, and each kind is listed once in the legend.
    """
    figure = timeline(programmes, colour_by="kind")
    if figure.layout.yaxis.tickvals:  # the title alone, wrapped as the shared timeline wraps it
        titles = dict(zip("programme:" + programmes["item_id"].astype(str), programmes["label"]))
        figure.update_yaxes(ticktext=[wrapped(html_text(titles[row])) for row in figure.layout.yaxis.tickvals])
    listed = set()
    for trace in figure.data:
        trace.showlegend = trace.name not in listed
        listed.add(trace.name)
    if listed:  # the legend a fixed distance under the axis, whatever the number of rows (not a share of it)
        figure.update_layout(legend=dict(orientation="h", yref="container", y=0, yanchor="bottom"),
                             margin=dict(b=LEGEND_SPACE), height=figure.layout.height + LEGEND_SPACE)
    return figure
