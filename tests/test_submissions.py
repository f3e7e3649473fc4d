"""Partner submissions (issue 15): scope, pending until accepted, stale bases, atomic acceptance, CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from portal import auth, db, submissions
from portal.importer import ImportRejected, import_workbook
from portal.stewardship import StewardshipError, rollback
from workbooks import PROJECT, checksum, portal_cli, valid_workbook

PARTNER = "host@example.org"


def programme(**changes):
    record = dict(valid_workbook()["programmes"][0])
    record.update(changes)
    return record


def stored(database, sheet, key):
    return db.open_store(database).current_record(sheet, key)


def submit(write, database, tables, institution="KR-HOST", name="submission"):
    return submissions.submit_workbook(write(tables, name), database, PARTNER, institution)


def test_another_institutions_ids_reject_the_whole_submission_naming_each_row(loaded_db, write):
    before = checksum(loaded_db)
    tables = {"programmes": [programme(title="Renamed", home_institution_id="UB-TRAUMA",
                                       host_institution_id="UB-TRAUMA", programme_id="P-NEW")],
              "procedures": [dict(valid_workbook()["procedures"][0])],  # UB-TRAUMA's, not KR-HOST's
              "fx_rates": [{"currency": "MNT", "year": 2024, "units_per_usd": 3400}]}
    with pytest.raises(ImportRejected) as rejected:
        submit(write, loaded_db, tables)
    places = {(p.sheet, p.row, p.column) for p in rejected.value.problems}
    assert ("fx_rates", 2, "") in places
    tables.pop("fx_rates")
    with pytest.raises(ImportRejected) as rejected:
        submit(write, loaded_db, tables, name="second")
    places = {(p.sheet, p.row, p.column) for p in rejected.value.problems}
    assert places == {("programmes", 2, "home_institution_id, host_institution_id"), ("procedures", 2, "institution_id")}
    assert checksum(loaded_db) == before  # nothing kept


def test_a_partner_cannot_take_over_another_institutions_record_by_naming_itself(loaded_db, write):
    # P1 is UB-TRAUMA -> KR-HOST; MOH claims it by naming itself host: its stored image is outside MOH's scope.
    with pytest.raises(ImportRejected) as rejected:
        submit(write, loaded_db, {"programmes": [programme(host_institution_id="MOH")]}, institution="MOH")
    assert [(p.sheet, p.row) for p in rejected.value.problems] == [("programmes", 2)]


def test_references_outside_scope_read_as_unknown(loaded_db, write):
    tables = {"participants": [{"programme_id": "P1", "person_name": "Someone", "role": "trainee"}]}
    with pytest.raises(ImportRejected) as rejected:
        submit(write, loaded_db, tables, institution="MOH")
    # MOH cannot see P1: the reference reads as unknown, like an id that does not exist.
    assert [(p.sheet, p.row, p.column) for p in rejected.value.problems] == [("participants", 2, "programme_id")]
    assert rejected.value.problems[0].expected != "submission.outside_participants"
    assert submit(write, loaded_db, tables, name="from-host")  # KR-HOST hosts P1


def test_pending_changes_nothing_survives_an_import_and_accepting_applies_with_both_accounts(loaded_db, write):
    submission_id = submit(write, loaded_db, {"programmes": [programme(title="Corrected by the host")]})
    assert stored(loaded_db, "programmes", {"programme_id": "P1"})["title"] == "Spine training"
    import_workbook(write(valid_workbook(), "again"), loaded_db, "someone")  # an import meanwhile
    listed = db.open_store(loaded_db).read("submissions_list", db.FULL_SCOPE, limit=10)
    assert listed["state"].tolist() == ["pending"]
    assert db.open_store(loaded_db).read("submissions_list", db.Scope("partner", "MOH"), limit=10).empty
    import_id = submissions.accept(loaded_db, submission_id, "admin@example.org")
    assert stored(loaded_db, "programmes", {"programme_id": "P1"})["title"] == "Corrected by the host"
    history = db.open_store(loaded_db).read("import_history", db.FULL_SCOPE, limit=5)
    row = history[history["import_id"] == import_id].iloc[0]
    assert (row["action"], row["imported_by"], row["submitted_by"]) == ("submission", "admin@example.org", PARTNER)
    rollback(loaded_db, import_id, "admin@example.org")
    assert stored(loaded_db, "programmes", {"programme_id": "P1"})["title"] == "Spine training"
    with pytest.raises(StewardshipError):
        submissions.accept(loaded_db, submission_id, "admin@example.org")  # no longer pending


def test_a_field_changed_since_sending_is_stale_and_never_overwritten_silently(loaded_db, write):
    submission_id = submit(write, loaded_db, {"programmes": [programme(title="Host's title", end_date="2024-12")]})
    changed = valid_workbook()
    changed["programmes"][0]["title"] = "Ministry's newer title"
    changed["programmes"][0]["specialty"] = "neurosurgery"
    import_workbook(write(changed, "newer"), loaded_db, "ministry")
    store = db.open_store(loaded_db)
    records = submissions.records_of(store.read("submission_records", db.FULL_SCOPE, submission_id=submission_id))
    status = {c.field: c.status for c in submissions.review_changes(store, records)}
    assert status["title"] == "stale" and status["end_date"] == "changed" and status["cost_amount"] == "unchanged"
    assert status["specialty"] == "kept"  # the ministry changed it, the partner left it: accept keeps the newer
    with pytest.raises(StewardshipError) as refused:
        submissions.accept(loaded_db, submission_id, "admin")
    assert refused.value.message == "review.stale"
    submissions.accept(loaded_db, submission_id, "admin", overwrite_stale=True)
    record = stored(loaded_db, "programmes", {"programme_id": "P1"})
    assert (record["title"], record["end_date"]) == ("Host's title", "2024-12")
    assert record["specialty"] == "neurosurgery"


def test_accepting_keeps_newer_fields_the_partner_did_not_change(loaded_db, write):
    submission_id = submit(write, loaded_db, {"programmes": [programme(end_date="2024-12")]})
    changed = valid_workbook()
    changed["programmes"][0]["specialty"] = "neurosurgery"
    import_workbook(write(changed, "newer"), loaded_db, "ministry")
    submissions.accept(loaded_db, submission_id, "admin")
    record = stored(loaded_db, "programmes", {"programme_id": "P1"})
    assert (record["specialty"], record["end_date"]) == ("neurosurgery", "2024-12")


def test_rejected_submission_keeps_its_reason_and_changes_nothing(loaded_db, write):
    submission_id = submit(write, loaded_db, {"programmes": [programme(title="Wrong")]})
    with pytest.raises(StewardshipError):
        submissions.reject(loaded_db, submission_id, "admin", "  ")
    submissions.reject(loaded_db, submission_id, "admin", "dates do not match our records")
    row = db.open_store(loaded_db).read("submissions_list", db.Scope("partner", "KR-HOST"), limit=5).iloc[0]
    assert (row["state"], row["reason"]) == ("rejected", "dates do not match our records")
    assert stored(loaded_db, "programmes", {"programme_id": "P1"})["title"] == "Spine training"


def test_limits_refuse_large_files_and_too_many_rows(loaded_db, write, monkeypatch):
    monkeypatch.setenv("PORTAL_PARTNER_MAX_ROWS", "2")
    rows = [dict(valid_workbook()["procedures"][0], institution_id="KR-HOST", period=f"2025-0{m}",
                 equipment_id=None) for m in range(1, 4)]
    with pytest.raises(ImportRejected) as rejected:
        submit(write, loaded_db, {"procedures": rows})
    assert rejected.value.problems[0].expected == "submission.too_many_rows"
    monkeypatch.setenv("PORTAL_PARTNER_UPLOAD_MB", "0.000001")
    with pytest.raises(ImportRejected) as rejected:
        submit(write, loaded_db, {"procedures": rows[:1]}, name="small")
    assert rejected.value.problems[0].expected == "submission.too_large"


KILL_DURING_ACCEPT = """
import os, signal, sys
from pathlib import Path
from portal import submissions
os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)  # die after the merge, before the swap
submissions.accept(Path(sys.argv[1]), int(sys.argv[2]), "admin")
"""


def test_a_server_killed_while_accepting_leaves_records_and_queue_as_they_were(loaded_db, write):
    submission_id = submit(write, loaded_db, {"programmes": [programme(title="Half applied?")]})
    before = checksum(loaded_db)
    died = subprocess.run([sys.executable, "-c", KILL_DURING_ACCEPT, str(loaded_db), str(submission_id)],
                          cwd=PROJECT, capture_output=True)
    assert died.returncode == -9
    assert checksum(loaded_db) == before
    assert db.open_store(loaded_db).read("submissions_list", db.FULL_SCOPE, limit=5)["state"].tolist() == ["pending"]
    submissions.accept(loaded_db, submission_id, "admin")  # the next writer clears the debris and succeeds
    assert stored(loaded_db, "programmes", {"programme_id": "P1"})["title"] == "Half applied?"
    assert not list(loaded_db.parent.glob(f".{loaded_db.name}.*"))


def test_cli_submit_as_partner_then_review_list_show_accept(loaded_db, write):
    auth.add_user(auth.accounts_path(loaded_db), PARTNER, "partner", "KR-HOST", None)
    path = write({"programmes": [programme(title="From the host's own system")]}, "export")
    done = portal_cli("submit", path, "--as", PARTNER, "--db", loaded_db)
    assert "1" in done.stdout
    assert "pending" in portal_cli("review", "list", "--db", loaded_db).stdout
    shown = portal_cli("review", "show", "1", "--db", loaded_db).stdout
    assert "From the host's own system" in shown and "title" in shown
    portal_cli("review", "accept", "1", "--db", loaded_db)
    assert stored(loaded_db, "programmes", {"programme_id": "P1"})["title"] == "From the host's own system"
    refused = portal_cli("submit", path, "--as", "nobody@example.org", "--db", loaded_db, ok=False)
    assert "nobody@example.org" in refused.stderr


# ---------------------------------------------------------------- pages

PARTNER_USER = auth.User(PARTNER, "partner", "KR-HOST")
OTHER_PARTNER = auth.User("moh@example.org", "partner", "MOH")


def test_review_page_shows_the_diff_and_accepts_with_both_accounts_in_history(loaded_db, write, monkeypatch):
    from workbooks import open_app

    submission_id = submit(write, loaded_db, {"programmes": [programme(title="Host's correction")]})
    app = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(submission_id)})
    shown = app.dataframe[1].value
    assert ("title", "Spine training", "Host's correction") in set(zip(shown["Field"], shown["When sent"],
                                                                       shown["Proposed"]))
    app.button(key="review_accept").click().run()
    assert not app.exception
    assert "accepted" in app.success[0].value
    history = open_app(monkeypatch, loaded_db, "pages/history.py")
    assert any(PARTNER in str(v) for v in history.dataframe[0].value.iloc[:, 3])


def test_review_page_names_who_sent_a_submission_and_when_in_utc(loaded_db, write, monkeypatch):
    from workbooks import open_app

    submission_id = submit(write, loaded_db, {"programmes": [programme(title="Host's correction")]})
    sent_at = db.open_store(loaded_db).read("submissions_list", db.FULL_SCOPE, limit=1)["sent_at"].iloc[0]
    app = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(submission_id)})
    queue = app.dataframe[0].value
    assert queue["Sent by"].tolist() == [f"KR-HOST · {PARTNER}"]
    when = sent_at.tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")
    assert any(f"at {when}," in m.value for m in app.markdown), [m.value for m in app.markdown]


def test_review_page_rejects_with_a_reason_the_partner_then_reads(loaded_db, write, monkeypatch, viewer):
    from workbooks import open_app

    submission_id = submit(write, loaded_db, {"programmes": [programme(title="Wrong")]})
    app = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(submission_id)})
    app.text_input(key="review_reason").input("not our programme dates").run()
    app.button(key="review_reject").click().run()
    assert "rejected" in app.success[0].value
    viewer(PARTNER_USER)
    mine = open_app(monkeypatch, loaded_db, "pages/submissions.py")
    table = mine.dataframe[0].value
    assert "not our programme dates" in table.to_string() and "rejected" in table.to_string()


def test_a_partner_sees_only_its_own_submissions_and_cannot_open_the_queue(loaded_db, write, monkeypatch, viewer):
    from workbooks import open_app

    submission_id = submit(write, loaded_db, {"programmes": [programme(title="Secret host plan")]})
    viewer(OTHER_PARTNER)
    mine = open_app(monkeypatch, loaded_db, "pages/submissions.py", {"submission": str(submission_id)})
    from portal.i18n import t
    assert [i.value for i in mine.info] == [t("submissions.none")]
    assert not any("Secret host plan" in frame.value.to_string() or PARTNER in frame.value.to_string()
                   for frame in mine.dataframe)
    queue = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(submission_id)}, alone=True)
    assert not queue.dataframe and "Secret host plan" not in str(queue)


def test_navigation_counts_pending_submissions(loaded_db, write, monkeypatch, viewer):
    import streamlit

    from portal.i18n import t
    from workbooks import open_app

    submit(write, loaded_db, {"programmes": [programme(title="One")]})
    submit(write, loaded_db, {"programmes": [programme(title="Two")]}, name="two")
    titles = []
    real_page = streamlit.Page

    def menu_page(*args, **options):  # the menu's titles: a page reached only by a link is hidden from it
        if options.get("visibility") != "hidden":
            titles.append(options["title"])
        return real_page(*args, **options)
    monkeypatch.setattr(streamlit, "Page", menu_page)
    open_app(monkeypatch, loaded_db)
    assert f"{t('nav.review')} · {t('submissions.badge', count=2)}" in titles
    titles.clear()
    viewer(OTHER_PARTNER)  # MOH has sent nothing: no badge, and no queue
    open_app(monkeypatch, loaded_db)
    assert t("nav.submissions") in titles and t("nav.review") not in " ".join(titles)


def test_confirming_is_a_submission_and_the_programme_then_reads_confirmed_by_the_host(loaded_db, monkeypatch, viewer):
    from portal.i18n import t
    from workbooks import open_app

    with pytest.raises(StewardshipError):  # another institution's programme, or none: the same refusal
        submissions.confirm_programme(loaded_db, "moh@example.org", "MOH", "P1")
    with pytest.raises(StewardshipError):
        submissions.confirm_programme(loaded_db, "moh@example.org", "MOH", "NO-SUCH")
    viewer(PARTNER_USER)
    app = open_app(monkeypatch, loaded_db, "pages/submissions.py")
    app.selectbox(key="confirm_programme").select("P1").run()
    app.button(key="confirm_send").click().run()
    assert not app.exception and app.success
    before = checksum(loaded_db)
    assert t("confirm.none") in app.dataframe[-1].value.to_string()  # pending: not yet confirmed
    submission_id = int(db.open_store(loaded_db).read("submissions_list", db.FULL_SCOPE, limit=1)["submission_id"][0])
    submissions.accept(loaded_db, submission_id, "admin")
    assert checksum(loaded_db) != before
    app = open_app(monkeypatch, loaded_db, "pages/submissions.py")
    assert t("confirm.by_host") in app.dataframe[-1].value.to_string()
    assert stored(loaded_db, "programmes", {"programme_id": "P1"})["title"] == "Spine training"  # unchanged


def test_review_shows_where_each_records_values_came_from(loaded_db, write, monkeypatch):
    from workbooks import open_app

    first = submit(write, loaded_db, {"programmes": [programme(title="First correction")]})
    submissions.accept(loaded_db, first, "admin@example.org")
    second = submit(write, loaded_db, {"programmes": [programme(title="Second correction")]}, name="second")
    app = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(second)})
    provenance = app.dataframe[-1].value.to_string()
    assert "admin@example.org" in provenance and PARTNER in provenance and "fixture" in provenance


def test_a_confirmation_of_a_programme_that_changed_since_is_refused_field_by_field(loaded_db, write):
    submission_id = submissions.confirm_programme(loaded_db, PARTNER, "KR-HOST", "P1")
    changed = valid_workbook()
    changed["programmes"][0]["end_date"] = "2025-06"
    import_workbook(write(changed, "newer"), loaded_db, "ministry")
    before = checksum(loaded_db)
    for overwrite in (False, True):  # overwriting cannot make it confirm what the partner never saw
        with pytest.raises(StewardshipError) as refused:
            submissions.accept(loaded_db, submission_id, "admin", overwrite_stale=overwrite)
        assert refused.value.message == "review.confirmation_stale"
        assert "end_date" in refused.value.args_["fields"] and "2025-06" in refused.value.args_["fields"]
        assert "title" not in refused.value.args_["fields"]
    assert checksum(loaded_db) == before
    unchanged_since = submissions.confirm_programme(loaded_db, PARTNER, "KR-HOST", "P1")
    assert submissions.accept(loaded_db, unchanged_since, "admin")


def test_follow_ups_of_a_programme_the_partner_takes_part_in_can_be_submitted_others_cannot(loaded_db, write):
    from test_follow_ups import follow_up

    submission_id = submit(write, loaded_db, {"follow_ups": [follow_up()]})  # KR-HOST hosts P1
    submissions.accept(loaded_db, submission_id, "admin")
    assert stored(loaded_db, "follow_ups", follow_up())["position"] == "spine surgeon"
    with pytest.raises(ImportRejected) as rejected:  # MOH takes no part in P1: it reads as unknown
        submit(write, loaded_db, {"follow_ups": [follow_up(date="2025-09", institution_id=None)]}, institution="MOH", name="moh")
    assert [(p.sheet, p.row, p.column) for p in rejected.value.problems] == [("follow_ups", 2, "programme_id")]
    with pytest.raises(ImportRejected) as rejected:  # someone the programme never had, as the import says
        submit(write, loaded_db, {"follow_ups": [follow_up(person_name="Somebody Else")]}, name="nobody")
    assert [(p.sheet, p.row, p.column, p.expected) for p in rejected.value.problems] == \
        [("follow_ups", 2, "person_name", "problem.unknown_participant")]
    elsewhere = programme(programme_id="P-MOH", home_institution_id="UB-TRAUMA", host_institution_id="UB-TRAUMA")
    with pytest.raises(ImportRejected) as rejected:  # a new programme of others, with its follow-up
        submit(write, loaded_db, {"programmes": [elsewhere], "participants": [{"programme_id": "P-MOH",
               "person_name": "Trainee Two", "role": "trainee"}],
               "follow_ups": [follow_up(programme_id="P-MOH", person_name="Trainee Two")]}, name="others")
    assert ("follow_ups", 2, "programme_id", "submission.outside_follow_ups") in \
        {(p.sheet, p.row, p.column, p.expected) for p in rejected.value.problems}


def refusal_text(problems) -> str:
    from portal.importer import problems_frame

    return problems_frame(problems).to_string()


def test_another_institutions_id_reads_like_any_id_outside_scope_and_its_owner_is_never_named(loaded_db, write):
    # P1 (UB-TRAUMA -> KR-HOST) exists, P-NEW does not: MOH sending either as it is reads the same.
    refusals = []
    for programme_id in ("P1", "P-NEW"):
        with pytest.raises(ImportRejected) as rejected:
            submit(write, loaded_db, {"programmes": [programme(programme_id=programme_id)]}, institution="MOH",
                   name=programme_id)
        refusals.append(refusal_text(rejected.value.problems).replace(programme_id, "ID"))
    assert refusals[0] == refusals[1]
    # Naming itself, MOH learns only that the id is taken: not whose, nor anything the record holds.
    for sheet, row in (("programmes", programme(home_institution_id="MOH", host_institution_id="MOH", title="Claimed")),
                       ("equipment", dict(valid_workbook()["equipment"][0], institution_id="MOH",
                                          programme_ids=None))):
        with pytest.raises(ImportRejected) as rejected:
            submit(write, loaded_db, {sheet: [row]}, institution="MOH", name=f"claim-{sheet}")
        [problem] = rejected.value.problems
        assert (problem.sheet, problem.row, problem.expected) == (sheet, 2, "submission.id_taken")
        text = refusal_text(rejected.value.problems)
        for secret in ("UB-TRAUMA", "KR-HOST", "Spine training", "microscope", "250000"):
            assert secret not in text


def test_export_writes_every_submission_its_records_and_decision_beside_the_workbook(loaded_db, write, tmp_path):
    import json

    waiting = submit(write, loaded_db, {"programmes": [programme(title="Waiting")]})
    refused = submit(write, loaded_db, {"programmes": [programme(title="Refused")]}, name="refused")
    submissions.reject(loaded_db, refused, "admin", "our dates differ")
    accepted = submit(write, loaded_db, {"programmes": [programme(title="Accepted")]}, name="accepted")
    change = submissions.accept(loaded_db, accepted, "admin")
    out = tmp_path / "backup.xlsx"
    printed = portal_cli("export", out, "--db", loaded_db).stdout
    archive = tmp_path / "backup.submissions.json"
    assert str(archive) in printed
    kept = {s["submission_id"]: s for s in json.loads(archive.read_text(encoding="utf-8"))["submissions"]}
    assert {i: (s["state"], s["reason"], s["import_id"]) for i, s in kept.items()} == {
        waiting: ("pending", None, None), refused: ("rejected", "our dates differ", None),
        accepted: ("accepted", None, change)}
    [record] = kept[waiting]["records"]
    assert (record["sheet"], record["proposed"]["title"], record["base"]["title"]) == \
        ("programmes", "Waiting", "Spine training")
    assert kept[waiting]["account"] == PARTNER and kept[waiting]["sent_at"].startswith("20")
    portal_cli("export", tmp_path / "folder", "--db", loaded_db)  # a CSV folder: the file beside it
    assert json.loads((tmp_path / "folder.submissions.json").read_text(encoding="utf-8")) == \
        json.loads(archive.read_text(encoding="utf-8"))


def two_records(write, database, name="two"):
    """A submission correcting P1 and adding P-NEW (both hosted by KR-HOST)."""
    return submit(write, database, {"programmes": [programme(title="Corrected"),
                                                   programme(programme_id="P-NEW", title="New one")]}, name=name)


def record_states(database, submission_id):
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute("SELECT proposed->>'programme_id', state FROM submission_records"
                                  " WHERE submission_id = $id ORDER BY rowid", {"id": submission_id}).fetchall()


def test_accepting_some_records_applies_them_and_rejects_the_others_with_the_reason(loaded_db, write):
    submission_id = two_records(write, loaded_db)
    before = checksum(loaded_db)
    with pytest.raises(StewardshipError) as refused:  # the partner must read why the others were left out
        submissions.accept(loaded_db, submission_id, "admin", only={1})
    assert refused.value.message == "review.reason_needed"
    with pytest.raises(StewardshipError) as refused:
        submissions.accept(loaded_db, submission_id, "admin", only=set(), reason="none")
    assert refused.value.message == "review.none_chosen" and checksum(loaded_db) == before
    submissions.accept(loaded_db, submission_id, "admin", only={1}, reason="P1's title stays")
    assert stored(loaded_db, "programmes", {"programme_id": "P-NEW"})["title"] == "New one"
    assert stored(loaded_db, "programmes", {"programme_id": "P1"})["title"] == "Spine training"
    assert record_states(loaded_db, submission_id) == [("P1", "rejected"), ("P-NEW", "accepted")]
    row = db.open_store(loaded_db).read("submissions_list", db.Scope("partner", "KR-HOST"), limit=5).iloc[0]
    assert (row["state"], row["reason"], row["records"], row["accepted_records"]) == \
        ("accepted", "P1's title stays", 2, 1)
    disputed = db.open_store(loaded_db).read("quality_records_disputed", db.FULL_SCOPE, limit=10)
    assert list(zip(disputed["record"], disputed["state"])) == [("programmes: P1", "rejected")]
    rejected = two_records(write, loaded_db, name="again")
    submissions.reject(loaded_db, rejected, "admin", "no")
    assert record_states(loaded_db, rejected) == [("P1", "rejected"), ("P-NEW", "rejected")]


def test_cli_accepts_one_record_by_the_name_review_show_gives_it(loaded_db, write):
    submission_id = two_records(write, loaded_db)
    refused = portal_cli("review", "accept", submission_id, "--record", "P-NONE", "--reason", "x", "--db", loaded_db,
                         ok=False)
    assert "P-NONE" in refused.stderr
    done = portal_cli("review", "accept", submission_id, "--record", "programmes:P-NEW", "--reason",
                      "P1's title stays", "--db", loaded_db)
    assert "1 of 2" in done.stdout
    assert "1 of 2 accepted" in portal_cli("review", "list", "--db", loaded_db).stdout
    assert record_states(loaded_db, submission_id) == [("P1", "rejected"), ("P-NEW", "accepted")]
    assert stored(loaded_db, "programmes", {"programme_id": "P1"})["title"] == "Spine training"


def test_review_page_accepts_the_checked_records_and_the_partner_reads_the_outcome(loaded_db, write, monkeypatch,
                                                                                   viewer):
    from workbooks import as_read, open_app

    submission_id = two_records(write, loaded_db)
    app = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(submission_id)})
    assert [as_read(c.label) for c in app.checkbox if c.key.startswith("review_record_")] == \
        ["programmes: P1", "programmes: P-NEW"]
    app.checkbox(key=f"review_record_{submission_id}_0").uncheck().run()
    app.text_input(key="review_reason").input("keep our title").run()
    app.button(key="review_accept").click().run()
    assert not app.exception and "1 of 2" in app.success[0].value
    assert record_states(loaded_db, submission_id) == [("P1", "rejected"), ("P-NEW", "accepted")]
    viewer(PARTNER_USER)
    table = open_app(monkeypatch, loaded_db, "pages/submissions.py").dataframe[0].value.to_string()
    assert "1 of 2 accepted" in table and "keep our title" in table


def fill_form(app, sheet: str, values: dict[str, str]):
    for column, value in values.items():
        key = f"submission_{sheet}_{column}_0"
        widget = app.selectbox(key=key) if any(w.key == key for w in app.selectbox) else app.text_input(key=key)
        (widget.select(value) if hasattr(widget, "select") else widget.input(value))
    return app


def send_form(app, sheet: str):
    """Press the form's send button (a form submit button's key is derived from the form's)."""
    return next(b for b in app.button if b.key and f"submission_form_{sheet}_0" in b.key).click().run()


