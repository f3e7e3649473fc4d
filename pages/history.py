"""History: every import, edit, deletion and rollback, and rolling a change back."""

import streamlit as st

from portal import access, stewardship_ui, ui
from portal.display import markdown_values
from portal.i18n import t
from portal.stewardship import StewardshipError, rollback

ui.require(access.ADMINISTRATOR_ROLES)

done = st.session_state.pop("rollback_done", None)
history = ui.read("import_history", limit=500)

st.title(t("history.title"))
st.caption(t("history.intro"))
if done:
    st.success(t("history.rolled_back", id=done.rollback_id, undone=", ".join(map(str, done.undone))))

if history.empty:
    st.info(t("history.empty"))
    st.stop()

ui.table(stewardship_ui.history_rows(history), stewardship_ui.HISTORY_HEADERS, download="change-history")

st.subheader(t("history.rollback"))
choices = stewardship_ui.rollback_choices(history)
if not choices:
    st.info(t("history.nothing_to_roll_back"))
    st.stop()
target = st.selectbox(t("history.rollback_choice"), list(choices), format_func=choices.get, key="rollback_target")
undone = ui.read("changes_in_effect_since", import_id=target)["import_id"].tolist()
st.warning(t("history.rollback_warning", id=target, undone=", ".join(map(str, undone))))
if st.button(t("history.rollback_button", id=target), type="primary", key="rollback_button"):
    try:
        st.session_state["rollback_done"] = rollback(stewardship_ui.database(), target, stewardship_ui.viewer_name(),
                                                     expected_undone=undone)
    except StewardshipError as refused:
        st.error(t(refused.message, **markdown_values(refused.args_)))
        st.stop()
    st.rerun()
