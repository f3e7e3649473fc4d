"""procedure_totals stays equal to a GROUP BY of the procedure rows after every kind of change."""

from __future__ import annotations

import random

import duckdb
import pandas as pd
import pytest

from portal import db
from portal.importer import import_workbook
from portal.stewardship import delete_record, rollback, save_record
from workbooks import valid_workbook

GROUPED = """
SELECT institution_id, department, CASE WHEN length(period) = 4 THEN period ELSE left(period, 7) END AS month,
       procedure, technique, equipment_id, is_illustrative(source) AS illustrative, sum(cases) AS cases,
       count(*) AS records, sum(cases) FILTER (mean_length_of_stay_days IS NOT NULL) AS cases_with_los,
       round(sum(mean_length_of_stay_days * cases) FILTER (mean_length_of_stay_days IS NOT NULL), 6) AS days,
       sum(cases) FILTER (complications IS NOT NULL) AS cases_with_complications, sum(complications) AS complications,
       count(*) FILTER (source IS NULL) AS records_without_source
FROM procedures GROUP BY ALL ORDER BY ALL"""
STORED = """
SELECT institution_id, department, month, procedure, technique, equipment_id, illustrative, cases, records,
       cases_with_los, round(case_days_of_stay, 6), cases_with_complications, complications, records_without_source
FROM procedure_totals ORDER BY ALL"""
INSTITUTIONS = ("UB-TRAUMA", "KR-HOST")


def assert_in_step(database):
    with duckdb.connect(str(database), read_only=True) as connection:
        assert connection.execute(STORED).fetchall() == connection.execute(GROUPED).fetchall()


def random_row(rng: random.Random, number: int) -> dict[str, object]:
    return {"institution_id": rng.choice(INSTITUTIONS), "department": rng.choice(["spine", None]),
            "period": rng.choice(["2024", "2024-03", "2024-03-14", "2025-05-02", "2025"]),
            "procedure": rng.choice(["microdiscectomy", "laminectomy"]),
            "technique": rng.choice(["open", "microscopic", "endoscopic"]), "cases": rng.randint(1, 9),
            "mean_length_of_stay_days": rng.choice([None, 3.5, 6.0]), "complications": rng.choice([None, 0, 1]),
            "equipment_id": rng.choice([None, "EQ1"]) if True else None, "record_id": f"R{number}",
            "source": rng.choice(["test fixture", "illustrative test", None])}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_totals_equal_the_detail_after_random_imports_edits_deletions_and_rollbacks(loaded_db, write, seed):
    rng = random.Random(seed)
    assert_in_step(loaded_db)
    numbers = []
    for step in range(8):
        kind = rng.choice(["import", "import", "edit", "delete", "rollback"]) if numbers else "import"
        if kind == "import":
            book = valid_workbook()
            start = len(numbers)
            book["procedures"] = [random_row(rng, start + k) for k in range(rng.randint(1, 12))]
            numbers += range(start, start + len(book["procedures"]))
            import_workbook(write(book, f"step{step}"), loaded_db, "tester")
        elif kind == "edit":
            number = rng.choice(numbers)
            row = random_row(rng, number)
            if db.open_store(loaded_db).sheet_records("procedures", 10_000)["record_id"].eq(f"R{number}").any():
                save_record(loaded_db, "procedures", {k: v for k, v in row.items() if v is not None}, "tester",
                            creating=False)
        elif kind == "delete":
            number = rng.choice(numbers)
            if db.open_store(loaded_db).sheet_records("procedures", 10_000)["record_id"].eq(f"R{number}").any():
                delete_record(loaded_db, "procedures", {"record_id": f"R{number}"}, "tester")
        else:
            rollback(loaded_db, None, "tester")
        assert_in_step(loaded_db)


def test_a_database_from_before_the_totals_gets_them_at_its_next_change(loaded_db, write):
    with duckdb.connect(str(loaded_db)) as connection:
        connection.execute("DROP TABLE procedure_totals")
    book = valid_workbook()
    book["procedures"] = []
    import_workbook(write(book, "again"), loaded_db, "tester")
    with duckdb.connect(str(loaded_db), read_only=True) as connection:
        assert connection.execute("SELECT sum(cases) FROM procedure_totals").fetchall() == [(4,)]
    assert_in_step(loaded_db)


