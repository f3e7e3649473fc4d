"""Marks drawn in a pack's map and timeline, and the legend that names them."""

from __future__ import annotations

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect
from reportlab.lib import colors

from portal.brief.fonts import label_shapes, text_width
from portal.brief.styles import INK, WIDTH


def legend(items: list[tuple[object, str, str]]) -> Drawing:
    """Legend entries in wrapped rows: (colour, text, "dot" | "line" | "box" | "hatched" | "diamond" | "heading")."""
    size, row_height, lines = 7, 11, [[]]
    x = 0.0
    widths = [(text_width(text, size, bold=True) - 7 if mark == "heading" else text_width(text, size)) + 24
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
                shapes = label_shapes(x, y, text, size, bold=True, colour=INK)
            else:
                legend_mark(drawing, x + 5, y + 2.5, mark, colour)
                shapes = label_shapes(x + 13, y, text, size, colour=INK)
            for shape in shapes:
                drawing.add(shape)
    return drawing


def legend_mark(drawing: Drawing, x: float, y: float, mark: str, colour) -> None:
    if mark == "dot":
        drawing.add(Circle(x, y, 2.6, fillColor=colour, strokeColor=colors.white, strokeWidth=0.6))
    elif mark == "line":
        drawing.add(Line(x - 5, y, x + 5, y, strokeColor=colour, strokeWidth=2))
    elif mark == "diamond":
        diamond(drawing, x, y, 3.2, colour)
    else:
        bar(drawing, x - 5, y - 3, 10, 6, colour, imprecise=mark == "hatched")



def bar(drawing: Drawing, x: float, y: float, width: float, height: float, colour, imprecise: bool) -> None:
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


def diamond(drawing: Drawing, x: float, y: float, size: float, colour) -> None:
    drawing.add(Polygon([x, y - size, x + size, y, x, y + size, x - size, y], fillColor=colour, strokeColor=INK,
                        strokeWidth=0.4))

