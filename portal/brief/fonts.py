"""The pack's fonts: DejaVu for Latin and Cyrillic, Nanum for Hangul, IPA Gothic for kanji; text split into runs
of the first face that has its characters, measured, cut to fit and drawn."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reportlab.graphics.shapes import String
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from portal.display import pdf_text
from portal.i18n import t

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


def load_fonts() -> tuple[frozenset[int], ...]:
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


def runs(text: str) -> list[tuple[int, str]]:
    """Split text into runs of (index in FACES of the first face that has the characters, characters);
    spaces stay with the run they are in. A character no face has goes to the Hangul face (which shows a box)."""
    faces = load_fonts()
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


def markup(text: object) -> str:
    """Paragraph markup for plain text: escaped, with Hangul and Han characters (whatever DejaVu lacks) in
    their faces."""
    return "".join(f'<font face="{FACES[face][0]}">{pdf_text(chunk)}</font>' if face else pdf_text(chunk)
                   for face, chunk in runs(str(text)))


def _font(face: int, bold: bool) -> str:
    return FACES[face][bold]


def text_width(text: str, size: float, bold: bool = False) -> float:
    return sum(pdfmetrics.stringWidth(chunk, _font(face, bold), size) for face, chunk in runs(text))


def fit(text: str, width: float, size: float, bold: bool = False) -> str:
    """The text, cut with an ellipsis if it is wider than `width`."""
    if text_width(text, size, bold) <= width:
        return text
    while text and text_width(text + "…", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def placed_runs(x: float, text: str, size: float, bold: bool, anchor: str) -> list[tuple[float, str, str]]:
    """(x, font, characters) for each run of a line of text anchored at x ("start", "middle" or "end")."""
    x -= {"start": 0, "middle": 0.5, "end": 1}[anchor] * text_width(text, size, bold)
    placed = []
    for face, chunk in runs(text):
        font = _font(face, bold)
        placed.append((x, font, chunk))
        x += pdfmetrics.stringWidth(chunk, font, size)
    return placed


def label_shapes(x: float, y: float, text: str, size: float, bold: bool = False, anchor: str = "start",
           colour=colors.black) -> list[String]:
    """A line of text as graphics strings, one per font run."""
    return [String(left, y, chunk, fontName=font, fontSize=size, fillColor=colour)
            for left, font, chunk in placed_runs(x, text, size, bold, anchor)]

