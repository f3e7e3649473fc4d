"""Start the portal's server (`streamlit run server.py`: app.py plus the session-cookie route), with the pages'
code loaded before the first visitor needs it.

Usage: python -m portal.serve [streamlit run options], e.g. --server.port 8502.
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from pathlib import Path

from portal import first_run

APP = Path(__file__).resolve().parent.parent / "app.py"
SERVER = APP.with_name("server.py")  # st.App around app.py: it adds the route that sets the HttpOnly cookie

# What a first page run imports beyond Streamlit (about 0.8 s on a 2-core machine). Imported once the server
# listens, while the first browser is still loading Streamlit's JavaScript, so that visitor does not wait.
PRELOAD = (
    "pandas", "pyarrow", "plotly.graph_objects", "plotly.io", "babel.numbers", "babel.dates",
    "portal.ui", "portal.access", "portal.seed", "portal.charts", "portal.charts.programmes",
    "portal.charts.partners", "portal.charts.equipment", "portal.charts.impact",
)


def preload(wait_s: float = 60.0) -> None:
    """Import PRELOAD once Streamlit's runtime has started (never while Streamlit itself is importing)."""
    from streamlit.runtime import Runtime, RuntimeState

    deadline = time.monotonic() + wait_s
    while not (Runtime.exists() and Runtime.instance().state != RuntimeState.INITIAL):
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - only a head start: the page imports it again and reports any error
            return
    # A broken secrets.toml goes to the server log at start, not only when someone opens the app.
    importlib.import_module("portal.access").settings_problem()


def upgrade_database() -> None:
    """Bring a database written by an older version to this version's schema before anyone reads it."""
    from portal import db
    from portal.i18n import t

    try:
        if db.upgrade(db.database_path(None)):
            print(t("cli.database_upgraded", database=db.database_path(None)), file=sys.stderr)
    except db.WriteFailed as failed:  # a read-only folder: serve anyway; pages needing new tables say so
        print(t("write.failed", path=failed.path, reason=t(f"write.reason_{failed.reason}"), detail=failed.detail),
              file=sys.stderr)


def main(argv: list[str]) -> None:
    """Run `streamlit run server.py` with `argv`, preloading the page code in the background."""
    first_run.start_with_app()  # before any session: every run, the very first too, starts with app.py
    upgrade_database()
    threading.Thread(target=preload, name="portal-preload", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(SERVER), *argv]
    sys.exit(cli.main())


if __name__ == "__main__":
    main(sys.argv[1:])
