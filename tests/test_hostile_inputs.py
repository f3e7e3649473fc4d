"""Hostile and unlucky inputs: odd digits, sheets read twice, error cells, huge numbers and texts, zip bombs,
lying headers, a million bad rows, full disks, read-only folders, killed imports, damaged or missing
databases. Each is refused (or survives) with a message, leaves the database as it was and no debris.

Real files, real DuckDB, the real command line in subprocesses where a fault is injected at the OS level.
"""

from __future__ import annotations

import fcntl
import io
import os
import resource
import signal
import stat
import struct
import subprocess
import sys
import threading
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import xlsxwriter

from workbooks import PROJECT, checksum, open_app, portal_cli, valid_workbook
from portal import db, stewardship_ui
from portal.db import Counts, export_tables
from portal.importer import ImportRejected, import_workbook, omitted_lines
from portal.validate import MAX_REPORTED
from portal.workbook import MAX_CELL_CHARS, MAX_FILE_BYTES, MAX_MEMBERS, MAX_ROWS, MAX_UNPACKED_BYTES, write_workbook

PAGES = ["pages/overview.py", "pages/programmes.py", "pages/partners.py", "pages/equipment.py",
         "pages/impact.py", "pages/data_quality.py"]


def rejected(database: Path, path: Path) -> ImportRejected:
    """Import `path`, expecting a rejection that leaves `database` byte-for-byte as it was."""
    before = checksum(database)
    with pytest.raises(ImportRejected) as refusal:
        import_workbook(path, database, "test")
    assert checksum(database) == before
    return refusal.value


def places(refusal: ImportRejected) -> list[tuple]:
    return [(p.sheet, p.row, p.column, p.value, p.expected) for p in refusal.problems]


def debris(database: Path) -> list[str]:
    """Files a writer leaves beside the database: working copies, their logs and spill folders."""
    return sorted(p.name for p in database.parent.iterdir()
                  if p.name.startswith(f".{database.name}.") and not p.name.endswith(".lock"))


