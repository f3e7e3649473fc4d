"""Builders for the Equipment investments page: pure functions, a DataFrame in and a figure or table out."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from portal.charts import bars, date_axis, empty_figure, timeline
from portal.display import (Column, compact, date_range, date_text, html_text, is_missing, money, not_reported, number,
                            rate_text)
from portal.i18n import country_name, label, t


def investment_headers(currency: str) -> dict[str, object]:
    """How ui.table shows investment_rows: what a reader needs first; the rest from the table's column menu."""
    return {
        "equipment": Column("equipment.col_id", "link", link="equipment?equipment={}"),
        "name": "equipment.col_item", "manufacturer": Column("equipment.col_manufacturer", optional=True),
        "model": Column("equipment.col_model", optional=True), "institution": "equipment.col_institution",
        "country": "equipment.col_country", "category": "equipment.col_category",
        "acquired": Column("equipment.col_acquired", "date"), "quantity": Column("equipment.col_quantity", "count"),
        "status": Column("equipment.col_status", optional=True),
        "amount": Column("equipment.col_amount", "money", optional=True),
        "currency": Column("equipment.col_currency", private="costs", optional=True),  # a code: text
        "converted": Column("equipment.col_converted_in", "money", currency=currency, instead="no_rate"),
        "rate": Column("equipment.col_rate", private="costs", optional=True),
        "year": Column("equipment.col_rate_year", optional=True),
        "programmes": Column("equipment.col_programmes", optional=True),
        "cases": Column("equipment.col_cases", "count"),
        "funding": Column("equipment.col_funding", optional=True), "source": Column("equipment.col_source", optional=True),
    }


FACT_HEADERS = {"field": "equipment.col_field", "value": "equipment.col_value"}
PROGRAMME_HEADERS = {
    "title": "equipment.col_programme", "kind": "equipment.col_kind", "when": "equipment.col_when",
    "status": "equipment.col_status", "home_name": "equipment.col_home", "host_name": "equipment.col_host",
}
# Above the plot, right-aligned: clear of axis titles and tick labels, and of the page's notes below.
TOP_LEGEND = dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right")


def facet(options: pd.DataFrame, name: str) -> dict[str, str]:
    """One filter's values (as equipment_filter_options returns them) with the name each is shown by."""
    part = options[options["facet"] == name]
    return dict(zip(part["value"], part["name"]))


# ---------------------------------------------------------------- costs as text


def converted_text(item, currency: str) -> str:
    """The converted cost, "not reported" when no amount is, and "no fx rate" when a rate is missing."""
    if not is_missing(item.amount) and item.rate_missing:
        return t("equipment.no_rate", year=item.year)
    return money(item.converted, currency)


def rates_text(item, currency: str) -> str:
    """Both rates used, as fx_rates states them: "1,300 KRW per USD · 1 USD per USD"; "no fx rate for 2023"
    when one is missing, "not reported" when there is no amount to convert."""
    if is_missing(item.amount):
        return not_reported()
    if item.rate_missing:
        return t("equipment.no_rate", year=item.year)
    return " · ".join(rate_text(rate, code, not_reported()) for rate, code in
                      ((item.currency_per_usd, item.currency), (item.reporting_per_usd, currency)))


def spending_text(total) -> str:
    """The total of an equipment_spending row for a metric tile: "no fx rate" when amounts are reported but none
    can be converted, "not reported" when none is reported, never 0."""
    if not is_missing(total.spending):
        return compact(total.spending)
    return t("equipment.no_rate_short") if total.rate_missing else not_reported()


def investment_rows(items: pd.DataFrame, currency: str) -> pd.DataFrame:
    """equipment_items rows as the investments table's values (columns of investment_headers): labels as read,
    counts and amounts as numbers, missing ones empty."""
    rows = list(items.itertuples())
    return pd.DataFrame({
        "equipment": items["item_id"], "name": items["name"], "manufacturer": items["manufacturer"],
        "model": items["model"], "institution": items["institution_name"],
        "country": [country_name(c) for c in items["country"]],
        "category": [label("equipment_category", c) for c in items["kind"]],
        "acquired": [date_text(d) for d in items["start_date"]],
        "quantity": [None if is_missing(q) else int(q) for q in items["quantity"]],
        "status": [None if is_missing(s) else label("equipment_status", s) for s in items["status"]],
        "amount": items["amount"], "currency": items["currency"], "converted": items["converted"],
        "no_rate": [t("equipment.no_rate", year=i.year) if not is_missing(i.amount) and i.rate_missing else None
                    for i in rows],
        "rate": [None if is_missing(i.amount) else rates_text(i, currency) for i in rows],
        "year": [str(y) for y in items["year"]],
        "programmes": [_titles(p) for p in items["programmes"]],
        "cases": [None if is_missing(c) else int(c) for c in items["cases"]],
        "funding": items["funding_source"], "source": items["source"],
    })


