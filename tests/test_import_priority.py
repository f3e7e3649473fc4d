"""Imports give way to pages: they run at a lower CPU priority, and only the import's own thread does."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from portal import stewardship_ui
from portal.importer import IMPORT_NICENESS, ImportRejected, give_way_to_pages
from workbooks import PROJECT, valid_workbook


def priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_giving_way_lowers_only_the_calling_thread_and_the_threads_it_starts():
    seen = {}

    def importing() -> None:
        give_way_to_pages()
        seen["import"] = priority()
        started = threading.Thread(target=lambda: seen.setdefault("started", priority()))
        started.start()
        started.join()

    before = priority()
    worker = threading.Thread(target=importing)
    worker.start()
    worker.join()
    assert seen == {"import": max(IMPORT_NICENESS, before), "started": max(IMPORT_NICENESS, before)}
    assert priority() == before


def test_a_command_line_import_runs_at_the_lower_priority(tmp_path, write):
    workbook, database = write(valid_workbook(), "initial"), tmp_path / "cli.duckdb"
    shown = subprocess.run(
        [sys.executable, "-c", "import os, sys, threading; from portal.__main__ import main; "
         "status = main(['import', sys.argv[1], '--db', sys.argv[2]]); "
         "print(status, os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))", str(workbook), str(database)],
        cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert shown.stdout.split()[-2:] == ["0", str(max(IMPORT_NICENESS, priority()))], shown.stderr


def test_an_upload_is_imported_in_a_thread_of_its_own_that_gives_way(monkeypatch, tmp_path):
    calls = []

    def recorded(source, database, user, **options):
        calls.append((threading.current_thread() is threading.main_thread(), priority(), options))
        if options.get("preview"):
            raise ImportRejected([], [])
        return "imported"

    monkeypatch.setattr(stewardship_ui, "import_workbook", recorded)
    monkeypatch.setattr(stewardship_ui, "viewer_name", lambda: "steward@moh.example")
    before = priority()
    assert stewardship_ui.import_giving_way(tmp_path / "upload.xlsx", file_name="upload.xlsx") == "imported"
    with pytest.raises(ImportRejected):  # what the import raises reaches the page as it was
        stewardship_ui.import_giving_way(tmp_path / "upload.xlsx", preview=True)
    low = max(IMPORT_NICENESS, before)
    assert calls == [(False, low, {"file_name": "upload.xlsx"}), (False, low, {"preview": True})]
    assert priority() == before
