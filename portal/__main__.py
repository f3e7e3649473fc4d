"""Command line: python -m portal import|export|seed ... (see README.md)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from portal import db, seed
from portal.i18n import t
from portal.importer import ImportRejected, import_workbook
from portal.workbook import write_workbook


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the process exit status."""
    parser = argparse.ArgumentParser(prog="python -m portal", description=t("cli.description"))
    commands = parser.add_subparsers(dest="command", required=True)
    importing = commands.add_parser("import", help=t("cli.import_help"))
    importing.add_argument("path", type=Path, help=t("cli.import_path_help"))
    exporting = commands.add_parser("export", help=t("cli.export_help"))
    exporting.add_argument("out", type=Path, help=t("cli.export_out_help"))
    seeding = commands.add_parser("seed", help=t("cli.seed_help"))
    seeding.add_argument("--force", action="store_true", help=t("cli.seed_force_help"))
    for command in (importing, exporting, seeding):
        command.add_argument("--db", type=Path, help=t("cli.db_help"))
    args = parser.parse_args(argv)
    database = db.database_path(args.db)
    return {"import": run_import, "export": run_export, "seed": run_seed}[args.command](args, database)


def run_import(args: argparse.Namespace, database: Path) -> int:
    try:
        result = import_workbook(args.path, database, getpass.getuser())
    except ImportRejected as rejected:
        print(t("cli.import_rejected", count=len(rejected.problems), path=args.path), file=sys.stderr)
        for problem in rejected.problems:
            print(f"  - {problem}", file=sys.stderr)
        _print_warnings(rejected.warnings)
        return 1
    print(t("cli.import_done", id=result.import_id, path=args.path, database=database))
    _print_counts(result.counts)
    _print_warnings(result.warnings)
    return 0


def run_export(args: argparse.Namespace, database: Path) -> int:
    if not database.exists():
        print(t("cli.no_database", database=database), file=sys.stderr)
        return 1
    tables = db.export_tables(database)
    write_workbook(tables, args.out)
    print(t("cli.export_done", out=args.out, rows=sum(len(rows) for rows in tables.values())))
    return 0


def run_seed(args: argparse.Namespace, database: Path) -> int:
    if database.exists() and not args.force:
        print(t("cli.seed_exists", database=database), file=sys.stderr)
        return 1
    for part, result in zip(seed.SEED_PARTS, seed.build(database)):
        print(t("cli.seed_part", part=part, id=result.import_id))
        _print_counts(result.counts)
    print(t("cli.seed_done", database=database))
    return 0


def _print_counts(counts: dict[str, tuple[int, int, int]]) -> None:
    for sheet, (added, changed, unchanged) in counts.items():
        print("  " + t("cli.counts", sheet=sheet, added=added, changed=changed, unchanged=unchanged))


def _print_warnings(warnings: list) -> None:
    if warnings:
        print(t("cli.warnings", count=len(warnings)), file=sys.stderr)
        for warning in warnings:
            print(f"  - {warning}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
