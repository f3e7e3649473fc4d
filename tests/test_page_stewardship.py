"""The data-stewardship pages under AppTest: upload with review, history and rollback, record edits."""

from __future__ import annotations


from streamlit.testing.v1 import AppTest

from workbooks import as_read, checksum, open_app, valid_workbook
from portal.db import export_tables
from portal.workbook import write_workbook
from portal.i18n import t

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def open_page(monkeypatch, database, page: str) -> AppTest:
    return open_app(monkeypatch, database, page)


def workbook_bytes(tables, tmp_path, name="upload.xlsx") -> bytes:
    path = tmp_path / name
    write_workbook(tables, path)
    return path.read_bytes()


def table_rows(app: AppTest, index: int) -> list[dict]:
    return app.dataframe[index].value.to_dict("records")


def test_a_broken_upload_shows_every_problem_and_changes_nothing(monkeypatch, loaded_db, tmp_path):
    book = valid_workbook()
    book["programmes"][0]["host_institution_id"] = "NOWHERE"
    book["procedures"][0]["complications"] = 9
    before = checksum(loaded_db)
    app = open_page(monkeypatch, loaded_db, "pages/data.py")
    app.file_uploader[0].set_value(("broken.xlsx", workbook_bytes(book, tmp_path), XLSX)).run()
    assert not app.exception
    assert "2 problem(s)" in app.error[0].value
    problems = table_rows(app, 0)
    assert {(p["Sheet"], p["Row"], p["Column"], p["Value found"]) for p in problems} == {
        ("programmes", 2, "host_institution_id", "NOWHERE"), ("procedures", 2, "complications", "9")}
    assert not [b for b in app.button if b.key == "apply_import"]
    assert checksum(loaded_db) == before


def test_a_problem_with_a_whole_sheet_says_so_where_a_row_or_column_would_be(monkeypatch, loaded_db, tmp_path):
    """A workbook without its institutions sheet: the problem has no row or column, and the table says "whole
    sheet" there, never "not reported" (the file left nothing out: the problem is about all of it)."""
    book = valid_workbook()
    del book["institutions"]
    app = open_page(monkeypatch, loaded_db, "pages/data.py")
    app.file_uploader[0].set_value(("no-institutions.xlsx", workbook_bytes(book, tmp_path), XLSX)).run()
    assert not app.exception
    whole = [p for p in table_rows(app, 0) if p["Sheet"] == "institutions"]
    assert whole and all(p["Row"] == "whole sheet" and p["Column"] == "whole sheet" for p in whole)


def test_a_valid_upload_is_previewed_then_applied(monkeypatch, loaded_db, tmp_path):
    book = valid_workbook()
    book["programmes"][0]["title"] = "Renamed by upload"
    before = checksum(loaded_db)
    app = open_page(monkeypatch, loaded_db, "pages/data.py")
    app.file_uploader[0].set_value(("hospital.xlsx", workbook_bytes(book, tmp_path), XLSX)).run()
    counts = {row["Sheet"]: row for row in table_rows(app, 0)}
    assert (counts["programmes"]["Changed"], counts["institutions"]["Unchanged"]) == (1, 3)
    changes = table_rows(app, 1)
    assert {"Sheet": "programmes", "Record": "P1", "Change": "changed", "Field": "title",
            "Before": "Spine training", "After": "Renamed by upload"} in changes
    assert checksum(loaded_db) == before  # the preview wrote nothing

    app.button(key="apply_import").click().run()
    assert not app.exception
    assert any("applied" in s.value for s in app.success)
    assert export_tables(loaded_db)["programmes"][0]["title"] == "Renamed by upload"


