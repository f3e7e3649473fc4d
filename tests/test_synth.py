"""The synthetic national-scale database: contract-valid, clearly illustrative, reproducible, and logged."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from benchmarks import synth
from portal import db
from portal.importer import import_workbook
from portal.workbook import write_workbook

SMALL = synth.Sizes(programmes=300, participants=1_000, equipment=120, events=400)
ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A synthetic database with the default sizes and 5,000 procedure rows, and its exported tables."""
    database = tmp_path_factory.mktemp("synth") / "synth.duckdb"
    result = synth.build(database, 5_000, seed=7)
    return database, result, db.export_tables(database)


def test_every_sheet_has_the_sizes_asked_for_and_the_log_says_so(built):
    database, result, tables = built
    assert {sheet: len(rows) for sheet, rows in tables.items()} == {
        "institutions": 300, "programmes": 8_000, "participants": 30_000, "equipment": 3_000, "events": 10_000,
        "procedures": 5_000, "fx_rates": 28 * 18,  # 28 currencies besides the US dollar, 2010-2027
        "follow_ups": 35_113}  # about 55 % of the points 6-60 months after an ended programme, per trainee
    assert {sheet: c.added for sheet, c in result.counts.items()} == {s: len(r) for s, r in tables.items()}
    history = db.open_store(database).read("import_history", db.FULL_SCOPE, limit=5)
    assert history[["import_id", "action"]].values.tolist() == [[result.import_id, "synth"]]
    assert history["added"].iloc[0] == sum(len(rows) for rows in tables.values())


def test_thirty_countries_ten_institutions_each(built):
    institutions = built[2]["institutions"]
    assert len(Counter(i["country"] for i in institutions)) == 30
    assert set(Counter(i["country"] for i in institutions).values()) == {10}
    located = [i for i in institutions if i["kind"] in ("hospital", "university_hospital", "university")]
    assert all(i["latitude"] is not None and i["longitude"] is not None for i in located)


def test_everything_is_marked_illustrative_and_named_synthetic(built):
    tables = built[2]
    assert all("illustrative synthetic data" in row["source"] for rows in tables.values() for row in rows)
    assert all(i["name"].startswith("Synthetic ") and i["name"].endswith("(illustrative)")
               for i in tables["institutions"])
    assert all(p["person_name"].startswith("Synthetic Person") for p in tables["participants"])
    assert all(p["title"].startswith("Synthetic ") for p in tables["programmes"])


def test_ids_follow_the_contract(built):
    tables = built[2]
    for sheet, column in (("institutions", "institution_id"), ("programmes", "programme_id"),
                          ("equipment", "equipment_id"), ("events", "event_id"), ("procedures", "record_id")):
        ids = [row[column] for row in tables[sheet] if row[column] is not None]
        assert ids and all(ID.fullmatch(i) for i in ids), sheet
        assert len(set(ids)) == len(ids), sheet


def test_dates_have_mixed_precision_and_procedures_mix_cases_and_counts(built):
    tables = built[2]
    assert set(Counter(len(p["start_date"]) for p in tables["programmes"])) == {4, 7, 10}
    assert set(Counter(len(e["acquired_date"]) for e in tables["equipment"])) == {4, 7, 10}
    procedures = tables["procedures"]
    assert set(Counter(len(p["period"]) for p in procedures)) == {4, 7, 10}
    singles = [p for p in procedures if p["record_id"]]
    counts = [p for p in procedures if not p["record_id"]]
    assert len(counts) == synth.procedure_mix(5_000)["monthly_rows"] + synth.procedure_mix(5_000)["annual_rows"]
    assert {p["cases"] for p in singles} == {1}
    assert max(p["cases"] for p in counts) > 1
    assert {p["technique"] for p in procedures} == {"open", "microscopic", "endoscopic", "other"}
    assert any(p["equipment_id"] for p in procedures)
    assert any(p["mean_length_of_stay_days"] is None for p in procedures)  # some not reported, never 0


def test_costs_in_several_currencies_each_with_a_rate_for_its_year(built):
    tables = built[2]
    rates = {(r["currency"], r["year"]) for r in tables["fx_rates"]}
    costs = [(r["cost_currency"], int(r[date][:4])) for sheet, date in (("programmes", "start_date"),
                                                                           ("equipment", "acquired_date"))
             for r in tables[sheet] if r["cost_amount"] is not None]
    assert len({currency for currency, _ in costs}) >= 10
    assert all(currency == "USD" or (currency, year) in rates for currency, year in costs)
    assert any(r["cost_amount"] is None for r in tables["programmes"])  # unknown amounts stay unknown


