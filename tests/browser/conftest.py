"""Fixtures for the browser tests: one Streamlit server and one headless Chromium (Debian's) per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal_browser import CHROMIUM, CHROMIUM_ARGS, PortalPage, running_portal


@pytest.fixture(scope="session")
def portal_server(seed_db_master, tmp_path_factory):
    """The portal's server on a copy of the seed database, for the whole session; yields its base URL."""
    with running_portal(seed_db_master, tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")  # closed after each module: Playwright's sync API allows one at a time
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package or set PORTAL_CHROMIUM")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def portal(browser, portal_server):
    page = PortalPage(browser, portal_server)
    yield page
    page.page.close()
