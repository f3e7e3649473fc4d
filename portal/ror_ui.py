"""The ROR lookup beside the institution form: find an organisation by name, take its id and place."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import streamlit as st

from portal import ror
from portal.display import markdown_values
from portal.i18n import t
from portal.stewardship_ui import database, write_failed_text

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


def dump_upload() -> None:
    """The administrator's upload of a ROR data dump (.json or the registry's .zip), replacing the loaded one."""
    from portal import db

    with st.expander(t("ror.upload_title"), expanded=not db.ror_path(database()).exists()):
        upload = st.file_uploader(t("ror.upload"), type=["json", "zip"], key="ror_dump_upload",
                                  help=t("ror.upload_help"))
        if upload is None or not st.button(t("ror.upload_load"), key="ror_dump_load"):
            return
        # Written to a file first: a zip is read member by member, and the JSON record by record, from disk.
        with tempfile.TemporaryDirectory(prefix="portal-ror-") as folder:
            path = Path(folder) / ("dump.zip" if upload.name.lower().endswith(".zip") else "dump.json")
            with open(path, "wb") as out:
                shutil.copyfileobj(upload, out)
            try:
                count = db.load_ror(database(), ror.read_dump(path))
            except ror.RorDumpError as refused:
                detail = str(refused).replace(str(path), upload.name)  # the name it was uploaded as
                st.error(t("cli.ror_not_a_dump", **markdown_values({"detail": detail})))
                return
            except db.WriteFailed as failed:
                st.error(write_failed_text(failed))
                return
        st.success(t("cli.ror_loaded", count=count, **markdown_values({"path": upload.name})))
