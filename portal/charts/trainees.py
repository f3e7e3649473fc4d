"""Retention charts: one stacked bar per point after the programme's end, a band per situation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from portal.charts import BASE_LAYOUT, OKABE_ITO, date_axis, empty_figure
from portal.display import (SMALL_GROUP, date_text, fewer_than, html_text, is_small_group, is_missing, not_reported,
                            number, percent, protected_count, protected_share)
from portal.i18n import in_name_order, label, t

# Bands in stacking order, each with its colour (Okabe-Ito: blue, sky, orange; grey for not followed up).
BANDS = (("home", OKABE_ITO[4]), ("country", OKABE_ITO[1]), ("left", OKABE_ITO[5]), ("not_followed_up", "#BBBBBB"))
# A check's colour on a person's timeline: the colour of its band, the ways of leaving told apart.
STATUS_COLOURS = {"at_home_institution": OKABE_ITO[4], "elsewhere_in_country": OKABE_ITO[1],
                  "abroad": OKABE_ITO[5], "left_profession": OKABE_ITO[6], "deceased": OKABE_ITO[7],
                  "unknown": "#BBBBBB"}


def retention_bars(cohort: pd.DataFrame, title: str, protect: bool) -> go.Figure:
    """One cohort's retention: bars at 6..60 months, bands home / country / abroad-left / not followed up."""
    counts = cohort[[band for band, _ in BANDS]].to_numpy()
    points = cohort[~_small(counts, protect).any(axis=1)]  # for protected viewers no band may rest on 1 to 4 people
    if points.empty:
        return empty_figure(t("trainees.chart_small", cohort=html_text(title), limit=SMALL_GROUP))
    months = [t("trainees.months", months=int(m)) for m in points["months"]]
    trainees = [protected_count(n, protect) for n in points["trainees"]]
    bars = []
    for band, colour in BANDS:
        name = t(f"trainees.band_{band}")
        hover = [t("trainees.hover", band=name, count=protected_count(count, protect),
                   share=protected_share(count, group, protect), trainees=of)
                 for count, group, of in zip(points[band], points["trainees"], trainees)]
        bars.append(dict(type="bar", x=months, y=(points[band] / points["trainees"]).tolist(), name=name,
                         marker=dict(color=colour), hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
    # One constructor call: plotly checks the whole figure once, several times faster than add_bar and
    # update_layout (a page draws a dozen of these).
    return go.Figure(data=bars, layout=dict(**BASE_LAYOUT, barmode="stack", title=html_text(title),
                                            yaxis=dict(tickformat=".0%", range=[0, 1], title=t("trainees.share_axis"))))


FIGURES = ("trainees", "home", "country", "left", "not_followed_up", "practising_yes", "practising_partly",
           "practising_no", "practising_not_reported")
SHARES = ("retained_share", "practising_share")
RETENTION_COLUMNS = ("cohort", "cohort_code", "months", *FIGURES, *SHARES, "cases_reported")


def _small(counts: np.ndarray, protect: bool) -> np.ndarray:
    """Where a count of people rests on 1 to 4 of them, for a viewer who may not see names (is_small_group)."""
    return protect & (counts > 0) & (counts < SMALL_GROUP)


def _share(part: np.ndarray, group: np.ndarray, protect: bool) -> tuple[np.ndarray, np.ndarray]:
    """A share of a group of people (0..1, NaN where the group is empty) and where it is withheld: it rests on
    fewer than 5 people (protected_share)."""
    empty = ~(group > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(empty, np.nan, part / group)
    return share, ~empty & protect & ((group < SMALL_GROUP) | _small(part, protect))


def _retention_values(retention: pd.DataFrame, protect: bool) -> tuple[dict, dict]:
    """The retention figures as numbers (NaN where not reported) and, beside them, where each is withheld from a
    protected viewer: counts of 1 to 4 people, shares and cases resting on them. Plain arrays: a page's table
    is a few dozen rows, where pandas' per-column work would cost more than the figures."""
    column = {name: retention[name].to_numpy(dtype="float64")
              for name in (*FIGURES, "followed_up", "cases_reported")}
    values = {figure: column[figure] for figure in FIGURES}
    withheld = {figure: _small(column[figure], protect) for figure in FIGURES}
    values["retained_share"], withheld["retained_share"] = _share(column["home"], column["trainees"], protect)
    # The share at home is "not reported" while nobody of the cohort was followed up by then (not "0%").
    unfollowed = (column["followed_up"] == 0) & ~_small(column["trainees"], protect)
    values["retained_share"] = np.where(unfollowed, np.nan, values["retained_share"])
    withheld["retained_share"] = withheld["retained_share"] & ~unfollowed
    values["practising_share"], withheld["practising_share"] = _share(
        column["practising_yes"] + column["practising_partly"], column["followed_up"], protect)
    values["cases_reported"] = column["cases_reported"]
    withheld["cases_reported"] = _small(column["followed_up"], protect)
    return values, withheld


def retention_figures(retention: pd.DataFrame, protect: bool) -> pd.DataFrame:
    """The retention figures as data (the read API): counts as whole numbers, shares as fractions 0..1, missing
    (null) where not reported and where withheld; `suppressed` names the figures withheld from a protected viewer
    because they rest on 1 to 4 people, so null there means "not shown", elsewhere "not reported"."""
    values, withheld = _retention_values(retention, protect)
    frame = pd.DataFrame({"cohort": cohort_labels(retention), "cohort_code": retention["cohort"].to_numpy(),
                          "months": retention["months"].to_numpy(dtype="int64")})
    for name, figures in values.items():
        kept = pd.Series(np.where(withheld[name], np.nan, figures), dtype="float64")
        frame[name] = kept.astype("Float64" if name in SHARES else "Int64")
    names = np.array(list(withheld))
    held = np.column_stack(list(withheld.values())) if len(retention) else np.zeros((0, len(names)), dtype=bool)
    frame["suppressed"] = pd.Series([names[row].tolist() for row in held], dtype=object)
    return frame


def _texts(values: np.ndarray, withheld: np.ndarray, form) -> list[str]:
    """Each value as `form` writes it (each distinct value formatted once), "fewer than 5" where withheld,
    "not reported" where missing."""
    written = {value: form(value) for value in np.unique(values[~np.isnan(values)]).tolist()}
    hidden, missing = fewer_than(), not_reported()
    return [hidden if held else missing if value != value else written[value]
            for value, held in zip(values.tolist(), withheld.tolist())]


def _count(value: float) -> str:
    return number(int(value))


def retention_table(retention: pd.DataFrame, protect: bool) -> pd.DataFrame:
    """The retention figures as the viewer may read them (and download them): counts of 1 to 4 people read
    "fewer than 5" for protected viewers, and so do the cases those groups reported; the practising share is
    of the trainees followed up (practising yes or partly)."""
    values, withheld = _retention_values(retention, protect)
    return pd.DataFrame({"cohort": cohort_labels(retention), "cohort_code": retention["cohort"].to_numpy(),
                         "months": retention["months"].to_numpy(dtype="int64"),
                         **{name: _texts(figures, withheld[name], percent if name in SHARES else _count)
                            for name, figures in values.items()}}, columns=list(RETENTION_COLUMNS))


def cohort_labels(retention: pd.DataFrame) -> list[str]:
    """The name each row's cohort is shown by: its name, with its code where another cohort has the same name
    ("Spine surgery (PRG-019)"), "not reported" where a specialty is missing."""
    missing = not_reported()
    return [missing if is_missing(name) else
            t("trainees.cohort_with_code", name=name, code=code) if shared else str(name)
            for name, shared, code in zip(retention["cohort_name"], retention["name_shared"], retention["cohort"])]


def cohort_names(retention: pd.DataFrame) -> dict[str, str]:
    """Each cohort's code and the name it is shown by, in name order."""
    cohorts = retention.drop_duplicates("cohort")
    codes = ["" if is_missing(code) else code for code in cohorts["cohort"]]
    return in_name_order(dict(zip(codes, cohort_labels(cohorts))))


def of_cohorts(retention: pd.DataFrame, chosen: list[str], largest: int | None = None) -> pd.DataFrame:
    """The rows of the chosen cohorts (none chosen: all, or the `largest` few by trainees)."""
    retention = retention.assign(cohort=retention["cohort"].fillna(""))
    if chosen:
        return retention[retention["cohort"].isin(chosen)]
    return retention if largest is None else retention[retention["largest_rank"] <= largest]


def follow_up_rows(follow_ups: pd.DataFrame) -> pd.DataFrame:
    """Follow-ups with their situation and practising in the viewer's language."""
    return follow_ups.assign(status=[label("follow_up_status", s) for s in follow_ups["status"]],
                             practising=[None if p is None or p != p else label("practising", p)
                                         for p in follow_ups["practising"]])


def mismatch_problem(row: dict, protect: bool) -> str:
    """Why an investment is listed; "fewer than 5" instead when the reason would tell a protected viewer how
    many of 1 to 4 linked trainees practise."""
    if is_small_group(row["trainees_linked"], protect):
        return fewer_than()
    found = (("no_practising", row["trainees_practising"] == 0),
             ("no_cases", bool(row["no_cases"])))
    return "; ".join(t(f"trainees.mismatch_{problem}") for problem, listed in found if listed)


def mismatch_table(matches: pd.DataFrame, protect: bool) -> pd.DataFrame:
    """Equipment out of step with training, as the viewer may read it: why it is listed, and for protected
    viewers "fewer than 5" wherever 1 to 4 trainees are linked."""
    small = [is_small_group(n, protect) for n in matches["trainees_linked"]]
    return pd.DataFrame({
        "name": matches["name"], "institution_name": matches["institution_name"],
        "acquired_date": matches["acquired_date"],
        "problem": [mismatch_problem(row, protect) for row in matches.to_dict("records")],
        "trainees_linked": [protected_count(n, protect) for n in matches["trainees_linked"]],
        "trainees_practising": [fewer_than() if hidden else protected_count(n, protect)
                                for hidden, n in zip(small, matches["trainees_practising"])],
    })


def without_equipment_rows(trainees: pd.DataFrame) -> pd.DataFrame:
    """Trainees without the equipment they need, with the categories they need in the viewer's language."""
    return trainees.assign(categories=[", ".join(label("equipment_category", c) for c in needed)
                                       for needed in trainees["categories"]])


def without_equipment_counts(counts: pd.DataFrame, protect: bool) -> pd.DataFrame:
    """Trainees without the equipment they need per home institution, "fewer than 5" for 1 to 4 when protected."""
    return pd.DataFrame({"institution_name": counts["institution_name"],
                         "trainees": [protected_count(n, protect) for n in counts["trainees"]]})


def person_names(people: pd.DataFrame) -> dict[str, str]:
    """Each trainee's link code and how they are listed: name, programme, and how often they were checked."""
    # English tells one from many; Mongolian and Korean count nouns alike, so their two messages read the same.
    return {row.person: t("trainees.person_option_one" if row.checks == 1 else "trainees.person_option",
                          name=row.person_name, programme=row.programme_title, checks=number(row.checks))
            if row.checks else
            t("trainees.person_never_checked", name=row.person_name, programme=row.programme_title)
            for row in people.itertuples()}


def _check_hover(check, several: bool) -> str:
    lines = [f"<b>{html_text(date_text(check.date))}</b>", label("follow_up_status", check.status)]
    if several:  # which programme the check followed up
        lines.append(f"{t('trainees.col_programme')}: {html_text(check.title)}")
    if not is_missing(check.practising):
        lines.append(f"{t('trainees.col_practising')}: {label('practising', check.practising)}")
    if not is_missing(check.institution_name):
        lines.append(f"{t('trainees.col_institution')}: {html_text(check.institution_name)}")
    if not is_missing(check.procedures_performed):
        lines.append(f"{t('trainees.col_cases')}: {number(check.procedures_performed)}")
    return "<br>".join(lines)


def person_timeline(marks: pd.DataFrame, title: str) -> go.Figure:
    """One trainee's timeline: each programme they took part in as a bar from its start to its end (the return),
    on a row of its own, each check a point coloured by the situation it found; the legend above the plot."""
    if marks.empty:
        return empty_figure(t("trainees.timeline_empty"))
    figure = go.Figure()
    starts = marks[marks["mark"] == "start"]
    several = len(starts) > 1
    shared = starts["title"].duplicated(keep=False)
    rows = {}  # each programme's row: its title, with its code where two programmes share one
    for start, title_shared in zip(starts.itertuples(), shared):
        rows[start.programme_id] = html_text(t("trainees.cohort_with_code", name=start.title, code=start.programme_id)
                                             if title_shared else start.title)
        end = marks[(marks["mark"] == "end") & (marks["programme_id"] == start.programme_id)]
        first = pd.Timestamp(start.first_day)
        last = pd.Timestamp(end.iloc[0]["last_day"] if len(end) else start.last_day) + pd.Timedelta(days=1)
        figure.add_bar(y=[rows[start.programme_id]], base=[first.strftime("%Y-%m-%d")],
                       x=[(last - first).total_seconds() * 1000], orientation="h", name=html_text(start.title),
                       showlegend=False, marker_color="#999999",
                       hovertext=[f"<b>{html_text(start.title)}</b><br>{t('trainees.timeline_start')}: "
                                  f"{html_text(date_text(start.date))}<br>{t('trainees.timeline_end')}: "
                                  + html_text(date_text(end.iloc[0]["date"] if len(end) else None))],
                       hoverinfo="text")
    checks_row = t("trainees.timeline_checks")
    checks = marks[marks["mark"] == "check"]
    for status, part in checks.groupby("status", sort=False):
        days = pd.to_datetime(part["first_day"]).dt.strftime("%Y-%m-%d").tolist()
        figure.add_scatter(y=[checks_row] * len(part), x=days,
                           mode="markers", name=label("follow_up_status", status),
                           marker=dict(size=13, color=STATUS_COLOURS.get(status, "#888888"),
                                       line=dict(color="#333", width=1)),
                           hovertext=[_check_hover(c, several) for c in part.itertuples()], hoverinfo="text")
    # The legend sits above the plot, under the title, so it never covers the date labels below it (at any width
    # it may wrap to a second line: the top margin leaves room for two).
    figure.update_layout(**{**BASE_LAYOUT, "margin": dict(l=10, r=10, t=110, b=10),
                            "legend": dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom")},
                         title=dict(text=html_text(title), y=0.98, yanchor="top"), height=280 + 40 * len(rows),
                         xaxis=date_axis(),
                         yaxis=dict(categoryorder="array", categoryarray=[checks_row, *reversed(rows.values())]))
    return figure
