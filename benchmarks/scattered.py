"""The synthetic database as a country's data really arrives: its other sheets in one import, then its procedure
rows in many zipped-CSV imports, each a random set of (institution, year)s in random row order.

Every import goes through portal.importer.import_workbook (checks, merge, totals rebuild, history), so the
procedure table ends up stored in arrival order, not sorted by institution as `benchmarks.synth` writes it.
The same seed gives the same rows as `python -m benchmarks.synth --procedures N --seed S`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from benchmarks import say, synth
from benchmarks.bench import rss_bytes
from portal import db
from portal.contract import SHEET_ORDER, SHEETS
from portal.importer import import_workbook
from portal.workbook import write_workbook

# One import's rows: those of the (institution, year)s whose hash falls in its bucket, in hashed order, and the
# institutions they name (a workbook must have its institutions sheet). Read through the benchmark's own
# read-only connection (portal/db.py stays the product's only DuckDB code); COPY streams them to CSV, so no
# import's rows are ever held in Python.
IN_PART = "hash($seed, institution_id, left(period, 4)) % $imports = $part"
PART = {
    "procedures": f"""
        SELECT {{columns}} FROM sorted.procedures WHERE {IN_PART}
        ORDER BY hash($seed, institution_id, department, period, procedure, technique, equipment_id, record_id)""",
    "institutions": f"""
        SELECT {{columns}} FROM sorted.institutions
        WHERE institution_id IN (SELECT institution_id FROM sorted.procedures WHERE {IN_PART})
        ORDER BY institution_id""",
}
# The export's own DuckDB memory: one import's rows are sorted at a time (a fiftieth of the table).
EXPORT_MEMORY = "256MB"


@dataclass(frozen=True)
class ScatteredResult:
    """What a build did: (file, procedure rows, seconds) per import, the seconds in all, and peak memory."""

    imports: list[tuple[str, int, float]]
    seconds: float
    peak_bytes: int


def write_part(sorted_db: Path, out: Path, part: int, imports: int, seed: int) -> Path:
    """Part `part` of `imports` of `sorted_db`'s procedure rows, with their institutions, as the CSV .zip `out`."""
    connection = duckdb.connect(":memory:", config={"memory_limit": EXPORT_MEMORY})
    try:
        connection.execute("ATTACH $path AS sorted (READ_ONLY)", {"path": str(sorted_db)})
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for sheet, query in PART.items():
                csv = out.with_name(f"{sheet}.csv")
                # COPY takes no parameter for its file name; the name is ours, a temp folder and a sheet's.
                connection.execute(
                    f"COPY ({query.format(columns=', '.join(SHEETS[sheet].column_names))}) "
                    f"TO '{str(csv).replace(chr(39), chr(39) * 2)}' (HEADER, DELIMITER ',')",
                    {"seed": seed, "imports": imports, "part": part})
                archive.write(csv, csv.name)
                csv.unlink()
    finally:
        connection.close()
    return out


def build(database: Path, procedures: int, imports: int, seed: int = 1, sizes: synth.Sizes = synth.Sizes(),
          user: str | None = None, report: Callable[[str], None] = lambda line: None) -> ScatteredResult:
    """Replace `database` with the synthetic one of `procedures` rows, imported in 1 + `imports` changes."""
    if imports < 1:
        raise ValueError("imports must be >= 1")
    user = user or getpass.getuser()
    database = Path(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    timed = []
    with tempfile.TemporaryDirectory(prefix="scattered-", dir=database.parent) as work:
        work = Path(work)
        sorted_db = work / "synth.duckdb"
        synth.build(sorted_db, procedures, seed, sizes, user)
        started = time.perf_counter()
        others = tuple(sheet for sheet in SHEET_ORDER if sheet != "procedures")
        write_workbook(db.export_tables(sorted_db, others), work / "sheets")
        import_workbook(work / "sheets", database, user, fresh=True, file_name="synthetic sheets without procedures")
        timed.append(("sheets", 0, time.perf_counter() - started))
        report(say("scattered.import", file="sheets", rows=0, seconds=f"{timed[-1][2]:.1f}"))
        for part in range(imports):
            workbook = write_part(sorted_db, work / f"procedures-{part + 1:02d}-of-{imports}.zip", part, imports, seed)
            began = time.perf_counter()
            result = import_workbook(workbook, database, user)
            rows = result.counts["procedures"].added if "procedures" in result.counts else 0
            timed.append((workbook.name, rows, time.perf_counter() - began))
            report(say("scattered.import", file=workbook.name, rows=f"{rows:,}", seconds=f"{timed[-1][2]:.1f}"))
            workbook.unlink()
    return ScatteredResult(timed, time.perf_counter() - started, rss_bytes("self", "VmHWM"))


def main(argv: list[str] | None = None) -> int:
    """python -m benchmarks.scattered --procedures N --imports K [--seed S] [--db PATH] [--force]"""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scattered", description=say("scattered.help"))
    parser.add_argument("--procedures", type=int, required=True, help=say("synth.procedures_help"))
    parser.add_argument("--imports", type=int, default=50, help=say("scattered.imports_help"))
    parser.add_argument("--seed", type=int, default=1, help=say("synth.seed_help"))
    parser.add_argument("--force", action="store_true", help=say("synth.force_help"))
    parser.add_argument("--db", type=Path, help=say("synth.db_help"))
    args = parser.parse_args(argv)
    database = db.database_path(args.db)
    if database.exists() and not args.force:
        print(say("synth.exists", database=database), file=sys.stderr)
        return 1
    result = build(database, args.procedures, args.imports, args.seed, report=print)
    print(say("scattered.done", database=database, imports=len(result.imports), seconds=f"{result.seconds:.1f}",
              procedure_seconds=f"{sum(s for name, _, s in result.imports[1:]):.1f}",
              peak=f"{result.peak_bytes / 2**20:,.0f} MB"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
