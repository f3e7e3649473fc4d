"""The account box's "API tokens" section: make a token (shown once), list them with last use, revoke one."""

from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from portal import auth, db, display, tokens
from portal.display import markdown_text
from portal.i18n import t


def _day(moment: float | None) -> str:
    if moment is None:
        return t("tokens.never_used")
    return display.format_partial_date(datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%d"))


def api_tokens(user: auth.User) -> None:
    """The signed-in person's own API tokens, in a popover of the account box."""
    path = auth.accounts_path(db.database_path())
    with st.popover(t("tokens.title"), icon=":material/key:", width="stretch"):
        st.caption(t("tokens.intro"))
        shown = st.session_state.pop("api_token_new", None)
        if shown:
            st.success(t("tokens.created"))
            st.code(shown, language=None)
        with st.form("api_token_create", border=False, clear_on_submit=True):
            name = st.text_input(t("tokens.name"), key="api_token_name", max_chars=tokens.MAX_NAME)
            days = st.number_input(t("tokens.days"), min_value=1, max_value=tokens.MAX_DAYS,
                                   value=tokens.DEFAULT_DAYS, step=1, key="api_token_days")
            submitted = st.form_submit_button(t("tokens.create"), type="primary")
        if submitted:
            try:
                st.session_state["api_token_new"] = tokens.create(path, user.email, name, int(days))
            except auth.AuthError as refused:
                st.error(t(refused.message, **refused.args_))
            else:
                st.rerun()
        try:
            listed = tokens.listed(path, user.email)
        except auth.AuthError as refused:
            st.error(t(refused.message, **refused.args_))
            return
        if not listed:
            st.caption(t("tokens.none"))
        for token in listed:
            st.markdown(t("tokens.listed", name=markdown_text(token["name"]), created=_day(token["created_at"]),
                          expires=_day(token["expires_at"]), used=_day(token["last_used_at"])))
            if st.button(t("tokens.revoke"), key=f"api_token_revoke_{token['token_id']}",
                         icon=":material/block:"):
                tokens.revoke(path, user.email, str(token["token_id"]))
                st.rerun()
