"""Hostile text in the data and in page addresses, in the real server and Chromium: it shows as written, never as
a link, an image, an icon, formula or any other markup, for every role on every page (issue 12, items 1-3, 9).
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from urllib.parse import quote

import pytest

from portal_browser import PROJECT, PortalPage, free_port, running_portal, wait_until_serving
from workbooks import (HOSTILE_ANCHOR, HOSTILE_COMMAND, HOSTILE_DIRECTIVES, HOSTILE_FORMULA, HOSTILE_IMAGE,
                       HOSTILE_LINK, HOSTILE_URL_ID, hostile_workbook)

pytestmark = pytest.mark.browser

HOME, HOST = f"Inst {HOSTILE_LINK}", f"Host {HOSTILE_ANCHOR}"
# Each page, and the texts it must show as written (beside showing no markup at all).
PAGES = {
    "/": [],
    "/programmes": [],
    "/programmes?programme=P1": [f"Prog {HOSTILE_ANCHOR}", HOME, HOSTILE_DIRECTIVES],
    "/partners": [],
    "/partners?institution=MNG-NCTD": [HOME, HOSTILE_ANCHOR, HOSTILE_IMAGE, HOSTILE_DIRECTIVES, HOST],
    "/partners?institution=KR-HOST": [HOST, HOSTILE_DIRECTIVES, HOSTILE_LINK],
    "/equipment": [],
    "/equipment?equipment=EQ1": [f"Eq {HOSTILE_IMAGE}", HOME],
    "/impact": [HOME],
}
ADMINISTRATOR_PAGES = {"/data": [], "/records": [], "/history": [], "/data_quality": []}
# Ids in page addresses, echoed by the pages' "not found" messages.
URL_INJECTIONS = [f"/equipment?equipment={quote(HOSTILE_URL_ID)}", f"/partners?institution={quote(HOSTILE_URL_ID)}",
                  f"/programmes?programme={quote(HOSTILE_URL_ID)}", f"/impact?institution={quote(HOSTILE_URL_ID)}"]
# Anything that would reach evil.example: links (HTML and plotly's SVG), images, frames, scripts.
MARKUP = ('a[href*="evil.example"], a[*|href*="evil.example"], img[src*="evil.example"], '
          'image[*|href*="evil.example"], [data-testid=stMarkdownContainer] img')


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """The portal's server on a database holding only the hostile workbook."""
    from portal.importer import import_workbook
    from portal.workbook import write_workbook

    folder = tmp_path_factory.mktemp("hostile")
    write_workbook(hostile_workbook(), folder / "hostile.xlsx")
    import_workbook(folder / "hostile.xlsx", folder / "hostile.duckdb", "hostile test")
    with running_portal(folder / "hostile.duckdb", tmp_path_factory) as url:
        yield url


@pytest.fixture
def hostile(browser, hostile_server):
    page = PortalPage(browser, hostile_server)
    # Streamlit's table toolbar saves through the File System Access API when there is one; without it, it
    # downloads like any link, which the test can read.
    page.page.add_init_script("delete window.showSaveFilePicker")
    yield page
    page.page.close()


def shown_as_written(portal: PortalPage, path: str, texts: list[str]) -> None:
    portal.open(path)
    found = portal.page.evaluate(f"() => [...document.querySelectorAll({MARKUP!r})].map(e => e.outerHTML)")
    assert found == [], path
    assert portal.outside_requests == [], path
    assert portal.exceptions() == [], path
    text = portal.text()
    assert [t for t in texts if t not in text] == [], path
    # No LaTeX and no colour drawn from the data (the pages' own messages colour their icons).
    assert portal.page.locator("[data-testid=stMarkdownContainer] .katex").count() == 0, path
    assert portal.page.locator(".stMarkdownColoredText").filter(has_text="alert").count() == 0, path


