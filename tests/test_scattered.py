"""The synthetic database arriving as many imports in random order holds exactly what `synth` builds at once."""

from __future__ import annotations

import duckdb
import pytest

from benchmarks import scattered, synth
from portal import db

SMALL = synth.Sizes(programmes=300, participants=1_000, equipment=120, events=400)
TOTALS = """
SELECT institution_id, department, month, procedure, technique, equipment_id, illustrative, cases, records,
       cases_with_los, round(case_days_of_stay, 6), cases_with_complications, complications
FROM procedure_totals ORDER BY ALL"""  # the sum of days rounded: its order of addition differs
FIRST_ROWS = "SELECT institution_id FROM procedures LIMIT 2000"  # the storage order, as a scan meets it


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    """The same seed built by synth (sorted by institution) and by scattered (20,000 rows, 5 imports)."""
    folder = tmp_path_factory.mktemp("scattered")
    synth.build(folder / "sorted.duckdb", 20_000, seed=3, sizes=SMALL)
    result = scattered.build(folder / "scattered.duckdb", 20_000, imports=5, seed=3, sizes=SMALL)
    return folder / "sorted.duckdb", folder / "scattered.duckdb", result


def test_every_sheet_holds_the_same_records(databases):
    sorted_db, scattered_db, _ = databases
    assert db.export_tables(scattered_db) == db.export_tables(sorted_db)


def test_procedure_totals_are_the_same(databases):
    sorted_db, scattered_db, _ = databases
    totals = {}
    for name, database in (("sorted", sorted_db), ("scattered", scattered_db)):
        with duckdb.connect(str(database), read_only=True) as connection:
            totals[name] = connection.execute(TOTALS).fetchall()
    assert len(totals["sorted"]) > 1_000 and totals["scattered"] == totals["sorted"]


def test_the_history_lists_the_sheets_then_the_five_procedure_imports(databases):
    _, scattered_db, result = databases
    history = db.open_store(scattered_db).read("import_history", db.FULL_SCOPE, limit=10)[::-1]
    assert history["action"].tolist() == ["import"] * 6
    assert history["file_name"].tolist() == ["synthetic sheets without procedures"] + [
        f"procedures-{part:02d}-of-5.zip" for part in range(1, 6)]
    assert [name for name, _, _ in result.imports] == ["sheets"] + history["file_name"].tolist()[1:]
    procedure_rows = [rows for _, rows, _ in result.imports[1:]]
    assert sum(procedure_rows) == 20_000 and min(procedure_rows) > 0
    # each procedure import only adds (its own rows, the institutions it names unchanged)
    assert history["added"].tolist()[1:] == procedure_rows and history["changed"].sum() == 0


def test_an_institutions_rows_arrive_in_several_imports_and_are_stored_unsorted(databases):
    sorted_db, scattered_db, _ = databases
    with duckdb.connect(str(scattered_db), read_only=True) as connection:
        imports_per_site = connection.execute(  # the change log's added rows name their import
            "SELECT count(DISTINCT import_id) FROM changes WHERE sheet = 'procedures' "
            "GROUP BY after->>'institution_id'").fetchall()
        scattered_first = [row[0] for row in connection.execute(FIRST_ROWS).fetchall()]
    with duckdb.connect(str(sorted_db), read_only=True) as connection:
        sorted_first = [row[0] for row in connection.execute(FIRST_ROWS).fetchall()]
    assert max(count for count, in imports_per_site) == 5
    assert sorted_first == sorted(sorted_first) and scattered_first != sorted(scattered_first)


def test_the_command_refuses_to_replace_a_database_unless_forced(tmp_path, capsys):
    database = tmp_path / "cli.duckdb"
    database.write_bytes(b"kept")
    assert scattered.main(["--procedures", "100", "--imports", "2", "--db", str(database)]) == 1
    assert "--force" in capsys.readouterr().err and database.read_bytes() == b"kept"
