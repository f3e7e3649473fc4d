"""Impact: an institution's procedures by technique around its programmes and equipment, before and after."""

import streamlit as st

from portal import access, display, ui
from portal.charts import impact as charts
from portal.display import markdown_text
from portal.i18n import by_name, country_name, t

MONTHS_SHOWN = 240  # at most 20 years of months x 4 techniques on the volumes chart
QUARTERS_SHOWN = 80



def no_procedure_records(fact: str, institution: str | None = None) -> None:
    """Say that there are no procedure counts, and how they arrive as it is true for the viewer; stop."""
    partner = ui.viewer_scope().role == "partner"
    hint = "" if ui.include_illustrative() or partner else " " + t("impact.illustrative_hidden")
    if access.may(access.ADMINISTRATOR_ROLES):
        how = t("impact.how_to_load_for", id=institution, load=t("nav.data")) if institution \
            else t("impact.how_to_load", load=t("nav.data"))
        st.info(f"{fact}{hint} {how}")
        st.code("python -m portal import PATH/TO/WORKBOOK.xlsx", language="bash")
    elif partner:  # a partner sends its own counts, for review
        st.info(f"{fact}{hint} {t('impact.send_your_own', page=t('nav.submissions'))}")
        st.page_link("pages/submissions.py", label=t("nav.submissions"), icon=":material/outbox:")
    else:
        st.info(f"{fact}{hint} {t('impact.loaded_by_stewards')}")
    st.stop()


st.title(t("impact.title"))
st.caption(t("impact.intro"))

institutions = ui.read("impact_institutions", requested=st.query_params.get("institution"))
if institutions.empty:
    own = ui.viewer_scope().institution_id
    no_procedure_records(t("impact.empty_partner", name=markdown_text(ui.institution_name(own))) if own
                          else t("impact.empty"))

institution_names = dict(zip(institutions["institution_id"], institutions["name"]))
institution_ids = by_name(institution_names, institution_names.get)
institution = ui.coded_select(t("impact.institution"), {i: institution_names[i] for i in institution_ids},
                              "institution", default=institution_ids[0], help=t("impact.institution_help"))
chosen = charts.record(institutions, "institution_id", institution)
st.caption(t("impact.institution_caption", name=markdown_text(chosen["name"]), country=country_name(chosen["country"]),
             cases=display.number(chosen["cases"]), records=display.number(chosen["records"])))
if not chosen["records"]:
    no_procedure_records(t("impact.no_procedures", name=markdown_text(chosen["name"])),
                         institution)

options = ui.read("impact_filters", institution=institution).iloc[0]
department_column, procedure_column = st.columns(2)
# Free texts are their own codes.
department = ui.coded_select(t("impact.department"), {d: d for d in options["departments"]}, "department",
                             place=department_column, placeholder=t("impact.all_departments"))
procedure = ui.coded_select(t("impact.procedure"), {p: p for p in options["procedures"]}, "procedure",
                            place=procedure_column, placeholder=t("impact.all_procedures"))
filters = dict(institution=institution, department=department, procedure=procedure)

volumes = ui.read("impact_monthly_volumes", months=MONTHS_SHOWN, **filters)
milestones = ui.read("impact_milestones", **filters)
shares = ui.read("impact_technique_shares", quarters=QUARTERS_SHOWN, **filters)
if volumes.empty:
    st.info(t("chart.empty_suggestion"))
    st.stop()

st.subheader(t("impact.volumes"))
volumes_chart = st.container()  # drawn once the reference event below is known, so it can be marked
st.caption(t("impact.volumes_caption"))
months_total = int(volumes["months_total"].iloc[0])
ui.showing_note(MONTHS_SHOWN, months_total, "impact.months_cut")
year_only = charts.year_only_note(volumes)
if year_only:
    st.info(year_only, icon=":material/event_busy:")

st.subheader(t("impact.before_after"))
reference = None
if milestones.empty:
    st.info(t("impact.no_milestones"))
else:
    choices = charts.milestone_choices(milestones)
    default = int(milestones["is_default"].idxmax())
    chosen_key = st.selectbox(t("impact.reference"), list(choices), index=default, format_func=choices.get,
                              key="impact_reference", help=t("impact.reference_help"))
    reference = charts.record(milestones, "key", chosen_key)
    st.markdown(charts.reference_text(reference, chosen_by_default=reference["is_default"]))
    before_after = ui.read("impact_before_after", reference_lane=reference["lane"],
                           reference_id=reference["item_id"], **filters)
    totals = charts.side_totals(before_after)
    cases_column, los_column, complications_column = st.columns(3)
    for side in ("before", "after"):
        row = totals[side]
        cases_column.metric(t(f"impact.cases_{side}"), display.number(row["cases"]))
        los_column.metric(t(f"impact.los_{side}"), charts.days(row["mean_los"]), help=t("impact.los_help"),
                          delta=charts.change(totals["before"]["mean_los"], row["mean_los"], "days")
                          if side == "after" else None, delta_color="inverse")
        los_column.caption(charts.not_reported_share(row["cases_without_los"], row["cases"], "los"))
        complications_column.metric(
            t(f"impact.complications_{side}"), display.percent(row["complication_rate"], 1),
            help=t("impact.complications_help"), delta_color="inverse",
            delta=charts.change(totals["before"]["complication_rate"], row["complication_rate"], "points")
            if side == "after" else None)
        complications_column.caption(
            charts.not_reported_share(row["cases_without_complications"], row["cases"], "complications"))
    st.markdown(f"**{t('impact.shift')}:** {charts.shift_sentence(before_after)}")

with volumes_chart:
    ui.plot(charts.monthly_volumes, volumes, milestones, reference=None if reference is None else reference["key"],
            key="impact_volumes")

st.subheader(t("impact.shift"))
ui.plot(charts.technique_shift, shares, reference, key="impact_technique_shift")
st.caption(t("impact.shift_caption"))
quarters_total = 0 if shares.empty else int(shares["quarters_total"].iloc[0])
ui.showing_note(QUARTERS_SHOWN, quarters_total, "impact.quarters_cut")

with st.expander(t("impact.milestones")):
    ui.table(charts.milestone_table(milestones),
             {"when": "impact.col_when", "what": "impact.col_what", "kind": "impact.col_kind",
              "name": "impact.col_name", "status": "impact.col_status",
              "cases_before": "impact.col_cases_before", "cases_after": "impact.col_cases_after"})