def test_history_lists_changes_and_rolls_one_back(monkeypatch, loaded_db, tmp_path):
    from portal.importer import import_workbook

    original = export_tables(loaded_db)
    book = valid_workbook()
    book["programmes"][0]["title"] = "To be rolled back"
    path = tmp_path / "change"
    write_workbook(book, path)
    import_workbook(path, loaded_db, "hospital upload")
    app = open_page(monkeypatch, loaded_db, "pages/history.py")
    rows = table_rows(app, 0)
    assert [r["Import"] for r in rows] == [2, 1] and rows[0]["By"] == "hospital upload"
    assert rows[0]["File"] == "change" and len(rows[0]["SHA-256"]) == 64
    # The table shows the start of each hash; the fold under it opens every full value beside its import.
    [full] = [block.markdown[0].value for block in app.expander]
    assert full.splitlines() == [f"- Import {r['Import']}: `{r['SHA-256']}`" for r in rows]
    assert [block.label for block in app.expander] == ["Full values: SHA-256"]
    app.selectbox(key="rollback_target").set_value(2).run()
    app.button(key="rollback_button").click().run()
    app.button(key="rollback_confirm").click().run()
    assert not app.exception
    assert export_tables(loaded_db) == original
    assert table_rows(app, 0)[0]["Action"] == "rollback"


def test_every_change_made_in_the_app_names_the_signed_in_account(monkeypatch, loaded_db, tmp_path):
    book = valid_workbook()
    book["programmes"][0]["title"] = "Renamed by upload"
    app = open_page(monkeypatch, loaded_db, "pages/data.py")
    app.file_uploader[0].set_value(("hospital.xlsx", workbook_bytes(book, tmp_path), XLSX)).run()
    app.button(key="apply_import").click().run()
    app.switch_page("pages/records.py").run()
    app.selectbox(key="records_sheet").set_value("programmes").run()
    app.selectbox(key="records_pick_programmes").set_value(0).run()
    next(i for i in app.text_input if i.label == "Number of participants").input("7")
    next(b for b in app.button if b.label == "Save changes").click().run()
    app.switch_page("pages/history.py").run()
    app.selectbox(key="rollback_target").set_value(3).run()
    app.button(key="rollback_button").click().run()
    app.button(key="rollback_confirm").click().run()
    assert not app.exception
    rows = table_rows(app, 0)
    assert [(r["Action"], r["By"]) for r in rows[:3]] == [
        ("rollback", "tests@example.org (administrator)"), ("edit", "tests@example.org (administrator)"),
        ("import", "tests@example.org (administrator)")]


def test_a_rollback_says_what_it_undoes_and_waits_for_confirmation(monkeypatch, loaded_db, tmp_path):
    from portal.importer import import_workbook

    for title in ("First change", "Second change"):
        book = valid_workbook()
        book["programmes"][0]["title"] = title
        write_workbook(book, tmp_path / title)
        import_workbook(tmp_path / title, loaded_db, "steward@example.org (administrator)")
    before = checksum(loaded_db)
    app = open_page(monkeypatch, loaded_db, "pages/history.py")
    assert app.selectbox(key="rollback_target").value is None  # nothing is chosen for the viewer
    assert not [b for b in app.button if b.key == "rollback_button"]
    app.selectbox(key="rollback_target").set_value(2).run()
    assert [r["Import"] for r in table_rows(app, 1)] == [3, 2]  # the later change is undone too, and named
    app.button(key="rollback_button").click().run()
    assert checksum(loaded_db) == before  # asked, not done
    assert app.warning[0].value == t("history.rollback_warning", id=2, undone="3")  # the later one, not 2 itself
    app.button(key="rollback_cancel").click().run()
    assert checksum(loaded_db) == before and not [b for b in app.button if b.key == "rollback_confirm"]
    app.button(key="rollback_button").click().run()
    app.button(key="rollback_confirm").click().run()
    assert not app.exception
    assert export_tables(loaded_db)["programmes"][0]["title"] == "Spine training"
    assert any("undid 3, 2" in s.value for s in app.success)
    assert app.selectbox(key="rollback_target").value is None  # not "the seed", not anything


