"""Every page in headless Chromium: no request leaves the machine, every map draws, nothing breaks."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGES = {
    "overview": "/",
    "programmes": "/programmes",
    "programme_detail": "/programmes?programme=NCTD-SCH-JOINT",
    "partners": "/partners",
    "partner_detail": "/partners?institution=MNG-NCTD",
    "equipment": "/equipment",
    "impact": "/impact",
}
PAGES_WITH_MAPS = {"overview", "partners", "partner_detail"}


@pytest.mark.parametrize("name", PAGES)
def test_page_works_offline(portal, name):
    portal.open(PAGES[name])
    portal.screenshot(name)
    assert portal.outside_requests == []
    assert portal.exceptions() == []
    maps = portal.maps()
    if name in PAGES_WITH_MAPS:
        assert maps, "the page shows no map"
    for drawn in maps:
        # A map whose shapes failed to load has empty outlines: blank on an air-gapped network.
        assert drawn["countries"] > 10_000 and drawn["land"] > 10_000, drawn


def test_the_chart_library_is_preloaded_once_and_used_by_the_charts(portal):
    from portal import ui

    portal.open("/")
    assert ui.CHART_LIBRARY and portal.maps()
    loaded = portal.page.evaluate(
        "name => performance.getEntriesByType('resource').map(e => e.name).filter(url => url.endsWith(name))",
        ui.CHART_LIBRARY)
    # One fetch: the early import and the charts' own import resolve to the same module.
    assert len(loaded) == 1, loaded
    assert portal.page.evaluate("name => [...document.scripts].some(s => s.textContent.includes(name))",
                                ui.CHART_LIBRARY)


def test_hiding_illustrative_data_in_the_browser(portal):
    portal.open("/")
    assert portal.page.get_by_text("Illustrative data is shown").count() == 1
    portal.page.locator("[data-testid=stCheckbox] label").filter(has_text="Show illustrative data").click()
    portal.settle()
    assert portal.page.get_by_text("Illustrative data is shown").count() == 0
    programmes = portal.page.locator("[data-testid=stMetric]").filter(has_text="Programmes")
    assert programmes.locator("[data-testid=stMetricValue]").inner_text() == "3"
    portal.screenshot("overview_real_case_only")
    assert portal.outside_requests == []


def test_a_shared_link_opened_first_after_a_restart_gets_the_whole_app(browser, seed_db_master, tmp_path_factory):
    """The first request a fresh server gets is a deep link: it must still run app.py's chrome."""
    from portal_browser import PortalPage, running_portal

    with running_portal(seed_db_master, tmp_path_factory) as url:
        portal = PortalPage(browser, url)
        portal.open("/programmes?kind=fellowship")
        # app.py's sidebar is there (a first run on a cold server may take a while on a loaded machine)
        portal.page.get_by_role("switch", name="Show illustrative data").wait_for(timeout=60_000)
        assert portal.page.get_by_text("Illustrative data is shown").count() == 1
        assert portal.exceptions() == [] and portal.outside_requests == []
        portal.page.close()


@pytest.mark.parametrize("language, title", [("en", "Overview"), ("mn", None), ("ko", None)])
def test_overview_in_each_language(portal, language, title):
    from portal.i18n import catalog

    portal.open(f"/?lang={language}")
    expected = title or catalog(language)["overview.title"]
    assert portal.page.get_by_role("heading", name=expected).count() >= 1
    assert f"lang={language}" in portal.page.url
    portal.screenshot(f"overview_{language}")
    assert portal.outside_requests == [] and portal.exceptions() == []
