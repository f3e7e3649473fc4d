"""Benchmark: import a workbook of N procedure rows (CSV folder and .xlsx), fresh and again; prints seconds.

With --compare: N rows of zipped CSV imported with the row checker (as before the SQL screen) and with the
screen, each in a process of its own (seconds and peak memory side by side), where the screen's import
spends its time, and an .xlsx of --xlsx-rows rows read apart from checked.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from portal import db, importer
from portal.importer import import_workbook
from portal.validate import Existing, check_workbook
from portal.workbook import read_workbook

from benchmarks.bench import rss_bytes
from benchmarks.procedures import write_procedure_workbook

WAYS = {"rows": "row by row in Python (before)", "sql": "set-based in DuckDB (now)"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--compare", action="store_true", help="the row checker and the screen side by side")
    parser.add_argument("--xlsx-rows", type=int, default=100_000, help="rows of the .xlsx read apart (--compare)")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)  # way, workbook, database: one child's run
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(*args.one)))
    elif args.compare:
        compare(args.rows, args.xlsx_rows)
    else:
        again(args.rows)


def again(rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for kind, target in (("csv", folder / "csv"), ("xlsx", folder / "book.xlsx")):
            write_procedure_workbook(target, rows)
            database = folder / f"{kind}.duckdb"
            for attempt in ("into an empty database", "again (every row unchanged)"):
                started = time.perf_counter()
                result = import_workbook(target, database, "benchmark")
                seconds = time.perf_counter() - started
                counts = result.counts["procedures"]
                added, changed, unchanged = counts.added, counts.changed, counts.unchanged
                print(f"{kind:5} {rows:>9,} procedure rows {attempt:28}: {seconds:6.2f} s"
                      f"  (added {added:,}, changed {changed:,}, unchanged {unchanged:,})")


def _one(way: str, workbook: str, database: str) -> dict[str, object]:
    """One import in this process: seconds, peak memory (MB), and for "stages" the time of each stage and whether
    the SQL screen took the workbook."""
    stages, screened = {}, None
    started = time.perf_counter()
    if way == "stages":
        with tempfile.TemporaryDirectory() as unpacked:
            sheets = read_workbook(Path(workbook), unpack_to=Path(unpacked))
            stages["read and unpack"] = time.perf_counter() - started
            with db.writing(Path(database), fresh=True) as writer:
                mark = time.perf_counter()
                checked = writer.screen(sheets)
                stages["screen in SQL"] = time.perf_counter() - mark
                screened = checked is not None
                if screened:  # None: the screen leaves the workbook to the row checker, so nothing to merge here
                    mark = time.perf_counter()
                    writer.merge(writer.begin("import", "benchmark"), checked.tables)
                    stages["merge"] = time.perf_counter() - mark
                mark = time.perf_counter()
            stages["commit"] = time.perf_counter() - mark
    else:
        if way == "rows":  # the import as it was before the screen
            importer.worth_screening = lambda sheets: False
        import_workbook(Path(workbook), Path(database), "benchmark", fresh=True)
    return {"seconds": time.perf_counter() - started, "stages": stages, "screened": screened,
            "peak_mb": rss_bytes("self", "VmHWM") / 2**20}


def _child(way: str, workbook: Path, database: Path) -> dict[str, object]:
    run = subprocess.run([sys.executable, "-m", "benchmarks.import_speed", "--one", way, str(workbook),
                          str(database)], capture_output=True, text=True, check=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def compare(rows: int, xlsx_rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        archive = write_procedure_workbook(folder / "book.zip", rows)
        print(f"{rows:,} procedure rows of CSV in a .zip ({archive.stat().st_size / 1024**2:.0f} MB), into an empty"
              f" database, each import in a process of its own:")
        for way, label in WAYS.items():
            result = _child(way, archive, folder / f"{way}.duckdb")
            print(f"  {label:32}: {result['seconds']:6.2f} s, peak {result['peak_mb']:6.0f} MB")
        staged = _child("stages", archive, folder / "stages.duckdb")
        print("  the screen's import, stage by stage: "
              + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in staged["stages"].items())
              + ("" if staged["screened"] else " (the screen left this workbook to the row checker: no merge)"))

        book = write_procedure_workbook(folder / "book.xlsx", xlsx_rows)
        started = time.perf_counter()
        for sheet in read_workbook(book).values():
            for _ in sheet.rows:
                pass
        reading = time.perf_counter() - started
        started = time.perf_counter()
        check_workbook(read_workbook(book), Existing())
        checking = time.perf_counter() - started - reading
        print(f"{xlsx_rows:,} procedure rows of .xlsx ({book.stat().st_size / 1024**2:.0f} MB): reading (calamine)"
              f" {reading:.2f} s, checking row by row {checking:.2f} s")


if __name__ == "__main__":
    main()
