"""The viewer in the app: who is signed in (local account or OpenID Connect), their scope, and the sign-in box.

A local sign-in gives a random session token kept on the server (portal/auth.py). The browser holds only
that token, in session state and in an HttpOnly, SameSite=Strict cookie (portal/session_cookie.py) so a
reload or a shared link in a new tab stays signed in; signing out, a password change or disabling the
account makes it worthless at once.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import streamlit as st

from portal import auth, db, first_run, session_cookie, tokens_ui
from portal.display import markdown_text, markdown_values
from portal.i18n import t

SESSION_COOKIE = session_cookie.COOKIE
# Roles that may use each part of the portal; anonymous visitors are role None.
MINISTRY_ROLES = ("ministry", "administrator")
ADMINISTRATOR_ROLES = ("administrator",)


def identity_provider_configured() -> bool:
    """Whether .streamlit/secrets.toml configures OpenID Connect ([auth] for st.login)."""
    if settings_problem():
        return False
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than returning an empty mapping
        return False


def settings_problem() -> str | None:
    """What is wrong with the deployment's secrets.toml files (a TOML syntax error), or None.

    Streamlit treats a secrets file it cannot parse like a missing one, so a typo would silently turn off
    OIDC sign-in and every setting in it; the portal says so instead (server log and app, see app.py).
    """
    from streamlit import config

    for name in config.get_option("secrets.files"):
        path = Path(name)
        try:
            stamp = path.stat().st_mtime_ns if path.suffix == ".toml" and path.is_file() else None
        except OSError:
            stamp = None
        problem = _toml_problem(str(path), stamp) if stamp is not None else None
        if problem:
            return problem
    return None


@lru_cache(maxsize=8)
def _toml_problem(path: str, stamp: int) -> str | None:
    """The parse error of one TOML file as it is at `stamp` (its mtime), logged once; None if it parses."""
    try:
        tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        problem = f"{path}: {error}"
        logging.getLogger("portal").error("The settings file cannot be read, so its settings are off: %s", problem)
        return problem
    return None


def settings_notice() -> None:
    """Say, once per rerun, that the settings file is broken: details to administrators, a short note otherwise."""
    problem = settings_problem()
    if problem and may(ADMINISTRATOR_ROLES):
        st.error(t("access.settings_broken_admin", problem=problem), icon=":material/settings_alert:")


def signed_in_user() -> auth.User | None:
    """The person signed in now, checked against the accounts on every rerun, or None."""
    if identity_provider_configured() and st.user.is_logged_in:
        return auth.identity_provider_user(auth.accounts_path(db.database_path()), st.user.to_dict())
    token = st.session_state.get("session_token") or _cookie(SESSION_COOKIE)
    try:
        user = auth.session_user(auth.accounts_path(db.database_path()), token)
    except auth.AuthError:  # the accounts cannot be read (a read-only data folder): nobody is signed in
        return None
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


def client_address() -> str | None:
    """The browser's network address, for throttling sign-in; None for this machine or outside a browser.

    Streamlit gives the connection's peer. Behind a reverse proxy that is the proxy, unless the proxy's
    X-Forwarded-For is trusted: uvicorn trusts it from 127.0.0.1 and ::1 only, or from the addresses in
    the environment variable FORWARDED_ALLOW_IPS (README "Security"). A client cannot set it itself.
    """
    try:
        address = st.context.ip_address
    except Exception:  # no browser connection behind this session (tests, bare mode)
        return None
    return address if isinstance(address, str) else None


def identify() -> auth.User | None:
    """Work out the viewer once per rerun (app.py calls this before any page reads data)."""
    user = signed_in_user()
    st.session_state["viewer"] = user
    # Every read asks for the scope: worked out here once, not from the settings files each time.
    st.session_state["viewer_scope"] = (user, scope_of(user))
    return user


def viewer() -> auth.User | None:
    """The viewer identified at the start of this rerun."""
    first_run.rerun_through_app()  # a page asks this first: app.py must have run (see portal/first_run.py)
    return st.session_state.get("viewer")


def viewer_scope() -> db.Scope:
    """What the viewer identified at the start of this rerun may see."""
    user = viewer()
    known = st.session_state.get("viewer_scope")
    return known[1] if known and known[0] is user else scope_of(user)


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


def account_box(institution_name: Callable[[str], str] = str) -> None:
    """The sidebar's account section: who is signed in and "Sign out", or the sign-in form. `institution_name`
    gives a partner's institution its name (the id where the database cannot be read)."""
    user = viewer()
    if user is not None:
        what = t(f"access.role_{user.role}")
        if user.institution_id:
            what = t("access.role_with_institution", role=what,
                     institution=markdown_text(institution_name(user.institution_id)))
        st.caption(t("access.signed_in_as", email=markdown_text(user.email), role=what))
        if st.session_state.get("session_token"):  # a local account (not one of the identity provider)
            _password_change(user)
        tokens_ui.api_tokens(user)
        if st.button(t("access.sign_out"), key="sign_out", icon=":material/logout:"):
            sign_out()
        return
    with st.popover(t("access.sign_in"), icon=":material/login:", width="stretch"):
        if settings_problem():
            st.caption(t("access.settings_broken"))
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
                token = auth.sign_in(auth.accounts_path(db.database_path()), email, password, client_address())
            except auth.AuthError as refused:
                st.error(t(refused.message, **markdown_values(refused.args_)))
            else:
                st.session_state["session_token"] = token
                _remember_token(token)
                st.rerun()
    st.caption(t("access.anonymous_note"))


