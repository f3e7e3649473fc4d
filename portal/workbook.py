"""Reading an exchange workbook (.xlsx, a folder of CSV files or a .zip of them) and writing one back."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

import xlsxwriter
from python_calamine import CalamineWorkbook

from portal.contract import SHEET_ORDER, SHEETS, ErrorCell, Problem, SheetRows

# Limits on what an import reads (README, "Limits"). Each is checked before the file is read in full, so a
# file over one is refused within seconds and the memory it can take stays bounded.
MAX_FILE_BYTES = 100 * 1024**2  # the file as named or uploaded (a folder: its CSV files together)
MAX_UNPACKED_BYTES = 512 * 1024**2  # a .zip's or .xlsx's members once unpacked, counted as they are unpacked
MAX_MEMBERS = 100  # entries in a .zip or .xlsx, files in a folder
MAX_ROWS = 1_048_576  # rows per sheet, header and blank rows included: what an .xlsx sheet holds
MAX_CELL_CHARS = 32_767  # characters in one cell: what an .xlsx cell holds, so every export keeps it whole
# The csv module stops reading a field longer than this (a longer cell is then named by its row only).
CSV_FIELD_LIMIT = 4 * MAX_CELL_CHARS
_BLOCK = 1 << 20


class WorkbookError(Exception):
    """The file cannot be read as a workbook at all; `problems` say why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _refuse(expected: str, value: str = "", sheet: str = "", row: int | None = None, **args: object):
    raise WorkbookError([Problem(sheet, row, "", value, expected, tuple(args.items()))])


def file_checksum(path: Path) -> str:
    """The SHA-256 of a file, or of a folder's CSV files in name order."""
    digest = hashlib.sha256()
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(file.name.encode() + b"\0")
        with open(file, "rb") as f:
            for block in iter(lambda: f.read(_BLOCK), b""):
                digest.update(block)
    return digest.hexdigest()


def read_workbook(path: Path, unpack_to: Path | None = None) -> dict[str, SheetRows]:
    """The sheets of the workbook at `path`, keyed by lower-case sheet name, cells as the file holds them.

    The file is checked against the limits above (sizes, members, UTF-8) in one streamed pass first; rows
    are read later, as they are checked. With `unpack_to` (a private folder), a .zip's CSV files are also
    written there in that pass, so each sheet's `csv_path` names a file DuckDB can read.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
        if len(files) > MAX_MEMBERS:
            _refuse("problem.too_many_members", path.name, limit=MAX_MEMBERS)
        csv_files = [p for p in files if p.name.lower().endswith(".csv")]
        _check_file_size(path.name, sum(p.stat().st_size for p in csv_files))
        sheets = _read_csv_files([(p.name, lambda p=p: open(p, "rb")) for p in csv_files])
        for file in csv_files:
            sheets[_sheet_name(file.name)].csv_path = file
        return sheets
    if not path.exists():
        raise WorkbookError([Problem("", None, "", str(path), "problem.file_missing")])
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".zip", ".csv"):
        raise WorkbookError([Problem("", None, "", path.name, "problem.file_kind")])
    _check_file_size(path.name, path.stat().st_size)
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix == ".zip":
        return _read_zip(path, unpack_to)
    sheets = _read_csv_files([(path.name, lambda: open(path, "rb"))])
    sheets[_sheet_name(path.name)].csv_path = path
    return sheets


def _check_file_size(name: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        _refuse("problem.file_too_large", name, limit=_mebibytes(MAX_FILE_BYTES))


def _mebibytes(size: int) -> str:
    return f"{size // 1024**2} MiB"


class _Budget:
    """Bytes still allowed to be unpacked from one archive; counted as they come, not taken from its headers."""

    def __init__(self, name: str):
        self.name, self.left = name, MAX_UNPACKED_BYTES

    def take(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            _refuse("problem.unpacked_too_large", self.name, limit=_mebibytes(MAX_UNPACKED_BYTES))


def _archive_members(archive: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        _refuse("problem.too_many_members", name, limit=MAX_MEMBERS)
    return [m for m in members if not m.is_dir()]


def _unpack(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: _Budget) -> Iterator[bytes]:
    """A member's bytes block by block, each counted against the archive's budget as it is unpacked."""
    with archive.open(member) as stream:
        for block in iter(lambda: stream.read(_BLOCK), b""):
            budget.take(len(block))
            yield block


# ---------------------------------------------------------------- .xlsx

# An error cell (#DIV/0!, #N/A, ...) in a sheet's XML; calamine reads those as empty cells.
_ERROR_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\s([^>]*?\bt="e"[^>]*)>(.{0,2000}?)</(?:[A-Za-z_][\w.-]*:)?c>',
                         re.DOTALL)
_CELL_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_CELL_VALUE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?v>([^<]{0,64})<')
_OVERLAP = 4096  # bytes of the previous block searched again, so a cell split across blocks is found


def _read_xlsx(path: Path) -> dict[str, SheetRows]:
    error_cells = _scan_xlsx(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own types for every kind of damaged file
        raise WorkbookError([Problem("", None, "", path.name, "problem.xlsx_unreadable",
                                     (("error", str(error)),))]) from error
    sheets, names = {}, {}
    for sheet_name in book.sheet_names:
        name = _claim_sheet(sheet_name, sheet_name.strip().lower(), names)
        sheet = book.get_sheet_by_name(sheet_name)
        start_row, start_column = sheet.start or (0, 0)
        if sheet.end and sheet.end[0] + 1 > MAX_ROWS:
            _refuse("problem.too_many_rows", sheet_name, sheet=name, limit=MAX_ROWS)
        # iter_rows starts at the sheet's first row (so row numbers hold) and at its first used column.
        cells = _with_errors(sheet.iter_rows(), error_cells.get(sheet_name, {}), start_column)
        sheets[name] = _sheet_rows(name, cells)
    return sheets


def _claim_sheet(original: str, name: str, names: dict[str, str]) -> str:
    """Refuse two sheets (or files) that are read as the same sheet: one of them would be lost."""
    if name in names:
        _refuse("problem.duplicate_sheet", f"{names[name]} / {original}", sheet=name,
                first=names[name], second=original)
    names[name] = original
    return name


def _with_errors(rows: Iterator[list[object]], errors: dict[tuple[int, int], str],
                 start_column: int) -> Iterator[list[object]]:
    """Rows with Excel's error cells put back (as ErrorCell) where calamine gave an empty cell."""
    if not errors:
        yield from rows
        return
    for index, row in enumerate(rows):
        for (error_row, error_column), text in errors.items():
            if error_row == index and 0 <= error_column - start_column < len(row):
                row[error_column - start_column] = ErrorCell(text)
        yield row


