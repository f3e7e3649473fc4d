"""Every run of the portal starts with app.py, however the server was started.

With a folder named `pages/` beside app.py, Streamlit 1.67 starts in its old folder-based
multipage mode. `PagesManager.uses_pages_directory` is set from `Path("pages").exists()` when the first
session starts, and while it is true `ScriptRunner` runs `_mpa_v1` instead of app.py, which runs
`pages/NAME.py` on its own for a deep link `/NAME`: no sidebar, no language, no sign-in. Only a public
`st.navigation` call turns it off, and app.py never gets to make one on that first run. So:
- `python -m portal.serve` (and so `scripts/start`) calls `start_with_app()` before the server starts: no
  session ever sees the folder-based mode;
- under plain `streamlit run app.py` the first run after a start may still be folder-based; the first thing a
  page asks is who the viewer is (`access.viewer`), which calls `rerun_through_app()`: it turns the mode off
  and reruns the same address (page and query parameters) through app.py.
tests/test_navigation.py fails if a Streamlit upgrade changes any of this.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager  # the one Streamlit internal relied on


def start_with_app() -> None:
    """Turn off Streamlit's folder-based multipage mode, so every run starts with app.py (see module doc)."""
    PagesManager.uses_pages_directory = False


def rerun_through_app() -> None:
    """If Streamlit is running a page without app.py (its folder-based first run), rerun it through app.py."""
    if PagesManager.uses_pages_directory:
        start_with_app()
        st.rerun()  # same page and query string; app.py now runs first


class ServedPagesManager(PagesManager):
    """Streamlit's PagesManager as `python -m portal.serve` leaves it, for AppTest (tests, benchmark), which
    starts every run as a server's first: `streamlit.testing.v1.app_test.PagesManager = ServedPagesManager`."""

    def __init__(self, *args, **kwargs):
        start_with_app()
        super().__init__(*args, **kwargs)