NEW_EQUIPMENT = {"equipment_id": "EQ-HOST", "name": "endoscope", "category": "endoscope",
                 "acquired_date": "2025-02", "source": "host's inventory"}


def test_a_form_row_for_another_institution_is_refused_naming_the_column(loaded_db, monkeypatch, viewer):
    from workbooks import open_app

    viewer(PARTNER_USER)
    before = checksum(loaded_db)
    app = open_app(monkeypatch, loaded_db, "pages/submissions.py", {"form_sheet": "equipment"})
    assert app.selectbox(key="submission_equipment_category_0").options[0] != ""  # a dropdown of the list values
    fill_form(app, "equipment", {**NEW_EQUIPMENT, "institution_id": "UB-TRAUMA"})
    send_form(app, "equipment")
    assert not app.exception and app.error
    problems = app.dataframe[0].value
    assert list(problems.iloc[0][:3]) == ["equipment", 2, "institution_id"]
    assert checksum(loaded_db) == before


def test_a_form_row_within_scope_becomes_a_pending_submission(loaded_db, monkeypatch, viewer):
    from workbooks import open_app

    viewer(PARTNER_USER)
    app = open_app(monkeypatch, loaded_db, "pages/submissions.py", {"form_sheet": "equipment"})
    fill_form(app, "equipment", {**NEW_EQUIPMENT, "institution_id": "KR-HOST"})
    send_form(app, "equipment")
    assert not app.exception and not app.error and app.success
    listed = db.open_store(loaded_db).read("submissions_list", db.FULL_SCOPE, limit=5)
    assert listed[["state", "account", "institution_id", "records"]].values.tolist() == \
        [["pending", PARTNER, "KR-HOST", 1]]
    assert stored(loaded_db, "equipment", {"equipment_id": "EQ-HOST"}) is None  # nothing until accepted
    submissions.accept(loaded_db, int(listed["submission_id"][0]), "admin")
    assert stored(loaded_db, "equipment", {"equipment_id": "EQ-HOST"})["name"] == "endoscope"