def item_facts(item) -> pd.DataFrame:
    """What one equipment_item row records about the item itself, its source last, as a two-column table."""
    place = ", ".join(str(v) for v in (item.department, item.institution_name, item.city,
                                       country_name(item.country)) if not is_missing(v))
    return _facts([
        ("equipment.col_category", label("equipment_category", item.category)),
        ("equipment.col_manufacturer", item.manufacturer), ("equipment.col_model", item.model),
        ("equipment.col_institution", place), ("equipment.col_acquired", date_text(item.acquired_date)),
        ("equipment.col_quantity", number(item.quantity)),
        ("equipment.col_status", None if is_missing(item.status) else label("equipment_status", item.status)),
        ("equipment.col_source", item.source),
    ])


def cost_facts(item, currency: str) -> pd.DataFrame:
    """One equipment_item row's cost: as recorded, converted, the rate and its year, and who paid."""
    return _facts([
        ("equipment.col_amount", money(item.amount, item.currency)),
        ("equipment.col_converted", converted_text(item, currency)),
        ("equipment.col_rate", rates_text(item, currency)), ("equipment.col_rate_year", str(item.year)),
        ("equipment.col_funding", item.funding_source),
    ])


def _facts(facts: list[tuple[str, object]]) -> pd.DataFrame:
    return pd.DataFrame({"field": [t(key) for key, _ in facts],
                         "value": [None if is_missing(value) else value for _, value in facts]})


def programme_rows(programmes: pd.DataFrame) -> pd.DataFrame:
    """equipment_item_programmes rows as a table (columns of PROGRAMME_HEADERS)."""
    return programmes.assign(
        kind=[label("programme_kind", k) for k in programmes["kind"]],
        status=[label("programme_status", s) for s in programmes["status"]],
        when=[date_range(s, e) for s, e in zip(programmes["start_date"], programmes["end_date"])])


def _titles(titles) -> str | None:
    return None if is_missing(titles) or len(titles) == 0 else "; ".join(titles)


# ---------------------------------------------------------------- charts


def acquisitions(items: pd.DataFrame) -> go.Figure:
    """The shared timeline of equipment_items rows, coloured by category, with its legend clear of the dates.

    The shared legend sits 12% of the plot's height below it, which on a short timeline (a few items) lands on
    the date labels; here it sits a fixed 90 pixels below, whatever the height.
    """
    figure = timeline(items, colour_by="kind")
    if not items.empty:
        figure.update_layout(legend=dict(y=-90 / (figure.layout.height - 50), yanchor="top"))
    return figure



def no_cost_known(spending: pd.DataFrame) -> bool:
    """Whether no selected item has a cost that can be shown (rows of equipment_spending): no chart to draw."""
    return bool(spending[spending["dimension"] != "total"]["spending"].isna().all())


