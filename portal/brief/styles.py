"""The pack's page, colours and paragraph styles, and the paragraphs and tables built with them."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from portal.brief.fonts import BOLD, REGULAR, markup

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN


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


def paragraph(text: object, style: str = "body", bold: bool = False) -> Paragraph:
    text = markup(text)
    return Paragraph(f"<b>{text}</b>" if bold else text, STYLES[style])


def table(rows: list[list[object]], widths: list[float], numeric: tuple[int, ...] = ()) -> Table:
    """A table with a bold header row that repeats on every page; cells are paragraphs (they wrap), the
    `numeric` columns aligned right."""
    cells = [[v if isinstance(v, Paragraph) else paragraph(v, ("num" if c in numeric else "cell") if r else
                                                    ("head_num" if c in numeric else "head"))
              for c, v in enumerate(row)] for r, row in enumerate(rows)]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))
    return table


def pdf_colour(value: str) -> colors.Color:
    """A reportlab colour from a plotly colour ("rgb(1, 2, 3)" or "#rrggbb")."""
    if value.startswith("rgb"):
        red, green, blue = (int(part) for part in value[value.index("(") + 1:-1].split(","))
        return colors.Color(red / 255, green / 255, blue / 255)
    return colors.HexColor(value)

