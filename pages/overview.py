"""Overview: key figures, the flow of programmes from home to host, and one timeline of everything."""

import streamlit as st

from portal import access, charts, display, ui
from portal.i18n import by_name, country_name, language, t

contents = ui.read("database_contents")

st.title(t("overview.title"))

if contents["records"].sum() == 0:
    st.info(t("overview.empty"))
    st.code("python -m portal import PATH/TO/WORKBOOK.xlsx", language="bash")
    st.stop()

year_from, year_to = ui.year_range("years", in_url=True)
figures = ui.read("overview_figures", year_from=year_from, year_to=year_to).iloc[0]
flows = ui.read("programme_flows", year_from=year_from, year_to=year_to, limit=ui.FLOW_LIMIT)
timeline = ui.read("overview_timeline", year_from=year_from, year_to=year_to, per_lane=ui.TIMELINE_PER_LANE)
imports = ui.read("import_history", limit=5)
briefing_countries = by_name(ui.read("visible_countries")["country"], country_name)

programmes, people, partners, countries, investment = st.columns(5)
programmes.metric(t("overview.programmes"), display.number(figures["programmes"]))
people.metric(t("overview.people_trained"), display.number(figures["people_trained"]),
              help=t("overview.people_trained_help"))
people.caption(display.not_reported_note(figures["people_not_reported"], figures["programmes"]))
partners.metric(t("overview.partner_institutions"), display.number(figures["partner_institutions"]),
                help=t("overview.partner_institutions_help"))
countries.metric(t("overview.countries"), display.number(figures["countries"]))
ui.cost_metric(investment, t("overview.investment", currency=ui.reporting_currency()),
               display.compact(figures["investment"] if figures["cost_records"] else None),
               figures["investment_not_reported"], figures["cost_records"], help=t("overview.investment_help"))
ui.missing_rates_warning(figures["investment_rate_missing"])

st.subheader(t("overview.flows"))
if flows.empty:
    st.info(t("overview.no_flows"))
clicked = charts.clicked_map_target(ui.plot(charts.flow_map, flows, key="overview_flow_map", select=True))
if clicked:  # a marker opens its institution, an arc lists its programmes
    st.session_state.pop("overview_flow_map", None)  # or the click would act again on the way back
    kind, ids = clicked
    if kind == "institution":
        st.switch_page("pages/partners.py", query_params={"institution": ids[0], "lang": language()})
    # Exactly that flow (home and host, each at its own end); the years chosen here go along with the slider's
    # state (the Programmes page's slider has the same key), which Streamlit keeps when the page changes.
    st.switch_page("pages/programmes.py", query_params={"home": ids[0], "host": ids[1], "kind": ids[2],
                                                        "lang": language()})
st.caption(t("overview.flows_caption"))
ui.showing_note(len(flows), flows["flows_total"].max(), "overview.flows_cut")

st.subheader(t("overview.timeline"))
ui.plot(charts.timeline, timeline, key="overview_timeline")
ui.timeline_note(timeline)

if briefing_countries:
    st.subheader(t("overview.country_brief"))
    country = st.selectbox(t("brief.country_choice"), briefing_countries, format_func=country_name,
                           key="brief_country")
    ui.brief_download("country", country)

if access.may(access.MINISTRY_ROLES):
    with st.expander(t("overview.contents")):
        ui.table(contents, {"sheet": "overview.col_sheet", "records": "overview.col_records",
                            "illustrative": "overview.col_illustrative",
                            "without_source": "overview.col_without_source"})
        st.markdown(f"**{t('overview.imports')}**")
        ui.table(imports, {"import_id": "imports.col_id", "action": "imports.col_action",
                           "imported_at": "imports.col_at", "imported_by": "imports.col_by",
                           "file_name": "imports.col_file", "file_sha256": display.Column("imports.col_sha", "hash"),
                           "added": display.Column("imports.col_added", "count"),
                           "changed": display.Column("imports.col_changed", "count"),
                           "unchanged": display.Column("imports.col_unchanged", "count")})