def spending_bars(spending: pd.DataFrame, dimension: str, currency: str) -> go.Figure:
    """Spending by institution, category or year (rows of equipment_spending), stacked by category.

    Each bar's hover says how many items it covers, how many have no reported cost and how many have no fx
    rate; a bar with no known cost reads "not reported" (or "no fx rate") instead of being drawn as 0.
    """
    frame = spending[spending["dimension"] == dimension].reset_index(drop=True)
    if not frame.empty and frame["spending"].isna().all():
        return empty_figure(t("equipment.no_costs", not_reported=number(frame["not_reported"].sum()),
                              rate_missing=number(frame["rate_missing"].sum()), currency=currency))
    if dimension == "category":
        frame["bar"] = [label("equipment_category", c) for c in frame["category"]]
    frame["bar"] = [None if is_missing(b) else html_text(b) for b in frame["bar"]]  # axis labels read HTML
    horizontal = dimension == "institution"
    figure = bars(frame, x="bar", y="spending", colour_column="category", colour_group="equipment_category",
                  x_title=None,
                  y_title=t("equipment.spending_axis", currency=currency), horizontal=horizontal)
    if frame.empty:
        return figure
    hovers = [[_bar_hover(row, currency) for row in part.itertuples()] for _, part in frame.groupby("category", sort=True)]
    for trace, hover in zip(figure.data, hovers):
        trace.update(hovertext=hover, hoverinfo="text")  # one validation per trace, not one per property
    order = list(dict.fromkeys(frame["bar"]))
    if dimension == "year":
        years = [int(y) for y in order]
        order = [str(y) for y in range(min(years), max(years) + 1)]  # every year, so gaps read as gaps
    unknown = frame.groupby("bar", sort=False).agg(spending=("spending", "count"), not_reported=("not_reported", "sum"),
                                                   rate_missing=("rate_missing", "sum"))
    for place, bar in enumerate(order):
        if bar not in unknown.index or unknown.at[bar, "spending"] > 0:
            continue
        # Written along the bar's place (its index on the category axis), so it never reads as a bar of 0.
        reasons = [text for count, text in ((unknown.at[bar, "not_reported"], not_reported()),
                                            (unknown.at[bar, "rate_missing"], t("equipment.no_rate_short")))
                   if count]
        figure.add_annotation(x=0 if horizontal else place, y=place if horizontal else 0, text=" · ".join(reasons),
                              textangle=0 if horizontal else -90, xanchor="left" if horizontal else "center",
                              yanchor="middle" if horizontal else "bottom", showarrow=False,
                              font=dict(size=11, color="#555"))
    axis = dict(type="category", categoryorder="array", categoryarray=order, automargin=True)
    figure.update_layout(yaxis=axis if horizontal else {}, xaxis={} if horizontal else axis)
    figure.update_layout(showlegend=False) if dimension == "category" else figure.update_layout(legend=TOP_LEGEND)
    return figure


def _bar_hover(row, currency: str) -> str:
    amount = money(row.spending, currency)
    counts = t("equipment.bar_counts", items=number(row.items), not_reported=number(row.not_reported),
               rate_missing=number(row.rate_missing))
    return (f"<b>{row.bar}</b><br>{label('equipment_category', row.category)}: {amount}<br>{counts}")


def procedure_bars(procedures: pd.DataFrame) -> go.Figure:
    """Procedure cases recorded with each item (rows of equipment_procedures), stacked by technique."""
    procedures = procedures.assign(label=[html_text(name) for name in procedures["label"]])  # axis labels read HTML
    figure = bars(procedures, x="label", y="cases", colour_column="technique", colour_group="technique",
                  y_title=t("equipment.cases_axis"), horizontal=True)
    if not procedures.empty:
        figure.update_layout(yaxis=dict(categoryorder="array", categoryarray=list(dict.fromkeys(procedures["label"])),
                                        automargin=True, autorange="reversed"),
                             legend=TOP_LEGEND)
    return figure


def monthly_procedures(procedures: pd.DataFrame) -> go.Figure:
    """Cases by month and technique for one item (rows of equipment_item_procedures).

    Cases whose period is known only to the year have no month to stand on: they are counted in a note on the
    chart, never spread over months or put in January.
    """
    by_month = procedures[procedures["month"].str.len() == 7]
    figure = bars(by_month.assign(month=by_month["month"] + "-01"), x="month", y="cases",
                  colour_column="technique", colour_group="technique", x_title=t("chart.time"),
                  y_title=t("equipment.cases_axis"))
    year_only = procedures[procedures["month"].str.len() == 4]
    if not year_only.empty:
        figure.add_annotation(text=t("equipment.cases_without_month", cases=number(int(year_only["cases"].sum())),
                                     years=", ".join(sorted(year_only["month"].unique()))),
                              showarrow=False, xref="paper", yref="paper", x=0, y=1.02, xanchor="left",
                              yanchor="bottom", font=dict(size=11, color="#555"))
    if not by_month.empty:
        figure.update_layout(xaxis=date_axis(), legend=TOP_LEGEND)
    return figure
