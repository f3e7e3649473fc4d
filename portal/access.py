"""The viewer in the app: who is signed in (local account or OpenID Connect), their scope, and the sign-in box.

A local sign-in gives a random session token kept on the server (portal/auth.py). The browser holds only
that token, in session state and in a SameSite cookie so a reload or a shared link in a new tab stays
signed in; signing out, a password change or disabling the account makes it worthless at once.
"""

from __future__ import annotations

import os

import streamlit as st

from portal import auth, db, first_run
from portal.i18n import t

SESSION_COOKIE = "portal_session"
# Roles that may use each part of the portal; anonymous visitors are role None.
MINISTRY_ROLES = ("ministry", "administrator")
ADMINISTRATOR_ROLES = ("administrator",)


def identity_provider_configured() -> bool:
    """Whether .streamlit/secrets.toml configures OpenID Connect ([auth] for st.login)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than returning an empty mapping
        return False


def signed_in_user() -> auth.User | None:
    """The person signed in now, checked against the accounts on every rerun, or None."""
    if identity_provider_configured() and st.user.is_logged_in:
        return auth.identity_provider_user(auth.accounts_path(db.database_path()), st.user.get("email"))
    token = st.session_state.get("session_token") or _cookie(SESSION_COOKIE)
    user = auth.session_user(auth.accounts_path(db.database_path()), token)
    if user is None and token:
        _forget_token()
    elif user is not None:
        st.session_state["session_token"] = token
    return user


def _cookie(name: str) -> str | None:
    """A cookie the browser sent with this session's page request (none outside a browser)."""
    try:
        value = st.context.cookies.get(name)
    except Exception:  # no browser request behind this session (tests, bare mode)
        return None
    return value if isinstance(value, str) else None


def identify() -> auth.User | None:
    """Work out the viewer once per rerun (app.py calls this before any page reads data)."""
    st.session_state["viewer"] = signed_in_user()
    return st.session_state["viewer"]


def viewer() -> auth.User | None:
    """The viewer identified at the start of this rerun."""
    first_run.rerun_through_app()  # a page asks this first: app.py must have run (see portal/first_run.py)
    return st.session_state.get("viewer")


def anonymous_costs_allowed() -> bool:
    """The deployment's choice to show costs to visitors who are not signed in (default: hidden)."""
    setting = os.environ.get("PORTAL_ANONYMOUS_COSTS", "")
    try:
        setting = setting or str(st.secrets.get("portal", {}).get("anonymous_costs", ""))
    except Exception:
        pass
    return setting.strip().lower() in ("1", "true", "yes")


def scope_of(user: auth.User | None) -> db.Scope:
    """What a viewer may see: a partner its own collaborations; anonymous visitors no names (nor costs)."""
    if user is None:
        return db.Scope(role="anonymous", names_visible=False, costs_visible=anonymous_costs_allowed())
    if user.role == "partner":
        return db.Scope(role="partner", institution_id=user.institution_id)
    return db.Scope(role=user.role)


def may(roles: tuple[str, ...]) -> bool:
    """Whether the viewer has one of these roles."""
    user = viewer()
    return user is not None and user.role in roles


def account_box() -> None:
    """The sidebar's account section: who is signed in and "Sign out", or the sign-in form."""
    user = viewer()
    if user is not None:
        what = t(f"access.role_{user.role}")
        if user.institution_id:
            what = t("access.role_with_institution", role=what, institution=user.institution_id)
        st.caption(t("access.signed_in_as", email=user.email, role=what))
        if st.button(t("access.sign_out"), key="sign_out", icon=":material/logout:"):
            sign_out()
        return
    with st.popover(t("access.sign_in"), icon=":material/login:", width="stretch"):
        if identity_provider_configured():
            st.button(t("access.sign_in_with_provider"), key="sign_in_provider", on_click=st.login, width="stretch")
            st.divider()
        with st.form("sign_in", border=False):
            email = st.text_input(t("access.email"), key="sign_in_email", autocomplete="username")
            password = st.text_input(t("access.password"), type="password", key="sign_in_password",
                                     autocomplete="current-password")
            submitted = st.form_submit_button(t("access.sign_in_button"), type="primary")
        if submitted:
            try:
                token = auth.sign_in(auth.accounts_path(db.database_path()), email, password)
            except auth.AuthError as refused:
                st.error(t(refused.message, **refused.args_))
            else:
                st.session_state["session_token"] = token
                _remember_token(token)
                st.rerun()
    st.caption(t("access.anonymous_note"))


def sign_out() -> None:
    """End the session on the server, forget the token in the browser, and sign out of OIDC if used."""
    auth.sign_out(auth.accounts_path(db.database_path()), st.session_state.get("session_token"))
    _forget_token()
    if identity_provider_configured() and st.user.is_logged_in:
        st.logout()
    st.rerun()


def _remember_token(token: str) -> None:
    # The token is URL-safe base64 from secrets.token_urlsafe: nothing in it can break out of the string.
    st.session_state["set_cookie"] = (
        f"document.cookie = '{SESSION_COOKIE}={token}; Path=/; SameSite=Strict; Max-Age={auth.SESSION_SECONDS}'"
        " + (location.protocol === 'https:' ? '; Secure' : '');")


def _forget_token() -> None:
    st.session_state.pop("session_token", None)
    st.session_state["set_cookie"] = f"document.cookie = '{SESSION_COOKIE}=; Path=/; SameSite=Strict; Max-Age=0';"


def write_cookie() -> None:
    """Send a pending cookie change to the browser (after a rerun, so it survives the page change)."""
    script = st.session_state.pop("set_cookie", None)
    if script:
        st.html(f"<script>{script}</script>", unsafe_allow_javascript=True, width="content")
