"""In headless Chromium: no request leaves the machine, every map draws, nothing breaks (every other page, in every
language: test_browser_screens.py), the chart library loads once, and the illustrative data hides."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# The pages test_browser_screens.py does not open (it opens the partners page at a record).
PAGES = {"partners": "/partners"}
PAGES_WITH_MAPS = {"partners"}


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
