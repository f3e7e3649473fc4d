"""Export, import into an empty database, export again: the same rows, scripts and partial dates intact."""

from __future__ import annotations

import csv
import zipfile

import pytest

from portal.db import Counts, export_tables
from portal.importer import import_workbook
from portal.workbook import read_workbook
from workbooks import portal_cli, valid_workbook


def many_scripts_workbook():
    book = valid_workbook()
    book["institutions"][0]["name_local"] = "Гэмтэл Согог Судлалын Үндэсний Төв"
    book["institutions"][1]["name_local"] = "순천향대학교 부속 부천병원"
    book["institutions"][2].update(name_local="ໂຮງໝໍມິດຕະພາບ", city="Вьентьян, 万象")
    book["programmes"][0].update(start_date="2024", end_date="2024-11", description='Quotes "", commas, \nnew line')
    book["events"][0]["date"] = "2025-04"
    book["equipment"][0]["acquired_date"] = "2025-03-14"
    return book


@pytest.mark.parametrize("form", ["folder", "book.xlsx"])
def test_export_import_export_gives_the_same_rows(tmp_path, write, form):
    first_db, second_db = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    import_workbook(write(many_scripts_workbook(), "source"), first_db, "test")
    first = export_tables(first_db)
    out = tmp_path / f"export-{form}"
    run_cli("export", out, "--db", first_db)
    import_workbook(out, second_db, "test")
    assert export_tables(second_db) == first

    institutions = {r["institution_id"]: r for r in first["institutions"]}
    assert institutions["UB-TRAUMA"]["name_local"] == "Гэмтэл Согог Судлалын Үндэсний Төв"
    assert institutions["KR-HOST"]["name_local"] == "순천향대학교 부속 부천병원"
    assert institutions["MOH"]["name_local"] == "ໂຮງໝໍມິດຕະພາບ"
    assert institutions["MOH"]["latitude"] is None  # empty stays missing, never 0
    programme = first["programmes"][0]
    assert (programme["start_date"], programme["end_date"]) == ("2024", "2024-11")
    assert programme["description"] == 'Quotes "", commas, \nnew line'
    assert first["events"][0]["date"] == "2025-04"


def test_partial_dates_export_as_written(tmp_path, write):
    database = tmp_path / "db.duckdb"
    import_workbook(write(many_scripts_workbook()), database, "test")
    out = tmp_path / "csv"
    run_cli("export", out, "--db", database)
    with open(out / "programmes.csv", encoding="utf-8") as f:
        programme = next(csv.DictReader(f))
    assert programme["start_date"] == "2024" and programme["end_date"] == "2024-11"
    assert programme["participants_count"] == "3" and programme["cost_amount"] == "15000000"
    with open(out / "participants.csv", encoding="utf-8") as f:
        assert next(csv.DictReader(f))["profession"] == ""


def test_zip_of_csv_files_in_a_folder(tmp_path, write):
    folder = write(many_scripts_workbook(), "zipped")
    archive = tmp_path / "book.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in folder.iterdir():
            z.write(file, f"exchange-2025/{file.name}")
    result = import_workbook(archive, tmp_path / "db.duckdb", "test")
    assert result.counts["institutions"] == Counts(3, 0, 0)


def test_xlsx_export_writes_text_never_formulas(tmp_path, write):
    import openpyxl

    book = valid_workbook()
    book["programmes"][0]["description"] = "=HYPERLINK(\"http://evil\",\"x\")"
    database = tmp_path / "db.duckdb"
    import_workbook(write(book), database, "test")
    out = tmp_path / "out.xlsx"
    run_cli("export", out, "--db", database)
    cell = openpyxl.load_workbook(out)["programmes"]["O2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"
    row_number, cells = next(iter(read_workbook(out)["programmes"].rows))
    assert row_number == 2 and cells[14].startswith("=HYPERLINK")


def test_import_prints_counts_and_records_the_import(tmp_path, write):
    database = tmp_path / "db.duckdb"
    source = write(valid_workbook())
    first = run_cli("import", source, "--db", database)
    assert "institutions: 3 added, 0 changed, 0 unchanged" in first.stdout
    book = valid_workbook()
    book["programmes"][0]["title"] = "Spine training, renamed"
    second = run_cli("import", write(book, "changed"), "--db", database)
    assert "programmes: 0 added, 1 changed, 0 unchanged" in second.stdout
    assert "institutions: 0 added, 0 changed, 3 unchanged" in second.stdout

    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        imports = connection.execute(
            "SELECT import_id, imported_by, file_name, length(file_sha256) FROM imports ORDER BY 1").fetchall()
        counts = connection.execute(
            "SELECT added, changed, unchanged FROM import_counts WHERE import_id = 2 AND sheet = 'programmes'"
        ).fetchall()
    assert [(i, f, n) for i, _, f, n in imports] == [(1, "workbook", 64), (2, "changed", 64)]
    assert imports[0][1]  # the operating-system user
    assert counts == [(0, 1, 0)]


def run_cli(*args):
    """Run `python -m portal ...` as a user would, failing the test on a non-zero exit."""
    return portal_cli(*args)
