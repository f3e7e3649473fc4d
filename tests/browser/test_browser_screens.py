"""In a real browser: every page in every language, for an anonymous visitor and a partner, photographed into
test-artifacts/screens/ and checked for what a reader would find hard to read: labels cut with an ellipsis,
charts without hover text, tables that need horizontal scrolling at 1,400 px, metric tiles and sidebar items
cut at 1,400 and 1,000 px."""

from __future__ import annotations

import json

import pytest

from portal_browser import ARTIFACTS

pytestmark = pytest.mark.browser

PAGES = {"overview": "/", "programmes": "/programmes", "programme": "/programmes?programme=NCTD-SCH-JOINT",
         "partners": "/partners?institution=MNG-NCTD", "equipment": "/equipment", "impact": "/impact"}
LANGUAGES = ("en", "mn", "ko")

# What the page shows that a reader cannot read in full, found in the page itself.
# Metric tiles and sidebar page names, and every element inside them (Streamlit's own ellipsis sits in a child).
TEXTS = ("[data-testid=stMetricValue], [data-testid=stMetricValue] *, [data-testid=stMetricLabel], "
         "[data-testid=stMetricLabel] *, [data-testid=stSidebarNavLink], [data-testid=stSidebarNavLink] *")
PROBLEMS = """(TEXTS) => {
  const cut = el => el.scrollWidth > el.clientWidth + 1;
  const problems = [];
  for (const tick of document.querySelectorAll('.js-plotly-plot .ytick text, .js-plotly-plot .xtick text'))
    if (tick.textContent.includes('…')) problems.push('ellipsis in chart label: ' + tick.textContent);
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const traces = plot.data || [];
    if (traces.length && !traces.some(t => (t.hovertext && t.hovertext.length) || t.hovertemplate))
      problems.push('chart without hover text: ' + (plot.layout?.title?.text || traces[0].name || '?'));
  }
  for (const grid of document.querySelectorAll('[data-testid=stDataFrame] .dvn-scroller'))
    if (cut(grid)) problems.push('table scrolls sideways: ' + grid.scrollWidth + ' > ' + grid.clientWidth);
  for (const el of document.querySelectorAll(TEXTS))
    if (cut(el) || el.textContent.endsWith('…')) problems.push('text cut: ' + el.textContent);
  return problems;
}"""
WIDTH_ONLY = """(TEXTS) => [...document.querySelectorAll(TEXTS)]
  .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => 'cut at 1,000 px: ' + el.textContent)"""


def photograph_every_page(portal, viewer: str) -> dict[str, list[str]]:
    """Open every page in every language; a screenshot of each, and what is wrong on it."""
    folder = ARTIFACTS / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    found = {}
    for language in LANGUAGES:
        for name, path in PAGES.items():
            page = f"{viewer}-{language}-{name}"
            portal.page.set_viewport_size({"width": 1400, "height": 1800})
            portal.open(path + ("&" if "?" in path else "?") + f"lang={language}")
            portal.page.screenshot(path=str(folder / f"{page}.png"), full_page=True)
            problems = portal.page.evaluate(PROBLEMS, TEXTS) + [f"exception: {e}" for e in portal.exceptions()]
            portal.page.set_viewport_size({"width": 1000, "height": 1800})
            portal.page.wait_for_timeout(700)
            problems += portal.page.evaluate(WIDTH_ONLY, TEXTS)
            portal.page.screenshot(path=str(folder / f"{page}-1000px.png"))
            found[page] = problems
    (folder / f"{viewer}-problems.json").write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    return found


def test_every_page_reads_in_full_for_an_anonymous_visitor(portal):
    found = photograph_every_page(portal, "anonymous")
    assert {page: problems for page, problems in found.items() if problems} == {}
    assert portal.outside_requests == []


def test_every_page_reads_in_full_for_a_partner(portal):
    portal.open("/")
    portal.sign_in("partner@nctd.example")
    found = photograph_every_page(portal, "partner")
    assert {page: problems for page, problems in found.items() if problems} == {}
    assert portal.outside_requests == []
