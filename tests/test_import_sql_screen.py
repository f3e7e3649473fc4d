"""The import's check in SQL (portal/screen.py) against the row checker (portal/validate.py): for every
generated workbook the screen either passes it with exactly the row checker's records, or leaves it to the
row checker; it never passes a workbook the row checker refuses."""

from __future__ import annotations

import csv
import random
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from workbooks import valid_workbook
from portal import db, screen
from portal.contract import SHEETS
from portal.importer import ImportRejected, import_workbook
from portal import validate
from portal.validate import Existing, check_workbook
from portal.workbook import csv_row, plain_csv_lines, read_workbook, write_workbook

WHITESPACE = [chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace()]
# Cells the row checker reads one way and a careless SQL rule another.
EDGE_VALUES = [
    "", "  ", " x ", "nan", "inf", "-inf", "NaN", "1e3", "1E-2", "1_000", "-0", "+5", "0", "1", "-1", "1.", ".5", "1.0",
    "1.5", "2.50", "91", "-90", "180.0", "1e15", "1e16", "-1e15", "1e400", "1e-400", "2147483647", "2147483648",
    "0.000000001", "1e-10", "١٢", "１２", "٢٠٢٣", " 2024-02-29 ", "2023-02-29", "2024-02-30", "2024-13",
    "2024-00", "2024-01-00", "2024-00-10", "2024-1-01", "0000", "0001", "9999-12-31", "2024", "2024-11", "2026-01-01",
    "1900", "2200", "2201", "ABC;;DEF",
    " a ; b ;", ";", " ; ", "P1", "P1;P1", "P1; NOPE", "a b", "UB-TRAUMA", " UB-TRAUMA ", "ub-trauma", "KR-HOST", "MOH",
    "EQ1", "x" * 64, "x" * 65, "'=1", "'-5", "'+5", "'@x", "'x", "''=1", "HOSPITAL", " Hospital ", "university",
    "other", "trainee", "TRAINER", "yes", "Partly", "in_use", "completed", "mng", " Mng ", "KOR", "usd", "KRW", "XXX",
    "ZZZ", "\u3000MNG\u3000", "\xa0hospital", "\u212aRW", "hospİtal", "x\u200by", "\u200bMNG", "\x85P1",
    "https://example.org", "HTTP://x.y/z?q=1", "http://", "ftp://x.org", "example.org", "https://exa mple.org",
    "https://bücher.de", "http://host:80/a", "=SUM(A1)", 'say "hi", then go', "multi\nline", "a,b", "ǅ",
    "NULL", "\\N", "#x", "--", "'", '"',
]
SAMPLES = 16  # random one-cell changes, each a workbook of its own (every edge value in every column is tested above)


def base_workbook() -> dict[str, list[dict[str, object]]]:
    """The valid workbook with a follow-up, so every sheet is in it."""
    book = valid_workbook()
    book["follow_ups"] = [{"programme_id": "P1", "person_name": "Trainee One", "role": "trainee", "date": "2025-06",
                           "status": "at_home_institution", "practising": "yes", "procedures_performed": 12}]
    return book


def write_csv(folder: Path, book: dict[str, list[dict[str, object]]]) -> Path:
    """The workbook as a folder of CSV files, written as the portal writes them."""
    shutil.rmtree(folder, ignore_errors=True)
    write_workbook(book, folder)
    return folder


def set_cell(folder: Path, sheet: str, row: int, column: str, value: str) -> None:
    """Put a raw cell text into a CSV file (row 2 is the first data row), quoted only where CSV needs it."""
    path = folder / f"{sheet}.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[row - 1][rows[0].index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def outcomes(writer: db.Writer, folder: Path):
    """(what the screen passed, or None; what the row checker found) for one CSV folder."""
    return writer.screen(read_workbook(folder)), check_workbook(read_workbook(folder), writer.existing())


def disagreement(writer: db.Writer, folder: Path, must_pass: bool = False) -> str | None:
    """Why the two checks disagree on this workbook, or None."""
    return compare(writer, folder, must_pass)[0]


def compare(writer: db.Writer, folder: Path, must_pass: bool = False) -> tuple[str | None, bool]:
    """(why the two checks disagree on this workbook, or None; whether the screen passed it)."""
    screened, checked = outcomes(writer, folder)
    return _difference(screened, checked, must_pass), screened is not None


