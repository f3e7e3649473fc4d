"""Benchmark: import a workbook of N procedure rows (CSV folder and .xlsx), fresh and again; prints seconds."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from portal.importer import import_workbook

from benchmarks.procedures import write_procedure_workbook

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for kind, target in (("csv", folder / "csv"), ("xlsx", folder / "book.xlsx")):
            write_procedure_workbook(target, args.rows)
            database = folder / f"{kind}.duckdb"
            for attempt in ("into an empty database", "again (every row unchanged)"):
                started = time.perf_counter()
                result = import_workbook(target, database, "benchmark")
                seconds = time.perf_counter() - started
                counts = result.counts["procedures"]
                added, changed, unchanged = counts.added, counts.changed, counts.unchanged
                print(f"{kind:5} {args.rows:>9,} procedure rows {attempt:28}: {seconds:6.2f} s"
                      f"  (added {added:,}, changed {changed:,}, unchanged {unchanged:,})")


if __name__ == "__main__":
    main()
