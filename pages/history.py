"""History: every import, edit, deletion and rollback, and rolling a change back."""

import streamlit as st

from portal import access, db, stewardship_ui, ui
from portal.display import markdown_values
from portal.i18n import t
from portal.stewardship import StewardshipError, rollback

ui.require(access.ADMINISTRATOR_ROLES, "access.administrators_page")

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
target = st.selectbox(t("history.rollback_choice"), list(choices), index=None, format_func=choices.get,
                      key="rollback_target", placeholder=t("history.rollback_placeholder"))
if target is None:
    st.stop()
undone = ui.read("changes_in_effect_since", import_id=target)
undone_ids = undone["import_id"].tolist()
st.markdown(t("history.rollback_undoes", id=target, count=len(undone_ids)))
ui.table(stewardship_ui.history_rows(undone.assign(rolls_back=None, rolled_back_by=None)),
         stewardship_ui.UNDONE_HEADERS, download="rollback-undoes")

# Two steps: the first click asks, the second (for exactly what was shown) rolls back.
if st.session_state.get("rollback_pending") != (target, undone_ids):
    if st.button(t("history.rollback_button", id=target), key="rollback_button"):
        st.session_state["rollback_pending"] = (target, undone_ids)
        st.rerun()
    st.stop()

later = [change for change in undone_ids if change != target]
st.warning(t("history.rollback_warning", id=target, undone=", ".join(map(str, later))) if later
           else t("history.rollback_warning_alone", id=target), icon=":material/warning:")
confirm, cancel, _ = st.columns([2, 1, 3])
if cancel.button(t("history.rollback_cancel"), key="rollback_cancel"):
    st.session_state.pop("rollback_pending", None)
    st.rerun()
if confirm.button(t("history.rollback_confirm", id=target, count=len(undone_ids)), type="primary",
                  key="rollback_confirm"):
    st.session_state.pop("rollback_pending", None)
    try:
        st.session_state["rollback_done"] = rollback(stewardship_ui.database(), target, stewardship_ui.viewer_name(),
                                                     expected_undone=undone_ids)
    except StewardshipError as refused:
        st.error(t(refused.message, **markdown_values(refused.args_)))
        st.stop()
    except db.WriteFailed as failed:  # disk full, read-only folder: nothing changed
        st.error(stewardship_ui.write_failed_text(failed))
        st.stop()
    st.session_state.pop("rollback_target", None)  # nothing is chosen afterwards
    st.rerun()