def _difference(screened, checked, must_pass: bool) -> str | None:
    clean = not checked.problems and not checked.warnings
    if screened is None:
        return "the screen refused a clean workbook" if must_pass and clean else None
    if not clean:
        found = [str(p) for p in checked.problems + checked.warnings]
        return f"the screen passed what the row checker refuses: {found}"
    if set(screened.tables) != set(checked.tables):
        return f"sheets differ: {sorted(screened.tables)} / {sorted(checked.tables)}"
    for name, table in checked.tables.items():
        if not screened.tables[name].equals(table):
            return f"{name} records differ: {screened.tables[name].to_pylist()} / {table.to_pylist()}"
    return None


def passes_row_checker(writer: db.Writer, folder: Path) -> bool:
    checked = check_workbook(read_workbook(folder), writer.existing())
    return not checked.problems and not checked.warnings


@pytest.fixture(params=["empty", "loaded"])
def database(request, tmp_path, empty_db):
    """An empty database, or one that already holds the workbook (references then resolve to it too)."""
    if request.param == "loaded":
        import_workbook(write_csv(tmp_path / "first", base_workbook()), empty_db, "test")
    return empty_db


def test_the_screen_passes_the_valid_workbook_with_the_row_checkers_records(database, tmp_path):
    folder = write_csv(tmp_path / "book", base_workbook())
    with db.writing(database) as writer:
        screened, _ = outcomes(writer, folder)
        assert screened is not None and set(screened.tables) == set(SHEETS)
        assert disagreement(writer, folder, must_pass=True) is None


# What the row checker finds across rows and sheets; the screen finds those in set_checks, not per row.
ACROSS_ROWS = {"problem.duplicate_key", "problem.duplicate_key_procedure", "problem.unknown_reference",
               "problem.missing_rate", "problem.unknown_participant", "problem.follow_up_before_start"}


# Valid cells the screen refuses by design, so the row checker reads them: urls other than plain ASCII.
LEFT_TO_THE_ROW_CHECKER = {("url", "https://exa mple.org"), ("url", "https://bücher.de")}


