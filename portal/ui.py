"""What every page shares: the store, cached scoped reads, the viewer's options, and value formatting."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from portal import db
from portal.i18n import t


@st.cache_resource(show_spinner=False)
def _store(path: str) -> db.Store:
    return db.open_store(path)


def store() -> db.Store:
    """The process's one database connection (reopened by the store itself after every import)."""
    return _store(str(db.database_path()))


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_read(query: str, scope: db.Scope, version: tuple, params: tuple) -> pd.DataFrame:
    # `version` is the database file's identity: a new import is a new key, so nothing stale is served.
    return store().read(query, scope, **dict(params))


def read(query: str, **params: object) -> pd.DataFrame:
    """Rows of portal/queries/QUERY.sql for the current viewer, with the viewer's display options bound."""
    options = {"include_illustrative": include_illustrative(), **params}
    return _cached_read(query, viewer_scope(), store().version(), tuple(sorted(options.items())))


def viewer_scope() -> db.Scope:
    """The signed-in viewer's scope (one full scope until sign-in exists)."""
    return db.FULL_SCOPE


def include_illustrative() -> bool:
    """Whether the viewer chose to see illustrative rows (the sidebar toggle; shown by default)."""
    return st.session_state.get("include_illustrative", True)


def database_ready() -> bool:
    """Whether the database file exists (the app builds the seed when it does not)."""
    return store().version() is not None


def number(value: object) -> str:
    """A count or amount for display; missing values read "not reported", never 0."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return t("value.not_reported")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def not_reported_note(missing: object, total: object) -> str:
    """"3 of 40 not reported" under a figure, so a sum is never read as complete when it is not."""
    if not missing:
        return t("value.all_reported")
    return t("value.some_not_reported", missing=number(missing), total=number(total))


def table(frame: pd.DataFrame, headers: dict[str, str]) -> None:
    """Show a table with translated column headers; missing cells read "not reported"."""
    shown = frame[list(headers)].rename(columns={c: t(k) for c, k in headers.items()})
    st.dataframe(shown.astype(object).where(shown.notna(), t("value.not_reported")),
                 hide_index=True, width="stretch")


def data_as_of() -> None:
    """The sidebar line saying when the data last changed."""
    if not database_ready():
        return
    latest = read("latest_imports", limit=1)
    if latest.empty:
        st.caption(t("sidebar.no_data"))
    else:
        when = pd.Timestamp(latest["imported_at"].iloc[0]).tz_convert("UTC")
        st.caption(t("sidebar.data_as_of", when=when.strftime("%Y-%m-%d %H:%M UTC")))


def illustrative_notice() -> None:
    """Say so whenever illustrative rows are on screen, and how to hide them."""
    if include_illustrative() and read("database_contents")["illustrative"].sum() > 0:
        st.info(t("illustrative.notice"), icon=":material/science:")
