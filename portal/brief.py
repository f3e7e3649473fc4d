"""Briefing packs: one PDF about a programme, a partner institution or a country, made offline.

A pack holds the subject, the date of the data, key figures, a map, a timeline, the costs as reported and
converted (with both rates used), data-quality flags and the sources. It reads through
portal/queries/brief_*.sql only, so the viewer's access rules apply, and every text comes from t().
It is drawn with reportlab: the map from the portal's own TopoJSON shapes, the text in the fonts of the
Debian packages fonts-dejavu-core (Latin, Cyrillic), fonts-nanum (Hangul) and fonts-ipafont-gothic (kanji).
No network is used.
"""

from __future__ import annotations

import io
import json
import math
from datetime import date
from functools import lru_cache, partial
from pathlib import Path

import numpy as np
import pandas as pd
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Path as Outline, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal import charts, db, ui
from portal.charts import geometry
from portal.charts.partners import country_name
from portal.contract import ILLUSTRATIVE_MARK
from portal.display import pdf_text
from portal.i18n import by_name, label, t

# ---------------------------------------------------------------- fonts

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/nanum"),
             Path("/usr/share/fonts/opentype/ipafont-gothic")]
# reportlab name: (file, Debian package). DejaVu draws every character it has; Nanum draws the rest (Hangul),
# and IPA Gothic the Han characters Nanum lacks (kanji in Japanese names). Both are TrueType: reportlab
# cannot embed the CFF outlines of Noto CJK.
FONT_FILES = {
    "DejaVuSans": ("DejaVuSans.ttf", "fonts-dejavu-core"),
    "DejaVuSans-Bold": ("DejaVuSans-Bold.ttf", "fonts-dejavu-core"),
    "NanumGothic": ("NanumGothic.ttf", "fonts-nanum"),
    "NanumGothicBold": ("NanumGothicBold.ttf", "fonts-nanum"),
    "IPAGothic": ("ipag.ttf", "fonts-ipafont-gothic"),  # one weight: bold text uses it too
}
REGULAR, BOLD, FALLBACK, FALLBACK_BOLD, HAN = FONT_FILES
# The faces in the order they are tried, each as (regular, bold).
FACES = ((REGULAR, BOLD), (FALLBACK, FALLBACK_BOLD), (HAN, HAN))


class FontsMissing(RuntimeError):
    """The font files a briefing pack needs are not installed (the message names the Debian packages)."""


def _fonts() -> tuple[frozenset[int], ...]:
    """Register the fonts (once per set of font folders); return the characters each face has."""
    return _register(tuple(str(folder) for folder in FONT_DIRS))


@lru_cache(maxsize=None)
def _register(folders: tuple[str, ...]) -> tuple[frozenset[int], ...]:
    found, missing = {}, []
    for name, (file, package) in FONT_FILES.items():
        path = next((Path(f) / file for f in folders if (Path(f) / file).is_file()), None)
        if path is None:
            missing.append((file, package))
        found[name] = path
    if missing:
        packages = " ".join(sorted({package for _, package in missing}))
        raise FontsMissing(t("brief.fonts_missing", files=", ".join(file for file, _ in missing),
                             packages=packages))
    for name, path in found.items():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    for regular, bold in FACES:
        pdfmetrics.registerFontFamily(regular, normal=regular, bold=bold, italic=regular, boldItalic=bold)
    return tuple(frozenset(pdfmetrics.getFont(regular).face.charToGlyph) for regular, _ in FACES)


def _runs(text: str) -> list[tuple[int, str]]:
    """Split text into runs of (index in FACES of the first face that has the characters, characters);
    spaces stay with the run they are in. A character no face has goes to the Hangul face (which shows a box)."""
    faces = _fonts()
    runs: list[list] = []
    for character in text:
        face = next((index for index, has in enumerate(faces) if ord(character) in has), 1)
        if character.isspace() and runs:
            face = runs[-1][0]
        if runs and runs[-1][0] == face:
            runs[-1][1] += character
        else:
            runs.append([face, character])
    return [(face, chunk) for face, chunk in runs]


def _markup(text: object) -> str:
    """Paragraph markup for plain text: escaped, with Hangul and Han characters (whatever DejaVu lacks) in
    their faces."""
    return "".join(f'<font face="{FACES[face][0]}">{pdf_text(chunk)}</font>' if face else pdf_text(chunk)
                   for face, chunk in _runs(str(text)))


def _font(face: int, bold: bool) -> str:
    return FACES[face][bold]


def _width(text: str, size: float, bold: bool = False) -> float:
    return sum(pdfmetrics.stringWidth(chunk, _font(face, bold), size) for face, chunk in _runs(text))


def _fit(text: str, width: float, size: float, bold: bool = False) -> str:
    """The text, cut with an ellipsis if it is wider than `width`."""
    if _width(text, size, bold) <= width:
        return text
    while text and _width(text + "…", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _placed(x: float, text: str, size: float, bold: bool, anchor: str) -> list[tuple[float, str, str]]:
    """(x, font, characters) for each run of a line of text anchored at x ("start", "middle" or "end")."""
    x -= {"start": 0, "middle": 0.5, "end": 1}[anchor] * _width(text, size, bold)
    placed = []
    for face, chunk in _runs(text):
        font = _font(face, bold)
        placed.append((x, font, chunk))
        x += pdfmetrics.stringWidth(chunk, font, size)
    return placed


def _label(x: float, y: float, text: str, size: float, bold: bool = False, anchor: str = "start",
           colour=colors.black) -> list[String]:
    """A line of text as graphics strings, one per font run."""
    return [String(left, y, chunk, fontName=font, fontSize=size, fillColor=colour)
            for left, font, chunk in _placed(x, text, size, bold, anchor)]


# ---------------------------------------------------------------- layout and styles

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
PER_KIND = 60  # records of each kind in a pack: enough to read, bounded in pages
INK, MUTED, RULE, SUBJECT = (colors.HexColor(c) for c in ("#1f2d3d", "#5b6670", "#c9d1d9", "#d62728"))


def _style(name: str, size: float, leading: float, bold: bool = False, colour=INK, **extra) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=BOLD if bold else REGULAR, fontSize=size, leading=leading,
                          textColor=colour, **extra)


