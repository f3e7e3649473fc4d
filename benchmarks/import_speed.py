"""Benchmark: import a workbook of N procedure rows (CSV folder and .xlsx), fresh and again; prints seconds."""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from portal.importer import import_workbook
from portal.workbook import write_workbook

TECHNIQUES = ("open", "microscopic", "endoscopic", "other")
PROCEDURES = ("microdiscectomy", "laminectomy", "spinal fixation", "corpectomy")


def procedures_workbook(rows: int, seed: int = 1) -> dict[str, list[dict[str, object]]]:
    """A valid workbook: 20 hospitals and `rows` single-case procedure rows with record ids."""
    rng = random.Random(seed)
    institutions = [{"institution_id": f"BENCH-H{i:02d}", "name": f"Benchmark hospital {i} (illustrative)",
                     "kind": "hospital", "country": "MNG", "latitude": 47.9, "longitude": 106.9,
                     "source": "illustrative benchmark data"} for i in range(20)]
    procedures = []
    for n in range(rows):
        cases = 1
        procedures.append({
            "institution_id": f"BENCH-H{n % 20:02d}", "department": "spine surgery",
            "period": f"{2020 + n % 6}-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "procedure": PROCEDURES[n % 4], "technique": TECHNIQUES[rng.randrange(4)], "cases": cases,
            "mean_length_of_stay_days": round(rng.uniform(1, 15), 1), "complications": rng.random() < 0.05 and 1 or 0,
            "record_id": f"case-{n:07d}", "source": "illustrative benchmark data"})
    return {"institutions": institutions, "procedures": procedures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    tables = procedures_workbook(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for kind, target in (("csv", folder / "csv"), ("xlsx", folder / "book.xlsx")):
            write_workbook(tables, target)
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
