"""impact page (being built)."""

import streamlit as st

from portal.i18n import t

st.title(t("nav.impact"))