STYLES = {
    "kicker": _style("kicker", 9, 12, bold=True, colour=MUTED),
    "title": _style("title", 18, 22, bold=True, spaceAfter=2),
    "local": _style("local", 13, 17, spaceAfter=4),
    "line": _style("line", 9, 12),
    "h2": _style("h2", 12, 15, bold=True, spaceBefore=10, spaceAfter=3, keepWithNext=1),
    "lead": _style("lead", 7.5, 9.5, colour=MUTED, spaceAfter=3, keepWithNext=1),  # a caption above its table
    "body": _style("body", 8.5, 11),
    "caption": _style("caption", 7.5, 9.5, colour=MUTED, spaceBefore=2),
    "cell": _style("cell", 7.5, 9.2),
    "head": _style("head", 7.5, 9.2, bold=True),
    "num": _style("num", 7.5, 9.2, alignment=TA_RIGHT),
    "head_num": _style("head_num", 7.5, 9.2, bold=True, alignment=TA_RIGHT),
    "figure": _style("figure", 14, 17),
    "note": _style("note", 8.5, 11, borderColor=colors.HexColor("#e0b050"), borderWidth=0.7, borderPadding=5,
                   backColor=colors.HexColor("#fff6df"), spaceBefore=8, spaceAfter=6),
    "total": _style("total", 8.5, 11, spaceBefore=4),
    "item": _style("item", 8, 10.5, leftIndent=14, bulletIndent=2),
}


def _p(text: object, style: str = "body", bold: bool = False) -> Paragraph:
    markup = _markup(text)
    return Paragraph(f"<b>{markup}</b>" if bold else markup, STYLES[style])


def _table(rows: list[list[object]], widths: list[float], numeric: tuple[int, ...] = ()) -> Table:
    """A table with a bold header row that repeats on every page; cells are paragraphs (they wrap), the
    `numeric` columns aligned right."""
    cells = [[v if isinstance(v, Paragraph) else _p(v, ("num" if c in numeric else "cell") if r else
                                                    ("head_num" if c in numeric else "head"))
              for c, v in enumerate(row)] for r, row in enumerate(rows)]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))
    return table


def _colour(value: str) -> colors.Color:
    """A reportlab colour from a plotly colour ("rgb(1, 2, 3)" or "#rrggbb")."""
    if value.startswith("rgb"):
        red, green, blue = (int(part) for part in value[value.index("(") + 1:-1].split(","))
        return colors.Color(red / 255, green / 255, blue / 255)
    return colors.HexColor(value)


def number(value: object) -> str:
    """A count or amount as the app shows it ("1,234", "29,080.88"); missing reads "not reported"."""
    return ui.number(value.item() if isinstance(value, np.generic) else value)


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, (list, tuple, dict)) and bool(pd.isna(value)))


def _text(value: object) -> str:
    return t("value.not_reported") if _missing(value) else str(value)


def _marked(name: object, illustrative: bool) -> str:
    """A record's name, marked "(illustrative)" when it is (illustrative institutions already say so)."""
    name = _text(name)
    # The seed's own names carry the English mark; any language's mark counts as marked.
    if illustrative and ILLUSTRATIVE_MARK not in name.lower() and t("brief.illustrative_suffix") not in name:
        return t("brief.illustrative_mark", name=name)
    return name


# ---------------------------------------------------------------- the three packs


def programme_brief(store: db.Store, scope: db.Scope, programme_id: str, reporting_currency: str = "USD",
                    include_illustrative: bool = True) -> bytes | None:
    """The briefing pack of one programme as PDF bytes, or None if the viewer may not see it."""
    return _brief(store, scope, "programme", programme_id, reporting_currency, include_illustrative)


def institution_brief(store: db.Store, scope: db.Scope, institution_id: str, reporting_currency: str = "USD",
                      include_illustrative: bool = True) -> bytes | None:
    """The briefing pack of one partner institution as PDF bytes, or None if the viewer may not see it."""
    return _brief(store, scope, "institution", institution_id, reporting_currency, include_illustrative)


def country_brief(store: db.Store, scope: db.Scope, country_code: str, reporting_currency: str = "USD",
                  include_illustrative: bool = True) -> bytes | None:
    """The briefing pack of one country (ISO alpha-3) as PDF bytes, or None if it has no visible institution."""
    return _brief(store, scope, "country", country_code, reporting_currency, include_illustrative)


def _brief(store: db.Store, scope: db.Scope, subject_kind: str, subject_id: str, currency: str,
           include_illustrative: bool) -> bytes | None:
    _fonts()  # fail early, naming the packages to install
    params = {"programme": None, "institution": None, "country": None, subject_kind: subject_id,
              "include_illustrative": include_illustrative, "reporting_currency": currency}
    records = store.read("brief_records", scope, per_kind=PER_KIND, **params)
    if records.empty:  # no such subject, or not one the viewer may see
        return None
    return _render(subject_kind, subject_id, records, currency, scope.costs_visible)