def test_a_link_to_another_institutions_submission_reads_like_one_that_does_not_exist(loaded_db, write, monkeypatch,
                                                                                      viewer):
    from workbooks import open_app

    others = submit(write, loaded_db, {"programmes": [programme(title="Secret host plan")]})
    viewer(OTHER_PARTNER)
    warnings = []
    for asked in (others, 9999):
        app = open_app(monkeypatch, loaded_db, "pages/submissions.py", {"submission": str(asked)})
        warnings.append(" ".join(w.value for w in app.warning).replace(str(asked), "ID"))
        assert "Secret host plan" not in str(app) and PARTNER not in str(app)
    assert warnings[0] == warnings[1] and "ID" in warnings[0]
    viewer(PARTNER_USER)
    app = open_app(monkeypatch, loaded_db, "pages/submissions.py", {"submission": str(others)})
    assert not app.warning
    detail = app.table[0].value.to_string()
    assert "Secret host plan" in detail and "pending" in detail


def test_the_review_page_warns_that_a_confirmation_of_a_changed_programme_cannot_be_accepted(loaded_db, write,
                                                                                              monkeypatch):
    from portal.i18n import t
    from workbooks import open_app

    confirmation = submissions.confirm_programme(loaded_db, PARTNER, "KR-HOST", "P1")
    app = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(confirmation)})
    assert t("review.confirmation_changed") not in [w.value for w in app.warning]
    changed = valid_workbook()
    changed["programmes"][0]["end_date"] = "2025-06"
    import_workbook(write(changed, "newer"), loaded_db, "ministry")
    app = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(confirmation)})
    assert t("review.confirmation_changed") in [w.value for w in app.warning]
    shown = app.dataframe[1].value
    assert ("end_date", t("review.status_kept")) in set(zip(shown.iloc[:, 3], shown.iloc[:, 2]))
    app.button(key="review_accept").click().run()
    assert "2025-06" in app.error[0].value and not app.success


