"""Programmes: filtered by country, institution, kind, specialty, status, funding and years; one programme in full."""

from functools import partial

import streamlit as st

from portal import display, ui
from portal.charts import programmes as shown
from portal.display import markdown_text
from portal.i18n import t

LIMIT = 200  # programmes on the timeline and in the table: enough to read, bounded in bytes


def open_programme(programme_id: str | None) -> None:
    if programme_id:
        st.query_params["programme"] = programme_id
        # The choosers get new keys, so a click or choice made before is not read again on the way back.
        st.session_state["programmes_opened"] = st.session_state.get("programmes_opened", 0) + 1


def close_programme() -> None:
    st.query_params.pop("programme", None)


def open_row(key: str, ids: list[str]) -> None:
    rows = st.session_state[key].selection.rows
    open_programme(ids[rows[0]] if rows else None)


def coded_facet(place, key: str, names: dict[str, str], help: str | None = None) -> list[str]:
    """One of the filters: ?KEY= in the URL holds its codes."""
    return ui.coded_multiselect(t("programmes.filter_" + key), names, key, key="programmes_" + key, place=place,
                                help=help, placeholder=t("programmes.filter_any"))


def listing(title: str, rows, empty: str, headers: dict[str, str], groups: dict[str, str] | None = None,
            dates: tuple[str, ...] = ()) -> None:
    """A titled table of a programme's records (codes and dates as read), or a line saying there are none."""
    st.subheader(title)
    if rows.empty:
        st.caption(empty)
    else:
        ui.table(shown.labelled(rows, groups, dates), headers)


programme = st.query_params.get("programme")

# ---------------------------------------------------------------- one programme (?programme=ID)
if programme:
    st.button(t("programmes.back"), icon=":material/arrow_back:", on_click=close_programme)
    detail = ui.read("programme_detail", programme=programme)
    if detail.empty:
        ui.not_found("programmes.not_found", programme=programme)
        st.stop()
    p = detail.iloc[0]
    participants = ui.read("programme_participants", programme=programme)
    equipment = ui.read("programme_equipment", programme=programme)
    events = ui.read("programme_events", programme=programme)
    costs = ui.read("programme_costs", programme=programme)
    sources = ui.read("programme_sources", programme=programme)

    st.title(markdown_text(p["title"]))
    ui.brief_download("programme", programme)
    st.markdown(shown.facts(p))
    if not display.is_missing(p["description"]):
        st.markdown(f"**{t('programmes.description')}:** {markdown_text(p['description'])}")

    if ui.names_visible():
        listing(t("programmes.people"), participants, t("programmes.no_people"), {
            "person_name": "programmes.col_person", "role": "programmes.col_role",
            "profession": "programmes.col_profession", "institution_name": "programmes.col_institution",
            "position": "programmes.col_position"}, groups={"role": "participant_role"})
    else:
        st.subheader(t("programmes.people"))
        st.info(t("access.names_hidden"), icon=":material/lock:")
    listing(t("programmes.equipment"), equipment, t("programmes.no_equipment"), {
        "name": "programmes.col_equipment", "category": "programmes.col_category",
        "manufacturer": "programmes.col_manufacturer", "model": "programmes.col_model",
        "institution_name": "programmes.col_institution", "department": "programmes.col_department",
        "acquired_date": "programmes.col_acquired", "quantity": "programmes.col_quantity",
        "status": "programmes.col_equipment_status"},
        groups={"category": "equipment_category", "status": "equipment_status"}, dates=("acquired_date",))
    listing(t("programmes.events"), events, t("programmes.no_events"), {
        "date": "programmes.col_date", "kind": "programmes.col_event_kind", "title": "programmes.col_event",
        "institution_name": "programmes.col_where", "partner_name": "programmes.col_partner",
        "description": "programmes.col_description"}, groups={"kind": "event_kind"}, dates=("date",))

    st.subheader(t("programmes.costs"))
    if ui.costs_visible():
        st.caption(t("programmes.costs_caption"))
        ui.missing_rates_warning(int(costs["rates_missing"].max()) if len(costs) else 0)
        ui.table(shown.cost_rows(costs, ui.reporting_currency()), {
            "item": "programmes.col_cost_item", "amount": "programmes.col_amount", "year": "programmes.col_year",
            "rates": "programmes.col_rates", "converted": "programmes.col_in_reporting_currency"})
    else:
        ui.costs_hidden_notice()

    st.subheader(t("programmes.sources"))
    st.caption(t("programmes.sources_caption"))
    st.markdown("\n".join(shown.source_lines(sources)))
    st.stop()