def _render(subject_kind: str, subject_id: str, records: pd.DataFrame, currency: str,
            costs_visible: bool = True) -> bytes:
    figures = records.iloc[0]  # every row carries the brief's figures
    institutions = records[records["record_kind"] == "institution"].reset_index(drop=True)
    numbers = {i: n for n, i in enumerate(institutions["record_id"], start=1)}
    own = records[(records["record_kind"] == subject_kind) & (records["record_id"] == subject_id)]
    subject_row = own.iloc[0] if len(own) else None  # None for a country
    subject = country_name(subject_id) if subject_row is None else _marked(subject_row["name"],
                                                                           bool(subject_row["illustrative"]))
    when = _data_as_of(figures["data_as_of"])

    story = _header(subject_kind, subject_id, subject, subject_row, figures, institutions, currency, when)
    story += _figures(figures, currency, costs_visible)
    story += [_p(t("brief.map"), "h2"), *_map(records, institutions, numbers)]
    story += _timeline(records)
    story += _institution_table(institutions, numbers)
    story += _costs(records, figures, currency) if costs_visible else \
        [_p(t("brief.costs"), "h2"), _p(t("access.costs_hidden"), "caption")]
    story += _flags(records)
    story += _sources(records)

    out = io.BytesIO()
    footer = f"{t('brief.heading', title=t('brief.title'), subject=subject)} · {t('brief.data_as_of', when=when)}"
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN + 4 * mm, title=t("brief.heading", title=t("brief.title"),
                                                                       subject=subject),
                                 author=t("app.title"), creator=t("app.title"))
    document.build(story, canvasmaker=partial(_FooterCanvas, footer=footer))
    return out.getvalue()


def _data_as_of(value: object) -> str:
    if _missing(value):
        return t("brief.no_import")
    return pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")


class _FooterCanvas(Canvas):
    """A canvas that writes "Page N of M" and the pack's name at the foot of every page once all are laid out."""

    def __init__(self, *args, footer: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._footer, self._pages = footer, []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            page = t("brief.page", page=self._pageNumber, pages=total)
            y = MARGIN - 2 * mm
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            self.line(MARGIN, y + 9, PAGE_WIDTH - MARGIN, y + 9)
            self.setFillColor(MUTED)
            room = WIDTH - _width(page, 7) - 6 * mm
            for text, x, anchor in ((_fit(self._footer, room, 7), MARGIN, "start"),
                                    (page, PAGE_WIDTH - MARGIN, "end")):
                for left, font, chunk in _placed(x, text, 7, False, anchor):
                    self.setFont(font, 7)
                    self.drawString(left, y, chunk)
            super().showPage()
        super().save()


# ---------------------------------------------------------------- header and figures


def _header(subject_kind, subject_id, subject, row, figures, institutions, currency, when) -> list:
    """The kicker, the subject's name (and its local name), what it is, the date of the data and the currency."""
    story = [_p(t("brief.heading", title=t("brief.title"), subject=t("brief.subject." + subject_kind)).upper(),
                "kicker"),
             _p(subject, "title")]
    if row is not None and not _missing(row["name_local"]):
        story.append(_p(row["name_local"], "local"))
    if subject_kind == "programme":
        story.append(_p(t("brief.programme_line", kind=label("programme_kind", row["kind"]),
                          status=label("programme_status", row["status"]), dates=_dates(row)), "line"))
        by_id = institutions.set_index("record_id")
        for key, column, fallback in (("brief.home", "institution_id", "home_name"),
                                      ("brief.host", "partner_institution_id", "host_name")):
            known = row[column] in by_id.index
            story.append(_p(t(key, institution=_institution_text(by_id.loc[row[column]]) if known
                              else _text(row[fallback])), "line"))
    elif subject_kind == "institution":
        story.append(_p(t("brief.institution_line", kind=label("institution_kind", row["kind"]),
                          place=_place(row["city"], row["country"])), "line"))
    else:
        story.append(_p(t("brief.country_line", code=subject_id), "line"))
    story += [Spacer(1, 4), _p(t("brief.data_as_of", when=when), "line", bold=True),
              _p(t("brief.currency_line", currency=currency), "line")]
    if figures["illustrative_records"]:
        story.append(_p(t("brief.illustrative_note"), "note"))
    return story


def _fit_marked(name: object, illustrative: bool, width: float, size: float) -> str:
    """A name cut to fit `width`, keeping its "(illustrative)" mark whole."""
    marked = _marked(name, illustrative)
    if not illustrative or _width(marked, size) <= width:
        return _fit(marked, width, size)
    mark = t("brief.illustrative_suffix")
    text = _text(name).removesuffix(mark).rstrip()
    return _fit(text, width - _width(" " + mark, size), size) + " " + mark


def _place(city: object, country: object) -> str:
    return country_name(country) if _missing(city) else t("brief.place", city=city, country=country_name(country))


def _institution_text(institution: pd.Series) -> str:
    name = _marked(institution["name"], bool(institution["illustrative"]))
    if not _missing(institution["name_local"]):
        name = f"{name} ({institution['name_local']})"
    return t("brief.institution_text", name=name, place=_place(institution["city"], institution["country"]))


def _dates(item) -> str:
    """When a record happened, as a person reads it: "2024 (month not reported) to end not reported"."""
    start = charts.date_text(item["start_date"])
    if item["record_kind"] != "programme":
        return start
    end = charts.date_text(item["end_date"]) if not _missing(item["end_date"]) else t("date.end_not_reported")
    return t("date.range", start=start, end=end)


def _figures(figures: pd.Series, currency: str, costs_visible: bool = True) -> list:
    cost_notes = [_not_reported(figures["cost_not_reported"], figures["cost_records"])]
    if figures["rate_missing_total"]:
        cost_notes.append(t("brief.figure_no_rate", count=number(figures["rate_missing_total"])))
    cost = number(figures["cost_total"]) if figures["cost_records"] else t("value.not_reported")
    if not costs_visible:
        cost, cost_notes = t("value.hidden"), [t("access.costs_hidden")]
    tiles = [
        ("brief.figure_programmes", number(figures["programmes"]), []),
        ("brief.figure_participants", number(figures["participants"]),
         [_not_reported(figures["participants_not_reported"], figures["programmes"])]),
        ("brief.figure_partners", number(figures["partners"]), []),
        ("brief.figure_equipment", number(figures["equipment"]), []),
        ("brief.figure_cost", cost, cost_notes),
    ]
    tile = WIDTH / len(tiles)
    cells = [[_p(t(key, currency=currency), "caption"), _figure(value, tile - 12)]
             + [_p(n, "caption") for n in notes if n]
             for key, value, notes in tiles]
    table = Table([cells], colWidths=[tile] * len(tiles))
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f4f6f8")),
                               ("LINEAFTER", (0, 0), (-2, -1), 0.8, colors.white),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 4),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
    return [_p(t("brief.summary"), "h2"), table, _p(t("brief.summary_caption"), "caption")]