def test_the_form_opens_an_existing_programme_filled_in_and_sends_only_the_field_changed(loaded_db, monkeypatch,
                                                                                         viewer):
    from workbooks import open_app

    viewer(PARTNER_USER)
    app = open_app(monkeypatch, loaded_db, "pages/submissions.py", {"form_sheet": "programmes"})
    app.selectbox(key="submission_existing_programmes_0").select("P1").run()
    assert app.text_input(key="submission_programmes_topics_0_P1").value == "deformity; replacement"
    app.text_input(key="submission_programmes_end_date_0_P1").input("2024-12")
    next(b for b in app.button if b.key and "submission_form_programmes_0_P1" in b.key).click().run()
    assert not app.exception and not app.error and app.success
    listed = db.open_store(loaded_db).read("submissions_list", db.FULL_SCOPE, limit=5)
    rows = db.open_store(loaded_db).read("submission_records", db.FULL_SCOPE,
                                         submission_id=int(listed["submission_id"][0]))
    changes = submissions.review_changes(db.open_store(loaded_db), submissions.records_of(rows))
    assert [(c.field, c.proposed) for c in changes if c.status != "unchanged"] == [("end_date", "2024-12")]
    # the cost a partner cannot see is kept, not cleared
    assert stored(loaded_db, "programmes", {"programme_id": "P1"})["cost_amount"] is not None
    submissions.accept(loaded_db, int(listed["submission_id"][0]), "admin")
    after = stored(loaded_db, "programmes", {"programme_id": "P1"})
    assert (after["end_date"], after["topics"], after["cost_amount"]) == ("2024-12", ["deformity", "replacement"],
                                                                          15000000)


