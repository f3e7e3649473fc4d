"""The pack's timeline: programmes, equipment and events as bars and diamonds by year, split between pages."""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Line
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from portal.brief.fonts import fit, label_shapes
from portal.brief.shapes import bar, diamond, legend
from portal.brief.styles import INK, MUTED, RULE, WIDTH, paragraph, pdf_colour
from portal.brief.text import cut_notes, fit_marked, record_dates
from portal.charts import LANE_GROUPS, colour, is_imprecise
from portal.display import is_missing
from portal.i18n import by_name, label, t

LANES = tuple(LANE_GROUPS)  # programmes, equipment, events: the lanes of the portal's timelines
ROW, LANE_ROW, AXIS = 19, 14, 16  # heights: an item, a lane heading, the year axis
LABEL_WIDTH = 68 * mm


def timeline_section(records: pd.DataFrame) -> list:
    items = records[records["record_kind"].isin(LANES) & records["first_day"].notna()]
    story: list = [paragraph(t("brief.timeline"), "h2")]
    if items.empty:  # every programme, equipment item and event has a date: nothing of them is in the brief
        return story + [paragraph(t("brief.timeline_none"), "caption")]
    first = pd.Timestamp(items["first_day"].min()).year
    last = pd.Timestamp(items["last_day"].max()).year + 1
    rows: list[tuple[str, object]] = []
    for lane in LANES:
        part = items[items["record_kind"] == lane]
        if len(part):
            rows.append(("lane", lane))
            rows += [("item", item) for _, item in part.iterrows()]
    entries = []
    for lane, part in items.groupby("record_kind", sort=False):
        entries.append((INK, t("brief.legend_lane", lane=t("brief.lane." + lane)), "heading"))
        entries += [(pdf_colour(colour(LANE_GROUPS[lane], kind)), label(LANE_GROUPS[lane], kind), "box")
                   for kind in by_name(part["kind"].unique(), partial(label, LANE_GROUPS[lane]))]
    entries += [(MUTED, t("chart.hatched_means_imprecise"), "hatched"), (MUTED, t("brief.single_day"), "diamond")]
    story += [paragraph(t("brief.timeline_caption"), "lead"), _Timeline(rows, first, last, legend(entries))]
    return story + cut_notes(items)


class _Timeline(Flowable):
    """The timeline drawing under its key, split between pages where needed: each part has its year axis, and
    a lane cut in two has its heading again."""

    def __init__(self, rows: list[tuple[str, object]], first_year: int, end_year: int, key: Drawing | None):
        super().__init__()
        self.rows, self.first_year, self.end_year, self.key = rows, first_year, end_year, key
        self.width = WIDTH
        self.height = _timeline_height(rows) + (key.height + 4 if key else 0)

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def split(self, available_width, available_height):
        used, fit = self.height - _timeline_height(self.rows) + AXIS + 2, 0
        for kind, _ in self.rows:
            used += LANE_ROW if kind == "lane" else ROW
            if used > available_height:
                break
            fit += 1
        while fit and self.rows[fit - 1][0] == "lane":  # never end a part on a lane heading
            fit -= 1
        if fit < min(4, len(self.rows)):  # too little room left on this page: start on the next one
            return []
        heading = next((row for row in reversed(self.rows[:fit]) if row[0] == "lane"), None)
        rest = self.rows[fit:]
        if rest and rest[0][0] != "lane" and heading:
            rest = [heading] + rest
        return [_Timeline(self.rows[:fit], self.first_year, self.end_year, self.key),
                _Timeline(rest, self.first_year, self.end_year, None)]

    def draw(self):
        timeline = _timeline_drawing(self.rows, self.first_year, self.end_year)
        renderPDF.draw(timeline, self.canv, 0, 0)
        if self.key:
            renderPDF.draw(self.key, self.canv, 0, timeline.height + 4)


def _timeline_height(rows: list[tuple[str, object]]) -> float:
    return AXIS + sum(LANE_ROW if kind == "lane" else ROW for kind, _ in rows) + 2


def _timeline_drawing(rows: list[tuple[str, object]], first_year: int, end_year: int) -> Drawing:
    drawing = Drawing(WIDTH, _timeline_height(rows))
    height = drawing.height
    left, right = LABEL_WIDTH + 4, WIDTH - 4
    start, end = date(first_year, 1, 1), date(end_year, 1, 1)
    days = (end - start).days

    def x_of(day) -> float:
        return left + (pd.Timestamp(day).date() - start).days / days * (right - left)

    years = end_year - first_year
    step = 1 if years <= 12 else 2 if years <= 24 else 5
    top = height - AXIS
    for year in range(first_year, end_year + 1, step):
        x = x_of(date(year, 1, 1))
        drawing.add(Line(x, 0, x, top + 3, strokeColor=RULE, strokeWidth=0.4))
        if year < end_year:
            for shape in label_shapes(x + 2, top + 5, str(year), 7, colour=MUTED):
                drawing.add(shape)
    y = top
    for kind, row in rows:
        if kind == "lane":
            y -= LANE_ROW
            for shape in label_shapes(0, y + 4, t("brief.lane." + row), 8, bold=True):
                drawing.add(shape)
            drawing.add(Line(0, y + 1, WIDTH, y + 1, strokeColor=RULE, strokeWidth=0.4))
            continue
        y -= ROW
        item = row
        name = fit_marked(item["name"], bool(item["illustrative"]), LABEL_WIDTH, 7.2)
        for shape in label_shapes(0, y + 10, name, 7.2):
            drawing.add(shape)
        for shape in label_shapes(0, y + 2.5, fit(record_dates(item), LABEL_WIDTH, 6.3), 6.3, colour=MUTED):
            drawing.add(shape)
        fill = pdf_colour(colour(LANE_GROUPS[item["record_kind"]], item["kind"]))
        exact = item["record_kind"] != "programme" and not is_imprecise(item["start_date"])
        if exact:
            diamond(drawing, x_of(item["first_day"]), y + 8, 4, fill)
            continue
        imprecise = (is_imprecise(item["start_date"]) or is_imprecise(item["end_date"])
                     or (item["record_kind"] == "programme" and is_missing(item["end_date"])))
        x1 = x_of(item["first_day"])
        x2 = x_of(pd.Timestamp(item["last_day"]) + pd.Timedelta(days=1))  # a bar covers its last day too
        bar(drawing, x1, y + 4, max(x2 - x1, 1.5), 8, fill, imprecise)
    return drawing


