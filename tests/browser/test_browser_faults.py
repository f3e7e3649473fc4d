"""A damaged database in a real browser: a short message for visitors, the path only for administrators,
never a traceback."""

from __future__ import annotations

import pytest

from portal_browser import PortalPage, running_portal

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def damaged_portal(tmp_path_factory):
    damaged = tmp_path_factory.mktemp("damaged") / "portal.duckdb"
    damaged.write_bytes(b"this is not a database" * 1000)
    with running_portal(damaged, tmp_path_factory) as url:
        yield url


@pytest.mark.parametrize("path", ["/", "/programmes", "/partners?institution=MNG-NCTD"])
def test_a_damaged_database_shows_visitors_a_short_message(browser, damaged_portal, path):
    portal = PortalPage(browser, damaged_portal)
    try:
        portal.open(path)
        text = portal.text()
        assert "The portal's data cannot be shown right now" in text
        assert portal.exceptions() == []
        assert "/tmp" not in text and ".duckdb" not in text and "Traceback" not in text
    finally:
        portal.page.close()


def test_a_damaged_database_is_named_to_a_signed_in_administrator(browser, damaged_portal):
    portal = PortalPage(browser, damaged_portal)
    try:
        portal.open("/")
        portal.sign_in("admin@example.org")
        text = portal.text()
        assert "portal.duckdb cannot be read as the portal's database" in text
        assert portal.exceptions() == []
    finally:
        portal.page.close()
