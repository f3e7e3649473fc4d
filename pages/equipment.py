"""Equipment investments: acquisitions over time, spending in the reporting currency, procedures done with them."""

import streamlit as st

from portal import display, ui
from portal.charts import equipment as equipment_charts
from portal.display import markdown_text
from portal.i18n import country_name, in_name_order, label, t

TIMELINE_LIMIT = 40  # acquisitions on the timeline: enough to read, a few kB of chart data
TABLE_LIMIT = 200  # rows of the investments table
INSTITUTION_LIMIT = 25  # bars of the spending-by-institution chart
PROCEDURE_LIMIT = 20  # bars of the procedures chart


def close_detail() -> None:
    """Back to the list: forget the item and the click or choice that opened it (or it would open again)."""
    st.query_params.pop("equipment", None)
    for opener in ("equipment_timeline", "equipment_open"):
        st.session_state.pop(opener, None)


options = ui.read("equipment_filter_options")
chosen = st.query_params.get("equipment")
currency = ui.reporting_currency()

if options.empty:
    st.title(t("equipment.title"))
    st.info(t("equipment.empty"))
    st.stop()

# ---------------------------------------------------------------- one investment: ?equipment=ID

if chosen:
    found = ui.read("equipment_item", equipment_id=chosen)
    programmes = ui.read("equipment_item_programmes", equipment_id=chosen)
    monthly = ui.read("equipment_item_procedures", equipment_id=chosen)

    st.button(t("equipment.back"), icon=":material/arrow_back:", on_click=close_detail)
    if found.empty:
        ui.not_found("equipment.not_found", id=chosen)
        st.stop()
    item = next(found.itertuples())
    st.title(f"{markdown_text(item.name)} · {markdown_text(item.institution_name)}")

    st.subheader(t("equipment.detail_facts"))
    ui.table(equipment_charts.item_facts(item), equipment_charts.FACT_HEADERS, download=chosen)
    st.subheader(t("equipment.detail_cost"))
    if ui.costs_visible():
        ui.table(equipment_charts.cost_facts(item, currency), equipment_charts.FACT_HEADERS,
                 download=f"{chosen}-cost")
        ui.missing_rates_warning(int(item.rate_missing))
    else:  # hidden, not missing: the table would read "not reported"
        ui.costs_hidden_notice()

    st.subheader(t("equipment.detail_programmes"))
    if programmes.empty:
        st.info(t("equipment.no_programmes"))
    else:
        ui.table(equipment_charts.programme_rows(programmes), equipment_charts.PROGRAMME_HEADERS,
                 download=f"{chosen}-programmes")

    st.subheader(t("equipment.detail_procedures"))
    if monthly.empty:
        st.info(t("equipment.no_item_procedures"))
    else:
        st.caption(t("equipment.detail_cases", cases=display.number(int(monthly["item_cases"].iloc[0]))))
        ui.plot(equipment_charts.monthly_procedures, monthly, key="equipment_item_procedures")
    st.stop()

# ---------------------------------------------------------------- every investment, filtered

st.title(t("equipment.title"))
st.caption(t("equipment.intro"))

year_from, year_to = ui.year_range("equipment_years", in_url=True)
category_column, institution_column, country_column = st.columns(3)
category_names = in_name_order({code: label("equipment_category", code)
                                for code in equipment_charts.facet(options, "category")})
categories = ui.coded_multiselect(t("equipment.filter_category"), category_names, "equipment_category",
                                  place=category_column, placeholder=t("equipment.filter_all"),
                                  help=t("equipment.filter_help"))
institution_names = in_name_order(equipment_charts.facet(options, "institution"))
institutions = ui.coded_multiselect(t("equipment.filter_institution"), institution_names, "equipment_institution",
                                    place=institution_column, placeholder=t("equipment.filter_all"),
                                    help=t("equipment.filter_help"))
country_names = in_name_order({code: country_name(code) for code in equipment_charts.facet(options, "country")})
countries = ui.coded_multiselect(t("equipment.filter_country"), country_names, "equipment_country",
                                 place=country_column, placeholder=t("equipment.filter_all"),
                                 help=t("equipment.filter_help"))