def test_export_and_reimport_pass_every_contract_check(tmp_path):
    database = tmp_path / "small.duckdb"
    synth.build(database, 3_000, seed=2, sizes=SMALL)
    tables = db.export_tables(database)
    write_workbook(tables, tmp_path / "exported")
    result = import_workbook(tmp_path / "exported", tmp_path / "reimported.duckdb", "test")  # raises on a problem
    assert result.warnings == []
    assert {sheet: c.added for sheet, c in result.counts.items()} == {s: len(r) for s, r in tables.items()}
    assert db.export_tables(tmp_path / "reimported.duckdb") == tables


def test_the_same_seed_gives_the_same_database_and_another_seed_another(tmp_path):
    exported = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        synth.build(tmp_path / f"{name}.duckdb", 1_000, seed=seed, sizes=SMALL)
        exported[name] = db.export_tables(tmp_path / f"{name}.duckdb")
    assert exported["a"] == exported["b"]
    assert exported["a"]["procedures"] != exported["c"]["procedures"]


def test_every_page_query_has_something_to_show(built):
    store = db.open_store(built[0])
    viewer = {"include_illustrative": True, "reporting_currency": "EUR"}
    sites = store.read("impact_institutions", db.FULL_SCOPE, requested=None, **viewer)
    assert len(sites) == 126 and (sites["cases"] > 0).all()
    busiest = sites.sort_values("cases")["institution_id"].iloc[-1]
    milestones = store.read("impact_milestones", db.FULL_SCOPE, institution=busiest, department=None,
                            procedure=None, **viewer)
    assert len(milestones) and (milestones["cases_before"] > 0).any() and (milestones["cases_after"] > 0).any()
    figures = store.read("overview_figures", db.FULL_SCOPE, year_from=2010, year_to=2027, **viewer).iloc[0]
    assert figures["programmes"] == 8_000 and figures["countries"] == 30 and figures["investment"] > 0
    assert 0 < figures["investment_not_reported"] < figures["cost_records"]
    assert figures["investment_rate_missing"] == 0
    located = store.read("institution_activity", db.FULL_SCOPE, limit=1000, **viewer)
    assert len(located) > 200 and (located["programmes"] > 0).sum() > 100


def test_the_command_refuses_to_replace_a_database_unless_forced(tmp_path, capsys):
    database = tmp_path / "cli.duckdb"
    assert synth.main(["--procedures", "200", "--seed", "3", "--db", str(database)]) == 0
    assert "procedures: 200 added" in capsys.readouterr().out
    before = database.read_bytes()
    assert synth.main(["--procedures", "300", "--db", str(database)]) == 1
    assert "--force" in capsys.readouterr().err
    assert database.read_bytes() == before
    assert synth.main(["--procedures", "300", "--db", str(database), "--force"]) == 0
    assert len(db.export_tables(database)["procedures"]) == 300


def test_chunks_cover_every_row_and_site_once_in_order():
    chunks = synth.site_chunks(10_000_000)
    single = synth.procedure_mix(10_000_000)["single_rows"]
    assert chunks[0][0] == 0 and chunks[-1][1] == single and all(b - a <= synth.CHUNK_ROWS for a, b, _, _ in chunks)
    assert all(a[1] == b[0] and a[3] == b[2] for a, b in zip(chunks, chunks[1:]))
    assert chunks[0][2] == 0 and chunks[-1][3] == synth.SITES
    assert synth.site_chunks(5_000) == [(0, synth.procedure_mix(5_000)["single_rows"], 0, synth.SITES)]


@pytest.mark.national_scale
def test_two_million_procedure_rows_build_within_the_writers_memory_limit(tmp_path):
    """Ran out of memory (DuckDB: 488.2 MiB/488.2 MiB used) with one INSERT ... ORDER BY of every row."""
    database = tmp_path / "national.duckdb"
    result = synth.build(database, 2_000_000, sizes=SMALL)
    assert result.counts["procedures"].added == 2_000_000
    store = db.open_store(database)
    sites = store.read("impact_institutions", db.FULL_SCOPE, requested=None, include_illustrative=True,
                       reporting_currency="USD")
    assert len(sites) == synth.SITES and sites["records"].sum() == 2_000_000
