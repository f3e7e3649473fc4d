"""The pack's tables and lists: institutions, costs with both rates, data-quality flags and sources."""

from __future__ import annotations

import pandas as pd
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph

from portal.brief.fonts import markup
from portal.brief.styles import STYLES, WIDTH, paragraph, table
from portal.brief.text import cut_notes, marked, missing_note, place, record_dates
from portal.brief.timeline import LANES
from portal.charts.trainees import retention_table
from portal.display import SMALL_GROUP, is_missing, money, not_reported, number, rate_text, text_or_not_reported
from portal.i18n import label, t


def institution_section(institutions: pd.DataFrame, numbers: dict[str, int]) -> list:
    if institutions.empty:
        return []
    rows = [[t("brief.col_number"), t("brief.col_name"), t("brief.col_name_local"), t("brief.col_kind"),
             t("brief.col_place")]]
    for _, institution in institutions.iterrows():
        name = paragraph(marked(institution["name"], bool(institution["illustrative"])), "cell",
                  bold=bool(institution["in_subject"]))
        rows.append([str(numbers[institution["record_id"]]), name,
                     "" if is_missing(institution["name_local"]) else institution["name_local"],
                     label("institution_kind", institution["kind"]),
                     place(institution["city"], institution["country"])])
    story = [paragraph(t("brief.institutions"), "h2"), table(rows, [8 * mm, 62 * mm, 48 * mm, 26 * mm, WIDTH - 144 * mm])]
    total = int(institutions["kind_total"].iloc[0])
    if total > len(institutions):
        story.append(paragraph(t("brief.institutions_more", shown=number(len(institutions)), total=number(total)),
                        "caption"))
    return story


def cost_section(records: pd.DataFrame, figures: pd.Series, currency: str) -> list:
    costs = records[records["record_kind"].isin(("programme", "equipment"))].sort_values(
        ["record_kind", "year", "record_id"], ascending=[False, True, True], kind="stable")
    story: list = [paragraph(t("brief.costs"), "h2")]
    if costs.empty:
        return story + [paragraph(t("brief.no_costs"), "caption")]
    story.append(paragraph(t("brief.costs_caption", currency=currency), "lead"))
    rows = [[t("brief.col_record"), t("brief.col_original"), t("brief.col_year"), t("brief.col_rate_original"),
             t("brief.col_rate_reporting", currency=currency), t("brief.col_converted", currency=currency)]]
    for _, cost in costs.iterrows():
        reported = not is_missing(cost["amount"])
        no_rate = t("brief.no_rate", year=text_or_not_reported(cost["year"]))
        record = t("brief.flag_item", kind=t("lane." + cost["record_kind"]),
                   name=marked(cost["name"], bool(cost["illustrative"])))
        rows.append([record,
                     money(cost["amount"], cost["currency"]),
                     text_or_not_reported(cost["year"]),
                     rate_text(cost["currency_per_usd"], cost["currency"], no_rate, unit_in_header=True) if reported
                     else t("brief.not_applicable"),
                     rate_text(cost["reporting_per_usd"], currency, no_rate, unit_in_header=True) if reported
                     else t("brief.not_applicable"),
                     number(cost["converted"])])
    story.append(table(rows, [58 * mm, 27 * mm, 12 * mm, 27 * mm, 27 * mm, WIDTH - 151 * mm],
                        numeric=(1, 2, 3, 4, 5)))
    total = number(figures["cost_total"]) if figures["cost_records"] > figures["cost_not_reported"] \
        + figures["rate_missing_total"] else not_reported()
    story.append(paragraph(t("brief.costs_total", currency=currency, total=total,
                      not_reported=missing_note(figures["cost_not_reported"], figures["cost_records"])), "total"))
    if figures["rate_missing_total"]:
        story.append(paragraph(t("brief.costs_rates_missing", count=number(figures["rate_missing_total"]),
                          currency=currency), "body"))
    return story + cut_notes(costs)




