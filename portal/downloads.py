"""Tables as files a person downloads: CSV and .xlsx, safe to open in a spreadsheet program."""

from __future__ import annotations

import csv
import io
import math

import pandas as pd
import xlsxwriter

from portal.workbook import cell_text, escape_formula


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not \
        (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


def csv_row(values) -> list[str]:
    """One row's CSV cells: numbers as written, text escaped so it never runs as a formula."""
    return [cell_text(v) if _is_number(v) else escape_formula(cell_text(v)) for v in values]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with the byte-order mark spreadsheet programs look for); text never runs as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([escape_formula(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow(csv_row(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """One-sheet .xlsx; text is written as text cells, so "=..." is never a live formula."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    worksheet = book.add_worksheet(sheet[:31])
    header = book.add_format({"bold": True})
    for col, name in enumerate(frame.columns):
        worksheet.write_string(0, col, str(name), header)
        worksheet.set_column(col, col, min(60, max(10, len(str(name)) + 2)))
    for row_index, row in enumerate(frame.itertuples(index=False), start=1):
        for col, value in enumerate(row):
            if _is_number(value):
                worksheet.write_number(row_index, col, value)
            elif text := cell_text(value):
                worksheet.write_string(row_index, col, text)
    book.close()
    return buffer.getvalue()
