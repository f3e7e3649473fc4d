"""The empty exchange workbook: every sheet and column of the contract, instructions, and dropdown lists."""

from __future__ import annotations

import io
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from portal.contract import GUIDE_SHEETS, SHEET_ORDER, SHEETS, Column
from portal.i18n import t
from portal.validate import COUNTRIES, CURRENCIES

# Rows that get dropdowns: far more than any hospital's yearly workbook.
VALIDATED_ROWS = 5000
EXPECTED_KEYS = {
    "id": "problem.id", "country": "problem.country", "currency": "problem.currency",
    "partial_date": "problem.partial_date", "url": "problem.url", "id_list": "problem.id_list",
}


def column_rule(column: Column) -> str:
    """What a column accepts, in words (the same words an import problem uses)."""
    if column.type == "enum":
        return t("problem.enum", choices=", ".join(column.choices))
    if column.type in ("number", "integer"):
        kind = t("problem.integer") if column.type == "integer" else t("problem.number")
        if column.minimum is not None and column.maximum is not None:
            return f"{kind}, {t('problem.between', minimum=_plain(column.minimum), maximum=_plain(column.maximum))}"
        if column.minimum is not None:
            return f"{kind}, {t('problem.at_least', minimum=_plain(column.minimum))}"
        return kind
    if column.type == "list":
        return t("template.list")
    if column.type in EXPECTED_KEYS:
        return t(EXPECTED_KEYS[column.type])
    return t("template.text")


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def write_template(out: Path | io.BytesIO) -> None:
    """Write the empty workbook to a path or a binary buffer."""
    book = xlsxwriter.Workbook(out if isinstance(out, io.BytesIO) else str(out), {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#dde7f0", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#f6d6a8", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    instructions = book.add_worksheet(GUIDE_SHEETS[0])
    lists = _write_lists(book, bold)

    instructions.write(0, 0, t("template.title"), book.add_format({"bold": True, "font_size": 14}))
    instructions.write(1, 0, t("template.intro"), wrap)
    headers = [t("template.col_sheet"), t("template.col_column"), t("template.col_required"), t("template.col_accepts")]
    instructions.write_row(3, 0, headers, bold)
    row = 4
    for name in SHEET_ORDER:
        sheet = SHEETS[name]
        worksheet = book.add_worksheet(name)
        worksheet.freeze_panes(1, 0)
        for col, column in enumerate(sheet.columns):
            worksheet.write_string(0, col, column.name, required if column.required else bold)
            worksheet.set_column(col, col, max(14, len(column.name) + 4))
            rule = column_rule(column)
            worksheet.write_comment(0, col, rule, {"x_scale": 2, "y_scale": 1.5})
            source = lists.get(f"{name}.{column.name}" if column.type == "enum" else column.type)
            if source:
                worksheet.data_validation(1, col, VALIDATED_ROWS, col, {
                    "validate": "list", "source": source, "error_title": column.name, "error_message": rule[:255]})
            instructions.write_row(row, 0, [name, column.name, t("template.yes") if column.required else "", rule],
                                   wrap)
            row += 1
    instructions.set_column(0, 1, 22)
    instructions.set_column(2, 2, 10)
    instructions.set_column(3, 3, 90)
    instructions.activate()
    book.close()


def _write_lists(book: xlsxwriter.Workbook, bold) -> dict[str, str]:
    """The hidden sheet of allowed values; returns the range each dropdown uses, keyed sheet.column for
    fixed lists (kind means different things in different sheets) and "country"/"currency" for codes."""
    worksheet = book.add_worksheet(GUIDE_SHEETS[1])
    allowed = {f"{name}.{column.name}": list(column.choices)
               for name in SHEET_ORDER for column in SHEETS[name].columns if column.type == "enum"}
    allowed.update(country=sorted(COUNTRIES), currency=sorted(CURRENCIES))
    sources = {}
    for index, (label, values) in enumerate(allowed.items()):
        worksheet.write_string(0, index, label, bold)
        for row, value in enumerate(values, start=1):
            worksheet.write_string(row, index, value)
        letter = xl_col_to_name(index)
        sources[label] = f"={GUIDE_SHEETS[1]}!${letter}$2:${letter}${len(values) + 1}"
    worksheet.hide()
    return sources