def write_csv_folder(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


INSTITUTIONS_CSV = "institution_id,name,kind,country\nMOH2,Another ministry,ministry,MNG\n"


# ---------------------------------------------------------------- item 4: digits other than 0-9


@pytest.mark.parametrize("sheet, column, value", [
    ("programmes", "start_date", "２０２４"),
    ("programmes", "start_date", "٢٠٢٣-٠٥"),
    ("programmes", "end_date", "2024-１１"),
    ("programmes", "participants_count", "３"),
    ("programmes", "cost_amount", "١٥٠٠٠"),
    ("institutions", "latitude", "４７.９"),
    ("fx_rates", "year", "２０２４"),
])
def test_digits_other_than_ascii_are_refused_with_their_place(loaded_db, write, sheet, column, value):
    book = valid_workbook()
    book[sheet][0][column] = value
    refusal = rejected(loaded_db, write(book))
    assert [(p.sheet, p.row, p.column, p.value) for p in refusal.problems
            if p.column == column] == [(sheet, 2, column, value)]


def test_after_a_refused_full_width_date_every_page_still_renders(monkeypatch, loaded_db, write):
    book = valid_workbook()
    book["programmes"][0]["start_date"] = "２０２４"
    book["events"][0]["date"] = "٢٠٢٣-٠٥"
    rejected(loaded_db, write(book))
    app = open_app(monkeypatch, loaded_db)
    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception, (page, [e.value for e in app.exception])


# ---------------------------------------------------------------- item 5: silent data loss


def test_two_xlsx_sheets_read_as_the_same_sheet_are_refused_naming_both(loaded_db, tmp_path):
    path = tmp_path / "twice.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name in ("institutions", "Institutions "):
        sheet = book.add_worksheet(name)
        for row, line in enumerate(INSTITUTIONS_CSV.splitlines()):
            sheet.write_row(row, 0, line.split(","))
    book.close()
    (problem,) = rejected(loaded_db, path).problems
    assert (problem.sheet, problem.expected) == ("institutions", "problem.duplicate_sheet")
    assert '"institutions" and "Institutions "' in str(problem)


def test_two_zip_members_read_as_the_same_sheet_are_refused_naming_both(loaded_db, tmp_path):
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a/institutions.csv", INSTITUTIONS_CSV)
        archive.writestr("b/institutions.csv", INSTITUTIONS_CSV.replace("MOH2", "MOH3"))
    (problem,) = rejected(loaded_db, path).problems
    assert problem.expected == "problem.duplicate_sheet"
    assert "a/institutions.csv" in str(problem) and "b/institutions.csv" in str(problem)


def test_two_csv_files_read_as_the_same_sheet_are_refused_naming_both(loaded_db, tmp_path):
    folder = write_csv_folder(tmp_path / "twice", {"institutions.csv": INSTITUTIONS_CSV,
                                                   "INSTITUTIONS.csv": INSTITUTIONS_CSV})
    (problem,) = rejected(loaded_db, folder).problems
    assert problem.expected == "problem.duplicate_sheet"
    assert "INSTITUTIONS.csv" in str(problem) and '"institutions.csv"' in str(problem)


def test_excel_error_cells_are_problems_not_empty_cells(loaded_db, tmp_path):
    path = tmp_path / "errors.xlsx"
    book = xlsxwriter.Workbook(str(path))
    errors = {("programmes", "cost_amount"): "#DIV/0!", ("programmes", "funding_source"): "#N/A",
              ("institutions", "city"): "#REF!"}
    for name, records in valid_workbook().items():
        sheet = book.add_worksheet(name)
        columns = list(records[0])
        sheet.write_row(0, 0, columns)
        for row, record in enumerate(records, start=1):
            for column, key in enumerate(columns):
                if row == 1 and (name, key) in errors:  # a formula whose saved result is an error, as Excel saves it
                    sheet.write_formula(row, column, "=1/0", None, errors[(name, key)])
                else:
                    sheet.write(row, column, record.get(key))
    book.close()
    found = {(p.sheet, p.row, p.column, p.value, p.expected) for p in rejected(loaded_db, path).problems}
    assert found == {("programmes", 2, "cost_amount", "#DIV/0!", "problem.excel_error"),
                     ("programmes", 2, "funding_source", "#N/A", "problem.excel_error"),
                     ("institutions", 2, "city", "#REF!", "problem.excel_error")}


@pytest.mark.parametrize("sheet, column, value", [
    ("programmes", "cost_amount", "1.7e308"),
    ("programmes", "cost_amount", "1e400"),
    ("programmes", "cost_amount", "inf"),
    ("programmes", "cost_amount", "nan"),
    ("programmes", "participants_count", "3000000000"),
    ("equipment", "quantity", "1e12"),
    ("procedures", "cases", "2147483648"),
    ("procedures", "mean_length_of_stay_days", "1e300"),
    ("fx_rates", "units_per_usd", "1e-300"),
])
def test_numbers_beyond_the_documented_ranges_are_refused(loaded_db, write, sheet, column, value):
    book = valid_workbook()
    book[sheet][0][column] = value
    refusal = rejected(loaded_db, write(book))
    assert [(p.sheet, p.row, p.column, p.value) for p in refusal.problems] == [(sheet, 2, column, value)]


def test_two_huge_costs_cannot_make_an_infinite_total(loaded_db, write):
    book = valid_workbook()
    book["programmes"].append(dict(book["programmes"][0], programme_id="P2"))
    for programme in book["programmes"]:
        programme.update(cost_amount=1.7e308, cost_currency="USD")
    refusal = rejected(loaded_db, write(book, "huge.xlsx"))
    assert {(p.row, p.column) for p in refusal.problems} == {(2, "cost_amount"), (3, "cost_amount")}


def test_the_largest_accepted_numbers_import(loaded_db, write):
    book = valid_workbook()
    book["programmes"][0].update(cost_amount=1e15, participants_count=2**31 - 1)
    assert import_workbook(write(book), loaded_db, "test").counts["programmes"] == Counts(changed=1)


def test_a_participants_count_beyond_the_column_is_a_message_on_the_command_line(loaded_db, write):
    book = valid_workbook()
    book["programmes"][0]["participants_count"] = 3e9
    result = portal_cli("import", write(book, "count.xlsx"), "--db", loaded_db, ok=False)
    assert "participants_count" in result.stderr and "2147483647" in result.stderr


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_text_longer_than_an_xlsx_cell_is_refused_with_its_place(loaded_db, write, kind):
    book = valid_workbook()
    book["programmes"][0]["description"] = "x" * 100_000
    if kind == "xlsx":  # spreadsheet programs and libraries cut such text when saving: write the XML itself
        book["programmes"][0]["description"] = "LONG-TEXT-HERE"
        path = write(book, "long.xlsx")
        with zipfile.ZipFile(path) as archive:
            parts = {i.filename: archive.read(i) for i in archive.infolist()}
        parts = {name: content.replace(b"LONG-TEXT-HERE", b"x" * 100_000) for name, content in parts.items()}
        with zipfile.ZipFile(path, "w") as archive:
            for name, content in parts.items():
                archive.writestr(name, content)
    else:
        path = write(book)
    (problem,) = rejected(loaded_db, path).problems
    assert (problem.sheet, problem.row, problem.column, problem.expected) == \
        ("programmes", 2, "description", "problem.cell_too_long")
    assert "32767 characters" in str(problem) and len(problem.value) < 100


@pytest.mark.parametrize("export_name", ["export.xlsx", "export-folder"])
def test_the_longest_text_a_cell_holds_round_trips_through_both_exports(loaded_db, write, tmp_path, export_name):
    book = valid_workbook()
    longest = "ä" + "x" * (MAX_CELL_CHARS - 2) + "ö"
    book["programmes"][0]["description"] = longest
    book["institutions"][0]["name"] = "=" + "y" * (MAX_CELL_CHARS - 1)  # escaped in CSV: one more character
    import_workbook(write(book), loaded_db, "test")
    exported = tmp_path / export_name
    write_workbook(export_tables(loaded_db), exported)
    again = tmp_path / "again.duckdb"
    import_workbook(exported, again, "test")
    assert export_tables(again)["programmes"][0]["description"] == longest
    assert {r["name"] for r in export_tables(again)["institutions"]} >= {book["institutions"][0]["name"]}


# ---------------------------------------------------------------- item 6: unbounded work


def zip_of_blank_lines(path: Path, size: int, member: str = "institutions.csv") -> Path:
    """A small zip that unpacks to `size` bytes: a header row, then blank lines."""
    block = b"\n" * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(member, "w", force_zip64=size > 2**31) as out:
            out.write(INSTITUTIONS_CSV.encode())
            for _ in range(size // len(block)):
                out.write(block)
    return path


@pytest.fixture(scope="module")
def bomb_zip(tmp_path_factory) -> Path:
    """A 0.5 MB zip that unpacks to 8 MiB more than the limit (made once: deflating it takes seconds)."""
    return zip_of_blank_lines(tmp_path_factory.mktemp("bomb") / "bomb.zip", MAX_UNPACKED_BYTES + (8 << 20))


def lie_about_sizes(path: Path, claimed: int) -> Path:
    """Rewrite a one-member zip's headers to claim `claimed` unpacked bytes (the data stays as it is)."""
    content = bytearray(path.read_bytes())
    central = content.rindex(b"PK\x01\x02")
    struct.pack_into("<I", content, central + 24, claimed)  # central directory: uncompressed size
    struct.pack_into("<I", content, 22, claimed)  # local header: uncompressed size
    path.write_bytes(bytes(content))
    return path


def run_measured(*args: str) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run `python -m portal ARGS` in a fresh process; return it, its seconds and its peak memory (VmHWM, kB)."""
    script = ("import sys\nfrom portal.__main__ import main\nstatus = main(sys.argv[1:])\n"
              "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
              "print('VmHWM', peak, file=sys.stderr)\nsys.exit(status)\n")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=PROJECT, capture_output=True, text=True,
                            timeout=300)
    seconds = time.monotonic() - started
    peak = int(next(line for line in result.stderr.splitlines() if line.startswith("VmHWM")).split()[1])
    return result, seconds, peak


def test_a_zip_bomb_is_refused_within_seconds_in_little_memory(loaded_db, bomb_zip):
    bomb = bomb_zip
    assert bomb.stat().st_size < 2 << 20
    before = checksum(loaded_db)
    result, seconds, peak_kb = run_measured("import", str(bomb), "--db", str(loaded_db))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "unpacks to at most 512 MiB" in result.stderr
    assert seconds < 20 and peak_kb < 300_000, (seconds, peak_kb)
    assert checksum(loaded_db) == before and debris(loaded_db) == []


def test_a_zip_whose_headers_understate_its_size_is_refused(loaded_db, tmp_path):
    liar = lie_about_sizes(zip_of_blank_lines(tmp_path / "liar.zip", 64 << 20), 100)
    result, seconds, peak_kb = run_measured("import", str(liar), "--db", str(loaded_db))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "readable .zip" in result.stderr
    assert seconds < 20 and peak_kb < 300_000, (seconds, peak_kb)


def test_a_zip_whose_headers_overstate_its_size_is_refused_by_what_it_really_holds(loaded_db, tmp_path, bomb_zip):
    liar = tmp_path / "liar.zip"
    liar.write_bytes(bomb_zip.read_bytes())
    lie_about_sizes(liar, 2**32 - 2)
    refusal = rejected(loaded_db, liar)
    assert [p.expected for p in refusal.problems] in (["problem.unpacked_too_large"], ["problem.zip_unreadable"])


def test_a_zip_bomb_is_refused_without_waiting_for_the_writer_lock(loaded_db, bomb_zip):
    bomb = bomb_zip
    with open(loaded_db.with_name(loaded_db.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another import is running
        outcome = []
        worker = threading.Thread(target=lambda: outcome.append(pytest.raises(ImportRejected, import_workbook,
                                                                              bomb, loaded_db, "test")))
        worker.start()
        worker.join(timeout=30)
        assert not worker.is_alive(), "the import waited for the writer lock before refusing the file"
    assert outcome[0].value.problems[0].expected == "problem.unpacked_too_large"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(loaded_db, tmp_path):
    big = tmp_path / "big.xlsx"
    with open(big, "wb") as f:  # sparse: the size without the bytes
        f.truncate(MAX_FILE_BYTES + 1)
    started = time.monotonic()
    (problem,) = rejected(loaded_db, big).problems
    assert problem.expected == "problem.file_too_large" and "100 MiB" in str(problem)
    assert time.monotonic() - started < 2


def test_a_zip_with_too_many_members_is_refused(loaded_db, tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("institutions.csv", INSTITUTIONS_CSV)
        for index in range(MAX_MEMBERS):
            archive.writestr(f"extra/{index}.txt", "")
    (problem,) = rejected(loaded_db, path).problems
    assert problem.expected == "problem.too_many_members" and str(MAX_MEMBERS) in str(problem)


def test_a_sheet_with_more_rows_than_an_xlsx_sheet_holds_is_refused_at_that_row(loaded_db, tmp_path):
    folder = tmp_path / "rows"
    folder.mkdir()
    (folder / "institutions.csv").write_bytes(INSTITUTIONS_CSV.encode() + b"\n" * MAX_ROWS)
    (problem,) = rejected(loaded_db, folder).problems
    assert (problem.sheet, problem.row, problem.expected) == ("institutions", MAX_ROWS + 1, "problem.too_many_rows")


def bad_rows_folder(tmp_path: Path, rows: int) -> Path:
    """Procedures rows that each break four rules."""
    folder = tmp_path / f"bad-{rows}"
    folder.mkdir()
    (folder / "institutions.csv").write_text(INSTITUTIONS_CSV, encoding="utf-8")
    with open(folder / "procedures.csv", "w", encoding="utf-8") as f:
        f.write("institution_id,period,procedure,technique,cases\n")
        f.writelines(f"NOWHERE,2025-13,x{index},laser,0\n" for index in range(rows))
    return folder


def test_problems_are_listed_up_to_a_limit_per_sheet_and_rule_then_counted(loaded_db, tmp_path):
    refusal = rejected(loaded_db, bad_rows_folder(tmp_path, 1000))
    assert len(refusal.problems) == 4 * MAX_REPORTED and refusal.count == 4000
    assert refusal.omitted == {("procedures", rule): 1000 - MAX_REPORTED for rule in (
        "problem.unknown_reference", "problem.partial_date", "problem.enum", "problem.between")}
    lines = omitted_lines(refusal)
    assert any("900 more problems in procedures" in line and "YYYY-MM" in line for line in lines), lines


def test_the_command_line_lists_capped_problems_and_says_how_many_more(loaded_db, tmp_path):
    result = portal_cli("import", bad_rows_folder(tmp_path, 2000), "--db", loaded_db, ok=False)
    assert "8000 problem(s)" in result.stderr
    assert result.stderr.count("\n  - ") == 4 * MAX_REPORTED
    assert "1,900 more problems in procedures" in result.stderr


def test_the_load_data_page_shows_capped_problems(monkeypatch, loaded_db, tmp_path):
    folder = bad_rows_folder(tmp_path, 500)
    upload = io.BytesIO()
    with zipfile.ZipFile(upload, "w") as archive:
        for file in folder.iterdir():
            archive.write(file, file.name)
    app = open_app(monkeypatch, loaded_db, "pages/data.py")
    app.file_uploader[0].set_value(("bad.zip", upload.getvalue(), "application/zip")).run()
    assert not app.exception
    assert "2000 problem(s)" in app.error[0].value
    assert len(app.dataframe[0].value) == 4 * MAX_REPORTED
    assert any("400 more problems in procedures" in c.value for c in app.caption)


# ---------------------------------------------------------------- item 7: faults


def cli_with_file_size_limit(limit: int, *args: str) -> subprocess.CompletedProcess:
    """`python -m portal ARGS` in a process that may write no file beyond `limit` bytes: a full disk."""
    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return subprocess.run([sys.executable, "-m", "portal", *args], cwd=PROJECT, capture_output=True, text=True,
                          timeout=300, preexec_fn=limited)


@pytest.mark.parametrize("stage", ["copy", "import"])
def test_a_full_disk_ends_in_a_message_and_leaves_nothing_behind(loaded_db, tmp_path, stage):
    size = loaded_db.stat().st_size
    folder = tmp_path / "many"
    folder.mkdir()
    (folder / "institutions.csv").write_text(
        "institution_id,name,kind,country,source\n"
        + "".join(f"M{i},Ministry {i},ministry,MNG,{'s' * 200}\n" for i in range(20_000)), encoding="utf-8")
    limit = size // 2 if stage == "copy" else size + 4096  # the copy fails, or the import's writes do
    before = checksum(loaded_db)
    result = cli_with_file_size_limit(limit, "import", folder, "--db", loaded_db)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert "the disk is full" in result.stderr and "Nothing was changed" in result.stderr
    assert checksum(loaded_db) == before and debris(loaded_db) == []


def test_a_full_tmpfs_ends_in_a_message_and_leaves_nothing_behind(loaded_db, tmp_path):
    mount = tmp_path / "small-disk"
    mount.mkdir()
    size = loaded_db.stat().st_size
    tried = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size + size // 2}", "tmpfs", str(mount)],
                           capture_output=True)
    if tried.returncode != 0:
        pytest.skip("mounting a small tmpfs is not permitted here")
    try:
        database = mount / "portal.duckdb"
        database.write_bytes(loaded_db.read_bytes())
        before = checksum(database)
        result = portal_cli("import", PROJECT / "data" / "seed" / "illustrative", "--db", database, ok=False)
        assert "the disk is full" in result.stderr and "Nothing was changed" in result.stderr
        assert checksum(database) == before and debris(database) == []
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_killed_import_leaves_a_copy_that_the_next_import_removes(loaded_db, write):
    killer = ("import os, signal, sys\nfrom pathlib import Path\nfrom portal import db\n"
              "with db.writing(Path(sys.argv[1])) as writer:\n"
              "    writer.connection.execute('CREATE TABLE filler AS SELECT range AS n FROM range(300000)')\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n")
    subprocess.run([sys.executable, "-c", killer, str(loaded_db)], cwd=PROJECT, timeout=120)
    assert debris(loaded_db), "the killed writer should have left its working copy"
    before = checksum(loaded_db)
    import_workbook(write(valid_workbook(), "again"), loaded_db, "test")
    assert debris(loaded_db) == []
    assert checksum(loaded_db) != before  # the import itself went ahead


def test_a_dead_seed_build_is_cleaned_up_but_a_running_one_is_not(loaded_db, write):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = loaded_db.with_name(f".{loaded_db.name}.seed-{dead}")
    running = loaded_db.with_name(f".{loaded_db.name}.seed-{os.getpid()}")
    for leftover in (stale, running):
        leftover.write_bytes(b"half a database")
    import_workbook(write(valid_workbook(), "again"), loaded_db, "test")
    assert not stale.exists() and running.exists()
    running.unlink()


def test_an_import_keeps_the_database_file_permissions(loaded_db, write):
    os.chmod(loaded_db, 0o600)
    import_workbook(write(valid_workbook(), "again"), loaded_db, "test")
    assert stat.S_IMODE(loaded_db.stat().st_mode) == 0o600


def test_a_forced_seed_keeps_the_database_file_permissions(tmp_path):
    database = tmp_path / "portal.duckdb"
    portal_cli("seed", "--db", database)
    os.chmod(database, 0o640)
    portal_cli("seed", "--force", "--db", database)
    assert stat.S_IMODE(database.stat().st_mode) == 0o640


@contextmanager
def read_only(folder: Path):
    """`folder` read-only while the block runs: a read-only bind mount as root (root ignores chmod), else chmod."""
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        try:
            yield
        finally:
            os.chmod(folder, 0o755)
        return
    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip("a read-only bind mount is not permitted here")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("a read-only bind mount is not permitted here")
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_read_only_data_folder_makes_import_and_sign_in_end_in_messages(loaded_db, write, tmp_path):
    from portal import auth

    folder = tmp_path / "data"
    folder.mkdir()
    database = folder / "portal.duckdb"
    database.write_bytes(loaded_db.read_bytes())
    accounts = auth.accounts_path(database)
    auth.add_user(accounts, "admin@example.org", "administrator", None, "correct horse battery staple")
    workbook = write(valid_workbook(), "again.xlsx")
    before = checksum(database)
    with read_only(folder):
        imported = portal_cli("import", workbook, "--db", database, ok=False)
        sign_in = subprocess.run(
            [sys.executable, "-c", "import sys\nfrom pathlib import Path\nfrom portal import auth\n"
             "from portal.i18n import t\ntry:\n"
             "    auth.sign_in(Path(sys.argv[1]), 'admin@example.org', 'correct horse battery staple')\n"
             "except auth.AuthError as refused:\n    print(t(refused.message, **refused.args_))\n",
             str(accounts)], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert "may not be written" in imported.stderr and "Nothing was changed" in imported.stderr
    assert "Traceback" not in sign_in.stderr, sign_in.stderr
    assert "Sign-in is not possible right now" in sign_in.stdout
    assert checksum(database) == before


def test_a_damaged_database_is_a_short_message_without_paths_for_visitors(monkeypatch, loaded_db, viewer):
    loaded_db.write_bytes(b"this is not a database" * 1000)
    viewer(None)
    app = open_app(monkeypatch, loaded_db)
    shown = " ".join(e.value for e in [*app.error, *app.caption, *app.markdown, *app.info])
    assert "cannot be shown right now" in shown
    assert str(loaded_db.parent) not in shown and "Traceback" not in shown


def test_a_damaged_database_is_named_to_administrators(monkeypatch, loaded_db):
    loaded_db.write_bytes(b"this is not a database" * 1000)
    app = open_app(monkeypatch, loaded_db)
    assert any(str(loaded_db) in c.value and "cannot be read" in c.value for c in app.caption)


def test_a_missing_database_is_an_error_naming_it_not_a_silent_seed(monkeypatch, tmp_path):
    typo = tmp_path / "dta" / "portal.duckdb"
    app = open_app(monkeypatch, typo)
    assert "cannot be shown right now" in app.error[0].value
    assert any(str(typo) in c.value and "no database" in c.value for c in app.caption)
    assert not typo.parent.exists()


def test_the_command_line_names_a_missing_or_damaged_database(tmp_path, write):
    typo = tmp_path / "dta" / "portal.duckdb"
    result = portal_cli("history", "--db", typo, ok=False)
    assert str(typo) in result.stderr
    result = portal_cli("import", write(valid_workbook()), "--db", typo, ok=False)
    assert "its folder does not exist" in result.stderr and not typo.parent.exists()
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"not a database" * 100)
    result = portal_cli("history", "--db", damaged, ok=False)
    assert str(damaged) in result.stderr and "cannot be read" in result.stderr


def test_an_upload_is_private_while_read_and_gone_afterwards(tmp_path):
    class Upload:
        name, size = "hospital.XLSX", 5

        def getbuffer(self):
            return memoryview(b"bytes")
    with stewardship_ui.upload_on_disk(Upload()) as path:
        assert path.suffix == ".xlsx" and path.read_bytes() == b"bytes"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        folder = path.parent
    assert not folder.exists()
    with pytest.raises(RuntimeError), stewardship_ui.upload_on_disk(Upload()) as path:
        raise RuntimeError("the import failed")
    assert not path.parent.exists()


def test_the_load_data_page_leaves_no_upload_on_disk(monkeypatch, loaded_db, tmp_path):
    import hashlib
    import tempfile

    shared = Path(tempfile.gettempdir())  # where uploads used to stay, world-readable, named by checksum
    path = tmp_path / "upload.xlsx"
    book = valid_workbook()
    book["programmes"][0]["title"] = f"Upload {time.time()}"  # a checksum no earlier run left behind
    write_workbook(book, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    app = open_app(monkeypatch, loaded_db, "pages/data.py")  # AppTest makes its own temporary folder
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "uploads-here"))
    (tmp_path / "uploads-here").mkdir()
    app.file_uploader[0].set_value(("hospital.xlsx", path.read_bytes(),
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    assert not app.exception
    app.button(key="apply_import").click().run()
    assert not app.exception
    assert list((tmp_path / "uploads-here").rglob("*")) == []
    # os.walk, not rglob: other processes' temporary files come and go while the folder is read.
    assert not [name for _, _, names in os.walk(shared) for name in names if name.startswith(digest)]


def test_an_xlsx_export_says_which_cells_it_could_not_keep_whole(loaded_db, tmp_path):
    with db.writing(loaded_db) as writer:  # a database filled before imports refused such text
        writer.connection.execute("UPDATE programmes SET description = repeat('x', 40000)")
    result = portal_cli("export", tmp_path / "out.xlsx", "--db", loaded_db)
    assert "1 cell(s) hold more than 32767 characters" in result.stderr and "programmes 2 description" in result.stderr


def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused_before_calamine_reads_it(loaded_db, tmp_path):
    bomb = zip_of_blank_lines(tmp_path / "bomb.xlsx", MAX_UNPACKED_BYTES + (8 << 20), member="xl/worksheets/sheet1.xml")
    result, seconds, peak_kb = run_measured("import", str(bomb), "--db", str(loaded_db))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "unpacks to at most 512 MiB" in result.stderr
    assert seconds < 20 and peak_kb < 300_000, (seconds, peak_kb)


def _disk_full(database, *args, **kwargs):
    raise db.WriteFailed.of(Path(database), OSError(28, "No space left on device"))


@pytest.mark.parametrize("page", ["pages/records.py", "pages/history.py"])
def test_a_full_disk_on_the_edit_and_rollback_pages_is_a_message(monkeypatch, loaded_db, page):
    """Saving, deleting or rolling back on a full disk says so, and that nothing changed, without a traceback."""
    before = checksum(loaded_db)
    app = open_app(monkeypatch, loaded_db, page)
    monkeypatch.setattr(db, "writing", _disk_full)
    if page == "pages/records.py":
        app.selectbox(key="records_sheet").set_value("programmes").run()
        app.selectbox(key="records_pick_programmes").set_value(0).run()
        app.button(key="delete_record").click().run()
    else:
        app.selectbox(key="rollback_target").set_value(1).run()
        app.button(key="rollback_button").click().run()
        app.button(key="rollback_confirm").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("disk is full" in e.value and "Nothing was changed" in e.value for e in app.error), \
        [e.value for e in app.error]
    assert checksum(loaded_db) == before