DETAIL_QUERIES = db.PROJECT_DIR / "benchmarks" / "detail_queries"


def page_reads(store: db.Store) -> list[tuple[str, dict[str, object]]]:
    """Every query that now reads the totals, with the parameters the pages pass, for a few selections."""
    institutions = store.read("impact_institutions", db.FULL_SCOPE, requested=None)["institution_id"].tolist()
    equipment = store.read_sql("SELECT DISTINCT equipment_id FROM procedures WHERE equipment_id IS NOT NULL"
                               " ORDER BY 1 LIMIT 3", db.FULL_SCOPE)["equipment_id"].tolist()
    reads = [("impact_institutions", {"requested": None}), ("impact_institutions", {"requested": "MOH"})]
    for institution in institutions[:3] + institutions[-2:]:
        for department, procedure in ((None, None), ("spine", None), (None, "microdiscectomy")):
            selection = {"institution": institution, "department": department, "procedure": procedure}
            reads += [("impact_monthly_volumes", {**selection, "months": 36}),
                      ("impact_technique_shares", {**selection, "quarters": 12})]
        reads.append(("impact_filters", {"institution": institution}))
        selection = {"institution": institution, "department": None, "procedure": None}
        milestones = store.read("impact_milestones", db.FULL_SCOPE, **selection)
        reads.append(("impact_milestones", selection))
        reads += [("impact_before_after", {**selection, "reference_lane": lane, "reference_id": item})
                  for lane, item in milestones[["lane", "item_id"]].head(4).itertuples(index=False, name=None)]
    reads += [("equipment_item_procedures", {"equipment_id": item}) for item in equipment]
    every_item = {"reporting_currency": "USD", "year_from": 1900, "year_to": 2200, "categories": [],
                  "institutions": [], "countries": [], "limit": 10}
    reads += [("equipment_procedures", every_item), ("equipment_items", {**every_item, "limit": 500})]
    return reads


@pytest.mark.parametrize("fixture", ["loaded", "synthetic", "random_order"])
def test_page_queries_on_the_totals_give_the_rows_the_detail_gives(loaded_db, tmp_path, fixture):
    from benchmarks import synth
    database = loaded_db if fixture == "loaded" else tmp_path / "synth.duckdb"
    if fixture != "loaded":
        synth.build(database, 30_000, random_order=fixture == "random_order")
        assert_in_step(database)
    store = db.open_store(database)
    first = store.read("impact_institutions", db.FULL_SCOPE, requested=None)["institution_id"].iloc[0]
    scopes = [db.FULL_SCOPE, db.Scope(role="partner", institution_id=first)]
    compared = 0
    for scope in scopes:
        for illustrative in (True, False):
            for query, params in page_reads(store):
                new = store.read(query, scope, include_illustrative=illustrative, **params)
                old = store.read_sql((DETAIL_QUERIES / f"{query}.sql").read_text(), scope,
                                     include_illustrative=illustrative, **params)
                pd.testing.assert_frame_equal(new, old, check_dtype=False, obj=f"{query} {params} {scope}")
                compared += len(new)
    assert compared > 50


# Window boundaries in mid-month, on the 1st and on a month's last day, as days, months and years.
WINDOW_DATES = ["2024-03-14", "2024-04-01", "2024-04-30", "2024-02-29", "2024-06", "2024-12-31", "2025-01-01",
                "2025-01-15", "2025", "2024-09-30", "2024-10-01"]
PERIODS = WINDOW_DATES + ["2024", "2024-03", "2024-04", "2024-02", "2024-03-01", "2024-03-31", "2024-04-15",
                          "2024-12", "2025-01", "2025-01-14", "2025-01-16", "2024-09", "2024-10", "2024-10-02",
                          "2025-02", "2023-12-31", "2023"]