def test_editing_a_record_validates_and_saves(monkeypatch, loaded_db):
    app = open_page(monkeypatch, loaded_db, "pages/records.py")
    app.selectbox(key="records_sheet").set_value("programmes").run()
    app.selectbox(key="records_pick_programmes").set_value(0).run()
    next(i for i in app.text_input if i.label == "End date").input("2020-01")
    next(b for b in app.button if b.label == "Save changes").click().run()
    assert any("problem" in e.value for e in app.error)
    assert table_rows(app, 0)[0]["Column"] == "end_date"
    assert export_tables(loaded_db)["programmes"][0]["end_date"] == "2024-11"

    next(i for i in app.text_input if i.label == "Number of participants").input("7")
    next(i for i in app.text_input if i.label == "End date").input("2024-12")
    next(b for b in app.button if b.label == "Save changes").click().run()
    assert not app.exception
    saved = export_tables(loaded_db)["programmes"][0]
    assert (saved["participants_count"], saved["end_date"]) == (7, "2024-12")


def test_deleting_a_referenced_record_is_refused_by_name(monkeypatch, loaded_db):
    app = open_page(monkeypatch, loaded_db, "pages/records.py")
    app.selectbox(key="records_sheet").set_value("institutions").run()
    app.selectbox(key="records_pick_institutions").set_value(0).run()  # KR-HOST, first in key order
    before = checksum(loaded_db)
    app.button(key="delete_record").click().run()
    assert "programmes.host_institution_id" in as_read(app.error[0].value)
    assert checksum(loaded_db) == before


def test_every_table_offers_csv_and_xlsx_downloads(monkeypatch, seed_db):
    app = open_page(monkeypatch, seed_db, "pages/history.py")
    labels = [b.proto.label for b in app.get("download_button")]
    assert "CSV" in labels and "Excel (.xlsx)" in labels


def test_template_download_is_offered(monkeypatch, empty_db):
    app = open_page(monkeypatch, empty_db, "pages/data.py")
    assert "Download the empty workbook" in [b.proto.label for b in app.get("download_button")]


def test_rolling_back_the_last_change_says_nothing_of_later_changes(monkeypatch, loaded_db, tmp_path):
    from portal.importer import import_workbook

    book = valid_workbook()
    book["programmes"][0]["title"] = "Only change"
    write_workbook(book, tmp_path / "only")
    import_workbook(tmp_path / "only", loaded_db, "steward@example.org (administrator)")
    app = open_page(monkeypatch, loaded_db, "pages/history.py")
    app.selectbox(key="rollback_target").set_value(2).run()
    app.button(key="rollback_button").click().run()
    assert [w.value for w in app.warning] == [t("history.rollback_warning_alone", id=2)]


def test_a_record_says_where_its_values_came_from(monkeypatch, loaded_db, write):
    """Two participants of P1 (a key of three columns): the fixture's import wrote both; an edit of the first in
    the app names the signed-in account first, and the second's sources stay the imports alone."""
    from portal.importer import import_workbook

    book = valid_workbook()
    book["participants"].append({"programme_id": "P1", "person_name": "Trainee Two", "role": "trainee"})
    import_workbook(write(book, "second"), loaded_db, "registrar@example.org")

    def sources(position: int) -> list[tuple[str, str]]:
        app = open_page(monkeypatch, loaded_db, "pages/records.py")
        app.selectbox(key="records_sheet").set_value("participants").run()
        app.selectbox(key="records_pick_participants").set_value(position).run()
        assert not app.dataframe  # read only when asked
        app.toggle(key="records_provenance_participants").set_value(True).run()
        return [(row["Action"], row["By"]) for row in table_rows(app, 0)], app

    first, app = sources(0)
    assert first == [("import", "fixture")]
    next(i for i in app.text_input if i.label == "Position").input("attending surgeon")
    next(b for b in app.button if b.label == "Save changes").click().run()
    assert sources(0)[0] == [("edit", "tests@example.org (administrator)"), ("import", "fixture")]
    assert sources(1)[0] == [("import", "registrar@example.org")]
