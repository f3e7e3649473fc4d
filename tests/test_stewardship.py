"""Template, history, rollback, single-record edits and deletions: every change logged and reversible."""

from __future__ import annotations

import csv
import json

import duckdb
import openpyxl
import pytest

from portal import db
from portal.contract import SHEETS
from portal.db import Counts, export_tables
from portal.importer import DatabaseChanged, ImportRejected, import_workbook
from portal.stewardship import StewardshipError, delete_record, rollback, save_record
from workbooks import checksum, portal_cli, valid_workbook


def cli(*args, ok=True):
    return portal_cli(*args, ok=ok)


def changed_book():
    """The valid workbook with one changed record, one new record in two sheets."""
    book = valid_workbook()
    book["programmes"][0]["title"] = "Renamed programme"
    book["institutions"].append({"institution_id": "NEW", "name": "New agency", "kind": "agency", "country": "KOR"})
    book["events"].append(dict(book["events"][0], event_id="EV-NEW", title="New event"))
    return book


def test_template_has_every_sheet_column_and_dropdown(tmp_path):
    out = tmp_path / "template.xlsx"
    cli("template", out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "instructions"
    for name, sheet in SHEETS.items():
        assert [c.value for c in book[name][1]] == list(sheet.column_names)
    rules = {str(v.sqref).split(":")[0]: v.formula1 for v in book["programmes"].data_validations.dataValidation}
    columns = {c.value: c.column_letter for c in book["programmes"][1]}
    assert rules[columns["kind"] + "2"].startswith("lists!")
    assert rules[columns["cost_currency"] + "2"].startswith("lists!")
    institution_rules = {str(v.sqref).split(":")[0] for v in book["institutions"].data_validations.dataValidation}
    assert {c.column_letter + "2" for c in book["institutions"][1] if c.value in ("kind", "country")} <= institution_rules
    instructions = [row for row in book["instructions"].iter_rows(values_only=True)]
    assert ("programmes", "cost_currency", None,
            "an ISO 4217 currency code such as MNT, KRW, USD or EUR") in instructions


def test_the_empty_template_imports_cleanly(tmp_path):
    out = tmp_path / "template.xlsx"
    cli("template", out)
    result = import_workbook(out, tmp_path / "db.duckdb", "test")
    assert result.warnings == [] and all(c == Counts() for c in result.counts.values())


def test_rollback_restores_the_database_to_its_state_before_the_import(loaded_db, write):
    before = export_tables(loaded_db)
    cli("import", write(changed_book()), "--db", loaded_db)
    assert export_tables(loaded_db) != before
    out = cli("rollback", "--last", "--db", loaded_db).stdout
    assert "undid change(s) 2" in out
    assert export_tables(loaded_db) == before
    history = cli("history", "--db", loaded_db).stdout
    assert "rolled back by 3" in history and "undid 2" in history


def test_rolling_back_an_earlier_import_undoes_what_followed_it(loaded_db, write):
    before = export_tables(loaded_db)
    import_workbook(write(changed_book(), "first"), loaded_db, "test")
    second = valid_workbook()
    second["programmes"][0]["title"] = "Renamed again"
    import_workbook(write(second, "second"), loaded_db, "test")
    result = rollback(loaded_db, 2, "test")
    assert result.undone == [3, 2]
    assert export_tables(loaded_db) == before
    with pytest.raises(StewardshipError) as refused:
        rollback(loaded_db, 2, "test")
    assert refused.value.message == "rollback.already"


def test_rollback_of_an_unknown_import_is_refused_plainly(loaded_db):
    before = checksum(loaded_db)
    result = cli("rollback", "99", "--db", loaded_db, ok=False)
    assert "There is no import 99" in result.stderr
    assert checksum(loaded_db) == before


def test_preview_lists_a_few_records_per_sheet_and_counts_them_all(empty_db, write, monkeypatch):
    monkeypatch.setattr("portal.importer.PREVIEW_RECORDS", 2)
    preview = import_workbook(write(valid_workbook()), empty_db, "test", preview=True)
    assert preview.changes.groupby("sheet").size().max() == 2 and (preview.changes["sheet"] == "institutions").sum() == 2
    assert preview.counts["institutions"].added > 2 and set(preview.changes["sheet"]) == set(preview.counts)


def test_only_a_preview_keeps_changed_records_aside_and_only_as_many_as_it_lists(empty_db, write, monkeypatch):
    kept = []
    merge = db.Writer.merge

    def merge_and_count_kept(writer, *args, **kwargs):
        counts = merge(writer, *args, **kwargs)
        kept.append(sum(len(sample) for sample in writer.merged_samples))
        return counts

    monkeypatch.setattr(db.Writer, "merge", merge_and_count_kept)
    monkeypatch.setattr("portal.importer.PREVIEW_RECORDS", 2)
    preview = import_workbook(write(valid_workbook()), empty_db, "test", preview=True)
    import_workbook(write(valid_workbook(), "applied"), empty_db, "test")
    assert kept == [len(preview.changes), 0] and 0 < len(preview.changes) <= 2 * len(preview.counts)


def test_preview_reports_field_changes_and_writes_nothing(loaded_db, write):
    before = checksum(loaded_db)
    preview = import_workbook(write(changed_book()), loaded_db, "test", preview=True)
    assert checksum(loaded_db) == before and preview.import_id is None
    assert preview.counts["programmes"] == Counts(0, 1, 0) and preview.counts["institutions"] == Counts(1, 0, 3)
    changed = preview.changes[(preview.changes["sheet"] == "programmes")].iloc[0]
    assert json.loads(changed["before"])["title"] == "Spine training"
    assert json.loads(changed["after"])["title"] == "Renamed programme"
    applied = import_workbook(write(changed_book(), "again"), loaded_db, "test",
                              expected_version=preview.base_version)
    assert applied.counts == preview.counts


def test_apply_refuses_when_the_database_changed_after_the_preview(loaded_db, write):
    preview = import_workbook(write(changed_book()), loaded_db, "test", preview=True)
    import_workbook(write(valid_workbook(), "meanwhile"), loaded_db, "someone else")
    before = checksum(loaded_db)
    with pytest.raises(DatabaseChanged):
        import_workbook(write(changed_book(), "apply"), loaded_db, "test", expected_version=preview.base_version)
    assert checksum(loaded_db) == before


def test_edit_is_validated_like_an_import_and_logged_with_before_and_after(loaded_db):
    programme = {k: v for k, v in valid_workbook()["programmes"][0].items()}
    with pytest.raises(ImportRejected) as rejected:
        save_record(loaded_db, "programmes", dict(programme, end_date="2023-01"), "editor", creating=False)
    assert [(p.column, p.value) for p in rejected.value.problems] == [("end_date", "2023-01")]
    with pytest.raises(ImportRejected) as exists:
        save_record(loaded_db, "programmes", programme, "editor", creating=True)
    assert "exists" in str(exists.value.problems[0])

    result = save_record(loaded_db, "programmes", dict(programme, participants_count="5"), "editor", creating=False)
    assert result.counts["programmes"] == Counts(0, 1, 0)
    with duckdb.connect(str(loaded_db), read_only=True) as connection:
        action, by = connection.execute(
            "SELECT action, imported_by FROM imports WHERE import_id = $id", {"id": result.import_id}).fetchall()[0]
        before, after = connection.execute(
            "SELECT before, after FROM changes WHERE import_id = $id", {"id": result.import_id}).fetchall()[0]
    assert (action, by) == ("edit", "editor")
    assert json.loads(before)["participants_count"] == 3 and json.loads(after)["participants_count"] == 5


def test_delete_refuses_while_referenced_and_is_reversible(loaded_db):
    before = checksum(loaded_db)
    with pytest.raises(StewardshipError) as refused:
        delete_record(loaded_db, "institutions", {"institution_id": "UB-TRAUMA"}, "editor")
    assert refused.value.message == "delete.referenced"
    assert "programmes.home_institution_id (1)" in refused.value.args_["references"]
    assert checksum(loaded_db) == before

    tables = export_tables(loaded_db)
    delete_record(loaded_db, "events", {"event_id": "EV1"}, "editor")
    assert export_tables(loaded_db)["events"] == []
    rollback(loaded_db, None, "editor")
    assert export_tables(loaded_db) == tables


def test_csv_export_escapes_formulas_and_still_round_trips(tmp_path, write):
    book = valid_workbook()
    book["programmes"][0].update(description="=HYPERLINK(\"http://x\")", funding_source="+ministry",
                                 specialty="-spine", title="@risk")
    first = tmp_path / "first.duckdb"
    import_workbook(write(book), first, "test")
    out = tmp_path / "export"
    cli("export", out, "--db", first)
    with open(out / "programmes.csv", encoding="utf-8") as f:
        row = next(csv.DictReader(f))
    assert row["description"] == "'=HYPERLINK(\"http://x\")" and row["funding_source"] == "'+ministry"
    assert row["specialty"] == "'-spine" and row["title"] == "'@risk"
    assert row["cost_amount"] == "15000000"  # numbers are not text: never escaped
    second = tmp_path / "second.duckdb"
    import_workbook(out, second, "test")
    assert export_tables(second) == export_tables(first)
