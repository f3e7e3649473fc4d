"""The ROR lookup beside the institution form: find an organisation by name, take its id and place."""

from __future__ import annotations

import streamlit as st

from portal import ror
from portal.i18n import t
from portal.stewardship_ui import database

TAKEN = ("ror_id", "city", "country", "latitude", "longitude")


def ror_lookup(current: dict[str, object]) -> dict[str, object]:
    """The record with what the administrator took from the loaded ROR dump (nothing taken: as it was)."""
    from portal import db

    if not db.ror_path(database()).exists():
        st.caption(t("ror.not_loaded"))
        return current
    name = st.text_input(t("ror.find"), key="ror_find", help=t("ror.find_help"))
    if not name.strip():
        return current
    matches = db.find_ror(database(), ror.fold(name))
    if matches.empty:
        st.caption(t("ror.no_match", name=name))
        return current
    labels = {row.ror_id: f"{row.name} · {row.city or '—'} · {row.country or '—'} · {row.ror_id}"
              for row in matches.itertuples()}
    chosen = st.selectbox(t("ror.match"), list(labels), format_func=labels.get, index=None, key="ror_match")
    if chosen is None:
        return current
    match = matches.set_index("ror_id").loc[chosen].to_dict() | {"ror_id": chosen}
    taken = {c: match[c] for c in TAKEN if match.get(c) is not None and match[c] == match[c]}
    if not current.get("name"):
        taken["name"] = match["name"]
    return {**current, **taken}
