"""The follow_ups sheet of contract 1.1: every rule with sheet, row and column, round trip, rollback, visibility."""

from __future__ import annotations

import pytest

from portal import i18n
from portal.db import Counts, Scope, export_tables, open_store
from portal.importer import ImportRejected, import_workbook
from portal.stewardship import rollback
from test_import_rules import only_problem, reject
from workbooks import valid_workbook


def follow_up(**changes):
    """One valid check of the valid workbook's trainee (P1 starts 2024, ends 2024-11)."""
    row = {"programme_id": "P1", "person_name": "Trainee One", "role": "trainee", "date": "2025-06",
           "status": "at_home_institution", "institution_id": "UB-TRAUMA", "practising": "yes",
           "procedures_performed": 12, "position": "spine surgeon", "source": "phone call"}
    row.update(changes)
    return row


def book_with(*rows):
    book = valid_workbook()
    book["follow_ups"] = list(rows)
    return book


def test_a_version_1_1_workbook_imports_and_reimports_unchanged(tmp_path, write):
    database = tmp_path / "db.duckdb"
    book = book_with(follow_up(), follow_up(date="2026", status="abroad", practising="partly"))
    assert import_workbook(write(book, "first"), database, "test").counts["follow_ups"] == Counts(2, 0, 0)
    assert import_workbook(write(book, "again"), database, "test").counts["follow_ups"] == Counts(0, 0, 2)
    changed = book_with(follow_up(), follow_up(date="2026", status="deceased"))
    assert import_workbook(write(changed, "third"), database, "test").counts["follow_ups"] == Counts(0, 1, 1)


def test_a_follow_up_of_a_participant_already_stored_is_accepted(loaded_db, write):
    book = {"institutions": [], "follow_ups": [follow_up()]}
    assert import_workbook(write(book), loaded_db, "test").counts["follow_ups"] == Counts(1, 0, 0)


def test_a_person_who_is_no_participant_is_rejected(loaded_db, write):
    problems = reject(loaded_db, write(book_with(follow_up(), follow_up(person_name="Somebody Else"))))
    problem = only_problem(problems, "follow_ups", 3, "person_name", "Somebody Else")
    assert "P1" in str(problem) and "participants" in str(problem)


def test_the_same_name_in_another_role_is_no_participant(loaded_db, write):
    problems = reject(loaded_db, write(book_with(follow_up(role="trainer"))))
    only_problem(problems, "follow_ups", 2, "person_name", "Trainee One")


def test_a_check_before_the_programme_started_is_rejected(loaded_db, write):
    problems = reject(loaded_db, write(book_with(follow_up(date="2023-12"))))
    problem = only_problem(problems, "follow_ups", 2, "date", "2023-12")
    assert "2024" in str(problem)


def test_a_check_within_the_start_year_is_accepted(loaded_db, write):
    # "2024" may mean any day of 2024: a check in 2024-01 is not before it.
    assert import_workbook(write(book_with(follow_up(date="2024-01"))), loaded_db, "test").counts["follow_ups"] \
        == Counts(1, 0, 0)


def test_the_start_date_stored_counts_when_the_file_has_no_programmes(loaded_db, write):
    problems = reject(loaded_db, write({"institutions": [], "follow_ups": [follow_up(date="2020")]}))
    only_problem(problems, "follow_ups", 2, "date", "2020")


@pytest.mark.parametrize("column, value", [
    ("status", "retired"), ("practising", "sometimes"), ("procedures_performed", "-1"),
    ("procedures_performed", "2.5"), ("date", "June 2025"), ("institution_id", "NOWHERE"),
    ("programme_id", "P9"),
])
def test_each_value_rule(loaded_db, write, column, value):
    problems = reject(loaded_db, write(book_with(follow_up(**{column: value}))))
    assert (problems[0].sheet, problems[0].row, problems[0].column, problems[0].value) == \
        ("follow_ups", 2, column, value), problems


@pytest.mark.parametrize("column", ["programme_id", "person_name", "role", "date", "status"])
def test_required_columns(loaded_db, write, column):
    problems = reject(loaded_db, write(book_with(follow_up(**{column: ""}))))
    assert (problems[0].sheet, problems[0].row, problems[0].column) == ("follow_ups", 2, column)


def test_two_rows_with_one_key_are_rejected(loaded_db, write):
    problems = reject(loaded_db, write(book_with(follow_up(), follow_up(status="abroad"))))
    assert [(p.sheet, p.row) for p in problems] == [("follow_ups", 3)]


@pytest.mark.parametrize("language, words", [("mn", "хөтөлбөр"), ("ko", "프로그램")])
def test_messages_in_mongolian_and_korean(loaded_db, write, language, words):
    problems = reject(loaded_db, write(book_with(follow_up(person_name="Nobody"), follow_up(date="2023"))))
    i18n.set_language(language)
    try:
        assert all(words in str(p) for p in problems), [str(p) for p in problems]
    finally:
        i18n.set_language("en")