TRAUMA_PARTNER = auth.User("trauma@example.org", "partner", "UB-TRAUMA")


@pytest.fixture
def people_db(loaded_db, write):
    """The fixture database plus a follow-up, an older procedure of UB-TRAUMA, and records UB-TRAUMA takes no part
    in: a programme of MOH hosted by KR-HOST with its trainee, and a procedure of KR-HOST."""
    from test_follow_ups import follow_up

    tables = valid_workbook()
    tables["follow_ups"] = [follow_up()]
    tables["programmes"].append(programme(programme_id="P2", title="Others' programme", start_date="2024-01",
                                          end_date="2024-10", home_institution_id="MOH"))
    tables["participants"].append({"programme_id": "P2", "person_name": "Other Trainee", "role": "trainee"})
    tables["procedures"] += [
        {"institution_id": "UB-TRAUMA", "department": "spine", "period": "2023-09", "procedure": "laminectomy",
         "technique": "open", "cases": 10},
        {"institution_id": "KR-HOST", "period": "2025-01", "procedure": "fusion", "technique": "open", "cases": 9,
         "record_id": "KR-PROC-1"}]
    import_workbook(write(tables, "more"), loaded_db, "fixture")
    return loaded_db


def offered(app, sheet: str) -> list[str]:
    """The existing records the form offers for a sheet."""
    app.selectbox(key="form_sheet").select(sheet).run()
    return app.selectbox(key=f"submission_existing_{sheet}_0").options


@pytest.mark.parametrize("sheet, chosen, key_field, field, shown, entered, proposed", [
    ("participants", "P1 · Trainee One · trainee", "person_name", "institution_id", "UB-TRAUMA", "KR-HOST",
     "KR-HOST"),
    ("follow_ups", "P1 · Trainee One · trainee · 2025-06", "date", "position", "spine surgeon", "head of spine",
     "head of spine"),
    ("procedures", "UB-TRAUMA · 2025-05 · microdiscectomy · microscopic · spine · EQ1", "period", "cases", "4", "6",
     6),
])
def test_the_form_opens_an_existing_record_of_several_key_columns_filled_in_and_proposes_only_the_change(
        people_db, monkeypatch, viewer, sheet, chosen, key_field, field, shown, entered, proposed):
    from workbooks import open_app

    viewer(TRAUMA_PARTNER)
    app = open_app(monkeypatch, people_db, "pages/submissions.py", {"form_sheet": sheet})
    app.selectbox(key=f"submission_existing_{sheet}_0").select(chosen).run()
    key = {c: (app.selectbox if c in ("role", "technique") else app.text_input)(
        key=f"submission_{sheet}_{c}_0_{chosen}").value or None for c in submissions.SHEETS[sheet].key}
    before = stored(people_db, sheet, key)
    assert before is not None and chosen.startswith(key["programme_id"] if "programme_id" in key else "UB-TRAUMA")
    assert app.text_input(key=f"submission_{sheet}_{field}_0_{chosen}").value == shown
    assert app.text_input(key=f"submission_{sheet}_{key_field}_0_{chosen}").disabled  # a key stays as it is
    assert any("identify the record" in c.value for c in app.caption)
    app.text_input(key=f"submission_{sheet}_{field}_0_{chosen}").input(entered)
    next(b for b in app.button if b.key and f"submission_form_{sheet}_0_{chosen}" in b.key).click().run()
    assert not app.exception and not app.error and app.success
    listed = db.open_store(people_db).read("submissions_list", db.FULL_SCOPE, limit=5)
    rows = db.open_store(people_db).read("submission_records", db.FULL_SCOPE,
                                         submission_id=int(listed["submission_id"][0]))
    changes = submissions.review_changes(db.open_store(people_db), submissions.records_of(rows))
    assert [(c.field, c.proposed) for c in changes if c.status != "unchanged"] == [(field, proposed)]
    assert [c.status for c in changes].count("changed") == 1 and \
        [c.status for c in changes].count("unchanged") == len(submissions.SHEETS[sheet].columns) - 1
    submissions.accept(people_db, int(listed["submission_id"][0]), "admin")
    after = stored(people_db, sheet, before)
    assert after == {**before, field: proposed}


