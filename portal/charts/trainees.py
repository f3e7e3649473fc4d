"""Retention charts: one stacked bar per point after the programme's end, a band per situation."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from portal.charts import BASE_LAYOUT, OKABE_ITO, empty_figure
from portal.display import SMALL_GROUP, html_text, protected_count, protected_share, text_or_not_reported
from portal.i18n import in_name_order, label, t

# Bands in stacking order, each with its colour (Okabe-Ito: blue, sky, orange; grey for not followed up).
BANDS = (("home", OKABE_ITO[4]), ("country", OKABE_ITO[1]), ("left", OKABE_ITO[5]), ("not_followed_up", "#BBBBBB"))


def chartable(point: pd.Series, protect: bool) -> bool:
    """Whether a bar can be drawn: for protected viewers, no band may rest on 1 to 4 people."""
    return not protect or all(int(point[b]) == 0 or int(point[b]) >= SMALL_GROUP for b, _ in BANDS)


def retention_bars(cohort: pd.DataFrame, title: str, protect: bool) -> go.Figure:
    """One cohort's retention: bars at 6..60 months, bands home / country / abroad-left / not followed up."""
    points = cohort[[chartable(row, protect) for _, row in cohort.iterrows()]]
    if points.empty:
        return empty_figure(t("trainees.chart_small", limit=SMALL_GROUP))
    figure = go.Figure()
    months = [t("trainees.months", months=int(m)) for m in points["months"]]
    for band, colour in BANDS:
        hover = [t("trainees.hover", band=t(f"trainees.band_{band}"),
                   count=protected_count(row[band], protect),
                   share=protected_share(row[band], row["trainees"], protect),
                   trainees=protected_count(row["trainees"], protect))
                 for _, row in points.iterrows()]
        figure.add_bar(x=months, y=[int(row[band]) / int(row["trainees"]) for _, row in points.iterrows()],
                       name=t(f"trainees.band_{band}"), marker_color=colour, hovertext=hover,
                       hovertemplate="%{hovertext}<extra></extra>")
    figure.update_layout(**BASE_LAYOUT, barmode="stack", title=html_text(title),
                         yaxis=dict(tickformat=".0%", range=[0, 1], title=t("trainees.share_axis")))
    return figure


FIGURES = ("trainees", "home", "country", "left", "not_followed_up", "practising_yes", "practising_partly",
           "practising_no", "practising_not_reported")


def retention_table(retention: pd.DataFrame, protect: bool) -> pd.DataFrame:
    """The retention figures as the viewer may read them (and download them): counts of 1 to 4 people read
    "fewer than 5" for protected viewers, and so do the cases those groups reported."""
    rows = []
    for _, row in retention.iterrows():
        small = protect and 0 < int(row["followed_up"]) < SMALL_GROUP
        rows.append({"cohort": row["cohort_name"] if isinstance(row["cohort_name"], str) else row["cohort"],
                     "months": int(row["months"]),
                     **{f: protected_count(row[f], protect) for f in FIGURES},
                     "retained_share": protected_share(row["home"], row["trainees"], protect),
                     "cases_reported": protected_count(1, True) if small else protected_count(row["cases_reported"], False)})
    return pd.DataFrame(rows)


def cohort_names(retention: pd.DataFrame) -> dict[str, str]:
    """Each cohort's code and the name it is shown by ("not reported" where a specialty is missing), in name order."""
    names = zip(retention["cohort"].fillna(""), retention["cohort_name"])
    return in_name_order({code: text_or_not_reported(name) for code, name in names})


def of_cohorts(retention: pd.DataFrame, chosen: list[str]) -> pd.DataFrame:
    """The rows of the chosen cohorts (none chosen: all)."""
    retention = retention.assign(cohort=retention["cohort"].fillna(""))
    return retention[retention["cohort"].isin(chosen)] if chosen else retention


def follow_up_rows(follow_ups: pd.DataFrame) -> pd.DataFrame:
    """Follow-ups with their situation and practising in the viewer's language."""
    return follow_ups.assign(status=[label("follow_up_status", s) for s in follow_ups["status"]],
                             practising=[None if p is None or p != p else label("practising", p)
                                         for p in follow_ups["practising"]])


def mismatch_table(matches: pd.DataFrame, protect: bool) -> pd.DataFrame:
    """Equipment out of step with training, as the viewer may read it: why it is listed, counts of 1 to 4
    trainees as "fewer than 5" for protected viewers."""
    return pd.DataFrame({
        "name": matches["name"], "institution_name": matches["institution_name"],
        "acquired_date": matches["acquired_date"],
        "problem": ["; ".join(t(f"trainees.mismatch_{p}") for p, found in
                              (("no_practising", r["trainees_practising"] == 0), ("no_cases", r["cases_after"] != r["cases_after"]
                                                                                  or r["cases_after"] is None)) if found)
                    for _, r in matches.iterrows()],
        "trainees_linked": [protected_count(n, protect) for n in matches["trainees_linked"]],
        "trainees_practising": [protected_count(n, protect) for n in matches["trainees_practising"]],
    })