def boundary_workbook(rng: random.Random) -> dict[str, list[dict[str, object]]]:
    """The valid workbook with random programmes, equipment and procedure rows around their windows' edges."""
    book = valid_workbook()
    for number in range(6):
        start, end = sorted(rng.sample(WINDOW_DATES, 2), key=lambda d: (d[:4], d))
        book["programmes"].append({**book["programmes"][0], "programme_id": f"PW{number}",
                                   "start_date": start, "end_date": rng.choice([end, None]), "cost_amount": None,
                                   "cost_currency": None,
                                   "status": rng.choice(["completed", "ongoing", "planned", "completed"]),
                                   "source": rng.choice(["test fixture", "illustrative test"])})
    for number in range(4):
        book["equipment"].append({**book["equipment"][0], "equipment_id": f"EW{number}",
                                  "acquired_date": rng.choice(WINDOW_DATES), "programme_ids": None,
                                  "source": rng.choice(["test fixture", "illustrative test"])})
    book["procedures"] = [{**random_row(rng, number), "period": rng.choice(PERIODS)} for number in range(150)]
    return book


def window_reads(store: db.Store, scope: db.Scope, illustrative: bool) -> list[tuple[str, dict[str, object]]]:
    """impact_milestones and impact_before_after for every institution, selection and reference event."""
    reads = []
    for institution in INSTITUTIONS:
        for department, procedure in ((None, None), ("spine", "laminectomy")):
            selection = {"institution": institution, "department": department, "procedure": procedure}
            reads.append(("impact_milestones", selection))
            milestones = store.read_sql((DETAIL_QUERIES / "impact_milestones.sql").read_text(), scope,
                                        include_illustrative=illustrative, **selection)
            references = [("programme", "PW0"), ("equipment", "NONE")] + list(
                milestones[["lane", "item_id"]].itertuples(index=False, name=None))
            reads += [("impact_before_after", {**selection, "reference_lane": lane, "reference_id": item})
                      for lane, item in references]
    return reads


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_window_queries_on_the_totals_give_the_rows_the_detail_gives(tmp_path, write, seed):
    database = tmp_path / "windows.duckdb"
    import_workbook(write(boundary_workbook(random.Random(seed)), "windows"), database, "tester")
    assert_in_step(database)
    store = db.open_store(database)
    scopes = [(db.FULL_SCOPE, True), (db.FULL_SCOPE, False), (db.Scope(role="partner", institution_id="UB-TRAUMA"), True),
              (db.Scope(role="anonymous", names_visible=False, costs_visible=False), False)]
    compared = cut = 0
    for scope, illustrative in scopes:
        for query, params in window_reads(store, scope, illustrative):
            new = store.read(query, scope, include_illustrative=illustrative, **params)
            old = store.read_sql((DETAIL_QUERIES / f"{query}.sql").read_text(), scope,
                                 include_illustrative=illustrative, **params)
            pd.testing.assert_frame_equal(new, old, check_dtype=False, obj=f"{query} {params} {scope}")
            compared += len(new)
            if query == "impact_milestones":
                cut += int(((new["cases_before"] > 0) & (new["cases_after"] > 0)).sum())
    # The windows do split the cases: a comparison of empty sides would prove nothing.
    assert compared > 200 and cut > 5


# What Overview and Data quality read about sources, now off procedure_totals; their old text counts the rows.
SOURCE_READS = [("database_contents", {}), ("quality_rows_without_source", {"limit": 500}),
                ("quality_rows_without_source", {"limit": 3}), ("quality_rows_without_source", {"limit": 12})]
SOURCE_SCOPES = [(db.FULL_SCOPE, True), (db.FULL_SCOPE, False),
                 (db.Scope(role="partner", institution_id="UB-TRAUMA"), True),
                 (db.Scope(role="partner", institution_id="KR-HOST"), False),
                 (db.Scope(role="anonymous", names_visible=False, costs_visible=False), False)]


def procedures_without_source(store: db.Store) -> list[tuple[str, str]]:
    """Each procedure row without a source, as (record_id, institution_id)."""
    return list(store.read_sql("SELECT record_id, institution_id FROM procedures WHERE source IS NULL"
                               " AND record_id IS NOT NULL ORDER BY ALL", db.FULL_SCOPE).itertuples(index=False))


