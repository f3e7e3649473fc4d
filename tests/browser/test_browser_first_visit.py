"""A fresh server, started each of the three ways, whose very first request is a deep link: app.py runs first."""

from __future__ import annotations

import pytest

from portal.i18n import catalog
from portal_browser import START_COMMANDS, PortalPage, running_portal

LINK = "/programmes?kind=fellowship&lang=mn"
MN = catalog("mn")


@pytest.mark.parametrize("start", list(START_COMMANDS))
def test_the_first_request_after_a_start_is_a_deep_link_and_gets_the_whole_app(
        browser, seed_db_master, tmp_path_factory, start):
    with running_portal(seed_db_master, tmp_path_factory, start) as url:
        tab = PortalPage(browser, url)
        try:
            tab.open(LINK)
            # Under plain `streamlit run` the first run may be Streamlit's folder-based one, rerun through app.py
            # at once (portal/first_run.py): wait for the sidebar app.py draws.
            tab.page.locator("[data-testid=stSidebar]").get_by_text(MN["sidebar.show_illustrative"]).wait_for()
            tab.settle()
            sidebar = tab.page.locator("[data-testid=stSidebar]").inner_text()
            for message in ("sidebar.language", "sidebar.show_illustrative", "access.sign_in"):
                assert MN[message] in sidebar, message  # the sidebar, in Mongolian, with the sign-in box
            body = tab.text()
            assert MN["nav.programmes"] in body and MN["programme_kind.fellowship"] in body  # the linked filter
            assert MN["value.hidden"] in body  # an anonymous visitor's scope: costs not shown
            # app.py's notice once: the page ran inside app.py's chrome, not beside a second one
            assert tab.page.get_by_text(MN["illustrative.notice"].split(":")[0]).count() == 1
            assert "kind=fellowship" in tab.page.url and "lang=mn" in tab.page.url
            assert not tab.exceptions() and not tab.outside_requests
        finally:
            tab.page.close()
