"""One test per import rule: the message names sheet, row, column and value, and the database is unchanged."""

from __future__ import annotations

import csv

import pytest

from workbooks import checksum, valid_workbook
from portal.__main__ import main
from portal.contract import Problem
from portal.db import Counts
from portal.importer import ImportRejected, import_workbook


def reject(database, path) -> list[Problem]:
    """Import `path`, expecting a rejection that leaves `database` byte-for-byte as it was."""
    before = checksum(database)
    with pytest.raises(ImportRejected) as rejected:
        import_workbook(path, database, "test")
    assert checksum(database) == before
    return rejected.value.problems


def only_problem(problems: list[Problem], sheet: str, row: int, column: str, value: str) -> Problem:
    """The one problem reported, checked to name exactly this place and value."""
    assert [(p.sheet, p.row, p.column, p.value) for p in problems] == [(sheet, row, column, value)], problems
    return problems[0]


def drop_column(csv_path, column):
    """Rewrite a CSV file without one of its columns."""
    with open(csv_path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(csv_path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, [c for c in rows[0] if c != column], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def test_the_valid_workbook_imports(loaded_db, write):
    result = import_workbook(write(valid_workbook(), "again"), loaded_db, "test")
    assert result.counts["programmes"] == Counts(0, 0, 1)
    assert result.counts["institutions"] == Counts(0, 0, 3)


def test_unknown_reference(loaded_db, write):
    book = valid_workbook()
    book["programmes"][0]["host_institution_id"] = "NO-SUCH-HOSPITAL"
    problem = only_problem(reject(loaded_db, write(book)), "programmes", 2, "host_institution_id", "NO-SUCH-HOSPITAL")
    assert "institutions" in str(problem)


def test_reference_to_a_record_already_in_the_database_is_accepted(loaded_db, write):
    book = {"institutions": [], "events": [dict(valid_workbook()["events"][0], event_id="EV2")]}
    result = import_workbook(write(book), loaded_db, "test")
    assert result.counts["events"] == Counts(1, 0, 0)


def test_unknown_reference_in_a_list(loaded_db, write):
    book = valid_workbook()
    book["equipment"][0]["programme_ids"] = "P1; P404"
    only_problem(reject(loaded_db, write(book)), "equipment", 2, "programme_ids", "P404")


def test_duplicate_id(loaded_db, write):
    book = valid_workbook()
    book["institutions"].append(dict(book["institutions"][0], name="Same id again"))
    problem = only_problem(reject(loaded_db, write(book)), "institutions", 5, "institution_id", "UB-TRAUMA")
    assert "row 2" in str(problem)


def test_duplicate_participant_key(loaded_db, write):
    book = valid_workbook()
    book["participants"].append(dict(book["participants"][0]))
    only_problem(reject(loaded_db, write(book)), "participants", 3, "programme_id, person_name, role",
                 "P1 | Trainee One | trainee")


def test_duplicate_single_case_procedures_need_a_record_id(loaded_db, write):
    book = valid_workbook()
    book["procedures"].append(dict(book["procedures"][0]))
    problem = reject(loaded_db, write(book))[0]
    assert (problem.sheet, problem.row) == ("procedures", 3) and "record_id" in str(problem)
    # With record ids the same two rows are two cases.
    book["procedures"][0]["record_id"], book["procedures"][1]["record_id"] = "case-1", "case-2"
    assert import_workbook(write(book, "fixed"), loaded_db, "test").counts["procedures"] == Counts(2, 0, 0)


@pytest.mark.parametrize("column, value", [("latitude", 95), ("longitude", -181)])
def test_out_of_range_coordinates(loaded_db, write, column, value):
    book = valid_workbook()
    book["institutions"][1][column] = value
    only_problem(reject(loaded_db, write(book)), "institutions", 3, column, str(value))


def test_hospital_without_coordinates(loaded_db, write):
    book = valid_workbook()
    book["institutions"][0]["latitude"] = None
    book["institutions"][0]["longitude"] = None
    problems = reject(loaded_db, write(book))
    assert [(p.row, p.column) for p in problems] == [(2, "latitude"), (2, "longitude")]


def test_end_before_start(loaded_db, write):
    book = valid_workbook()
    book["programmes"][0].update(start_date="2024-06", end_date="2024-05-31")
    problem = only_problem(reject(loaded_db, write(book)), "programmes", 2, "end_date", "2024-05-31")
    assert "2024-06" in str(problem)


def test_end_within_an_imprecise_start_is_not_before_it(loaded_db, write):
    book = valid_workbook()
    book["programmes"][0].update(start_date="2024", end_date="2024-01")
    import_workbook(write(book), loaded_db, "test")


def test_cost_without_currency(loaded_db, write):
    book = valid_workbook()
    book["equipment"][0]["cost_currency"] = None
    only_problem(reject(loaded_db, write(book)), "equipment", 2, "cost_currency", "")


def test_cost_year_without_fx_rate(loaded_db, write):
    book = valid_workbook()
    book["programmes"][0]["start_date"] = "2019-03"
    problem = only_problem(reject(loaded_db, write(book)), "programmes", 2, "cost_currency", "KRW")
    assert "2019" in str(problem)


def test_fx_rate_already_in_the_database_is_enough(loaded_db, write):
    book = valid_workbook()
    del book["fx_rates"]
    import_workbook(write(book), loaded_db, "test")


@pytest.mark.parametrize("url", ["ftp://example.org/file", "javascript:alert(1)", "www.example.org"])
def test_urls_other_than_http(loaded_db, write, url):
    book = valid_workbook()
    book["institutions"][1]["website"] = url
    only_problem(reject(loaded_db, write(book)), "institutions", 3, "website", url)


def test_complications_above_cases(loaded_db, write):
    book = valid_workbook()
    book["procedures"][0]["complications"] = 5
    problem = only_problem(reject(loaded_db, write(book)), "procedures", 2, "complications", "5")
    assert "4" in str(problem)


@pytest.mark.parametrize("sheet, column, value", [
    ("institutions", "country", "XYZ"),  # ISO codes: unknown, or alpha-2 where alpha-3 is required
    ("institutions", "country", "MN"),
    ("programmes", "cost_currency", "KRX"),
    ("programmes", "start_date", "2024-13"),
    ("programmes", "start_date", "24/03/2024"),
    ("events", "date", "2025-02-30"),
    ("programmes", "kind", "holiday"),
    ("programmes", "participants_count", "three"),
    ("programmes", "participants_count", "2.5"),
    ("programmes", "cost_amount", "-10"),
    ("equipment", "quantity", "0"),
    ("institutions", "institution_id", "has space"),
    ("fx_rates", "units_per_usd", "0"),
    ("programmes", "cost_amount", "1_000"),  # Python's float() would read 1000
    ("programmes", "cost_amount", "nan"),
])
def test_bad_values(loaded_db, write, sheet, column, value):
    book = valid_workbook()
    book[sheet][0][column] = value
    problems = reject(loaded_db, write(book))
    assert (problems[0].sheet, problems[0].row, problems[0].column, problems[0].value) == (sheet, 2, column, value)


def test_missing_required_value_and_column(loaded_db, write):
    book = valid_workbook()
    book["programmes"][0]["title"] = None
    path = write(book)
    drop_column(path / "events.csv", "kind")
    problems = reject(loaded_db, path)
    places = {(p.sheet, p.row, p.column) for p in problems}
    assert ("programmes", 2, "title") in places
    assert ("events", 1, "kind") in places  # the header row is where a column is missing


def test_institutions_sheet_is_required(loaded_db, write):
    book = valid_workbook()
    del book["institutions"]
    del book["participants"], book["programmes"], book["equipment"], book["events"], book["procedures"]
    problems = reject(loaded_db, write(book))
    assert [(p.sheet, p.column) for p in problems] == [("institutions", "")]


def test_every_problem_is_reported_at_once(loaded_db, write):
    book = valid_workbook()
    book["institutions"][0]["country"] = "XXX"
    book["programmes"][0]["status"] = "done"
    book["procedures"][0]["cases"] = 0
    problems = reject(loaded_db, write(book))
    assert {(p.sheet, p.column) for p in problems} == {
        ("institutions", "country"), ("programmes", "status"), ("procedures", "cases")}


def test_unknown_columns_and_sheets_are_warnings_not_errors(loaded_db, write, tmp_path):
    book = valid_workbook()
    book["programmes"][0]["programme_id"] = "P2"
    path = write(book)
    (path / "programmes.csv").write_text(
        (path / "programmes.csv").read_text().replace("programme_id,", "programme_id,internal_note,", 1)
        .replace("P2,", "P2,keep out,", 1))
    (path / "notes.csv").write_text("a,b\n1,2\n")
    result = import_workbook(path, loaded_db, "test")
    assert result.counts["programmes"] == Counts(1, 0, 0)
    assert {(w.sheet, w.column) for w in result.warnings} == {("programmes", "internal_note"), ("notes", "")}


def test_xlsx_rows_are_numbered_as_the_spreadsheet_shows_them(loaded_db, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "institutions"
    sheet.append(["institution_id", "name", "kind", "country", "latitude", "longitude"])
    sheet.append(["A1", "Fine", "ministry", "MNG", None, None])
    sheet.append([])  # a blank row still counts in the spreadsheet's numbering
    sheet.append(["A2", "Broken", "hospital", "MNG", 200, 100])
    path = tmp_path / "book.xlsx"
    book.save(path)
    only_problem(reject(loaded_db, path), "institutions", 4, "latitude", "200")


def test_excel_date_and_number_cells(loaded_db, tmp_path):
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "institutions"
    sheet.append(["institution_id", "name", "kind", "country"])
    sheet.append([2024, "Numeric id", "ministry", "MNG"])
    events = book.create_sheet("events")
    events.append(["event_id", "date", "kind", "title", "institution_id"])
    events.append(["E-date", datetime.datetime(2025, 3, 14), "visit", "Date cell", "2024"])
    events.append(["E-year", 2023, "visit", "Year as a number", "2024"])
    path = tmp_path / "cells.xlsx"
    book.save(path)
    import_workbook(path, loaded_db, "test")
    from portal.db import export_tables

    dates = {e["event_id"]: e["date"] for e in export_tables(loaded_db)["events"]}
    assert dates["E-date"] == "2025-03-14" and dates["E-year"] == "2023"


def test_not_utf8_csv(loaded_db, tmp_path):
    folder = tmp_path / "latin1"
    folder.mkdir()
    (folder / "institutions.csv").write_bytes("institution_id,name,kind,country\nX,Gräfe,ministry,DEU\n"
                                              .encode("latin-1"))
    problem = reject(loaded_db, folder)[0]
    assert (problem.sheet, problem.row) == ("institutions", 2) and "UTF-8" in str(problem)


def test_a_csv_cell_beyond_what_the_csv_module_reads_is_refused_naming_the_cell_limit(loaded_db, tmp_path):
    folder = tmp_path / "huge-cell"
    folder.mkdir()
    (folder / "institutions.csv").write_text("institution_id,name,kind,country\nX,Ministry,ministry,DEU\n"
                                             f"Y,{'x' * 200_000},ministry,DEU\n", encoding="utf-8")
    problem = reject(loaded_db, folder)[0]
    assert (problem.sheet, problem.row, problem.expected) == ("institutions", 3, "problem.cell_too_long")
    assert "32767 characters" in str(problem)


def test_a_large_sheet_is_checked_in_chunks_and_keeps_its_checks_across_them(loaded_db, tmp_path, monkeypatch):
    monkeypatch.setattr("portal.validate.CHUNK_ROWS", 3)  # rows are kept as Arrow tables 3 at a time
    folder = tmp_path / "chunks"
    folder.mkdir()
    (folder / "institutions.csv").write_text("institution_id,name,kind,country\n"
                                             + "".join(f"M{i},Ministry {i},ministry,DEU\n" for i in range(8)),
                                             encoding="utf-8")
    imported = import_workbook(folder, loaded_db, "test")
    assert imported.counts["institutions"] == Counts(added=8)
    with open(folder / "institutions.csv", "a", encoding="utf-8") as f:
        f.write("M2,Ministry again,ministry,DEU\n")
    problem = only_problem(reject(loaded_db, folder), "institutions", 10, "institution_id", "M2")
    assert "row 4" in str(problem)


def test_command_line_rejection_exits_1_with_a_readable_list(loaded_db, write, capsys):
    book = valid_workbook()
    book["programmes"][0]["host_institution_id"] = "NOWHERE"
    book["procedures"][0]["complications"] = 9
    before = checksum(loaded_db)
    assert main(["import", str(write(book)), "--db", str(loaded_db)]) == 1
    err = capsys.readouterr().err
    assert "Nothing was changed" in err
    assert 'programmes, row 2, column host_institution_id: found "NOWHERE"' in err
    assert 'procedures, row 2, column complications: found "9"' in err
    assert "Traceback" not in err
    assert checksum(loaded_db) == before