def _figure(value: str, width: float) -> Paragraph:
    """A key figure in large type, smaller when it is words ("not reported") that would not fit."""
    size = next((s for s in (14, 12, 10) if _width(value, s, bold=True) <= width), 9)
    style = ParagraphStyle("figure", parent=STYLES["figure"], fontSize=size, leading=size + 3)
    return Paragraph(f"<b>{_markup(value)}</b>", style)


def _not_reported(missing: object, total: object) -> str:
    """"3 of 40 not reported" under a figure; nothing when there is nothing to report."""
    return ui.not_reported_note(int(missing), int(total)) if total else ""


# ---------------------------------------------------------------- map

WORLD = db.PROJECT_DIR / "static" / "topojson" / "world_110m.json"
MAP_HEIGHT = 92 * mm
LAND, BORDER, SEA, COUNTRY_NAME = (colors.HexColor(c) for c in ("#f3f1ea", "#9aa5b1", "#e3eef7", "#7d8893"))


@lru_cache(maxsize=1)
def _world() -> tuple[tuple, ...]:
    """Every country of the portal's TopoJSON: (bounding box, rings of (lon, lat), ISO code, label point)."""
    topology = json.loads(WORLD.read_text(encoding="utf-8"))
    (scale_x, scale_y), (shift_x, shift_y) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:  # quantized, delta-encoded positions
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)

    def ring(indices: list[int]) -> tuple[tuple[float, float], ...]:
        points: list[tuple[float, float]] = []
        for index in indices:  # a negative index ~i is arc i reversed; consecutive arcs share an end point
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc if not points else arc[1:])
        return tuple(points)

    countries = []
    for shape in topology["objects"]["countries"]["geometries"]:
        polygons = {"Polygon": [shape.get("arcs", [])], "MultiPolygon": shape.get("arcs", [])}.get(
            shape["type"], [])
        rings = tuple(part for polygon in polygons for r in polygon for part in _unwrapped(ring(r)))
        if rings:
            lons = [p[0] for r in rings for p in r]
            lats = [p[1] for r in rings for p in r]
            centre = tuple(shape.get("properties", {}).get("ct") or ()) or None
            countries.append(((min(lons), min(lats), max(lons), max(lats)), rings, shape.get("id"), centre))
    return tuple(countries)


def _unwrapped(ring: tuple[tuple[float, float], ...]) -> list[tuple[tuple[float, float], ...]]:
    """A ring that crosses the antimeridian made continuous (no edge across the whole map), with a copy
    shifted by 360° so that the part beyond ±180° is drawn on the other side."""
    points, shift = [ring[0]], 0.0
    for (previous, _), (lon, lat) in zip(ring, ring[1:]):
        if lon - previous > 180:
            shift -= 360
        elif lon - previous < -180:
            shift += 360
        points.append((lon + shift, lat))
    lons = [lon for lon, _ in points]
    rings = [tuple(points)]
    for beyond, move in ((min(lons) < -180, 360), (max(lons) > 180, -360)):
        if beyond:
            rings.append(tuple((lon + move, lat) for lon, lat in points))
    return rings


def _clip(ring, west: float, south: float, east: float, north: float) -> list[tuple[float, float]]:
    """A ring cut to a longitude/latitude box (Sutherland-Hodgman)."""
    points = list(ring)
    for axis, bound, keep_above in ((0, west, True), (0, east, False), (1, south, True), (1, north, False)):
        if not points:
            break
        kept = []
        for index, current in enumerate(points):
            previous = points[index - 1]
            inside_now = current[axis] >= bound if keep_above else current[axis] <= bound
            inside_before = previous[axis] >= bound if keep_above else previous[axis] <= bound
            if inside_now != inside_before:
                share = (bound - previous[axis]) / (current[axis] - previous[axis])
                crossing = [previous[0] + share * (current[0] - previous[0]),
                            previous[1] + share * (current[1] - previous[1])]
                crossing[axis] = bound
                kept.append(tuple(crossing))
            if inside_now:
                kept.append(current)
        points = kept
    return points