def test_the_form_offers_only_the_partners_own_people_and_procedures_newest_first(people_db, monkeypatch, viewer):
    from workbooks import open_app

    viewer(TRAUMA_PARTNER)  # home of P1 only; its own procedures
    app = open_app(monkeypatch, people_db, "pages/submissions.py", {"form_sheet": "participants"})
    assert offered(app, "participants") == ["P1 · Trainee One · trainee"]
    assert offered(app, "follow_ups") == ["P1 · Trainee One · trainee · 2025-06"]
    assert offered(app, "procedures") == ["UB-TRAUMA · 2025-05 · microdiscectomy · microscopic · spine · EQ1",
                                          "UB-TRAUMA · 2023-09 · laminectomy · open · spine"]
    assert "Other Trainee" not in str(app) and "KR-PROC-1" not in str(app)
    viewer(PARTNER_USER)  # KR-HOST hosts both programmes; only its own procedure
    app = open_app(monkeypatch, people_db, "pages/submissions.py", {"form_sheet": "participants"})
    assert offered(app, "participants") == ["P1 · Trainee One · trainee", "P2 · Other Trainee · trainee"]
    assert offered(app, "procedures") == ["KR-PROC-1 · KR-HOST · 2025-01 · fusion · open"]
    viewer(OTHER_PARTNER)  # MOH: home of P2, no procedures
    app = open_app(monkeypatch, people_db, "pages/submissions.py", {"form_sheet": "participants"})
    assert offered(app, "participants") == ["P2 · Other Trainee · trainee"]
    app.selectbox(key="form_sheet").select("procedures").run()
    assert not [s for s in app.selectbox if s.key == "submission_existing_procedures_0"]  # a new record only


def test_a_long_list_of_existing_records_is_cut_to_the_newest_and_says_so(people_db, monkeypatch, viewer):
    from workbooks import open_app

    monkeypatch.setattr(submissions, "FORM_RECORDS_SHOWN", 1)
    viewer(TRAUMA_PARTNER)
    app = open_app(monkeypatch, people_db, "pages/submissions.py", {"form_sheet": "procedures"})
    assert app.selectbox(key="submission_existing_procedures_0").options == [
        "UB-TRAUMA · 2025-05 · microdiscectomy · microscopic · spine · EQ1"]
    assert any(c.value.startswith("the list offers the 1 newest of 2 records") for c in app.caption)


@pytest.mark.parametrize("language", ["en", "ko", "mn"])
@pytest.mark.usefixtures("english_afterwards")
def test_the_review_says_how_a_submission_without_a_file_was_sent(loaded_db, monkeypatch, viewer, language):
    from portal import i18n
    from portal.i18n import catalog
    from workbooks import as_read, open_app

    i18n.set_language(language)  # AppTest formats widget values in the test's thread too
    form = submissions.submit_record(loaded_db, PARTNER, "KR-HOST", "equipment", {**NEW_EQUIPMENT,
                                                                                  "institution_id": "KR-HOST"})
    confirmation = submissions.confirm_programme(loaded_db, PARTNER, "KR-HOST", "P1")
    for submission_id, how in ((form, "submissions.how_form"), (confirmation, "submissions.how_confirmation")):
        app = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(submission_id),
                                                                    "lang": language})
        sent = next(as_read(m.value) for m in app.markdown if "KR-HOST" in as_read(m.value))
        assert catalog(language)[how] in sent and "nan" not in sent
        queue = app.dataframe[0].value.to_string()
        assert catalog(language)[how] in queue and "nan" not in queue


def test_my_submissions_link_each_row_to_its_page_where_the_reason_reads_in_full(loaded_db, write, monkeypatch,
                                                                                  viewer):
    from workbooks import as_read, open_app

    reason = "The end date is the day the last trainee flew home, not the last day of training; " * 3
    submission_id = submit(write, loaded_db, {"programmes": [programme(title="Wrong")]})
    submissions.reject(loaded_db, submission_id, "admin", reason)
    viewer(PARTNER_USER)
    app = open_app(monkeypatch, loaded_db, "pages/submissions.py")
    links = app.dataframe[0].value.iloc[:, 0].tolist()
    assert links == [f"submissions?submission={submission_id}&lang=en"]
    app = open_app(monkeypatch, loaded_db, "pages/submissions.py", {"submission": str(submission_id)})
    assert any(reason.strip() in as_read(m.value) for m in app.markdown)
    assert "title: Wrong" in as_read(app.table[0].value.iloc[0, 3])  # the values sent, in a table that wraps them


@pytest.mark.usefixtures("english_afterwards")
def test_the_form_names_columns_and_list_values_in_the_readers_language(loaded_db, monkeypatch, viewer):
    from portal import i18n
    from workbooks import open_app

    i18n.set_language("ko")  # AppTest formats widget values in the test's thread too
    viewer(PARTNER_USER)
    app = open_app(monkeypatch, loaded_db, "pages/submissions.py", {"form_sheet": "programmes", "lang": "ko"})
    assert app.text_input(key="submission_programmes_programme_id_0").label == "프로그램 ID *"
    kind = app.selectbox(key="submission_programmes_kind_0")
    assert kind.label == "종류 *" and i18n.catalog("ko")["programme_kind.training_abroad"] in kind.options
    assert not any("_" in w.label for w in [*app.text_input, *app.selectbox] if w.key.startswith("submission_"))
    kind.select("fellowship")  # the value sent stays the contract's code
    assert kind.value == "fellowship"


def test_a_decided_submission_shows_each_record_with_its_decision_accepted_ones_too(loaded_db, write, monkeypatch,
                                                                                    viewer):
    from portal.i18n import t
    from workbooks import as_read, open_app

    submission_id = two_records(write, loaded_db)
    submissions.accept(loaded_db, submission_id, "admin", only={1}, reason="keep our title")
    expected = [["programmes", "P1", t("submissions.state_rejected")],
                ["programmes", "P-NEW", t("submissions.state_accepted")]]
    review = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(submission_id)})
    assert review.table[0].value.map(as_read).values.tolist() == expected
    viewer(PARTNER_USER)
    mine = open_app(monkeypatch, loaded_db, "pages/submissions.py", {"submission": str(submission_id)})
    assert mine.table[0].value.iloc[:, :3].map(as_read).values.tolist() == expected
    shown = portal_cli("review", "show", str(submission_id), "--db", loaded_db).stdout
    assert "programmes P1\trejected" in shown and "programmes P-NEW\taccepted" in shown