@pytest.mark.parametrize("role", ["anonymous", "partner@nctd.example", "admin@example.org"])
def test_hostile_names_show_as_written_on_every_page(hostile, role):
    pages = dict(PAGES)
    if role != "anonymous":
        hostile.open("/")
        hostile.sign_in(role)
    if role == "admin@example.org":
        pages.update(ADMINISTRATOR_PAGES)
    for path, texts in pages.items():
        shown_as_written(hostile, path, texts)
        hostile.screenshot("hostile_" + role.split("@")[0] + path.replace("/", "_").replace("?", "_").replace("=", "_"))


@pytest.mark.parametrize("path", URL_INJECTIONS)
def test_ids_in_the_address_show_as_written_in_not_found_messages(hostile, path):
    shown_as_written(hostile, path, [HOSTILE_URL_ID] if "impact" not in path else [])


def test_tables_download_only_through_the_portals_own_buttons_which_write_formulas_as_text(hostile, tmp_path):
    hostile.open("/")
    hostile.sign_in("admin@example.org")
    hostile.open("/equipment")
    table = hostile.page.locator("[data-testid=stDataFrame]").first
    table.hover()
    hostile.page.wait_for_timeout(500)
    files = {}
    # Streamlit's own toolbar "Download as CSV" writes =HYPERLINK(...) as a live formula: it must not be offered.
    toolbar = hostile.page.locator("[data-testid=stElementToolbar] button[aria-label='Download as CSV']")
    if toolbar.count():
        with hostile.page.expect_download() as download:
            toolbar.first.click()
        files["toolbar"] = download.value.path().read_text(encoding="utf-8-sig")
    with hostile.page.expect_download() as download:
        hostile.page.get_by_role("button", name="CSV").last.click()
    files["portal"] = download.value.path().read_text(encoding="utf-8-sig")
    cells = {name: [cell for row in csv.reader(io.StringIO(content)) for cell in row] for name, content in files.items()}
    live = {name: [c for c in found if c[:1] in "=+-@"] for name, found in cells.items()}
    assert live == {name: [] for name in files}, live
    assert "'" + HOSTILE_FORMULA in cells["portal"] and "'" + HOSTILE_COMMAND in cells["portal"]
    assert list(files) == ["portal"]
    assert hostile.outside_requests == []


# ---------------------------------------------------------------- error display


def _page_with_an_error(browser, tmp_path, settings: dict[str, str]) -> tuple[str, list[str]]:
    """What a visitor sees when a page raises, served with the portal's .streamlit/config.toml and `settings`
    (environment variables) on top."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("STREAMLIT_")} | settings
    script = tmp_path / "fails.py"
    script.write_text(f"raise RuntimeError('cannot open {tmp_path}/secret.duckdb')\n")
    port = free_port()
    log = open(tmp_path / "streamlit.log", "w")
    server = subprocess.Popen(  # run from the project, as scripts/start does: its config.toml applies
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1"], cwd=PROJECT, env=env, stdout=log,
        stderr=subprocess.STDOUT)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", log.name)
        portal = PortalPage(browser, f"http://127.0.0.1:{port}")
        portal.page.goto(portal.base_url)
        error = portal.page.locator("[data-testid=stException]")
        error.wait_for(timeout=60_000)
        portal.page.wait_for_timeout(500)
        links = portal.page.eval_on_selector_all("[data-testid=stException] a", "els => els.map(e => e.href)")
        text = error.inner_text()
        portal.page.close()
        return text, links
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_an_error_shows_a_short_message_without_paths_or_links(browser, tmp_path):
    text, links = _page_with_an_error(browser, tmp_path, {})
    assert str(tmp_path) not in text and "secret.duckdb" not in text
    assert "Traceback" not in text and "RuntimeError" not in text and ".py" not in text
    assert links == []


def test_the_documented_switch_shows_error_details(browser, tmp_path):
    text, _ = _page_with_an_error(browser, tmp_path, {"STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": "full"})
    assert "RuntimeError" in text and f"{tmp_path}/secret.duckdb" in text