def test_round_trip_and_rollback(tmp_path, write):
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    import_workbook(write(valid_workbook(), "v1"), first, "test")
    import_workbook(write(book_with(follow_up(),
                                    follow_up(date="2025", status="unknown", practising="", procedures_performed="")),
                          "v11"), first, "test")
    exported = export_tables(first)
    assert len(exported["follow_ups"]) == 2
    assert {r["date"] for r in exported["follow_ups"]} == {"2025", "2025-06"}  # precision kept
    assert [r["practising"] for r in exported["follow_ups"] if r["date"] == "2025"] == [None]  # not 0, not ""
    import_workbook(write(exported, "exported"), second, "test")
    assert export_tables(second) == exported
    rollback(first, None, "test")
    assert export_tables(first)["follow_ups"] == []


def test_names_blanked_and_partners_see_only_their_collaborations(tmp_path, write):
    database = tmp_path / "db.duckdb"
    book = book_with(follow_up())
    book["institutions"].append({"institution_id": "OTHER", "name": "Other", "kind": "hospital",
                                 "country": "MNG", "latitude": 47.0, "longitude": 106.0})
    import_workbook(write(book), database, "test")
    store = open_store(database)

    def follow_ups(scope):
        return store.read("trainee_follow_ups", scope, programme=None, limit=100)

    assert list(follow_ups(Scope())["person_name"]) == ["Trainee One"]
    anonymous = follow_ups(Scope(role="anonymous", names_visible=False))
    assert len(anonymous) == 1 and anonymous["person_name"].isna().all()
    assert len(follow_ups(Scope(role="partner", institution_id="KR-HOST"))) == 1
    assert follow_ups(Scope(role="partner", institution_id="OTHER")).empty


def test_the_template_offers_the_follow_up_lists(tmp_path):
    import openpyxl

    from portal.template import write_template

    write_template(tmp_path / "template.xlsx")
    book = openpyxl.load_workbook(tmp_path / "template.xlsx")
    assert "follow_ups" in book.sheetnames
    validations = [v.formula1 for v in book["follow_ups"].data_validations.dataValidation]
    listed = {cell.value for column in book["lists"].iter_cols() for cell in column}
    assert {"at_home_institution", "left_profession", "partly", "follow_ups.status"} <= listed
    assert len(validations) >= 3  # role, status, practising (and the date/number rules)


def test_the_records_page_lists_follow_ups_for_editing(monkeypatch, tmp_path, write):
    from workbooks import open_app

    database = tmp_path / "db.duckdb"
    import_workbook(write(book_with(follow_up())), database, "test")
    app = open_app(monkeypatch, database, "pages/records.py", {"records_sheet": "follow_ups"})
    assert any("Trainee One" in option for option in app.selectbox[1].options)


def test_a_follow_up_edited_in_the_app_is_checked_and_saved(tmp_path, write):
    from portal.stewardship import save_record

    database = tmp_path / "db.duckdb"
    import_workbook(write(book_with(follow_up())), database, "test")
    save_record(database, "follow_ups", follow_up(status="abroad"), "steward", creating=False)
    assert [r["status"] for r in export_tables(database)["follow_ups"]] == ["abroad"]
    with pytest.raises(ImportRejected) as rejected:
        save_record(database, "follow_ups", follow_up(person_name="Stranger"), "steward", creating=True)
    assert [(p.sheet, p.column) for p in rejected.value.problems] == [("follow_ups", "person_name")]


def test_a_participant_named_by_follow_ups_cannot_be_deleted(tmp_path, write):
    """Follow-ups name a person, not an id: deleting the participant would orphan them, so it is refused with
    the count; once the follow-ups are gone the participant can be deleted."""
    from portal.stewardship import StewardshipError, delete_record

    database = tmp_path / "db.duckdb"
    import_workbook(write(book_with(follow_up(), follow_up(date="2025-12"))), database, "test")
    person = {"programme_id": "P1", "person_name": "Trainee One", "role": "trainee"}
    with pytest.raises(StewardshipError) as refused:
        delete_record(database, "participants", person, "editor")
    assert (refused.value.message, refused.value.args_["count"]) == ("delete.followed_up", 2)
    assert "2 follow-up(s) name this person" in i18n.t(refused.value.message, **refused.value.args_)
    assert len(export_tables(database)["participants"]) == 1
    for when in ("2025-06", "2025-12"):
        delete_record(database, "follow_ups", {**person, "date": when}, "editor")
    delete_record(database, "participants", person, "editor")
    assert export_tables(database)["participants"] == []
