"""Exchange Portal: page config, navigation and the chrome every page shares."""

import streamlit as st

from portal import access, ui
from portal.i18n import t

ui.choose_language()  # first: every text below is in the viewer's language
st.set_page_config(page_title=t("app.title"), page_icon="🌏", layout="wide")
ui.preload_chart_library()
ui.readable_text()

access.identify()
access.settings_notice()
ui.stop_unless_database_readable()  # a missing or damaged database is a message, never a stand-in
stewardship = [
    st.Page("views/data.py", title=t("nav.data"), icon=":material/upload_file:"),
    st.Page("views/records.py", title=t("nav.records"), icon=":material/edit_note:"),
    st.Page("views/history.py", title=t("nav.history"), icon=":material/history:"),
] if access.may(access.ADMINISTRATOR_ROLES) else []
if access.may(access.MINISTRY_ROLES):
    stewardship.append(st.Page("views/data_quality.py", title=t("nav.quality"), icon=":material/fact_check:"))

pages = st.navigation({
    t("nav.section_explore"): [
        st.Page("views/overview.py", title=t("nav.overview"), icon=":material/dashboard:", default=True),
        st.Page("views/programmes.py", title=t("nav.programmes"), icon=":material/flight_takeoff:"),
        st.Page("views/partners.py", title=t("nav.partners"), icon=":material/handshake:"),
        st.Page("views/equipment.py", title=t("nav.equipment"), icon=":material/biotech:"),
        st.Page("views/impact.py", title=t("nav.impact"), icon=":material/monitoring:"),
    ],
    **({t("nav.section_data"): stewardship} if stewardship else {}),
})

with st.sidebar:
    st.markdown(f"### {t('app.title')}")
    st.caption(t("app.tagline"))
    ui.language_choice()
    st.toggle(t("sidebar.show_illustrative"), value=True, key="include_illustrative",
              help=t("sidebar.show_illustrative_help"))
    ui.currency_choice()
    ui.data_as_of()
    st.divider()
    access.account_box()
access.write_cookie()

ui.illustrative_notice()
pages.run()
