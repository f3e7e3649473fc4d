"""In a real browser: every page in every language, for an anonymous visitor and a partner, photographed whole into
test-artifacts/screens/ and checked for what a reader would find hard to read: labels cut with an ellipsis,
charts without hover text, tables that need horizontal scrolling or cut a cell's text at 1,400 px, metric tiles
and sidebar items cut at 1,400 and 1,000 px; and that each works offline (no request leaves the machine, every map
draws its shapes, nothing breaks) and keeps its language (in the address, and the overview's title)."""

from __future__ import annotations

import json

import pytest

from portal import navigation
from portal.i18n import catalog
from portal_browser import ARTIFACTS

pytestmark = pytest.mark.browser

# Every page of the navigation the viewer may open (portal/navigation.py), some of them at a record, and a
# programme's own page too.
AT_A_RECORD = {"partners": "?institution=MNG-NCTD"}
DETAILS = {"programme": "/programmes?programme=NCTD-SCH-JOINT"}
LANGUAGES = ("en", "mn", "ko")
# Tables whose drawn cells are checked one by one (the canvas holds them: see DRAWN_TEXT).
CELLS_CHECKED = ("programmes", "equipment")
# Pages that show a map (the partners page at a record: AT_A_RECORD; its list: test_browser_offline.py).
PAGES_WITH_MAPS = ("overview", "partners")


def pages_of(role: str | None) -> dict[str, str]:
    """Name and address of every page a viewer with `role` may open, then the record pages."""
    pages = {page.name: ("/" if page.default else "/" + page.name) + AT_A_RECORD.get(page.name, "")
             for page in navigation.pages_for(role)}
    return {**pages, **DETAILS}


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

# st.dataframe draws its cells on a canvas (glide-data-grid): no element to measure, and a cut text is clipped,
# not ellipsised. So every text it draws is recorded with its place and measured width, per canvas; the header
# row's texts mark where each column starts (8 px in), and a text running past the next column's start is cut.
DRAWN_TEXT = """
window.portalDrawnText = [];
const canvasIds = new WeakMap();
let canvasCount = 0;
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
  if (!canvasIds.has(this.canvas)) canvasIds.set(this.canvas, canvasCount++);
  if (window.portalDrawnText.length < 50000)
    window.portalDrawnText.push({canvas: canvasIds.get(this.canvas), text: String(text), x, y, align: this.textAlign,
                                 width: this.measureText(text).width,
                                 canvasWidth: this.canvas.width / (this.getTransform().a || 1)});
  return fillText.call(this, text, x, y, ...rest);
};
"""
CUT_CELLS = """() => {
  const problems = [], byCanvas = new Map();
  for (const drawn of window.portalDrawnText || [])
    byCanvas.set(drawn.canvas, [...(byCanvas.get(drawn.canvas) || []), drawn]);
  for (const draws of byCanvas.values()) {
    const headerY = Math.min(...draws.map(d => d.y));
    const firstX = Math.min(...draws.filter(d => d.y === headerY).map(d => d.x));
    const latest = draws.slice(draws.findLastIndex(d => d.y === headerY && d.x === firstX));  // the last full draw
    const starts = [...new Set(latest.filter(d => d.y === headerY).map(d => d.x - 8))].sort((a, b) => a - b);
    for (const d of latest.filter(d => d.text.trim())) {
      const left = ['right', 'end'].includes(d.align) ? d.x - d.width : d.align === 'center' ? d.x - d.width / 2 : d.x;
      const column = starts.filter(start => start <= left + 1).length - 1;
      const end = column + 1 < starts.length ? starts[column + 1] : d.canvasWidth;
      if (column >= 0 && left + d.width > end - 3)
        problems.push(`table cell cut: "${d.text}" (${Math.round(d.width)} px in ${Math.round(end - left)} px)`);
    }
  }
  return problems;
}"""
# The page scrolls inside Streamlit's main container: the window as tall as its content photographs all of it.
CONTENT_HEIGHT = """() => Math.ceil(Math.max(...['[data-testid=stMain]', '[data-testid=stAppViewContainer]', 'body']
  .map(s => document.querySelector(s)?.scrollHeight || 0)))"""


def photograph_every_page(portal, viewer: str, role: str | None) -> dict[str, list[str]]:
    """Open every page the viewer may see in every language; a screenshot of each, and what is wrong on it."""
    folder = ARTIFACTS / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    portal.page.add_init_script(DRAWN_TEXT)
    found = {}
    for language in LANGUAGES:
        for name, path in pages_of(role).items():
            page = f"{viewer}-{language}-{name}"
            portal.page.set_viewport_size({"width": 1400, "height": 1800})
            portal.open(path + ("&" if "?" in path else "?") + f"lang={language}")
            problems = portal.page.evaluate(PROBLEMS, TEXTS) + [f"exception: {e}" for e in portal.exceptions()]
            problems += offline_problems(portal, name, language)
            if name in CELLS_CHECKED:
                problems += portal.page.evaluate(CUT_CELLS)
            photograph(portal, folder / f"{page}.png", 1400)
            portal.page.set_viewport_size({"width": 1000, "height": portal.page.viewport_size["height"]})
            portal.page.wait_for_timeout(400)  # tiles and the sidebar lay out at once; charts redraw for the photograph
            problems += portal.page.evaluate(WIDTH_ONLY, TEXTS)
            photograph(portal, folder / f"{page}-1000px.png", 1000)
            found[page] = problems
    (folder / f"{viewer}-problems.json").write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    return found


def offline_problems(portal, name: str, language: str) -> list[str]:
    """A map without its shapes (blank on an air-gapped network), a map missing, the language lost."""
    maps = portal.maps()
    # A map whose shapes failed to load has empty outlines.
    problems = [f"map without its shapes: {drawn}" for drawn in maps
                if drawn["countries"] <= 10_000 or drawn["land"] <= 10_000]
    if name in PAGES_WITH_MAPS and not maps:
        problems.append("the page shows no map")
    if f"lang={language}" not in portal.page.url:
        problems.append(f"the language left the address: {portal.page.url}")
    if name == "overview" and not portal.page.get_by_role("heading", name=catalog(language)["overview.title"]).count():
        problems.append("the overview's title is not in this language")
    return problems


def photograph(portal, path, width: int) -> None:
    """A screenshot of the whole page: the window made as tall as the page's content first."""
    height = max(800, portal.page.evaluate(CONTENT_HEIGHT))
    if height != portal.page.viewport_size["height"]:
        portal.page.set_viewport_size({"width": width, "height": height})
        portal.page.wait_for_timeout(300)  # charts redraw at the new size
    portal.page.screenshot(path=str(path))


def test_every_page_reads_in_full_for_an_anonymous_visitor(portal):
    found = photograph_every_page(portal, "anonymous", None)
    assert {page: problems for page, problems in found.items() if problems} == {}
    assert portal.outside_requests == []


def test_every_page_reads_in_full_for_a_partner(portal):
    portal.open("/")
    portal.sign_in("partner@nctd.example")
    found = photograph_every_page(portal, "partner", "partner")
    assert {page: problems for page, problems in found.items() if problems} == {}
    assert portal.outside_requests == []