def _frame(lons: list[float], lats: list[float], width: float, height: float):
    """The longitude/latitude box shown (the points with a margin, shaped like the drawing) and a projection."""
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    span_lon = max(east - west + 2 * max(3.0, 0.12 * (east - west)), 18.0)
    span_lat = max(north - south + 2 * max(2.0, 0.15 * (north - south)), 9.0)
    centre_lon, centre_lat = (west + east) / 2, (south + north) / 2
    stretch = math.cos(math.radians(max(-60.0, min(60.0, centre_lat))))  # equirectangular, true at the centre
    if span_lon * stretch / span_lat < width / height:
        span_lon = min(360.0, span_lat * width / height / stretch)
    else:
        span_lat = min(170.0, span_lon * stretch * height / width)
    centre_lon = max(-180 + span_lon / 2, min(180 - span_lon / 2, centre_lon))
    centre_lat = max(-85 + span_lat / 2, min(85 - span_lat / 2, centre_lat))
    box = (centre_lon - span_lon / 2, centre_lat - span_lat / 2, centre_lon + span_lon / 2, centre_lat + span_lat / 2)
    scale = min(width / (span_lon * stretch), height / span_lat)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (width / 2 + (lon - centre_lon) * stretch * scale, height / 2 + (lat - centre_lat) * scale)

    return box, project


def _map(records: pd.DataFrame, institutions: pd.DataFrame, numbers: dict[str, int]) -> list:
    located = institutions.dropna(subset=["latitude", "longitude"])
    if located.empty:
        return [_p(t("brief.map_none"), "caption")]
    programmes = records[(records["record_kind"] == "programme")].dropna(
        subset=["home_latitude", "home_longitude", "host_latitude", "host_longitude"])
    pairs = programmes.drop_duplicates(["institution_id", "partner_institution_id", "kind"])
    lons = located["longitude"].tolist() + pairs["home_longitude"].tolist() + pairs["host_longitude"].tolist()
    lats = located["latitude"].tolist() + pairs["home_latitude"].tolist() + pairs["host_latitude"].tolist()
    box, project = _frame(lons, lats, WIDTH, MAP_HEIGHT)
    west, south, east, north = box

    drawing = Drawing(WIDTH, MAP_HEIGHT)
    # Everything inside one group clipped to the frame, so that no shape or curve strays onto the page.
    frame = Outline(isClipPath=1, fillColor=None, strokeColor=None)
    for x, y in ((0, 0), (WIDTH, 0), (WIDTH, MAP_HEIGHT), (0, MAP_HEIGHT)):
        (frame.lineTo if frame.points else frame.moveTo)(x, y)
    frame.closePath()
    clipped = Group(frame, Rect(0, 0, WIDTH, MAP_HEIGHT, fillColor=SEA, strokeColor=None))
    drawing.add(clipped)
    names, shown_countries = [], set(located["country"])
    for (c_west, c_south, c_east, c_north), rings, code, centre in _world():
        if c_east < west or c_west > east or c_north < south or c_south > north:
            continue
        if code in shown_countries and centre and west < centre[0] < east and south < centre[1] < north:
            names.append((project(*centre), country_name(code)))
        outline = Outline(fillColor=LAND, strokeColor=BORDER, strokeWidth=0.4)  # even-odd fill: holes stay open
        for ring in rings:
            points = _clip(ring, west, south, east, north)
            if len(points) < 3:
                continue
            outline.moveTo(*project(*points[0]))
            for point in points[1:]:
                outline.lineTo(*project(*point))
            outline.closePath()
        clipped.add(outline)

    dots = {i.record_id: project(i.longitude, i.latitude) for i in located.itertuples()}
    placed = [(x - 3, y - 3, 6, 6) for x, y in dots.values()]  # boxes taken, so that no label covers another
    for (x, y), name in names:
        _place_label(clipped, x, y, name, 6.5, placed, COUNTRY_SPOTS, colour=COUNTRY_NAME, bold=False, optional=True)
    largest = max([int(p) for p in pairs["pair_programmes"]] or [1])
    # One line per home, host and kind; lines between the same two places bend to alternate sides, then further.
    pairs = pairs.assign(bend=pairs.groupby(["institution_id", "partner_institution_id"]).cumcount())
    for pair in pairs.itertuples():
        width = 0.8 + 2.4 * math.sqrt(int(pair.pair_programmes) / largest)
        _arc(clipped, project(pair.home_longitude, pair.home_latitude),
             project(pair.host_longitude, pair.host_latitude), width,
             _colour(charts.colour("programme_kind", pair.kind)), geometry.bend(pair.bend))

    for institution in located.sort_values("in_subject").itertuples():
        x, y = dots[institution.record_id]
        clipped.add(Circle(x, y, 2.6, fillColor=SUBJECT if institution.in_subject else INK,
                           strokeColor=colors.white, strokeWidth=0.6))
    for (x, y), members in _clusters(dots):  # institutions in one city share a label: "1, 3, 4"
        text = ", ".join(str(n) for n in sorted(numbers[m] for m in members))
        _place_label(clipped, x, y, text, 6.5, placed, NUMBER_SPOTS)
    drawing.add(Rect(0, 0, WIDTH, MAP_HEIGHT, fillColor=None, strokeColor=BORDER, strokeWidth=0.6))

    legend = [(INK, t("brief.map_institution"), "dot")]
    if located["in_subject"].any():
        legend.append((SUBJECT, t("brief.map_subject"), "dot"))
    legend += [(_colour(charts.colour("programme_kind", kind)), label("programme_kind", kind), "line")
               for kind in by_name(pairs["kind"].unique(), partial(label, "programme_kind"))]
    return [KeepTogether([drawing, _legend(legend), _p(t("brief.map_caption"), "caption")])]


