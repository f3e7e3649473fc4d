"""Reading an exchange workbook (.xlsx, a folder of CSV files or a .zip of them) and writing one back."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook

from portal.contract import SHEET_ORDER, SHEETS, Problem, SheetRows

# A zip may hold at most this much once unpacked: a bound against zip bombs, far above any real workbook.
MAX_UNPACKED_BYTES = 2 * 1024**3


class WorkbookError(Exception):
    """The file cannot be read as a workbook at all; `problems` say why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def file_checksum(path: Path) -> str:
    """The SHA-256 of a file, or of a folder's CSV files in name order."""
    digest = hashlib.sha256()
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(file.name.encode() + b"\0")
        with open(file, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def read_workbook(path: Path) -> dict[str, SheetRows]:
    """The sheets of the workbook at `path`, keyed by lower-case sheet name, cells as the file holds them."""
    path = Path(path)
    if path.is_dir():
        return _read_csv_files({p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()})
    if not path.exists():
        raise WorkbookError([Problem("", None, "", str(path), "problem.file_missing")])
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix == ".zip":
        return _read_zip(path)
    if suffix == ".csv":
        return _read_csv_files({path.name: path.read_bytes()})
    raise WorkbookError([Problem("", None, "", path.name, "problem.file_kind")])


def _read_xlsx(path: Path) -> dict[str, SheetRows]:
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own types for every kind of damaged file
        raise WorkbookError([Problem("", None, "", path.name, "problem.xlsx_unreadable",
                                     (("error", str(error)),))]) from error
    sheets = {}
    for sheet_name in book.sheet_names:
        # iter_rows starts at the sheet's first row (so row numbers hold) and converts cells as they are read.
        cells = book.get_sheet_by_name(sheet_name).iter_rows()
        sheets[sheet_name.strip().lower()] = _sheet_rows(sheet_name.strip().lower(), cells)
    return sheets


def _read_zip(path: Path) -> dict[str, SheetRows]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX")]
            if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise WorkbookError([Problem("", None, "", path.name, "problem.zip_too_large")])
            # CSV files may sit at the top of the zip or in one folder inside it.
            return _read_csv_files({Path(m.filename).name: archive.read(m) for m in members})
    except zipfile.BadZipFile as error:
        raise WorkbookError([Problem("", None, "", path.name, "problem.zip_unreadable")]) from error


def _read_csv_files(files: dict[str, bytes]) -> dict[str, SheetRows]:
    sheets, problems = {}, []
    for file_name, content in files.items():
        if not file_name.lower().endswith(".csv"):
            continue
        sheet = file_name[:-4].strip().lower()
        try:
            content.decode("utf-8")  # checked whole first, so a bad byte is reported before anything is read
        except UnicodeDecodeError as error:
            line = content[: error.start].count(b"\n") + 1
            problems.append(Problem(sheet, line, "", repr(content[error.start:error.start + 4]),
                                    "problem.not_utf8"))
            continue
        # Decoded as it is read (Excel writes UTF-8 CSV with a byte-order mark): a large file is never
        # held as text and rows at once.
        text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
        sheets[sheet] = _sheet_rows(sheet, _csv_rows(sheet, text))
    if problems:
        raise WorkbookError(problems)
    return sheets


def _csv_rows(sheet: str, text: io.TextIOBase) -> Iterator[list[str]]:
    """A CSV file's rows as they are read; a file the csv module cannot parse raises WorkbookError."""
    reader = csv.reader(text)
    try:
        for row in reader:
            yield [unescape_formula(cell) if cell[:1] == "'" else cell for cell in row]
    except csv.Error as error:
        raise WorkbookError([Problem(sheet, reader.line_num, "", "", "problem.csv_unreadable",
                                     (("error", str(error)),))]) from None


def _sheet_rows(sheet: str, cells: Iterator[list[object]]) -> SheetRows:
    """Split a sheet's cells into header and data rows (read later, once), dropping empty rows but keeping
    row numbers."""
    cells = iter(cells)
    first = next(cells, None)
    if first is None:
        return SheetRows(sheet, [])
    header = [str(h).strip().lower() if h is not None else "" for h in first]
    rows = ((index, list(row)) for index, row in enumerate(cells, start=2) if any(not _is_blank(v) for v in row))
    return SheetRows(sheet, header, rows)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


# ---------------------------------------------------------------- writing

# A cell starting with one of these is a formula to a spreadsheet program (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(text: str) -> str:
    """Text as a CSV cell that a spreadsheet program shows as text, never runs: a leading quote."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unescape_formula(text: str) -> str:
    """Undo escape_formula when reading a CSV cell, so exports round-trip."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_STARTS and text[1:2] != "" else text



def cell_text(value: object) -> str:
    """A stored value as the workbook writes it: lists joined by '; ', whole numbers without '.0'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(cell_text(v) for v in value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def write_workbook(tables: dict[str, list[dict[str, object]]], out: Path) -> None:
    """Write sheets of records as one .xlsx (when `out` ends in .xlsx) or a folder of CSV files."""
    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        _write_xlsx(tables, out)
    else:
        out.mkdir(parents=True, exist_ok=True)
        for sheet in SHEET_ORDER:
            if sheet in tables:
                with open(out / f"{sheet}.csv", "w", encoding="utf-8", newline="") as f:
                    writer = csv.writer(f)
                    columns = SHEETS[sheet].column_names
                    writer.writerow(columns)
                    writer.writerows(csv_row(r, SHEETS[sheet].columns) for r in tables[sheet])


def csv_row(record: dict[str, object], columns) -> list[str]:
    """A record's cells for a CSV file: numbers as they are, text escaped against formulas."""
    return [cell_text(record.get(c.name)) if c.type in ("number", "integer")
            else escape_formula(cell_text(record.get(c.name))) for c in columns]


def _write_xlsx(tables: dict[str, list[dict[str, object]]], out: Path) -> None:
    # Text is always written as a string cell, so "=SUM(A1)" is never a live formula; numbers as numbers.
    out.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_formulas": False})
    try:
        for sheet in SHEET_ORDER:
            if sheet not in tables:
                continue
            worksheet = book.add_worksheet(sheet)
            columns = SHEETS[sheet].columns
            for col, column in enumerate(columns):
                worksheet.write_string(0, col, column.name)
            for row_index, record in enumerate(tables[sheet], start=1):
                for col, column in enumerate(columns):
                    value = record.get(column.name)
                    if column.type in ("number", "integer") and isinstance(value, (int, float)) \
                            and not math.isnan(value):
                        worksheet.write_number(row_index, col, value)
                    elif text := cell_text(value):
                        worksheet.write_string(row_index, col, text)
    finally:
        book.close()