# ---------------------------------------------------------------- every programme, filtered
st.title(t("programmes.title"))
st.caption(t("programmes.intro"))

facets = ui.read("programmes_facets").iloc[0]
if len(facets["kinds"]) == 0:  # every programme has a kind: none is visible
    st.info(t("programmes.none_visible"))
    st.stop()
choices = shown.facet_choices(facets)
with st.container(border=True):
    first, second, third, fourth = st.columns(4)
    home_countries = coded_facet(first, "home_country", choices["home_country"],
                                 help=t("programmes.filter_home_country_help"))
    host_countries = coded_facet(second, "host_country", choices["host_country"],
                                 help=t("programmes.filter_host_country_help"))
    institutions = coded_facet(third, "institution", choices["institution"],
                               help=t("programmes.filter_institution_help"))
    kinds = coded_facet(fourth, "kind", choices["kind"])
    first, second, third, fourth = st.columns(4)
    # Free texts are their own codes.
    specialties = ui.coded_multiselect(t("programmes.filter_specialty"), {s: s for s in facets["specialties"]},
                                       "specialty", place=first, placeholder=t("programmes.filter_any"))
    statuses = coded_facet(second, "status", choices["status"])
    funding = ui.coded_multiselect(t("programmes.filter_funding"), {f: f for f in facets["funding_sources"]},
                                   "funding", place=third, placeholder=t("programmes.filter_any"))
    with fourth:
        year_from, year_to = ui.year_range("years", in_url=True)
    first, second, third, _ = st.columns(4)  # one end only: an arc of the Overview's map opens its own programmes
    homes = coded_facet(first, "home", choices["institution"], help=t("programmes.filter_home_help"))
    hosts = coded_facet(second, "host", choices["institution"], help=t("programmes.filter_host_help"))
    confirmations = coded_facet(third, "confirmation", choices["confirmation"],
                                help=t("programmes.filter_confirmation_help"))

programmes = ui.read("programmes_matching", home_countries=home_countries, host_countries=host_countries,
                     institutions=institutions, homes=homes, hosts=hosts, kinds=kinds, specialties=specialties,
                     statuses=statuses, funding_sources=funding, confirmations=confirmations, year_from=year_from,
                     year_to=year_to, limit=LIMIT)

if programmes.empty:
    st.info(t("chart.empty_suggestion"))
    st.stop()

totals = programmes.iloc[0]
matching, people, cost = st.columns(3)
matching.metric(t("programmes.matching"), display.number(int(totals["lane_total"])))
people.metric(t("programmes.participants"), display.number(totals["participants_total"]),
              help=t("programmes.participants_help"))
people.caption(display.not_reported_note(int(totals["participants_not_reported"]), int(totals["lane_total"])))
ui.cost_metric(cost, t("programmes.cost", currency=ui.reporting_currency()), display.compact(totals["converted_total"]),
               int(totals["cost_not_reported"]), int(totals["lane_total"]), help=t("programmes.cost_help"))
ui.missing_rates_warning(int(totals["cost_rate_missing"]))

opened = st.session_state.get("programmes_opened", 0)
st.subheader(t("programmes.timeline"))
clicked = ui.plot(shown.gantt, programmes, key=f"programmes_timeline_{opened}", select=True)
st.caption(t("programmes.timeline_caption"))
ui.timeline_note(programmes)
if ui.clicked_record(clicked):
    open_programme(ui.clicked_record(clicked))
    st.rerun()

st.subheader(t("programmes.table"))
st.caption(t("programmes.table_caption"))
ui.table(shown.programme_rows(programmes), shown.programme_headers(ui.reporting_currency()), download="programmes",
         key=f"programmes_table_{opened}",
         on_select=partial(open_row, f"programmes_table_{opened}", programmes["item_id"].tolist()),
         selection_mode="single-row")
ui.iati_download()
st.selectbox(t("programmes.open"), programmes["item_id"].tolist(), index=None, key=f"programmes_open_{opened}",
             format_func=dict(zip(programmes["item_id"], programmes["label"])).get,
             placeholder=t("programmes.open_placeholder"),
             on_change=lambda: open_programme(st.session_state[f"programmes_open_{opened}"]))