def _clusters(points: dict[str, tuple[float, float]], reach: float = 4.0) -> list[tuple[tuple[float, float], list]]:
    """Points grouped with the first earlier point within `reach` (drawn on top of each other)."""
    return geometry.clusters(points, reach)


def _arc(drawing: Group, start: tuple[float, float], end: tuple[float, float], width: float, colour,
         bend: float) -> None:
    """A line from home to host, bent to one side by `bend` of its length, ending in an arrowhead."""
    (x1, y1), (x2, y2) = start, end
    if math.hypot(x2 - x1, y2 - y1) < 1:
        return
    cx, cy = geometry.control_point(start, end, bend)
    line = Outline(strokeColor=colour, strokeWidth=width, fillColor=None, strokeOpacity=0.85, strokeLineCap=1)
    line.moveTo(x1, y1)
    line.curveTo(cx, cy, cx, cy, x2, y2)
    drawing.add(line)
    # An arrowhead at the host, along the curve's last direction, stopping short of the dot.
    dx, dy = x2 - cx, y2 - cy
    norm = math.hypot(dx, dy) or 1
    dx, dy = dx / norm, dy / norm
    tip_x, tip_y = x2 - dx * 3, y2 - dy * 3
    size = 3 + width
    drawing.add(Polygon([tip_x, tip_y, tip_x - dx * size - dy * size / 2, tip_y - dy * size + dx * size / 2,
                         tip_x - dx * size + dy * size / 2, tip_y - dy * size - dx * size / 2],
                        fillColor=colour, strokeColor=None))


# Where a label may go, tried in turn, as (share of its width, x offset, share of its height, y offset) from its
# point to its lower left corner: right of a dot, left, above, below, the four corners, then farther out.
NUMBER_SPOTS = [(0, 4, -0.5, 0), (-1, -4, -0.5, 0), (-0.5, 0, 0, 4), (-0.5, 0, -1, -4), (0, 3, 0, 3),
                (-1, -3, 0, 3), (0, 3, -1, -3), (-1, -3, -1, -3), (0, 9, -0.5, 0), (-1, -9, -0.5, 0),
                (-0.5, 0, 0, 10), (-0.5, 0, -1, -10), (0, 14, -0.5, 0), (-1, -14, -0.5, 0)]
COUNTRY_SPOTS = [(-0.5, 0, -0.5, dy) for dy in (0, 9, -9, 18, -18)]
GAP = 2  # space kept between labels side by side


def _place_label(drawing: Group, x: float, y: float, text: str, size: float, placed: list, spots: list,
                 colour=INK, bold: bool = True, optional: bool = False) -> None:
    """A label near (x, y) at the first spot where it overlaps nothing placed and stays inside the map.

    An optional label (a country's name) that fits nowhere is left out; others take the first spot anyway.
    """
    width, height = _width(text, size, bold) + 2, size + 1
    boxes = [(x + dx + fx * width, y + dy + fy * height) for fx, dx, fy, dy in spots]

    def clear(left: float, bottom: float) -> bool:
        inside = 0 <= left and left + width <= WIDTH and 0 <= bottom and bottom + height <= MAP_HEIGHT
        return inside and all(left + width + GAP <= a or a + c + GAP <= left or bottom + height <= b
                              or b + d <= bottom for a, b, c, d in placed)

    spot = next((b for b in boxes if clear(*b)), None if optional else boxes[0])
    if spot is None:
        return
    left, bottom = spot
    placed.append((left, bottom, width, height))
    if not optional:
        drawing.add(Rect(left, bottom, width, height, fillColor=colors.white, fillOpacity=0.8, strokeColor=None))
    for shape in _label(left + width / 2, bottom + 1.5, text, size, bold=bold, anchor="middle", colour=colour):
        drawing.add(shape)


def _legend(items: list[tuple[object, str, str]]) -> Drawing:
    """Legend entries in wrapped rows: (colour, text, "dot" | "line" | "box" | "hatched" | "diamond" | "heading")."""
    size, row_height, lines = 7, 11, [[]]
    x = 0.0
    widths = [(_width(text, size, bold=True) - 7 if mark == "heading" else _width(text, size)) + 24
              for _, text, mark in items]
    for index, (colour, text, mark) in enumerate(items):
        entry = widths[index]
        needed = entry + (widths[index + 1] if mark == "heading" and index + 1 < len(items) else 0)
        if x + needed > WIDTH and lines[-1]:  # a heading wraps with its first entry
            lines.append([])
            x = 0.0
        lines[-1].append((x, colour, text, mark))
        x += entry
    drawing = Drawing(WIDTH, row_height * len(lines) + 3)
    for row, line in enumerate(lines):
        y = drawing.height - row_height * (row + 1) + 3
        for x, colour, text, mark in line:
            if mark == "heading":
                shapes = _label(x, y, text, size, bold=True, colour=INK)
            else:
                _mark(drawing, x + 5, y + 2.5, mark, colour)
                shapes = _label(x + 13, y, text, size, colour=INK)
            for shape in shapes:
                drawing.add(shape)
    return drawing


def _mark(drawing: Drawing, x: float, y: float, mark: str, colour) -> None:
    if mark == "dot":
        drawing.add(Circle(x, y, 2.6, fillColor=colour, strokeColor=colors.white, strokeWidth=0.6))
    elif mark == "line":
        drawing.add(Line(x - 5, y, x + 5, y, strokeColor=colour, strokeWidth=2))
    elif mark == "diamond":
        _diamond(drawing, x, y, 3.2, colour)
    else:
        _bar(drawing, x - 5, y - 3, 10, 6, colour, imprecise=mark == "hatched")


