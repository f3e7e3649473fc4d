"""A real Streamlit server on a test database, and a Chromium tab on it that records outside requests.

(A plain module, not conftest.py: conftest modules of different folders share one name.)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeout

PROJECT = Path(__file__).resolve().parents[2]

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = PROJECT / "test-artifacts"
# As the machine's own probe starts it: no sandbox as root, and no background calls to Google's services.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
PASSWORD = "browser test passphrase"
# The accounts every test server has: email -> (role, institution).
ACCOUNTS = {"admin@example.org": ("administrator", None), "partner@nctd.example": ("partner", "MNG-NCTD"),
            "official@moh.example": ("ministry", None)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, log: str) -> None:
    """Wait (up to a minute) until the Streamlit server at `url` answers its health check."""
    for _ in range(120):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"streamlit did not start; see {log}")
# The three ways to start the server (README): the command before the server options.
START_COMMANDS = {
    "scripts/start": ["scripts/start"],
    "python -m portal.serve": [sys.executable, "-m", "portal.serve"],
    "streamlit run app.py": [sys.executable, "-m", "streamlit", "run", "app.py"],
}


@contextmanager
def running_portal(seed_database: Path, tmp_path_factory, start: str = "python -m portal.serve",
                   env: dict[str, str] | None = None):
    """Start the portal's server the way `start` names (default: as the tests always do, `python -m portal.serve`,
    i.e. `streamlit run app.py` with the page code preloaded) on a copy of `seed_database`; yield its base URL;
    stop it. `env` adds to (or overrides) the server's environment."""
    from portal import auth

    database = tmp_path_factory.mktemp("browser") / "portal.duckdb"
    shutil.copyfile(seed_database, database)
    accounts = database.with_name("accounts.sqlite")
    for email, (role, institution) in ACCOUNTS.items():
        auth.add_user(accounts, email, role, institution, PASSWORD)
    port = free_port()
    log = open(tmp_path_factory.mktemp("logs") / "streamlit.log", "w")
    server = subprocess.Popen(
        [*START_COMMANDS[start], "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=PROJECT, env={**os.environ, "PORTAL_DB": str(database), "PORTAL_ACCOUNTS": str(accounts), **(env or {})},
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, log.name)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


class PortalPage:
    """One browser tab on the portal that aborts and records every request to a host other than this one."""

    def __init__(self, browser, base_url: str):
        self.base_url = base_url
        self.outside_requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 2400})
        self.page.route(self._is_outside, self._abort)

    def _is_outside(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS

    def _abort(self, route) -> None:
        self.outside_requests.append(route.request.url)
        route.abort()

    def open(self, path: str = "/") -> None:
        """Open a page and wait until the script has finished and every chart has drawn."""
        self.page.goto(self.base_url + path)
        self.settle(loaded=True)

    def settle(self, charts: bool = True, loaded: bool = False) -> None:
        """Wait until the script has finished; with `charts`, also until every chart and map has drawn. `loaded`:
        the page has just been loaded (not clicked on), so its first run is still to come."""
        # Playwright's sync API only serves routes while it is called, so wait with its own timers.
        page = self.page
        page.wait_for_selector("[data-testid=stApp]")
        # Streamlit marks its app with the state of the script run, "initial" until a newly loaded page's first
        # run: so that page needs no pause. A click's rerun is not marked until the server answers: pause first.
        if not loaded:
            page.wait_for_timeout(500 if charts else 300)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning' "
            "&& !document.querySelector('[data-testid=stStatusWidget]') "
            "&& !document.querySelector('[data-testid=stSkeleton]')", timeout=60_000)
        if not charts:
            page.wait_for_timeout(200)
            return
        page.wait_for_load_state("networkidle")
        # A chart's code loads lazily: its container exists before the plot does, so wait on the container.
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]"
            ".every(c => c.querySelector('.js-plotly-plot .main-svg'))", timeout=60_000)
        # A map's shapes (static/topojson) arrive after the plot's first draw: wait until each map has its land.
        # Bounded, so a map that never gets its shapes fails the test that looks at it (maps()), not this wait.
        # Tables, too, load their code lazily: wait until each shown one has drawn its grid (a canvas); one in a
        # closed expander draws none until opened, and waiting for it cost every such page the whole 5 s.
        try:
            page.wait_for_function(
                "() => [...document.querySelectorAll('g.geo')]"
                ".every(g => (g.querySelector('g.land path')?.getAttribute('d') || '').length > 0)"
                " && [...document.querySelectorAll('[data-testid=stDataFrame]')]"
                ".every(d => !d.checkVisibility() || d.querySelector('canvas'))",
                timeout=5_000)
        except PlaywrightTimeout:
            pass
        page.wait_for_timeout(300)

    def maps(self) -> list[dict]:
        """Every geo subplot on the page, with the length of its drawn country outlines."""
        return self.page.evaluate(
            "() => [...document.querySelectorAll('g.geo')].map(g => ({"
            "countries: (g.querySelector('g.countries path')?.getAttribute('d') || '').length,"
            "land: (g.querySelector('g.land path')?.getAttribute('d') || '').length}))")

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        """Sign in through the sidebar's form, as a person would."""
        self.page.get_by_role("button", name="Sign in").first.click()
        self.page.get_by_role("textbox", name="Email").fill(email)
        self.page.get_by_role("textbox", name="Password").fill(password)
        self.page.get_by_role("button", name="Sign in").last.click()
        self.page.wait_for_timeout(500)
        self.settle()

    def text(self) -> str:
        """Every text the page shows as a person reads it: its body, and the cells of its tables (drawn on
        canvases); without the invisible word joiners portal.display puts into addresses in Markdown."""
        grids = self.page.locator("[data-testid=stDataFrame] [role=gridcell]").all_text_contents()
        return (self.page.inner_text("body") + "\n" + "\n".join(grids)).replace("\u2060", "")

    def table_text(self, index: int) -> str:
        """The cells of the index-th st.dataframe (drawn on a canvas; its accessible grid holds the text)."""
        grid = self.page.locator("[data-testid=stDataFrame]").nth(index)
        return " ".join(grid.locator("[role=gridcell], [role=columnheader]").all_text_contents())

    def exceptions(self) -> list[str]:
        return self.page.locator("[data-testid=stException]").all_inner_texts()

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path
