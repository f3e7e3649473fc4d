"""Partner hospitals: institutions sized by activity, and one institution's collaboration history."""

import streamlit as st

from portal import display, ui
from portal.charts import partners as partner_charts
from portal.display import markdown_text
from portal.i18n import label, t

MAP_LIMIT = 1500  # located institutions on the map, most active first: about 600 kB of chart data
LIST_LIMIT = 5000  # institutions in the list
TABLE_LIMIT = 500  # rows of each table
TIMELINE_PER_LANE = 40  # most recent programmes, and events, on the timeline


st.title(t("partners.title"))
st.caption(t("partners.intro"))

# A new click on the map chooses that institution: the address changes before the list is drawn.
clicked = ui.clicked_record(st.session_state.get("partner_map"))
if clicked and clicked != st.session_state.get("partner_map_clicked"):
    st.query_params["institution"] = clicked
st.session_state["partner_map_clicked"] = clicked
requested = st.query_params.get("institution") or None

choices = ui.read("institution_choices", institution=requested, limit=LIST_LIMIT)
if choices.empty:
    ui.nothing_recorded("partners.empty")
    st.stop()
chosen = ui.coded_select(t("partners.choose"), dict(zip(choices["institution_id"], choices["label"])), "institution",
                         keep_unknown=True, placeholder=t("partners.choose_placeholder"), help=t("partners.choose_help"))
ui.showing_note(len(choices), choices["total"].max(), "partners.choices_cut")

located = ui.read("institution_activity", limit=MAP_LIMIT)
if located.empty:
    st.info(t("partners.no_located"))
else:
    ui.plot(partner_charts.partner_map, located, selected=chosen, key="partner_map", select=True)
    st.caption(t("partners.map_caption"))
    ui.showing_note(len(located), located["total"].max(), "partners.map_cut")

if requested is None:
    st.info(t("partners.nothing_chosen"))
    st.stop()
profile = ui.read("institution_profile", institution=requested)
if profile.empty:
    ui.not_found("partners.not_found", id=requested)
    st.stop()
institution = profile.iloc[0]

counterparts = ui.read("partner_counterparts", institution=requested, limit=TABLE_LIMIT)
equipment = ui.read("institution_equipment", institution=requested, limit=TABLE_LIMIT)
agreements = ui.read("partner_agreements", institution=requested, limit=TABLE_LIMIT)
sources = ui.read("partner_sources", institution=requested, limit=TABLE_LIMIT)

st.header(markdown_text(institution["name"]), anchor=False)
if institution["name_local"]:
    st.subheader(markdown_text(institution["name_local"]), anchor=False)
ui.brief_download("institution", requested)
st.markdown(t("partners.kind_place", kind=label("institution_kind", institution["kind"]),
              city=markdown_text(institution["city"]) if institution["city"] else t("value.not_reported"),
              country=partner_charts.country_name(institution["country"])))
place, website = st.columns(2)
place.caption(t("partners.located", latitude=institution["latitude"], longitude=institution["longitude"])
              if institution["located"] else t("partners.not_located"))
if institution["website"]:
    website.link_button(t("partners.website"), institution["website"], icon=":material/open_in_new:")
else:
    website.caption(t("partners.no_website"))
st.caption(t("partners.source", source=markdown_text(institution["source"]) if institution["source"]
              else t("value.not_reported")))

worked_with, programmes, events = st.columns(3)
worked_with.metric(t("partners.counterpart_count"), display.number(int(counterparts["total"].iloc[0])
                                                              if not counterparts.empty else 0))
programmes.metric(t("partners.programmes"), display.number(int(institution["programmes"])),
                  help=t("partners.programmes_help"))
events.metric(t("partners.events"), display.number(int(institution["events"])), help=t("partners.events_help"))

st.subheader(t("partners.counterparts"), anchor=False)
if counterparts.empty:
    ui.nothing_recorded("partners.no_counterparts")
else:
    worked_with_table = ui.headed(  # a static table: every column fits, long names wrap
        partner_charts.readable(counterparts, countries=("country",)),
        {"name": "partners.col_institution", "country": "partners.col_country",
         "staff_sent": "partners.col_staff_sent", "trainees_hosted": "partners.col_trainees_hosted",
         "experts_received": "partners.col_experts_received", "experts_sent": "partners.col_experts_sent",
         "events_here": "partners.col_events_here", "events_there": "partners.col_events_there",
         "years": "partners.col_years"})
    ui.static_table(worked_with_table)
    ui.download_buttons(worked_with_table, "partner_counterparts", key="partner_counterparts")
    st.caption(t("partners.counterparts_caption"))
    ui.showing_note(len(counterparts), counterparts["total"].max(), "partners.counterparts_cut")

    st.subheader(t("partners.timeline"), anchor=False)
    counterpart_names = dict(zip(counterparts["counterpart_id"], counterparts["name"]))
    only_with = st.multiselect(t("partners.counterpart_filter"), list(counterpart_names),
                               format_func=counterpart_names.get, key="partner_counterparts",
                               placeholder=t("partners.counterpart_filter_placeholder"),
                               help=t("partners.counterpart_filter_help"))
    items = ui.read("partner_timeline", institution=requested, counterparts=tuple(only_with),
                    per_lane=TIMELINE_PER_LANE)
    ui.plot(partner_charts.partner_timeline, items, key="partner_timeline")
    ui.timeline_note(items)
    with st.expander(t("partners.timeline_table")):
        ui.table(partner_charts.timeline_rows(items),
                 {"when": "partners.col_when", "lane": "partners.col_record", "kind": "partners.col_kind",
                  "counterpart_name": "partners.col_with", "title": "partners.col_title",
                  "source": "partners.col_source"}, download="partner_timeline")

st.subheader(t("partners.equipment"), anchor=False)
if equipment.empty:
    ui.nothing_recorded("partners.no_equipment")
else:
    ui.table(partner_charts.readable(equipment, dates=("acquired_date",),
                                     labels={"category": "equipment_category", "status": "equipment_status"}),
             {"name": "partners.col_name", "category": "partners.col_category", "make_model": "partners.col_make",
              "acquired_date": "partners.col_acquired",
              "quantity": display.Column("partners.col_quantity", "count"),
              "cost": display.Column("partners.col_cost", private="costs"), "funding_source": "partners.col_funding",
              "status": "partners.col_status", "source": "partners.col_source"}, download="partner_equipment")
    ui.showing_note(len(equipment), equipment["total"].max(), "partners.equipment_cut")

st.subheader(t("partners.agreements"), anchor=False)
if agreements.empty:
    st.info(t("partners.no_agreements"))
else:
    ui.table(partner_charts.readable(agreements, dates=("date",)),
             {"date": "partners.col_date", "title": "partners.col_title", "counterpart_name": "partners.col_with",
              "programme_title": "partners.col_programme", "description": "partners.col_description",
              "source": "partners.col_source"}, download="partner_agreements")
    ui.showing_note(len(agreements), agreements["total"].max(), "partners.agreements_cut")

st.subheader(t("partners.sources"), anchor=False)
st.caption(t("partners.sources_caption"))
source_table = ui.headed(sources, {
    "source": "partners.col_source", "institutions": "partners.col_institutions",
    "programmes": "partners.col_programmes", "participants": "partners.col_participants",
    "events": "partners.col_events", "equipment": "partners.col_equipment"})
ui.static_table(source_table)  # a static table, so long sources wrap and read in full
ui.download_buttons(source_table, "partner_sources", key="sources")
ui.showing_note(len(sources), sources["total"].max(), "partners.sources_cut")