# ---------------------------------------------------------------- timeline

LANES = ("programme", "equipment", "event")
LANE_GROUPS = {"programme": "programme_kind", "equipment": "equipment_category", "event": "event_kind"}
ROW, LANE_ROW, AXIS = 19, 14, 16  # heights: an item, a lane heading, the year axis
LABEL_WIDTH = 68 * mm


def _timeline(records: pd.DataFrame) -> list:
    items = records[records["record_kind"].isin(LANES) & records["first_day"].notna()]
    story: list = [_p(t("brief.timeline"), "h2")]
    if items.empty:  # every programme, equipment item and event has a date: nothing of them is in the brief
        return story + [_p(t("brief.timeline_none"), "caption")]
    first = pd.Timestamp(items["first_day"].min()).year
    last = pd.Timestamp(items["last_day"].max()).year + 1
    rows: list[tuple[str, object]] = []
    for lane in LANES:
        part = items[items["record_kind"] == lane]
        if len(part):
            rows.append(("lane", lane))
            rows += [("item", item) for _, item in part.iterrows()]
    legend = []
    for lane, part in items.groupby("record_kind", sort=False):
        legend.append((INK, t("brief.legend_lane", lane=t("brief.lane." + lane)), "heading"))
        legend += [(_colour(charts.colour(LANE_GROUPS[lane], kind)), label(LANE_GROUPS[lane], kind), "box")
                   for kind in by_name(part["kind"].unique(), partial(label, LANE_GROUPS[lane]))]
    legend += [(MUTED, t("chart.hatched_means_imprecise"), "hatched"), (MUTED, t("brief.single_day"), "diamond")]
    story += [_p(t("brief.timeline_caption"), "lead"), _Timeline(rows, first, last, _legend(legend))]
    return story + _cut_notes(items)


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
            for shape in _label(x + 2, top + 5, str(year), 7, colour=MUTED):
                drawing.add(shape)
    y = top
    for kind, row in rows:
        if kind == "lane":
            y -= LANE_ROW
            for shape in _label(0, y + 4, t("brief.lane." + row), 8, bold=True):
                drawing.add(shape)
            drawing.add(Line(0, y + 1, WIDTH, y + 1, strokeColor=RULE, strokeWidth=0.4))
            continue
        y -= ROW
        item = row
        name = _fit_marked(item["name"], bool(item["illustrative"]), LABEL_WIDTH, 7.2)
        for shape in _label(0, y + 10, name, 7.2):
            drawing.add(shape)
        for shape in _label(0, y + 2.5, _fit(_dates(item), LABEL_WIDTH, 6.3), 6.3, colour=MUTED):
            drawing.add(shape)
        colour = _colour(charts.colour(LANE_GROUPS[item["record_kind"]], item["kind"]))
        exact = item["record_kind"] != "programme" and not charts.is_imprecise(item["start_date"])
        if exact:
            _diamond(drawing, x_of(item["first_day"]), y + 8, 4, colour)
            continue
        imprecise = (charts.is_imprecise(item["start_date"]) or charts.is_imprecise(item["end_date"])
                     or (item["record_kind"] == "programme" and _missing(item["end_date"])))
        x1 = x_of(item["first_day"])
        x2 = x_of(pd.Timestamp(item["last_day"]) + pd.Timedelta(days=1))  # a bar covers its last day too
        _bar(drawing, x1, y + 4, max(x2 - x1, 1.5), 8, colour, imprecise)
    return drawing


def _bar(drawing: Drawing, x: float, y: float, width: float, height: float, colour, imprecise: bool) -> None:
    """A bar; an imprecise one lighter and hatched (its dates are known only to the year or month)."""
    drawing.add(Rect(x, y, width, height, fillColor=colour, fillOpacity=0.4 if imprecise else 0.9,
                     strokeColor=colour, strokeWidth=0.6))
    if not imprecise:
        return
    gap = 2.6
    offset = -height
    while offset < width:  # 45° lines clipped to the bar
        low, high = max(0.0, -offset), min(height, width - offset)
        if high > low:
            drawing.add(Line(x + offset + low, y + low, x + offset + high, y + high, strokeColor=INK,
                             strokeWidth=0.35))
        offset += gap


def _diamond(drawing: Drawing, x: float, y: float, size: float, colour) -> None:
    drawing.add(Polygon([x, y - size, x + size, y, x, y + size, x - size, y], fillColor=colour, strokeColor=INK,
                        strokeWidth=0.4))


# ---------------------------------------------------------------- tables


def _institution_table(institutions: pd.DataFrame, numbers: dict[str, int]) -> list:
    if institutions.empty:
        return []
    rows = [[t("brief.col_number"), t("brief.col_name"), t("brief.col_name_local"), t("brief.col_kind"),
             t("brief.col_place")]]
    for _, institution in institutions.iterrows():
        name = _p(_marked(institution["name"], bool(institution["illustrative"])), "cell",
                  bold=bool(institution["in_subject"]))
        rows.append([str(numbers[institution["record_id"]]), name,
                     "" if _missing(institution["name_local"]) else institution["name_local"],
                     label("institution_kind", institution["kind"]),
                     _place(institution["city"], institution["country"])])
    story = [_p(t("brief.institutions"), "h2"), _table(rows, [8 * mm, 62 * mm, 48 * mm, 26 * mm, WIDTH - 144 * mm])]
    total = int(institutions["kind_total"].iloc[0])
    if total > len(institutions):
        story.append(_p(t("brief.institutions_more", shown=number(len(institutions)), total=number(total)),
                        "caption"))
    return story


