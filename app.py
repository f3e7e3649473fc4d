"""Exchange Portal: page config, navigation and the chrome every page shares."""

import streamlit as st

from portal import access, navigation, ui
from portal.i18n import t

ui.choose_language()  # first: every text below is in the viewer's language
st.set_page_config(page_title=t("app.title"), page_icon="🌏", layout="wide")
ui.preload_chart_library()
ui.page_head()

viewer = access.identify()
access.settings_notice()
ui.stop_unless_database_readable()  # a missing or damaged database is a message, never a stand-in
role = viewer.role if viewer else None
sections: dict[str, list] = {}
hidden = []  # pages reached only by a link, to say why the viewer may not use them: listed after the menu's
for page, shown in navigation.addresses_for(role):
    if shown:
        sections.setdefault(t(page.section), []).append(
            st.Page(page.script, title=ui.badged_title(page), icon=page.icon, default=page.default))
    else:
        hidden.append(st.Page(page.script, title=t(page.title), icon=page.icon, visibility="hidden"))
sections[next(iter(sections))] += hidden  # a section of hidden pages alone would show its heading
pages = st.navigation(sections)

with st.sidebar:
    st.markdown(f"### {t('app.title')}")
    st.caption(t("app.tagline"))
    ui.language_choice()
    st.toggle(t("sidebar.show_illustrative"), value=True, key="include_illustrative",
              help=t("sidebar.show_illustrative_help"))
    ui.currency_choice()
    ui.data_as_of()
    st.divider()
    access.account_box(ui.institution_name)
access.write_cookie()

ui.illustrative_notice()
pages.run()