def write_rows(path: Path, sheet: str, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([list(SHEETS[sheet].column_names)] + rows)


@pytest.mark.parametrize("sheet", list(SHEETS))
def test_every_column_reads_every_edge_value_as_the_row_checker_does(monkeypatch, empty_db, tmp_path, sheet):
    """One file per column, one edge value per row: the same rows broken, the same typed value in the others."""
    monkeypatch.setattr(validate, "MAX_REPORTED", 10**6)
    base = csv_row(base_workbook()[sheet][0], SHEETS[sheet].columns)
    values = EDGE_VALUES + [f"{space}x{space}" for space in WHITESPACE] + ["\u200bx\u180e", "'\t1", "x\x85"]
    found, typed = [], 0
    with db.writing(empty_db) as writer:
        for index, column in enumerate(SHEETS[sheet].columns):
            path = tmp_path / f"{sheet}.csv"
            # A line end in a cell makes the file one the screen leaves to the row checker (FILE_CASES).
            write_rows(path, sheet, [base[:index] + [value] + base[index + 1:] for value in values
                                     if "\n" not in value and "\r" not in value])
            screened = writer.screened_rows(sheet, read_workbook(path)[sheet])
            rows = read_workbook(path)[sheet]
            checked = check_workbook({sheet: rows}, Existing(), whole_workbook=False)
            refused = {p.row for p in checked.problems if p.expected not in ACROSS_ROWS}
            cells = {number: cells[index] for number, cells in read_workbook(path)[sheet].rows}
            for row in screened.to_pylist():
                if (column.type, cells[row["row"]]) in LEFT_TO_THE_ROW_CHECKER and row["broken"]:
                    continue
                if row["broken"] != (row["row"] in refused):
                    found.append((column.name, cells[row["row"]], "refused" if row["broken"] else "passed"))
                elif not row["broken"]:
                    cell = cells[row["row"]]
                    expected = None if validate.is_blank(cell) else validate.PARSERS[column.type](cell, column)
                    typed += 1
                    if row[column.name] != expected or type(row[column.name]) is not type(expected):
                        found.append((column.name, cell, row[column.name], expected))
    assert found == [], "\n".join(map(repr, found))
    assert typed > 2 * len(SHEETS[sheet].columns)


# Valid cells the screen must pass itself (not leave to the row checker): the common odd ones.
PASSING = [
    ("procedures", "period", " 2024-02-29 "), ("procedures", "cases", "+5"), ("procedures", "cases", "1e3"),
    ("procedures", "cases", "'+5"), ("procedures", "complications", "-0"), ("procedures", "department", "  "),
    ("procedures", "mean_length_of_stay_days", "1."), ("procedures", "mean_length_of_stay_days", ".5"),
    ("programmes", "topics", "ABC;;DEF"), ("programmes", "topics", " ; "), ("equipment", "programme_ids", " P1 ;"),
    ("institutions", "kind", " Hospital "), ("institutions", "country", "\u3000mng\u3000"),
    ("institutions", "website", "HTTP://x.y/z?q=1"), ("institutions", "name", 'say "hi", then go'),
    ("institutions", "name", "'=SUM(A1)"), ("fx_rates", "units_per_usd", "1e-9"), ("fx_rates", "year", "2024.0"),
]


@pytest.mark.parametrize("sheet, column, value", PASSING)
def test_the_screen_itself_passes_odd_but_valid_cells(empty_db, tmp_path, sheet, column, value):
    folder = write_csv(tmp_path / "book", base_workbook())
    set_cell(folder, sheet, 2, column, value)
    with db.writing(empty_db) as writer:
        assert passes_row_checker(writer, folder)
        assert disagreement(writer, folder, must_pass=True) is None


def test_random_one_cell_changes_give_the_same_outcome(database, tmp_path):
    chooser = random.Random(18)
    book = base_workbook()
    places = [(sheet.name, column.name) for sheet in SHEETS.values() for column in sheet.columns]
    found = []
    with db.writing(database) as writer:
        for _ in range(SAMPLES):
            sheet, column = chooser.choice(places)
            value = chooser.choice(EDGE_VALUES + [str(v) for rows in book.values() for r in rows for v in r.values()])
            folder = write_csv(tmp_path / "book", book)
            set_cell(folder, sheet, 2, column, value)
            problem = disagreement(writer, folder)
            if problem:
                found.append((sheet, column, value, problem))
    assert found == []


def raw_text(folder: Path, sheet: str) -> str:
    return (folder / f"{sheet}.csv").read_text(encoding="utf-8")


def rewrite(folder: Path, sheet: str, text: str) -> None:
    (folder / f"{sheet}.csv").write_bytes(text.encode("utf-8"))


def with_second_row(book, sheet, **changes):
    book[sheet].append(dict(book[sheet][0], **changes))
    return book


# Whole-file cases: (name, change to the written folder, whether the screen must pass it itself).
def _bom(folder):
    rewrite(folder, "institutions", "\ufeff" + raw_text(folder, "institutions"))


def _crlf(folder):
    for sheet in ("institutions", "procedures"):
        rewrite(folder, sheet, raw_text(folder, sheet).replace("\n", "\r\n"))


def _no_final_newline(folder):
    rewrite(folder, "procedures", raw_text(folder, "procedures").rstrip("\n"))


def _blank_line(folder):
    rewrite(folder, "procedures", raw_text(folder, "procedures") + "\n")


def _blank_row(folder):
    rewrite(folder, "procedures", raw_text(folder, "procedures") + "," * 10 + "\n")


def _spaces_row(folder):
    rewrite(folder, "procedures", raw_text(folder, "procedures") + " , ,\t" + "," * 8 + "\n")


def _lone_cr(folder):
    rewrite(folder, "institutions", raw_text(folder, "institutions").replace("\n", "\r", 1))


def _stray_quotes(folder):
    lines = raw_text(folder, "institutions").split("\n")
    lines[1] = lines[1].replace("Test trauma centre", 'Test "trauma" centre')
    lines[2] = lines[2].replace("Test university hospital", '"Test university" hospital')
    rewrite(folder, "institutions", "\n".join(lines))


def _space_before_quote(folder):
    rewrite(folder, "institutions", raw_text(folder, "institutions").replace(",Test ministry,", ', "Test ministry",'))


def _space_after_quote(folder):
    rewrite(folder, "institutions", raw_text(folder, "institutions").replace(",Test ministry,", ',"Test ministry" ,'))


def _quoted_plain(folder):
    quoted = ',"Test, ""the"" ministry",'
    rewrite(folder, "institutions", raw_text(folder, "institutions").replace(",Test ministry,", quoted))


def _comment_line(folder):
    rewrite(folder, "procedures", raw_text(folder, "procedures") + "#" + "," * 10 + "\n")


def _short_row(folder):
    rewrite(folder, "procedures", raw_text(folder, "procedures") + "UB-TRAUMA,spine,2024,x,open,1\n")


def _long_row(folder):
    rewrite(folder, "procedures", raw_text(folder, "procedures").rstrip("\n") + ",extra\n")


def _unknown_column(folder):
    lines = raw_text(folder, "procedures").split("\n")
    rewrite(folder, "procedures", "\n".join([lines[0] + ",notes", lines[1] + ",hello"] + lines[2:]))


def _unnamed_column(folder):
    lines = raw_text(folder, "procedures").split("\n")
    rewrite(folder, "procedures", "\n".join([lines[0] + ",", lines[1] + ",hello"] + lines[2:]))


def _header_case(folder):
    lines = raw_text(folder, "procedures").split("\n")
    rewrite(folder, "procedures", "\n".join([" Institution_ID " + lines[0][len("institution_id"):]] + lines[1:]))


def _duplicate_column(folder):
    lines = raw_text(folder, "fx_rates").split("\n")
    rewrite(folder, "fx_rates", "\n".join([lines[0] + ",currency", lines[1] + ",KRW"] + lines[2:]))


def _dropped_optional_column(folder):
    with open(folder / "procedures.csv", encoding="utf-8", newline="") as f:
        rows = [row[:-2] for row in csv.reader(f)]  # no record_id, no source
    with open(folder / "procedures.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def _dropped_required_column(folder):
    with open(folder / "procedures.csv", encoding="utf-8", newline="") as f:
        rows = [row[:5] + row[6:] for row in csv.reader(f)]  # no cases
    with open(folder / "procedures.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def _unknown_sheet(folder):
    (folder / "notes.csv").write_text("a\n1\n", encoding="utf-8")


def _guide_sheet(folder):
    (folder / "instructions.csv").write_text("text\nFill in every sheet\n", encoding="utf-8")


def _no_institutions(folder):
    (folder / "institutions.csv").unlink()


def _header_only(folder):
    rewrite(folder, "events", raw_text(folder, "events").split("\n")[0] + "\n")


def _empty_file(folder):
    rewrite(folder, "events", "")


def _nul_byte(folder):
    rewrite(folder, "institutions", raw_text(folder, "institutions").replace("Test ministry", "Test\0ministry"))


def _too_long_cell(folder):
    set_cell(folder, "institutions", 2, "name", "x" * 40_000)


def _long_cell_in_bytes_only(folder):
    set_cell(folder, "institutions", 2, "name", "한" * 12_000)  # 36,000 bytes, 12,000 characters


FILE_CASES = [
    (_bom, True), (_crlf, True), (_no_final_newline, True), (_blank_row, True), (_spaces_row, True),
    (_quoted_plain, True), (_header_case, True), (_dropped_optional_column, True), (_guide_sheet, True),
    (_header_only, True), (_blank_line, False), (_lone_cr, False), (_stray_quotes, False),
    (_space_before_quote, False), (_space_after_quote, False), (_comment_line, False), (_short_row, False),
    (_long_row, False),
    (_unknown_column, False), (_unnamed_column, False), (_duplicate_column, False), (_dropped_required_column, False),
    (_unknown_sheet, False), (_no_institutions, False), (_empty_file, False), (_nul_byte, False),
    (_too_long_cell, False), (_long_cell_in_bytes_only, False),
]


@pytest.mark.parametrize("change, screen_passes", FILE_CASES, ids=[c.__name__.strip("_") for c, _ in FILE_CASES])
def test_files_the_screen_reads_exactly_or_leaves_to_the_row_checker(empty_db, tmp_path, change, screen_passes):
    folder = write_csv(tmp_path / "book", base_workbook())
    change(folder)
    with db.writing(empty_db) as writer:
        assert disagreement(writer, folder, must_pass=screen_passes) is None
        if screen_passes:
            assert writer.screen(read_workbook(folder)) is not None


# Rules across rows and sheets: (name, the workbook, whether the row checker accepts it).
def _across_rows():
    yield "duplicate id", with_second_row(base_workbook(), "institutions", name="Again"), False
    yield "duplicate composite key", with_second_row(base_workbook(), "participants", position="x"), False
    yield "duplicate procedure", with_second_row(base_workbook(), "procedures", cases=9), False
    yield "duplicate procedure without equipment", with_second_row(
        with_second_row(base_workbook(), "procedures", equipment_id=None, technique="open"), "procedures",
        equipment_id=None, technique="open", cases=7), False
    yield "procedures told apart by record_id", with_second_row(
        with_second_row(base_workbook(), "procedures", record_id="R1"), "procedures", record_id="R2"), True
    yield "duplicate record_id", with_second_row(
        with_second_row(base_workbook(), "procedures", record_id="R1", period="2021"), "procedures",
        record_id="R1", period="2022"), False
    yield "same key, one with record_id", with_second_row(base_workbook(), "procedures", record_id="R1"), True
    yield "reference to a later sheet", with_second_row(base_workbook(), "programmes", programme_id="P2",
                                                        home_institution_id="EQ1"), False
    yield "unknown reference in a list", with_second_row(base_workbook(), "equipment", equipment_id="EQ2",
                                                         programme_ids="P1; P9"), False
    yield "rate missing", with_second_row(base_workbook(), "programmes", programme_id="P2", start_date="2023"), False
    yield "rate present", with_second_row(with_second_row(base_workbook(), "programmes", programme_id="P2",
                                                          start_date="2023"), "fx_rates", year=2023), True
    yield "cost in USD needs no rate", with_second_row(base_workbook(), "programmes", programme_id="P2",
                                                       start_date="2023", cost_currency="USD"), True
    yield "cost without currency", with_second_row(base_workbook(), "programmes", programme_id="P2",
                                                   cost_currency=None), False
    yield "end before start", with_second_row(base_workbook(), "programmes", programme_id="P2",
                                              end_date="2023-12"), False
    yield "end in the start's year", with_second_row(base_workbook(), "programmes", programme_id="P2",
                                                     start_date="2024-05", end_date="2024"), True
    yield "coordinates required", with_second_row(base_workbook(), "institutions", institution_id="H2",
                                                  latitude=None), False
    yield "one coordinate of a ministry", with_second_row(base_workbook(), "institutions", institution_id="M2",
                                                          kind="ministry", longitude=None), False
    yield "complications above cases", with_second_row(base_workbook(), "procedures", period="2020",
                                                       complications=5), False
    yield "follow-up of no participant", with_second_row(base_workbook(), "follow_ups", person_name="Nobody"), False
    yield "follow-up before the programme", with_second_row(base_workbook(), "follow_ups", date="2023"), False
    yield "follow-up in the start's year", with_second_row(base_workbook(), "follow_ups", date="2024-01"), True
    book = base_workbook()
    book["programmes"][0]["start_date"] = "2024-06"
    yield "follow-up a month before", with_second_row(book, "follow_ups", date="2024-05"), False


@pytest.mark.parametrize("name, book, accepted", list(_across_rows()), ids=[c[0] for c in _across_rows()])
def test_rules_across_rows_and_sheets_give_the_same_outcome(database, tmp_path, name, book, accepted):
    folder = write_csv(tmp_path / "book", book)
    with db.writing(database) as writer:
        assert passes_row_checker(writer, folder) == accepted
        assert disagreement(writer, folder, must_pass=True) is None


def test_references_and_rates_resolve_to_the_database(empty_db, tmp_path):
    import_workbook(write_csv(tmp_path / "first", base_workbook()), empty_db, "test")
    book = base_workbook()
    part = {"institutions": [], "procedures": [dict(book["procedures"][0], period="2019")],
            "programmes": [dict(book["programmes"][0], programme_id="P2")],
            "follow_ups": [dict(book["follow_ups"][0], date="2026")]}
    folder = write_csv(tmp_path / "part", part)
    with db.writing(empty_db) as writer:
        assert passes_row_checker(writer, folder)
        assert disagreement(writer, folder, must_pass=True) is None
    folder = write_csv(tmp_path / "part", dict(part, follow_ups=[dict(book["follow_ups"][0], date="2023")]))
    with db.writing(empty_db) as writer:
        assert not passes_row_checker(writer, folder)
        assert disagreement(writer, folder) is None


def large_workbook(rows: int = 20_000) -> dict[str, list[dict[str, object]]]:
    """The valid workbook with enough procedure rows to be worth screening (over SCREEN_FROM_BYTES)."""
    book = base_workbook()
    book["procedures"] = [dict(book["procedures"][0], record_id=f"R{i}", period=f"{2000 + i % 25}-{1 + i % 12:02}")
                          for i in range(rows)]
    return book


def test_a_large_clean_csv_import_never_runs_the_row_checker(monkeypatch, empty_db, tmp_path):
    def row_checker(*args, **kwargs):
        raise AssertionError("the row checker ran")

    monkeypatch.setattr("portal.importer.check_workbook", row_checker)
    folder = write_csv(tmp_path / "book", large_workbook())
    assert screen.worth_screening(read_workbook(folder))
    archive = tmp_path / "book.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in folder.iterdir():
            z.write(file, f"book/{file.name}")
    assert import_workbook(folder, empty_db, "test").counts["procedures"].added == 20_000
    assert import_workbook(archive, empty_db, "test").counts["procedures"].unchanged == 20_000



def test_when_the_screen_cannot_even_start_the_row_checker_imports_the_file(monkeypatch, empty_db, tmp_path, caplog):
    """A DuckDB error while the screen sets up (here a broken code table) leaves the file to the row checker,
    and the log says so: the import goes through, never a traceback."""
    monkeypatch.setattr(screen, "code_statements", lambda: [("SELECT * FROM no_such_code_table", {})])
    folder = write_csv(tmp_path / "book", large_workbook())
    with caplog.at_level("INFO", logger="portal.db"):
        assert import_workbook(folder, empty_db, "test").counts["procedures"].added == 20_000
    assert "left the file to the row checker" in caplog.text and "no_such_code_table" in caplog.text

def test_a_small_workbook_goes_to_the_row_checker(monkeypatch, empty_db, tmp_path):
    def screen_called(*args, **kwargs):
        raise AssertionError("the screen ran")

    monkeypatch.setattr(db.Writer, "screen", screen_called)
    assert import_workbook(write_csv(tmp_path / "book", base_workbook()), empty_db, "test").counts[
        "procedures"].added == 1


def test_a_large_workbook_with_a_problem_gets_the_row_checkers_messages(empty_db, tmp_path):
    book = large_workbook()
    book["procedures"][5000]["period"] = "2023-02-29"
    book["procedures"][7000]["record_id"] = "R1"
    with pytest.raises(ImportRejected) as rejected:
        import_workbook(write_csv(tmp_path / "book", book), empty_db, "test")
    assert [(p.sheet, p.row, p.column, p.value, p.expected, p.args) for p in rejected.value.problems] == [
        ("procedures", 5002, "period", "2023-02-29", "problem.partial_date", ()),
        ("procedures", 7002, "record_id", "R1", "problem.duplicate_key_procedure", (("first_row", 3),))]


def test_a_workbook_with_a_problem_gets_the_row_checkers_messages(empty_db, tmp_path):
    folder = write_csv(tmp_path / "book", base_workbook())
    set_cell(folder, "procedures", 2, "period", "2023-02-29")
    with pytest.raises(ImportRejected) as rejected:
        import_workbook(folder, empty_db, "test")
    assert [(p.sheet, p.row, p.column, p.value, p.expected) for p in rejected.value.problems] == \
        [("procedures", 2, "period", "2023-02-29", "problem.partial_date")]


def test_a_zip_is_unpacked_into_a_private_folder_that_is_removed(monkeypatch, empty_db, tmp_path):
    folder = write_csv(tmp_path / "book", base_workbook())
    archive = tmp_path / "book.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in folder.iterdir():
            z.write(file, file.name)
    (tmp_path / "temporary").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temporary"))
    import_workbook(archive, empty_db, "test")
    assert list((tmp_path / "temporary").iterdir()) == []


@pytest.mark.parametrize("value", ["2024-00", "2024-00-10", "2024-01-00"])
def test_month_or_day_00_is_no_date(empty_db, tmp_path, value):
    book = base_workbook()
    book["events"][0]["date"] = value
    with pytest.raises(ImportRejected) as rejected:
        import_workbook(write_csv(tmp_path / "book", book), empty_db, "test")
    assert [(p.sheet, p.row, p.column, p.value, p.expected) for p in rejected.value.problems] == \
        [("events", 2, "date", value, "problem.partial_date")]


def test_plain_csv_lines_counts_lines_and_gives_up_on_an_endless_one(tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_bytes(b'a,b\r\n1,"x,""y"""\r\n2,3')
    assert plain_csv_lines(path) == 3
    path.write_bytes(b"a,b\n" + b"x" * (5 * 1024**2))
    assert plain_csv_lines(path) is None
    path.write_bytes(b'a,b\n1,"x\ny"\n')
    assert plain_csv_lines(path) is None