def _scan_xlsx(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Unpack the .xlsx once, within the limits, and find its error cells: sheet name -> (row, column) -> text
    (0-based, as calamine counts)."""
    found: dict[str, dict[tuple[int, int], str]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            budget = _Budget(path.name)
            for member in _archive_members(archive, path.name):
                cells: dict[tuple[int, int], str] = {}
                tail = b""
                for block in _unpack(archive, member, budget):
                    if member.filename.startswith("xl/worksheets/"):
                        for match in _ERROR_CELL.finditer(tail + block):
                            reference = _CELL_REFERENCE.search(match.group(1))
                            value = _CELL_VALUE.search(match.group(2))
                            if reference:
                                cells[(int(reference.group(2)) - 1, _column_index(reference.group(1)))] = \
                                    value.group(1).decode("utf-8", "replace") if value else "#ERROR"
                        tail = block[-_OVERLAP:]
                if cells:
                    found[member.filename] = cells
            return _by_sheet_name(archive, found) if found else {}
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, EOFError) as error:
        raise WorkbookError([Problem("", None, "", path.name, "problem.xlsx_unreadable",
                                     (("error", str(error)),))]) from error


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - ord("A") + 1
    return index - 1


def _by_sheet_name(archive: zipfile.ZipFile, by_part: dict[str, dict]) -> dict[str, dict]:
    """Sheet XML parts (xl/worksheets/sheet1.xml) named by their sheets, as xl/workbook.xml and its
    relationships say."""
    relationships = ElementTree.fromstring(_small_part(archive, "xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in relationships}
    workbook = ElementTree.fromstring(_small_part(archive, "xl/workbook.xml"))
    named = {}
    for sheet in workbook.iter():
        if sheet.tag.endswith("}sheet"):
            relation = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            target = targets.get(relation, "")
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            if part in by_part:
                named[sheet.get("name")] = by_part[part]
    return named


def _small_part(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    with archive.open(info) as stream:
        content = stream.read(16 * 1024**2 + 1)
    if len(content) > 16 * 1024**2:
        raise ElementTree.ParseError(f"{name} is too large")
    return content


# ---------------------------------------------------------------- CSV files, in a folder or a .zip


def _read_zip(path: Path, unpack_to: Path | None = None) -> dict[str, SheetRows]:
    unpacked = {}
    try:
        with zipfile.ZipFile(path) as archive:
            budget = _Budget(path.name)
            members = [m for m in _archive_members(archive, path.name) if not m.filename.startswith("__MACOSX")]
            csv_members = [m for m in members if m.filename.lower().endswith(".csv")]
            for number, member in enumerate(csv_members):  # unpacked once within the limits, checked to be UTF-8
                blocks = _unpack(archive, member, budget)
                if unpack_to is not None:  # numbered, not named: a member's name may hold any path
                    unpacked[member.filename] = Path(unpack_to) / f"{number}.csv"
                    blocks = _copied(blocks, unpacked[member.filename])
                _check_utf8(_sheet_name(member.filename), blocks)
    except (zipfile.BadZipFile, EOFError) as error:
        raise WorkbookError([Problem("", None, "", path.name, "problem.zip_unreadable")]) from error

    def opener(member: zipfile.ZipInfo) -> Callable[[], io.BufferedIOBase]:
        def open_member():
            archive = zipfile.ZipFile(path)
            stream = archive.open(member)
            stream._archive = archive  # closed with the stream's reader (the zip stays open while it is read)
            return stream
        return open_member
    # CSV files may sit at the top of the zip or in one folder inside it.
    sheets = _read_csv_files([(m.filename, opener(m)) for m in csv_members], checked=True)
    by_sheet = {_sheet_name(name): copy for name, copy in unpacked.items()}
    for name, rows in sheets.items():
        rows.csv_path = by_sheet.get(name)
    return sheets


def _copied(blocks: Iterator[bytes], target: Path) -> Iterator[bytes]:
    """The blocks as they pass, also written to `target`."""
    with open(target, "wb") as copy:
        for block in blocks:
            copy.write(block)
            yield block


def _sheet_name(file_name: str) -> str:
    return Path(file_name).name[:-4].strip().lower()


def _check_utf8(sheet: str, blocks: Iterator[bytes]) -> None:
    """Refuse a file that is not UTF-8, naming the line of the first bad byte (read block by block)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    for block in blocks:
        try:
            decoder.decode(block)
        except UnicodeDecodeError as error:
            line = lines + block[:max(error.start, 0)].count(b"\n") + 1
            raise WorkbookError([Problem(sheet, line, "", repr(block[error.start:error.start + 4]),
                                         "problem.not_utf8")]) from None
        lines += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise WorkbookError([Problem(sheet, lines + 1, "", "", "problem.not_utf8")]) from None


def _read_csv_files(files: list[tuple[str, Callable[[], io.BufferedIOBase]]], checked: bool = False) \
        -> dict[str, SheetRows]:
    """CSV files (name, a function that opens it) as sheets; `checked`: already checked to be UTF-8."""
    sheets, names, problems = {}, {}, []
    for file_name, open_file in files:
        sheet = _claim_sheet(file_name, _sheet_name(file_name), names)
        if not checked:
            try:
                with open_file() as stream:
                    _check_utf8(sheet, iter(lambda: stream.read(_BLOCK), b""))
            except WorkbookError as error:
                problems += error.problems
                continue
        # Decoded as it is read (Excel writes UTF-8 CSV with a byte-order mark): a large file is never
        # held as text and rows at once.
        sheets[sheet] = _sheet_rows(sheet, _csv_rows(sheet, open_file))
    if problems:
        raise WorkbookError(problems)
    return sheets


def _csv_rows(sheet: str, open_file: Callable[[], io.BufferedIOBase]) -> Iterator[list[str]]:
    """A CSV file's rows as they are read; a file the csv module cannot parse raises WorkbookError."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    stream = open_file()
    try:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            for row in reader:
                yield [unescape_formula(cell) if cell[:1] == "'" else cell for cell in row]
        except csv.Error as error:
            if "field limit" in str(error):
                _refuse("problem.cell_too_long", "", sheet=sheet, row=reader.line_num, limit=MAX_CELL_CHARS)
            raise WorkbookError([Problem(sheet, reader.line_num, "", "", "problem.csv_unreadable",
                                         (("error", str(error)),))]) from None
    finally:
        stream.close()
        if hasattr(stream, "_archive"):
            stream._archive.close()


# Longer lines are left to the row checker (DuckDB's read_csv refuses lines over 2 MiB by default), so a line
# without end is never gathered in memory block after block.
_PLAIN_LINE_BYTES = 2 * 1024**2
# A line of plain CSV: fields unquoted (no quote, comma or line end in them) or quoted whole, quotes doubled.
_PLAIN_LINE = re.compile(rb'(?:[^,"\r\n]*|"(?:[^"]|"")*")(?:,(?:[^,"\r\n]*|"(?:[^"]|"")*"))*')


def plain_csv_lines(path: Path) -> int | None:
    """The number of lines of a CSV file in which every line is one row, or None if it is not that plain.

    Plain: lines end in \n or \r\n, no NUL byte, and every quote belongs to a field quoted whole (what
    Python's csv module and DuckDB's read_csv read alike). A quoted line end (a multi-line cell), a stray
    quote ('ab"c', '"ab" ') or a lone \r makes the file not plain: only the row checker reads it exactly.
    """
    lines, rest = 0, b""
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(_BLOCK), b""):
            block = rest + block
            end = block.rfind(b"\n") + 1
            whole, rest = block[:end], block[end:]
            if not _plain_lines(whole) or len(rest) > _PLAIN_LINE_BYTES:
                return None
            lines += whole.count(b"\n")
    if rest and not _plain_lines(rest + b"\n"):
        return None
    return lines + (1 if rest else 0)


def _plain_lines(text: bytes) -> bool:
    if b"\0" in text or text.count(b"\r") != text.count(b"\r\n"):
        return False
    if b'"' not in text:
        return True
    return all(_PLAIN_LINE.fullmatch(line.removesuffix(b"\r")) for line in text.split(b"\n")[:-1] if b'"' in line)


def _sheet_rows(sheet: str, cells: Iterator[list[object]]) -> SheetRows:
    """Split a sheet's cells into header and data rows (read later, once), dropping empty rows but keeping
    row numbers; a sheet with more than MAX_ROWS rows is refused as soon as it reaches them."""
    cells = iter(cells)
    first = next(cells, None)
    if first is None:
        return SheetRows(sheet, [])
    header = [str(h).strip().lower() if h is not None else "" for h in first]
    return SheetRows(sheet, header, _data_rows(sheet, cells))


def _data_rows(sheet: str, cells: Iterator[list[object]]) -> Iterator[tuple[int, list[object]]]:
    for index, row in enumerate(cells, start=2):
        if index > MAX_ROWS:
            _refuse("problem.too_many_rows", "", sheet=sheet, row=index, limit=MAX_ROWS)
        if any(not _is_blank(v) for v in row):
            yield index, list(row)


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


def write_workbook(tables: dict[str, list[dict[str, object]]], out: Path) -> list[tuple[str, int, str]]:
    """Write sheets of records as one .xlsx (when `out` ends in .xlsx) or a folder of CSV files.

    Returns the cells an .xlsx could not keep whole (sheet, row, column): text over MAX_CELL_CHARS, which
    imports refuse but a database filled before that rule may hold. CSV keeps every cell whole.
    """
    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        return _write_xlsx(tables, out)
    else:
        out.mkdir(parents=True, exist_ok=True)
        for sheet in SHEET_ORDER:
            if sheet in tables:
                with open(out / f"{sheet}.csv", "w", encoding="utf-8", newline="") as f:
                    writer = csv.writer(f)
                    columns = SHEETS[sheet].column_names
                    writer.writerow(columns)
                    writer.writerows(csv_row(r, SHEETS[sheet].columns) for r in tables[sheet])
        return []


def csv_row(record: dict[str, object], columns) -> list[str]:
    """A record's cells for a CSV file: numbers as they are, text escaped against formulas."""
    return [cell_text(record.get(c.name)) if c.type in ("number", "integer")
            else escape_formula(cell_text(record.get(c.name))) for c in columns]


def _write_xlsx(tables: dict[str, list[dict[str, object]]], out: Path) -> list[tuple[str, int, str]]:
    # Text is always written as a string cell, so "=SUM(A1)" is never a live formula; numbers as numbers.
    out.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_formulas": False})
    cut = []
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
                        if len(text) > MAX_CELL_CHARS:  # xlsxwriter would cut it silently
                            cut.append((sheet, row_index + 1, column.name))
                        worksheet.write_string(row_index, col, text)
    finally:
        book.close()
    return cut