filters = dict(year_from=year_from, year_to=year_to, categories=categories, institutions=institutions,
               countries=countries)

spending = ui.read("equipment_spending", **filters, institution_limit=INSTITUTION_LIMIT)
total = spending[spending["dimension"] == "total"].iloc[0]
timeline = ui.read("equipment_items", **filters, limit=TIMELINE_LIMIT)
items = ui.read("equipment_items", **filters, limit=TABLE_LIMIT)
procedures = ui.read("equipment_procedures", **filters, limit=PROCEDURE_LIMIT)

if total["items"] == 0:
    st.info(t("chart.empty_suggestion"))
    st.stop()

count, money, places, cases = st.columns(4)
count.metric(t("equipment.items"), display.number(int(total["items"])), help=t("equipment.items_help"))
ui.cost_metric(money, t("equipment.spending", currency=currency), equipment_charts.spending_text(total),
               int(total["not_reported"]), int(total["items"]), help=t("equipment.spending_help"))
places.metric(t("equipment.institutions"), display.number(int(total["institutions"])))
cases.metric(t("equipment.cases"), display.number(procedures["cases_total"].max()), help=t("equipment.cases_help"))
ui.missing_rates_warning(int(total["rate_missing"]))

st.subheader(t("equipment.timeline"))
clicked = ui.plot(equipment_charts.acquisitions, timeline, key="equipment_timeline", select=True)
ui.timeline_note(timeline)
st.caption(t("equipment.timeline_caption"))
if ui.clicked_record(clicked):
    st.query_params["equipment"] = ui.clicked_record(clicked)
    st.rerun()

st.subheader(t("equipment.spending_title", currency=currency))
if not ui.costs_visible():
    ui.costs_hidden_notice()
elif equipment_charts.no_cost_known(spending):  # one sentence, not three empty charts repeating it
    st.info(t("equipment.no_costs_at_all", not_reported=display.number(int(total["not_reported"])),
              items=display.number(int(total["items"])), rate_missing=display.number(int(total["rate_missing"])),
              currency=currency), icon=":material/money_off:")
else:
    spending_note = t("equipment.spending_note", not_reported=display.number(int(total["not_reported"])),
                      items=display.number(int(total["items"])), rate_missing=display.number(int(total["rate_missing"])),
                      currency=currency)
    by_category, by_year = st.columns(2)
    with by_category:
        st.markdown(f"**{t('equipment.by_category')}**")
        ui.plot(equipment_charts.spending_bars, spending, "category", currency, key="equipment_by_category")
        st.caption(spending_note)
    with by_year:
        st.markdown(f"**{t('equipment.by_year')}**")
        ui.plot(equipment_charts.spending_bars, spending, "year", currency, key="equipment_by_year")
        st.caption(spending_note)
    st.markdown(f"**{t('equipment.by_institution')}**")
    ui.plot(equipment_charts.spending_bars, spending, "institution", currency, key="equipment_by_institution")
    ui.showing_note(INSTITUTION_LIMIT, total["institutions"], "equipment.showing_top_institutions")
    st.caption(spending_note)

st.subheader(t("equipment.procedures"))
if procedures.empty:
    st.info(t("equipment.no_procedures"))
else:
    ui.plot(equipment_charts.procedure_bars, procedures, key="equipment_procedures")
    ui.showing_note(PROCEDURE_LIMIT, procedures["items_total"].iloc[0], "equipment.showing_top_items")
    st.caption(t("equipment.procedures_caption"))

st.subheader(t("equipment.table"))
ui.table(equipment_charts.investment_rows(items, currency), equipment_charts.investment_headers(currency),
         download="equipment-investments")
ui.showing_note(len(items), total["items"], what=t("lane.plural.equipment"))
opened = st.selectbox(t("equipment.open_item"), items["item_id"], index=None,
                      format_func=dict(zip(items["item_id"], items["label"])).get,
                      placeholder=t("equipment.open_item_placeholder"), key="equipment_open")
if opened:
    st.query_params["equipment"] = opened
    st.rerun()
