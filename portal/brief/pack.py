"""The three briefing packs, assembled: header, key figures, map, timeline, tables, flags and sources."""

from __future__ import annotations

import io
from datetime import date
from functools import partial

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal import db
from portal.brief.fonts import fit, load_fonts, markup, placed_runs, text_width
from portal.brief.maps import map_section
from portal.brief.styles import MARGIN, MUTED, PAGE_WIDTH, RULE, STYLES, WIDTH, paragraph
from portal.brief.tables import cost_section, flag_section, institution_section, retention_section, source_section
from portal.brief.text import institution_text, marked, missing_note, place, record_dates
from portal.brief.timeline import timeline_section
from portal.display import is_missing, not_reported, not_shown, number, text_or_not_reported, utc_time
from portal.i18n import country_name, label, t

PER_KIND = 60  # records of each kind in a pack: enough to read, bounded in pages


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
    load_fonts()  # fail early, naming the packages to install
    params = {"programme": None, "institution": None, "country": None, subject_kind: subject_id,
              "include_illustrative": include_illustrative, "reporting_currency": currency}
    records = store.read("brief_records", scope, per_kind=PER_KIND, **params)
    if records.empty:  # no such subject, or not one the viewer may see
        return None
    retention = store.read("subject_retention", scope, as_of=date.today(), **params)
    return _render(subject_kind, subject_id, records, currency, scope.costs_visible, retention,
                   protect=not scope.names_visible)


def _render(subject_kind: str, subject_id: str, records: pd.DataFrame, currency: str,
            costs_visible: bool = True, retention: pd.DataFrame | None = None, protect: bool = True) -> bytes:
    figures = records.iloc[0]  # every row carries the brief's figures
    institutions = records[records["record_kind"] == "institution"].reset_index(drop=True)
    numbers = {i: n for n, i in enumerate(institutions["record_id"], start=1)}
    own = records[(records["record_kind"] == subject_kind) & (records["record_id"] == subject_id)]
    subject_row = own.iloc[0] if len(own) else None  # None for a country
    subject = country_name(subject_id) if subject_row is None else marked(subject_row["name"],
                                                                           bool(subject_row["illustrative"]))
    when = _data_as_of(figures["data_as_of"])

    story = _header(subject_kind, subject_id, subject, subject_row, figures, institutions, currency, when)
    story += _figures(figures, currency, costs_visible)
    story += [paragraph(t("brief.map"), "h2"), *map_section(records, institutions, numbers)]
    story += timeline_section(records)
    story += institution_section(institutions, numbers)
    if retention is not None:
        story += retention_section(retention, protect)
    story += cost_section(records, figures, currency) if costs_visible else \
        [paragraph(t("brief.costs"), "h2"), paragraph(t("access.costs_hidden"), "caption")]
    story += flag_section(records)
    story += source_section(records)

    out = io.BytesIO()
    footer = f"{t('brief.heading', title=t('brief.title'), subject=subject)} · {t('brief.data_as_of', when=when)}"
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN + 4 * mm, title=t("brief.heading", title=t("brief.title"),
                                                                       subject=subject),
                                 author=t("app.title"), creator=t("app.title"))
    document.build(story, canvasmaker=partial(_FooterCanvas, footer=footer))
    return out.getvalue()


def _data_as_of(value: object) -> str:
    if is_missing(value):
        return t("brief.no_import")
    return utc_time(value)


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
            room = WIDTH - text_width(page, 7) - 6 * mm
            for text, x, anchor in ((fit(self._footer, room, 7), MARGIN, "start"),
                                    (page, PAGE_WIDTH - MARGIN, "end")):
                for left, font, chunk in placed_runs(x, text, 7, False, anchor):
                    self.setFont(font, 7)
                    self.drawString(left, y, chunk)
            super().showPage()
        super().save()




def _header(subject_kind, subject_id, subject, row, figures, institutions, currency, when) -> list:
    """The kicker, the subject's name (and its local name), what it is, the date of the data and the currency."""
    story = [paragraph(t("brief.heading", title=t("brief.title"), subject=t("brief.subject." + subject_kind)).upper(),
                "kicker"),
             paragraph(subject, "title")]
    if row is not None and not is_missing(row["name_local"]):
        story.append(paragraph(row["name_local"], "local"))
    if subject_kind == "programme":
        story.append(paragraph(t("brief.programme_line", kind=label("programme_kind", row["kind"]),
                          status=label("programme_status", row["status"]), dates=record_dates(row)), "line"))
        by_id = institutions.set_index("record_id")
        for key, column, fallback in (("brief.home", "institution_id", "home_name"),
                                      ("brief.host", "partner_institution_id", "host_name")):
            known = row[column] in by_id.index
            story.append(paragraph(t(key, institution=institution_text(by_id.loc[row[column]]) if known
                              else text_or_not_reported(row[fallback])), "line"))
    elif subject_kind == "institution":
        story.append(paragraph(t("brief.institution_line", kind=label("institution_kind", row["kind"]),
                          place=place(row["city"], row["country"])), "line"))
    else:
        story.append(paragraph(t("brief.country_line", code=subject_id), "line"))
    story += [Spacer(1, 4), paragraph(t("brief.data_as_of", when=when), "line", bold=True),
              paragraph(t("brief.currency_line", currency=currency), "line")]
    if figures["illustrative_records"]:
        story.append(paragraph(t("brief.illustrative_note"), "note"))
    return story




def _figures(figures: pd.Series, currency: str, costs_visible: bool = True) -> list:
    cost_notes = [missing_note(figures["cost_not_reported"], figures["cost_records"])]
    if figures["rate_missing_total"]:
        cost_notes.append(t("brief.figure_no_rate", count=number(figures["rate_missing_total"])))
    cost = number(figures["cost_total"]) if figures["cost_records"] else not_reported()
    if not costs_visible:
        cost, cost_notes = not_shown(), [t("access.costs_hidden")]
    tiles = [
        ("brief.figure_programmes", number(figures["programmes"]), []),
        ("brief.figure_participants", number(figures["participants"]),
         [missing_note(figures["participants_not_reported"], figures["programmes"])]),
        ("brief.figure_partners", number(figures["partners"]), []),
        ("brief.figure_equipment", number(figures["equipment"]), []),
        ("brief.figure_cost", cost, cost_notes),
    ]
    tile = WIDTH / len(tiles)
    cells = [[paragraph(t(key, currency=currency), "caption"), _figure(value, tile - 12)]
             + [paragraph(n, "caption") for n in notes if n]
             for key, value, notes in tiles]
    table = Table([cells], colWidths=[tile] * len(tiles))
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f4f6f8")),
                               ("LINEAFTER", (0, 0), (-2, -1), 0.8, colors.white),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 4),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
    return [paragraph(t("brief.summary"), "h2"), table, paragraph(t("brief.summary_caption"), "caption")]


def _figure(value: str, width: float) -> Paragraph:
    """A key figure in large type, smaller when it is words ("not reported") that would not fit."""
    size = next((s for s in (14, 12, 10) if text_width(value, s, bold=True) <= width), 9)
    style = ParagraphStyle("figure", parent=STYLES["figure"], fontSize=size, leading=size + 3)
    return Paragraph(f"<b>{markup(value)}</b>", style)