def _password_change(user: auth.User) -> None:
    """The signed-in person's own password change, under the same policy as the `users` command."""
    with st.popover(t("access.change_password"), icon=":material/password:", width="stretch"):
        with st.form("change_password", border=False, clear_on_submit=True):
            current = st.text_input(t("access.current_password"), type="password", key="password_current",
                                    autocomplete="current-password")
            new = st.text_input(t("access.new_password"), type="password", key="password_new",
                                autocomplete="new-password")
            again = st.text_input(t("access.new_password_again"), type="password", key="password_again",
                                  autocomplete="new-password")
            submitted = st.form_submit_button(t("access.change_password"), type="primary")
        if not submitted:
            return
        if new != again:
            st.error(t("users.passwords_differ"))
            return
        try:
            token = auth.change_password(auth.accounts_path(db.database_path()), user.email, current, new,
                                         client_address())
        except auth.AuthError as refused:
            st.error(t(refused.message, **refused.args_))
        else:
            st.session_state["session_token"] = token
            _remember_token(token)
            st.success(t("access.password_changed"))


def sign_out() -> None:
    """End the session on the server, forget the token in the browser, and sign out of OIDC if used."""
    auth.sign_out(auth.accounts_path(db.database_path()), st.session_state.get("session_token"))
    _forget_token()
    if identity_provider_configured() and st.user.is_logged_in:
        st.logout()
    st.rerun()


def _remember_token(token: str) -> None:
    st.session_state["set_cookie"] = _cookie_script(token)


def _forget_token() -> None:
    st.session_state.pop("session_token", None)
    st.session_state["set_cookie"] = _cookie_script(None)


def _cookie_script(token: str | None) -> str:
    """JavaScript that makes the browser keep `token` as the session cookie (None: drop it)."""
    if session_cookie.served:  # the portal's server (server.py): it sets the cookie itself, HttpOnly
        body = f'{{"code": "{session_cookie.hand_over(token)}"}}'  # URL-safe base64: nothing to escape
        return (f"fetch('{session_cookie.PATH}', {{method: 'POST', credentials: 'same-origin',"
                f" headers: {{'Content-Type': 'application/json'}}, body: '{body}'}});")
    # `streamlit run app.py` while developing has no such route: the page sets a script-readable cookie.
    # The token is URL-safe base64 from secrets.token_urlsafe: nothing in it can break out of the string.
    value, age = (token, auth.SESSION_SECONDS) if token else ("", 0)
    return (f"document.cookie = '{SESSION_COOKIE}={value}; Path=/; SameSite=Strict; Max-Age={age}'"
            " + (location.protocol === 'https:' ? '; Secure' : '');")


def write_cookie() -> None:
    """Send a pending cookie change to the browser (after a rerun, so it survives the page change)."""
    script = st.session_state.pop("set_cookie", None)
    if script:
        st.html(f"<script>{script}</script>", unsafe_allow_javascript=True, width="content")
