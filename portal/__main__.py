"""Command line: python -m portal import|export|seed ... (see README.md)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

import pandas as pd

from portal import auth, db, ror, seed, submissions
from portal.display import utc_time
from portal.iati import export as iati_export
from portal.i18n import t
from portal.importer import ImportRejected, give_way_to_pages, import_workbook, omitted_lines
from portal.stewardship import StewardshipError, rollback
from portal.template import write_template
from portal.workbook import MAX_CELL_CHARS, cell_text, write_workbook


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
    templating = commands.add_parser("template", help=t("cli.template_help"))
    templating.add_argument("out", type=Path, help=t("cli.template_out_help"))
    listing = commands.add_parser("history", help=t("cli.history_help"))
    listing.add_argument("--limit", type=int, default=50, help=t("cli.history_limit_help"))
    undoing = commands.add_parser("rollback", help=t("cli.rollback_help"))
    which = undoing.add_mutually_exclusive_group(required=True)
    which.add_argument("--last", action="store_true", help=t("cli.rollback_last_help"))
    which.add_argument("import_id", nargs="?", type=int, help=t("cli.rollback_id_help"))
    iati = commands.add_parser("iati", help=t("cli.iati_help"))
    iati_commands = iati.add_subparsers(dest="iati_command", required=True)
    iati_out = iati_commands.add_parser("export", help=t("cli.iati_export_help"))
    iati_out.add_argument("out", type=Path)
    iati_out.add_argument("--include-illustrative", action="store_true", help=t("cli.iati_illustrative_help"))
    iati_out.add_argument("--reporting-org", default=iati_export.DEFAULT_REPORTING_ORG,
                          help=t("cli.iati_reporting_org_help"))
    iati_out.add_argument("--reporting-name", default=iati_export.DEFAULT_REPORTING_NAME)
    iati_in = iati_commands.add_parser("import", help=t("cli.iati_import_help"))
    iati_in.add_argument("path", type=Path)
    ror = commands.add_parser("ror", help=t("cli.ror_help"))
    ror_commands = ror.add_subparsers(dest="ror_command", required=True)
    ror_load = ror_commands.add_parser("load", help=t("cli.ror_load_help"))
    ror_load.add_argument("path", type=Path)
    ror_find = ror_commands.add_parser("find", help=t("cli.ror_find_help"))
    ror_find.add_argument("name")
    users = commands.add_parser("users", help=t("cli.users_help"))
    user_commands = users.add_subparsers(dest="users_command", required=True)
    adding = user_commands.add_parser("add", help=t("cli.users_add_help"))
    adding.add_argument("email")
    adding.add_argument("--role", required=True, choices=auth.ROLES)
    adding.add_argument("--institution", help=t("cli.users_institution_help"))
    adding.add_argument("--no-password", action="store_true", help=t("cli.users_no_password_help"))
    user_list = user_commands.add_parser("list", help=t("cli.users_list_help"))
    disabling = user_commands.add_parser("disable", help=t("cli.users_disable_help"))
    disabling.add_argument("email")
    resetting = user_commands.add_parser("set-password", help=t("cli.users_set_password_help"))
    resetting.add_argument("email")
    reviewing = commands.add_parser("review", help=t("cli.review_help"))
    review_commands = reviewing.add_subparsers(dest="review_command", required=True)
    review_list = review_commands.add_parser("list", help=t("cli.review_list_help"))
    review_show = review_commands.add_parser("show", help=t("cli.review_show_help"))
    review_accept = review_commands.add_parser("accept", help=t("cli.review_accept_help"))
    review_accept.add_argument("--overwrite-stale", action="store_true", help=t("cli.review_overwrite_help"))
    review_accept.add_argument("--record", action="append", dest="records", help=t("cli.review_record_help"))
    review_accept.add_argument("--reason", default="", help=t("cli.review_reason_help"))
    review_reject = review_commands.add_parser("reject", help=t("cli.review_reject_help"))
    review_reject.add_argument("--reason", required=True, help=t("cli.review_reason_help"))
    for command in (review_show, review_accept, review_reject):
        command.add_argument("submission_id", type=int)
    submitting = commands.add_parser("submit", help=t("cli.submit_help"))
    submitting.add_argument("path", type=Path, help=t("cli.import_path_help"))
    submitting.add_argument("--as", dest="account", required=True, help=t("cli.submit_as_help"))
    for command in (importing, exporting, iati_out, iati_in, ror_load, ror_find, seeding, listing, undoing, adding, user_list, disabling, resetting,
                    review_list, review_show, review_accept, review_reject, submitting):
        command.add_argument("--db", type=Path, help=t("cli.db_help"))
    args = parser.parse_args(argv)
    database = db.database_path(getattr(args, "db", None))
    commands_run = {"import": run_import, "export": run_export, "seed": run_seed, "template": run_template,
                    "history": run_history, "rollback": run_rollback, "users": run_users, "iati": run_iati,
                    "ror": run_ror, "review": run_review, "submit": run_submit}
    try:
        return commands_run[args.command](args, database)
    except db.WriteFailed as failed:  # disk full, read-only folder...: nothing changed, no traceback
        print(t("write.failed", path=failed.path, reason=t(f"write.reason_{failed.reason}"), detail=failed.detail),
              file=sys.stderr)
        return 1
    except db.DatabaseUnavailable as unavailable:
        print(t(f"app.database_{unavailable.reason}", path=unavailable.path, detail=unavailable.detail),
              file=sys.stderr)
        return 1


def run_import(args: argparse.Namespace, database: Path) -> int:
    give_way_to_pages()  # a command-line import may run beside a busy portal
    try:
        result = import_workbook(args.path, database, getpass.getuser())
    except ImportRejected as rejected:
        _print_rejection(rejected, args.path)
        return 1
    print(t("cli.import_done", id=result.import_id, path=args.path, database=database))
    print_counts(result.counts)
    _print_warnings(result.warnings)
    return 0


def run_export(args: argparse.Namespace, database: Path) -> int:
    if not database.exists():
        print(t("cli.no_database", database=database), file=sys.stderr)
        return 1
    tables = db.export_tables(database)
    cut = write_workbook(tables, args.out)
    print(t("cli.export_done", out=args.out, rows=sum(len(rows) for rows in tables.values())))
    archive = submissions.archive_path(args.out)
    print(t("cli.export_submissions", out=archive, count=submissions.write_archive(database, archive)))
    if cut:
        print(t("cli.export_cut", count=len(cut), limit=MAX_CELL_CHARS,
                places="; ".join(f"{sheet} {row} {column}" for sheet, row, column in cut[:20])), file=sys.stderr)
    return 0


def run_seed(args: argparse.Namespace, database: Path) -> int:
    if database.exists() and not args.force:
        print(t("cli.seed_exists", database=database), file=sys.stderr)
        return 1
    for part, result in zip(seed.SEED_PARTS, seed.build(database)):
        print(t("cli.seed_part", part=part, id=result.import_id))
        print_counts(result.counts)
    print(t("cli.seed_done", database=database))
    return 0


def run_template(args: argparse.Namespace, database: Path) -> int:
    write_template(args.out)
    print(t("cli.template_done", out=args.out))
    return 0


def run_history(args: argparse.Namespace, database: Path) -> int:
    if not database.exists():
        print(t("cli.no_database", database=database), file=sys.stderr)
        return 1
    history = db.open_store(database).read("import_history", db.FULL_SCOPE, limit=args.limit)
    history = history.astype(object).where(history.notna(), None)
    print(t("cli.history_header"))
    for row in history.itertuples():
        status = t("cli.history_rolled_back", by=int(row.rolled_back_by)) if row.rolled_back_by else ""
        if row.rolls_back:
            status = t("cli.history_rolls_back", id=int(row.rolls_back))
        print(t("cli.history_row", id=row.import_id, action=t(f"history.action_{row.action}"),
                when=pd.Timestamp(row.imported_at).tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S UTC"),
                by=t("history.by_submission", reviewer=row.imported_by, partner=row.submitted_by)
                if row.submitted_by else row.imported_by, file=row.file_name or "-", sha=(row.file_sha256 or "-")[:12],
                added=row.added, changed=row.changed, unchanged=row.unchanged, removed=row.removed,
                status=status).rstrip())
    return 0


def run_rollback(args: argparse.Namespace, database: Path) -> int:
    if not database.exists():
        print(t("cli.no_database", database=database), file=sys.stderr)
        return 1
    try:
        result = rollback(database, None if args.last else args.import_id, getpass.getuser())
    except StewardshipError as refused:
        print(t(refused.message, **refused.args_), file=sys.stderr)
        return 1
    print(t("cli.rollback_done", id=result.rollback_id, undone=", ".join(map(str, result.undone))))
    for sheet, c in result.counts.items():
        print("  " + t("cli.rollback_counts", sheet=sheet, removed=c.removed, reverted=c.changed, restored=c.added))
    return 0


def run_iati(args: argparse.Namespace, database: Path) -> int:
    if args.iati_command == "import":
        return run_import(args, database)
    if not database.exists():
        print(t("cli.no_database", database=database), file=sys.stderr)
        return 1
    tree = iati_export.build_activities(db.open_store(database), db.FULL_SCOPE, args.include_illustrative, args.reporting_org,
                                        args.reporting_name)
    try:
        iati_export.write_activities(tree, args.out)
    except OSError as error:
        raise db.WriteFailed.of(args.out, error) from None
    print(t("cli.iati_export_done", out=args.out, count=len(tree.getroot())))
    return 0


def run_ror(args: argparse.Namespace, database: Path) -> int:
    if args.ror_command == "load":
        try:
            count = db.load_ror(database, ror.read_dump(args.path))
        except ror.RorDumpError as refused:
            print(t("cli.ror_not_a_dump", detail=str(refused)), file=sys.stderr)
            return 1
        print(t("cli.ror_loaded", count=count, path=args.path))
        return 0
    for match in db.find_ror(database, ror.fold(args.name)).itertuples():
        print(f"{match.ror_id}\t{match.name}\t{match.city or '-'}\t{match.country or '-'}\t"
              f"{match.latitude if match.latitude == match.latitude else '-'}\t"
              f"{match.longitude if match.longitude == match.longitude else '-'}")
    return 0


def run_submit(args: argparse.Namespace, database: Path) -> int:
    account = next((u for u in auth.list_users(auth.accounts_path(database))
                    if u["email"] == args.account.strip().lower() and not u["disabled"]), None)
    if account is None or account["role"] != "partner":
        print(t("cli.submit_not_partner", email=args.account), file=sys.stderr)
        return 1
    try:
        submission_id = submissions.submit_workbook(args.path, database, account["email"], account["institution_id"])
    except ImportRejected as rejected:
        _print_rejection(rejected, args.path)
        return 1
    print(t("cli.submit_done", id=submission_id, path=args.path))
    return 0


def run_review(args: argparse.Namespace, database: Path) -> int:
    if not database.exists():
        print(t("cli.no_database", database=database), file=sys.stderr)
        return 1
    store = db.open_store(database)
    try:
        if args.review_command == "list":
            for row in store.read("submissions_list", db.FULL_SCOPE, limit=500).itertuples():
                print(t("cli.review_row", id=row.submission_id, state=submissions.state_text(row),
                        account=row.account, institution=row.institution_id, records=row.records,
                        when=utc_time(row.sent_at)))
        elif args.review_command == "show":
            records = store.read("submission_records", db.FULL_SCOPE, submission_id=args.submission_id)
            if records.empty:
                raise StewardshipError("review.unknown", id=args.submission_id)
            listed = store.read("submissions_list", db.FULL_SCOPE, limit=1_000_000)
            row = next(listed[listed["submission_id"] == args.submission_id].itertuples())
            print(t("cli.review_submission", id=args.submission_id, state=submissions.state_text(row),
                    how=submissions.sent_as(row.kind, row.file_name), account=row.account,
                    institution=row.institution_id))
            for sheet, _, proposed, _ in (submissions.records_of(records) if row.kind == "confirmation" else ()):
                print(t("submissions.confirms", programme=proposed.get("programme_id")))
            for (sheet, _, proposed, _), state in zip(submissions.records_of(records), records["state"]):
                print(t("cli.review_record", sheet=sheet, record=submissions.record_label(sheet, proposed),
                        state=t(f"submissions.state_{state}")))
            for change in submissions.review_changes(store, submissions.records_of(records)):
                if change.status != "unchanged":
                    print(t("cli.review_field", status=t(f"review.status_{change.status}"), sheet=change.sheet,
                            record=change.record, field=change.field, base=cell_text(change.base),
                            current=cell_text(change.current), proposed=cell_text(change.proposed)))
        elif args.review_command == "accept":
            records = submissions.records_of(store.read("submission_records", db.FULL_SCOPE,
                                                        submission_id=args.submission_id))
            only = submissions.record_positions(records, args.records) if args.records else None
            import_id = submissions.accept(database, args.submission_id, getpass.getuser(), args.overwrite_stale,
                                           only, args.reason)
            if only is not None and len(only) < len(records):
                print(t("review.partly_accepted", id=args.submission_id, accepted=len(only), records=len(records),
                        change=import_id))
            else:
                print(t("review.accepted", id=args.submission_id, change=import_id))
        else:
            submissions.reject(database, args.submission_id, getpass.getuser(), args.reason)
            print(t("review.rejected_done", id=args.submission_id))
    except StewardshipError as refused:
        print(t(refused.message, **refused.args_), file=sys.stderr)
        return 1
    return 0


def run_users(args: argparse.Namespace, database: Path) -> int:
    accounts = auth.accounts_path(database)
    try:
        if args.users_command == "add":
            if args.institution and args.institution not in _institution_ids(database):
                print(t("cli.users_unknown_institution", id=args.institution), file=sys.stderr)
                return 1
            password = None if args.no_password else _read_password_twice()
            auth.add_user(accounts, args.email, args.role, args.institution, password)
            print(t("cli.users_added", email=args.email, role=args.role))
        elif args.users_command == "list":
            for user in auth.list_users(accounts):
                flags = [t("cli.users_flag_" + f) for f in ("disabled", "locked") if user[f]]
                if not user["local_password"]:
                    flags.append(t("cli.users_flag_identity_provider"))
                print(f"{user['email']}\t{user['role']}\t{user['institution_id'] or '-'}\t{', '.join(flags)}")
        elif args.users_command == "disable":
            auth.disable_user(accounts, args.email)
            print(t("cli.users_disabled", email=args.email))
        else:
            auth.set_password(accounts, args.email, _read_password_twice())
            print(t("cli.users_password_set", email=args.email))
    except auth.AuthError as refused:
        print(t(refused.message, **refused.args_), file=sys.stderr)
        return 1
    return 0


def _read_password_twice() -> str:
    """The new password, typed twice: at a terminal without echo, else two lines of standard input."""
    if sys.stdin.isatty():
        first, second = getpass.getpass(t("cli.password")), getpass.getpass(t("cli.password_again"))
    else:
        first, second = sys.stdin.readline().rstrip("\n"), sys.stdin.readline().rstrip("\n")
    if first != second:
        raise auth.AuthError("users.passwords_differ")
    return first


def _institution_ids(database: Path) -> set[str]:
    if not database.exists():
        return set()
    return {r["institution_id"] for r in db.export_tables(database)["institutions"]}


def print_counts(counts: dict[str, db.Counts]) -> None:
    """Print a change's rows added, changed and unchanged, per sheet."""
    for sheet, c in counts.items():
        print("  " + t("cli.counts", sheet=sheet, added=c.added, changed=c.changed, unchanged=c.unchanged))


def _print_rejection(rejected: ImportRejected, path: Path) -> None:
    """Every reason a file was refused (nothing written), then its warnings."""
    print(t("cli.import_rejected", count=rejected.count, path=path), file=sys.stderr)
    for problem in rejected.problems:
        print(f"  - {problem}", file=sys.stderr)
    for line in omitted_lines(rejected):
        print(f"  {line}", file=sys.stderr)
    _print_warnings(rejected.warnings)


def _print_warnings(warnings: list) -> None:
    if warnings:
        print(t("cli.warnings", count=len(warnings)), file=sys.stderr)
        for warning in warnings:
            print(f"  - {warning}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