def test_a_confirmation_says_which_programme_it_confirms_on_both_pages_and_in_review_show(loaded_db, monkeypatch,
                                                                                        viewer):
    from portal.i18n import t
    from workbooks import as_read, open_app

    confirmation = submissions.confirm_programme(loaded_db, PARTNER, "KR-HOST", "P1")
    submissions.accept(loaded_db, confirmation, "admin")
    said = t("submissions.confirms", programme="P1")
    review = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(confirmation)})
    assert said in [as_read(m.value) for m in review.markdown]
    assert review.table[0].value.map(as_read).values.tolist() == [["programmes", "P1", "accepted"]]
    viewer(PARTNER_USER)
    mine = open_app(monkeypatch, loaded_db, "pages/submissions.py", {"submission": str(confirmation)})
    assert said in [as_read(m.value) for m in mine.markdown]
    shown = portal_cli("review", "show", str(confirmation), "--db", loaded_db).stdout
    assert said in shown and t("submissions.how_confirmation") in shown and "programmes P1\taccepted" in shown


def test_after_a_rollback_the_records_of_an_accepted_submission_read_rolled_back(loaded_db, write, monkeypatch,
                                                                                viewer):
    from portal.i18n import t
    from workbooks import as_read, open_app

    submission_id = two_records(write, loaded_db)
    import_id = submissions.accept(loaded_db, submission_id, "admin", only={1}, reason="keep our title")
    rollback(loaded_db, import_id, "admin")
    viewer(PARTNER_USER)
    mine = open_app(monkeypatch, loaded_db, "pages/submissions.py", {"submission": str(submission_id)})
    assert mine.table[0].value.iloc[:, 2].map(as_read).tolist() == [t("submissions.state_rejected"),
                                                                   t("submissions.state_rolled_back")]
    listed = portal_cli("review", "list", "--db", loaded_db).stdout
    assert t("submissions.state_rolled_back") in listed and "1 of 2" not in listed
    shown = portal_cli("review", "show", str(submission_id), "--db", loaded_db).stdout
    assert f"programmes P-NEW\t{t('submissions.state_rolled_back')}" in shown


@pytest.mark.parametrize("language", ["en", "mn", "ko"])
@pytest.mark.usefixtures("english_afterwards")
def test_the_review_queue_shows_every_column_a_decision_needs_at_1400_px(loaded_db, write, language):
    from portal import i18n, submissions_ui, ui

    i18n.set_language(language)
    submit(write, loaded_db, {"programmes": [programme(title="Host's correction")]})
    rejected = submit(write, loaded_db, {"programmes": [programme(end_date="2024-12")]}, name="rejected")
    submissions.reject(loaded_db, rejected, "admin@example.org", "our records say November")
    queue = db.open_store(loaded_db).read("submissions_list", db.FULL_SCOPE, limit=500)
    shown, _, config, _ = ui.table_frames(submissions_ui.queue_rows(queue), submissions_ui.QUEUE_HEADERS)
    # only the reviewer starts hidden (the decision below names who and when); nothing else is left out
    assert [title for title, column in config.items() if column.get("hidden")] == [i18n.t("submissions.col_reviewer")]
    assert sum(column["width"] for column in config.values() if not column.get("hidden")) <= \
        ui.GRID_WIDTH - ui.ROW_MARKERS
    assert shown[i18n.t("submissions.col_account")].tolist() == [f"KR-HOST · {PARTNER}"] * 2
    assert all(len(day) == 10 for day in shown[i18n.t("submissions.col_sent")])  # the day; the time reads below


def stale_submission(write, database) -> int:
    """A submission whose title the ministry changed too after it was sent (a stale field)."""
    submission_id = submit(write, database, {"programmes": [programme(title="Host's title")]})
    changed = valid_workbook()
    changed["programmes"][0]["title"] = "Ministry's newer title"
    import_workbook(write(changed, "newer"), database, "ministry")
    return submission_id


@pytest.mark.parametrize("language", ["en", "mn", "ko"])
@pytest.mark.usefixtures("english_afterwards")
def test_the_stale_warning_says_accepting_is_refused_until_the_overwrite_box_is_ticked(loaded_db, write, monkeypatch,
                                                                                      language):
    from portal import i18n
    from portal.i18n import t
    from workbooks import open_app

    i18n.set_language(language)
    submission_id = stale_submission(write, loaded_db)
    app = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(submission_id), "lang": language})
    warning = app.warning[0].value
    assert t("review.overwrite") in warning and t("review.overwrite") == app.checkbox(key="review_overwrite").label
    app.button(key="review_accept").click().run()
    assert app.error and not app.success  # refused, as the warning said
    app.checkbox(key="review_overwrite").check().run()
    app.button(key="review_accept").click().run()
    assert app.success and not app.error


@pytest.mark.parametrize("sheet, chosen", [
    ("programmes", "P1"), ("participants", "P1 · Trainee One · trainee"),
    ("procedures", "UB-TRAUMA · 2025-05 · microdiscectomy · microscopic · spine · EQ1")])
def test_a_form_sent_with_nothing_changed_is_refused_and_nothing_is_kept(people_db, monkeypatch, viewer, sheet,
                                                                        chosen):
    from portal.i18n import t
    from workbooks import open_app

    viewer(TRAUMA_PARTNER)
    before = checksum(people_db)
    app = open_app(monkeypatch, people_db, "pages/submissions.py", {"form_sheet": sheet})
    app.selectbox(key=f"submission_existing_{sheet}_0").select(chosen).run()
    next(b for b in app.button if b.key and f"submission_form_{sheet}_0_{chosen}" in b.key).click().run()
    assert not app.exception and not app.success
    assert [e.value.split(":")[0] for e in app.error] == [t("submissions.nothing_changed").split(":")[0]]
    assert t("sheet." + sheet) in app.error[0].value
    assert checksum(people_db) == before  # no submission, so no badge and no dispute
    assert db.open_store(people_db).read("submissions_list", db.FULL_SCOPE, limit=5).empty


@pytest.mark.parametrize("language", ["mn", "ko"])
@pytest.mark.usefixtures("english_afterwards")
def test_every_empty_choice_on_the_submission_pages_reads_a_translated_placeholder(loaded_db, write, monkeypatch,
                                                                                   viewer, language):
    from portal import i18n
    from workbooks import open_app

    i18n.set_language(language)
    submit(write, loaded_db, {"programmes": [programme(title="Host's correction")]})
    review = open_app(monkeypatch, loaded_db, "pages/review.py", {"lang": language})
    viewer(PARTNER_USER)
    mine = open_app(monkeypatch, loaded_db, "pages/submissions.py", {"form_sheet": "programmes", "lang": language})
    empty = [box for app in (review, mine) for box in app.selectbox if box.value is None]
    assert {box.key for box in empty} >= {"review_choice_0", "confirm_programme"}
    # Streamlit's own placeholder ("Choose an option") shows where none is passed
    assert [box.key for box in empty if not box.proto.placeholder.strip()] == []


