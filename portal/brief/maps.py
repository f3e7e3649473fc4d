"""The pack's map: the portal's own TopoJSON world drawn with reportlab, institutions numbered, programmes as
arrows from home to host."""

from __future__ import annotations

import json
import math
from functools import lru_cache, partial

import pandas as pd
from reportlab.graphics.shapes import Circle, Drawing, Group, Path as Outline, Polygon, Rect
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether

from portal import db
from portal.brief.fonts import label_shapes, text_width
from portal.brief.shapes import legend
from portal.brief.styles import INK, SUBJECT, WIDTH, paragraph, pdf_colour
from portal.charts import colour, geometry
from portal.i18n import by_name, country_name, label, t

WORLD = db.PROJECT_DIR / "static" / "topojson" / "world_110m.json"
MAP_HEIGHT = 92 * mm
LAND, BORDER, SEA, COUNTRY_NAME = (colors.HexColor(c) for c in ("#f3f1ea", "#9aa5b1", "#e3eef7", "#7d8893"))


@lru_cache(maxsize=1)
def world() -> tuple[tuple, ...]:
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


def clip(ring, west: float, south: float, east: float, north: float) -> list[tuple[float, float]]:
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


def frame(lons: list[float], lats: list[float], width: float, height: float):
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


def map_section(records: pd.DataFrame, institutions: pd.DataFrame, numbers: dict[str, int]) -> list:
    located = institutions.dropna(subset=["latitude", "longitude"])
    if located.empty:
        return [paragraph(t("brief.map_none"), "caption")]
    programmes = records[(records["record_kind"] == "programme")].dropna(
        subset=["home_latitude", "home_longitude", "host_latitude", "host_longitude"])
    pairs = programmes.drop_duplicates(["institution_id", "partner_institution_id", "kind"])
    lons = located["longitude"].tolist() + pairs["home_longitude"].tolist() + pairs["host_longitude"].tolist()
    lats = located["latitude"].tolist() + pairs["home_latitude"].tolist() + pairs["host_latitude"].tolist()
    box, project = frame(lons, lats, WIDTH, MAP_HEIGHT)
    west, south, east, north = box

    drawing = Drawing(WIDTH, MAP_HEIGHT)
    # Everything inside one group clipped to the frame, so that no shape or curve strays onto the page.
    border = Outline(isClipPath=1, fillColor=None, strokeColor=None)
    for x, y in ((0, 0), (WIDTH, 0), (WIDTH, MAP_HEIGHT), (0, MAP_HEIGHT)):
        (border.lineTo if border.points else border.moveTo)(x, y)
    border.closePath()
    clipped = Group(border, Rect(0, 0, WIDTH, MAP_HEIGHT, fillColor=SEA, strokeColor=None))
    drawing.add(clipped)
    names, shown_countries = [], set(located["country"])
    for (c_west, c_south, c_east, c_north), rings, code, centre in world():
        if c_east < west or c_west > east or c_north < south or c_south > north:
            continue
        if code in shown_countries and centre and west < centre[0] < east and south < centre[1] < north:
            names.append((project(*centre), country_name(code)))
        outline = Outline(fillColor=LAND, strokeColor=BORDER, strokeWidth=0.4)  # even-odd fill: holes stay open
        for ring in rings:
            points = clip(ring, west, south, east, north)
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
             pdf_colour(colour("programme_kind", pair.kind)), geometry.bend(pair.bend))

    for institution in located.sort_values("in_subject").itertuples():
        x, y = dots[institution.record_id]
        clipped.add(Circle(x, y, 2.6, fillColor=SUBJECT if institution.in_subject else INK,
                           strokeColor=colors.white, strokeWidth=0.6))
    for (x, y), members in _clusters(dots):  # institutions in one city share a label: "1, 3, 4"
        text = ", ".join(str(n) for n in sorted(numbers[m] for m in members))
        _place_label(clipped, x, y, text, 6.5, placed, NUMBER_SPOTS)
    drawing.add(Rect(0, 0, WIDTH, MAP_HEIGHT, fillColor=None, strokeColor=BORDER, strokeWidth=0.6))

    entries = [(INK, t("brief.map_institution"), "dot")]
    if located["in_subject"].any():
        entries.append((SUBJECT, t("brief.map_subject"), "dot"))
    entries += [(pdf_colour(colour("programme_kind", kind)), label("programme_kind", kind), "line")
               for kind in by_name(pairs["kind"].unique(), partial(label, "programme_kind"))]
    return [KeepTogether([drawing, legend(entries), paragraph(t("brief.map_caption"), "caption")])]


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
    width, height = text_width(text, size, bold) + 2, size + 1
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
    for shape in label_shapes(left + width / 2, bottom + 1.5, text, size, bold=bold, anchor="middle", colour=colour):
        drawing.add(shape)