def _costs(records: pd.DataFrame, figures: pd.Series, currency: str) -> list:
    costs = records[records["record_kind"].isin(("programme", "equipment"))].sort_values(
        ["record_kind", "year", "record_id"], ascending=[False, True, True], kind="stable")
    story: list = [_p(t("brief.costs"), "h2")]
    if costs.empty:
        return story + [_p(t("brief.no_costs"), "caption")]
    story.append(_p(t("brief.costs_caption", currency=currency), "lead"))
    rows = [[t("brief.col_record"), t("brief.col_original"), t("brief.col_year"), t("brief.col_rate_original"),
             t("brief.col_rate_reporting", currency=currency), t("brief.col_converted", currency=currency)]]
    for _, cost in costs.iterrows():
        reported = not _missing(cost["amount"])
        record = t("brief.flag_item", kind=t("lane." + cost["record_kind"]),
                   name=_marked(cost["name"], bool(cost["illustrative"])))
        rows.append([record,
                     f"{number(cost['amount'])} {cost['currency']}" if reported else t("value.not_reported"),
                     _text(cost["year"]),
                     _rate(cost["currency_per_usd"], cost["currency"], cost["year"]) if reported
                     else t("brief.not_applicable"),
                     _rate(cost["reporting_per_usd"], currency, cost["year"]) if reported
                     else t("brief.not_applicable"),
                     number(cost["converted"])])
    story.append(_table(rows, [58 * mm, 27 * mm, 12 * mm, 27 * mm, 27 * mm, WIDTH - 151 * mm],
                        numeric=(1, 2, 3, 4, 5)))
    total = number(figures["cost_total"]) if figures["cost_records"] > figures["cost_not_reported"] \
        + figures["rate_missing_total"] else t("value.not_reported")
    story.append(_p(t("brief.costs_total", currency=currency, total=total,
                      not_reported=_not_reported(figures["cost_not_reported"], figures["cost_records"])), "total"))
    if figures["rate_missing_total"]:
        story.append(_p(t("brief.costs_rates_missing", count=number(figures["rate_missing_total"]),
                          currency=currency), "body"))
    return story + _cut_notes(costs)


def _cut_notes(rows: pd.DataFrame) -> list:
    """"showing the 60 most recent of 75 programmes" for each kind of record the brief does not show in full."""
    return [_p(t("chart.showing_of", shown=number(len(part)), total=number(part["kind_total"].iloc[0]),
                 what=t("lane.plural." + kind)), "caption")
            for kind, part in rows.groupby("record_kind", sort=False) if part["kind_total"].iloc[0] > len(part)]


def _rate(rate: object, currency: str, year: object) -> str:
    """A rate exactly as stored ("1,364.2 KRW"), or "no rate for 2027"."""
    if _missing(rate):
        return t("brief.no_rate", year=_text(year))
    shown = format(float(rate), ",")
    return t("brief.rate", rate=shown[:-2] if shown.endswith(".0") else shown, currency=currency)


FLAGS = ("no_source", "status_contradicts_dates", "rate_missing", "unlinked")


def _flags(records: pd.DataFrame) -> list:
    story: list = [_p(t("brief.flags"), "h2"), _p(t("brief.flags_caption"), "lead")]
    if records.empty or not any(records[f + "_total"].iloc[0] for f in FLAGS):
        return story + [_p(t("brief.no_flags"), "body")]
    for flag in FLAGS:
        total = int(records[flag + "_total"].iloc[0])
        if not total:
            continue
        flagged = records[records[flag]]
        lines = [_p(t("brief.flag." + flag, count=number(total)), "body", bold=True)]
        for _, record in flagged.iterrows():
            item = t("brief.flag_item", kind=t("lane." + record["record_kind"]) if record["record_kind"] in LANES
                     else t("brief.record.institution"), name=_marked(record["name"], bool(record["illustrative"])))
            detail = _flag_detail(flag, record)
            lines.append(Paragraph(_markup(t("brief.flag_detail", item=item, detail=detail) if detail else item),
                                   STYLES["item"], bulletText="•"))
        if total > len(flagged):
            lines.append(_p(t("brief.flags_more", count=number(total - len(flagged))), "caption"))
        story.append(KeepTogether(lines[:3]))
        story += lines[3:]
    return story


def _flag_detail(flag: str, record: pd.Series) -> str | None:
    if flag == "status_contradicts_dates":
        return t("brief.programme_line", kind=label("programme_kind", record["kind"]),
                 status=label("programme_status", record["status"]), dates=_dates(record))
    if flag == "rate_missing":
        return t("brief.no_rate", year=_text(record["year"]))
    return None


def _sources(records: pd.DataFrame) -> list:
    story: list = [_p(t("brief.sources"), "h2"), _p(t("brief.sources_caption"), "lead")]
    sources = records[records["record_kind"] == "source"]
    if sources.empty:
        return story + [_p(t("brief.no_sources"), "body")]
    for place, source in enumerate(sources.itertuples(), start=1):
        story.append(Paragraph(_markup(t("brief.source_line", source=source.name, records=number(source.cited_by))),
                               STYLES["item"], bulletText=f"{place}."))
    total = int(records["sources_total"].iloc[0])
    if total > len(sources):
        story.append(_p(t("brief.sources_more", shown=number(len(sources)), total=number(total)), "caption"))
    return story
