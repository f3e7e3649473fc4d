"""The app and the import command share the database file without fighting over it."""

from __future__ import annotations

import subprocess
import sys
import threading

from workbooks import PROJECT, checksum, valid_workbook
from portal import db
from portal.importer import import_workbook


def programme_count(store: db.Store) -> int:
    contents = store.read("database_contents", db.FULL_SCOPE).set_index("sheet")
    return int(contents.loc["programmes", "records"])


def test_import_while_the_app_is_open(loaded_db, write):
    """An open app never blocks the command-line import, and sees the new data on its next read."""
    store = db.open_store(loaded_db)
    assert programme_count(store) == 1
    book = valid_workbook()
    book["programmes"].append(dict(book["programmes"][0], programme_id="P2", title="Second"))
    result = subprocess.run([sys.executable, "-m", "portal", "import", str(write(book)), "--db", str(loaded_db)],
                            cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert programme_count(store) == 2


def test_readers_during_imports_see_old_or_new_never_a_mix_and_no_error(loaded_db, write):
    """20 readers query while imports run; each answer is a whole state of the database."""
    store = db.open_store(loaded_db)
    books = []
    for n in range(2, 6):
        book = valid_workbook()
        # Each import adds one programme and its participant together: a reader must see both or neither.
        book["programmes"].append(dict(book["programmes"][0], programme_id=f"P{n}"))
        book["participants"].append(dict(book["participants"][0], programme_id=f"P{n}"))
        books.append(write(book, f"book{n}"))
    answers, errors, stop = [], [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                with store.cursor() as cursor:
                    answers.append(cursor.execute(
                        "SELECT (SELECT count(*) FROM programmes), (SELECT count(*) FROM participants)").fetchall()[0])
            except Exception as error:  # any error at all fails the test
                errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(20)]
    for thread in threads:
        thread.start()
    try:
        for book in books:
            import_workbook(book, loaded_db, "test")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
    assert set(answers) <= {(n, n) for n in range(1, 6)}
    assert (5, 5) in answers


def test_failed_write_leaves_the_file_untouched(loaded_db):
    before = checksum(loaded_db)
    try:
        with db.writing(loaded_db) as writer:
            writer.connection.execute("DELETE FROM programmes")
            raise RuntimeError("stopped half way")
    except RuntimeError:
        pass
    assert checksum(loaded_db) == before
    assert not list(loaded_db.parent.glob(".*.tmp"))


def test_a_database_from_an_older_version_is_upgraded_before_serving(loaded_db, monkeypatch, capsys):
    """A file written before the submissions tables existed gains them (and this version's macros) at start."""
    import duckdb

    from portal import serve

    with duckdb.connect(str(loaded_db)) as connection:  # as an older version left it
        connection.execute("DROP TABLE submission_records")
        connection.execute("DROP TABLE submissions")
        connection.execute("DROP TABLE schema_version")
    store = db.open_store(loaded_db)
    before = programme_count(store)
    monkeypatch.setenv("PORTAL_DB", str(loaded_db))
    serve.upgrade_database()  # what `python -m portal.serve` does before it listens
    assert "up to this version" in capsys.readouterr().err
    assert store.read("submissions_list", db.FULL_SCOPE, limit=10).empty  # the page's query now runs
    assert programme_count(store) == before  # nothing else changed
    assert db.upgrade(loaded_db) is False  # once is enough