RETENTION_COLUMNS = {"months": "trainees.col_months", "trainees": "trainees.col_trainees",
                     "home": "trainees.band_home", "country": "trainees.band_country", "left": "trainees.band_left",
                     "not_followed_up": "trainees.band_not_followed_up",
                     "practising_share": "trainees.col_practising_share"}


def retention_section(retention: pd.DataFrame, protect: bool) -> list:
    """Where the subject's trainees are 6..60 months after their programme's end, as the Trainees page reads it
    ("fewer than 5" for viewers who may not see names)."""
    story: list = [paragraph(t("brief.retention"), "h2")]
    if retention.empty:
        return story + [paragraph(t("brief.no_retention"), "caption")]
    story.append(paragraph(t("trainees.intro"), "lead"))
    shown = retention_table(retention, protect)
    rows = [[t(header) for header in RETENTION_COLUMNS.values()]]
    rows += [[number(row["months"]), *(row[column] for column in list(RETENTION_COLUMNS)[1:])]
             for _, row in shown.iterrows()]
    story.append(table(rows, [22 * mm, 18 * mm, 26 * mm, 26 * mm, 22 * mm, 24 * mm, WIDTH - 138 * mm],
                       numeric=tuple(range(7))))
    if protect:
        story.append(paragraph(t("trainees.small_groups", limit=SMALL_GROUP), "caption"))
    return story


FLAGS = ("no_source", "status_contradicts_dates", "rate_missing", "unlinked")


def flag_section(records: pd.DataFrame) -> list:
    story: list = [paragraph(t("brief.flags"), "h2"), paragraph(t("brief.flags_caption"), "lead")]
    if records.empty or not any(records[f + "_total"].iloc[0] for f in FLAGS):
        return story + [paragraph(t("brief.no_flags"), "body")]
    for flag in FLAGS:
        total = int(records[flag + "_total"].iloc[0])
        if not total:
            continue
        flagged = records[records[flag]]
        lines = [paragraph(t("brief.flag." + flag, count=number(total)), "body", bold=True)]
        for _, record in flagged.iterrows():
            item = t("brief.flag_item", kind=t("lane." + record["record_kind"]) if record["record_kind"] in LANES
                     else t("brief.record.institution"), name=marked(record["name"], bool(record["illustrative"])))
            detail = _flag_detail(flag, record)
            lines.append(Paragraph(markup(t("brief.flag_detail", item=item, detail=detail) if detail else item),
                                   STYLES["item"], bulletText="•"))
        if total > len(flagged):
            lines.append(paragraph(t("brief.flags_more", count=number(total - len(flagged))), "caption"))
        story.append(KeepTogether(lines[:3]))
        story += lines[3:]
    return story


def _flag_detail(flag: str, record: pd.Series) -> str | None:
    if flag == "status_contradicts_dates":
        return t("brief.programme_line", kind=label("programme_kind", record["kind"]),
                 status=label("programme_status", record["status"]), dates=record_dates(record))
    if flag == "rate_missing":
        return t("brief.no_rate", year=text_or_not_reported(record["year"]))
    return None


def source_section(records: pd.DataFrame) -> list:
    story: list = [paragraph(t("brief.sources"), "h2"), paragraph(t("brief.sources_caption"), "lead")]
    sources = records[records["record_kind"] == "source"]
    if sources.empty:
        return story + [paragraph(t("brief.no_sources"), "body")]
    for position, source in enumerate(sources.itertuples(), start=1):
        story.append(Paragraph(markup(t("brief.source_line", source=source.name, records=number(source.cited_by))),
                               STYLES["item"], bulletText=f"{position}."))
    total = int(records["sources_total"].iloc[0])
    if total > len(sources):
        story.append(paragraph(t("brief.sources_more", shown=number(len(sources)), total=number(total)), "caption"))
    return story