def assert_source_reads_unchanged(database) -> int:
    """The new source reads give exactly the old ones' rows for every scope; how many procedure rows they listed."""
    assert_in_step(database)
    store = db.open_store(database)
    listed = 0
    for scope, illustrative in SOURCE_SCOPES:
        for query, params in SOURCE_READS:
            new = store.read(query, scope, include_illustrative=illustrative, **params)
            old = store.read_sql((DETAIL_QUERIES / f"{query}.sql").read_text(), scope,
                                 include_illustrative=illustrative, **params)
            pd.testing.assert_frame_equal(new, old, obj=f"{query} {params} {scope} {illustrative}")
            if query != "database_contents":
                listed += int((new["sheet"] == "procedures").sum())
    return listed


@pytest.mark.parametrize("fixture, seed", [("loaded", 1), ("loaded", 2), ("synthetic", 3), ("synthetic", 4)])
def test_contents_and_rows_without_source_read_off_the_totals_equal_the_rows_through_every_change(
        loaded_db, tmp_path, write, fixture, seed):
    from benchmarks import synth
    from portal import submissions
    rng = random.Random(seed)
    database = loaded_db
    if fixture == "synthetic":
        database = tmp_path / "synth.duckdb"
        synth.build(database, 20_000, seed=seed, sizes=synth.Sizes(programmes=300, participants=1_000,
                                                                   equipment=120, events=400))
        with db.writing(database) as writer:  # synth cites a source everywhere: some sites' rows lose it
            writer.connection.execute("UPDATE procedures SET source = NULL WHERE hash(institution_id) % 5 = 0"
                                      " AND hash(department, period) % 3 = 0")
            writer.refresh_procedure_totals(None)
    listed = assert_source_reads_unchanged(database)
    book = valid_workbook()
    book["procedures"] = [random_row(rng, number) for number in range(40)]
    import_workbook(write(book, "procedures"), database, "tester")
    listed += assert_source_reads_unchanged(database)
    store = db.open_store(database)
    # an edit gives a source to a row that had none
    record_id, _ = rng.choice([row for row in procedures_without_source(store) if row[0].startswith("R")])
    edited = {k: v for k, v in book["procedures"][int(record_id[1:])].items() if v is not None}
    save_record(database, "procedures", {**edited, "source": "hospital records 2025"}, "tester", creating=False)
    assert (record_id, edited["institution_id"]) not in procedures_without_source(store)
    listed += assert_source_reads_unchanged(database)
    # a partner's accepted submission takes the source off one of its own rows
    own = next(row for row in book["procedures"] if row["institution_id"] == "KR-HOST" and row["source"])
    submission_id = submissions.submit_record(database, "host@example.org", "KR-HOST", "procedures",
                                              {**own, "source": None})
    accepted = submissions.accept(database, submission_id, "admin@example.org")
    assert (own["record_id"], "KR-HOST") in procedures_without_source(store)
    listed += assert_source_reads_unchanged(database)
    # rolling the submission back gives the source back
    rollback(database, accepted, "tester")
    assert (own["record_id"], "KR-HOST") not in procedures_without_source(store)
    listed += assert_source_reads_unchanged(database)
    rollback(database, None, "tester")  # and the edit: the row is without a source again
    assert (record_id, edited["institution_id"]) in procedures_without_source(store)
    listed += assert_source_reads_unchanged(database)
    # The comparisons listed procedure rows without a source, not only empty tables.
    assert listed > 20


def test_a_database_from_before_the_source_counts_gets_them_when_upgraded(loaded_db):
    with duckdb.connect(str(loaded_db)) as connection:  # as the code before the column left it
        connection.execute("ALTER TABLE procedure_totals DROP COLUMN records_without_source")
        connection.execute("UPDATE schema_version SET sha256 = 'older'")
    assert db.upgrade(loaded_db) is True
    assert_in_step(loaded_db)
    contents = db.open_store(loaded_db).read("database_contents", db.FULL_SCOPE).set_index("sheet")
    assert contents.loc["procedures", "without_source"] == 1  # the workbook's procedure row cites none
    assert db.upgrade(loaded_db) is False