@pytest.mark.parametrize("language", ["mn", "ko"])
@pytest.mark.parametrize("who, page, message", [(None, "submissions", "access.partners_only"),
                                                (None, "review", "access.administrators_only"),
                                                (PARTNER_USER, "review", "access.administrators_only"),
                                                (None, "history", "access.administrators_page"),
                                                (None, "records", "access.administrators_page"),
                                                (PARTNER_USER, "data", "access.administrators_page"),
                                                (PARTNER_USER, "data_quality", "access.ministry_page")])
@pytest.mark.usefixtures("english_afterwards")
def test_a_link_to_a_page_the_viewer_may_not_use_says_why_in_their_language_and_shows_nothing_else(
        loaded_db, write, monkeypatch, viewer, language, who, page, message):
    from portal import i18n
    from portal.i18n import t
    from workbooks import open_app

    i18n.set_language(language)
    submit(write, loaded_db, {"programmes": [programme(title="Secret host plan")]})
    viewer(who)
    app = open_app(monkeypatch, loaded_db, f"pages/{page}.py", {"lang": language}, linked=True)
    assert [w.value for w in app.warning] == [t(message)]
    assert not app.main.dataframe and not app.main.title and "Secret host plan" not in str(app)
    assert not app.main.get("file_uploader") and not app.main.button


def test_after_a_decision_the_review_reads_it_at_once_with_the_time_in_utc(loaded_db, write, monkeypatch):
    from portal.i18n import t
    from workbooks import as_read, open_app

    submission_id = submit(write, loaded_db, {"programmes": [programme(title="Wrong")]})
    app = open_app(monkeypatch, loaded_db, "pages/review.py")
    app.selectbox(key="review_choice_0").select(submission_id).run()
    app.text_input(key="review_reason").input("not ours").run()
    app.button(key="review_reject").click().run()
    assert app.success and not app.error
    # a new choice box (the browser kept the old one's "pending" label), on the submission just decided
    chosen = app.selectbox(key="review_choice_1")
    assert chosen.value == submission_id and chosen.options[chosen.index].endswith(t("submissions.state_rejected"))
    decided = next(as_read(m.value) for m in app.markdown if "tests@example.org" in as_read(m.value))
    assert decided[0].isupper() and decided.endswith(" UTC: rejected.")


def test_a_decided_submission_lists_each_field_the_partner_changed_with_what_became_of_it(loaded_db, write,
                                                                                         monkeypatch):
    from portal.i18n import t
    from workbooks import open_app

    accepted = submit(write, loaded_db, {"programmes": [programme(title="Host's correction")]})
    submissions.accept(loaded_db, accepted, "admin")
    app = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(accepted)})
    shown = app.dataframe[1].value  # the proposed values are the stored ones now: not "unchanged"
    assert list(zip(shown["Field"], shown["Change"], shown["When sent"], shown["Proposed"])) == [
        ("title", t("review.status_applied"), "Spine training", "Host's correction")]
    partly = two_records(write, loaded_db)
    submissions.accept(loaded_db, partly, "admin", only={1}, reason="P1's title stays")
    app = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(partly)})
    shown = app.dataframe[1].value
    assert set(zip(shown["Record"], shown["Change"])) == {("P1", t("review.status_not_applied")),
                                                          ("P-NEW", t("review.status_applied"))}
    assert ("P1", "title", "Host's correction", "Corrected") in set(zip(shown["Record"], shown["Field"], shown["Now"],
                                                                      shown["Proposed"]))  # rejected: as it was


def test_cli_history_names_the_partner_account_of_an_accepted_submission_as_the_history_page_does(loaded_db, write):
    from portal.i18n import t

    submission_id = submit(write, loaded_db, {"programmes": [programme(title="Host's correction")]})
    submissions.accept(loaded_db, submission_id, "admin@example.org")
    listed = portal_cli("history", "--db", loaded_db).stdout
    assert t("history.by_submission", reviewer="admin@example.org", partner=PARTNER) in listed


def test_a_pending_submission_has_no_reason_yet_where_a_rejected_one_reads_its_own(loaded_db, write, monkeypatch):
    from portal.i18n import t
    from workbooks import open_app

    submit(write, loaded_db, {"programmes": [programme(title="Waiting")]})
    rejected = submit(write, loaded_db, {"programmes": [programme(title="Wrong")]}, name="rejected")
    submissions.reject(loaded_db, rejected, "admin", "not ours")
    queue = open_app(monkeypatch, loaded_db, "pages/review.py").dataframe[0].value
    assert dict(zip(queue[t("submissions.col_state")], queue[t("submissions.col_reason")])) == {
        t("submissions.state_pending"): "", t("submissions.state_rejected"): "not ours"}


def test_a_programme_the_partners_side_confirmed_as_it_stands_is_not_offered_again_until_it_changes(
        loaded_db, write, monkeypatch, viewer):
    from workbooks import open_app

    submissions.accept(loaded_db, submissions.confirm_programme(loaded_db, PARTNER, "KR-HOST", "P1"), "admin")
    viewer(PARTNER_USER)
    app = open_app(monkeypatch, loaded_db, "pages/submissions.py")
    assert "P1" not in app.selectbox(key="confirm_programme").options
    changed = valid_workbook()
    changed["programmes"][0]["end_date"] = "2025-06"
    import_workbook(write(changed, "newer"), loaded_db, "ministry")
    app = open_app(monkeypatch, loaded_db, "pages/submissions.py")
    assert "P1" in app.selectbox(key="confirm_programme").options  # it confirmed an older version


def review_reads(monkeypatch, database, submission_id) -> int:
    """How many database reads one run of the Review page makes for a submission (nothing cached before it)."""
    import streamlit as st

    from workbooks import open_app

    calls = []
    for name in ("read", "current_record", "current_records"):
        method = getattr(db.Store, name, None)
        if method is not None:
            def counted(self, *args, _method=method, **params):
                calls.append(args[0])
                return _method(self, *args, **params)
            monkeypatch.setattr(db.Store, name, counted)
    st.cache_data.clear()
    open_app(monkeypatch, database, "pages/review.py", {"submission": str(submission_id)})
    return len(calls)


@pytest.mark.parametrize("decided", [False, True])
def test_the_review_page_reads_no_more_for_a_submission_of_many_records(loaded_db, write, monkeypatch, decided):
    sizes = {}
    for count in (2, 12):
        submission_id = submit(write, loaded_db, {"programmes": [programme(programme_id=f"P-MANY-{count}-{n}")
                                                                 for n in range(count)]}, name=f"many-{count}")
        if decided:
            submissions.reject(loaded_db, submission_id, "admin@example.org", "Not now")
        sizes[count] = review_reads(monkeypatch, loaded_db, submission_id)
    assert sizes[12] == sizes[2]


def test_provenance_names_a_record_by_its_key_values_even_one_that_reads_record_id(loaded_db, write, monkeypatch):
    from workbooks import open_app

    person = {"programme_id": "P1", "person_name": "record_id", "role": "trainee"}
    first = submit(write, loaded_db, {"participants": [person]})
    submissions.accept(loaded_db, first, "admin@example.org")
    second = submit(write, loaded_db, {"participants": [person]}, name="again")
    app = open_app(monkeypatch, loaded_db, "pages/review.py", {"submission": str(second)})
    assert set(app.dataframe[-1].value["Record"]) == {"participants P1 | record_id | trainee"}
