"""The benchmark command works on a small synthetic database (no timing is asserted: CI machines vary)."""

from __future__ import annotations

import json
import re

import pytest

from benchmarks import bench, synth
from benchmarks.procedures import write_procedure_workbook
from portal import db
from portal.importer import import_workbook
from workbooks import PROJECT


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    database = tmp_path_factory.mktemp("bench") / "bench.duckdb"
    synth.build(database, 10_000, seed=1)
    return database


def test_the_page_list_is_app_navigation(monkeypatch):
    pages = bench.navigation_pages()
    assert set(pages) >= {"overview", "programmes", "partners", "equipment", "impact", "data", "records", "history",
                          "data_quality"}
    assert all((PROJECT / script).exists() for script in pages.values())


def test_bench_command_measures_every_page_default_and_filtered(small_db, capsys, monkeypatch):
    monkeypatch.setenv("PORTAL_DB", str(small_db))
    status = bench.main(["--db", str(small_db), "--json", "--runs", "1", "--import-rows", "500", "--no-browser"])
    out, err = capsys.readouterr()
    rows = json.loads(out)
    assert status == 0, err
    assert all(set(row) == {"page", "rerun_s", "sql_s", "payload_bytes"} for row in rows)
    names = [row["page"] for row in rows]
    assert set(bench.navigation_pages()) <= set(names)  # every page's default view
    filtered = {name.split("?")[0]: name for name in names if "?" in name}
    assert set(filtered) >= {"overview", "programmes", "partners", "equipment", "impact"}
    assert filtered["impact"].startswith("impact?institution=")
    assert all(row["rerun_s"] > 0 and row["sql_s"] > 0 for row in rows)
    by_name = {row["page"]: row for row in rows}
    for charted in ("overview", "impact", filtered["impact"], "equipment", "partners"):
        assert by_name[charted]["payload_bytes"] > 1000, charted
    for uncharted in ("data", "records", "data_quality"):  # tables only (the administrator sees these pages)
        assert by_name[uncharted]["payload_bytes"] == 0, uncharted
    # The rest of the report goes to standard error, as Markdown.
    assert "| page (URL) |" in err and "Import of 500 procedure rows" in err and "pandas" in err
    assert re.search(r"inside the server\): [\d,]+ MB before, [\d,]+ MB at the peak", err), err
    api_rows = re.findall(r"\| `(/api/v1/\S+)` \| (anonymous|administrator) \| (\d+\.\d+) \| ([\d,]+) \|", err)
    assert {(path, caller) for path, caller, _, _ in api_rows} == {
        (path, caller) for path in bench.api_requests(db.open_store(small_db))
        for caller in ("anonymous", "administrator")}, err
    assert f"/api/v1/procedures?institution={bench.busiest_site(db.open_store(small_db))}&limit=100" in {
        path for path, _, _, _ in api_rows}
    assert all(float(seconds) > 0 and int(size.replace(",", "")) > 100 for _, _, seconds, size in api_rows)


def test_bench_pages_option_measures_only_the_pages_named(small_db, capsys, monkeypatch):
    monkeypatch.setenv("PORTAL_DB", str(small_db))
    status = bench.main(["--db", str(small_db), "--json", "--runs", "1", "--import-rows", "0", "--sessions", "0",
                         "--no-browser", "--no-pandas", "--no-api", "--no-detail", "--pages", "trainees", "data"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert {row["page"].split("?")[0] for row in json.loads(out)} == {"trainees", "data"}


def test_a_database_written_by_older_code_is_brought_to_this_schema_first(small_db, tmp_path, capsys, monkeypatch):
    """As the server does when it starts: without it, a page whose query needs a newer macro fails."""
    import shutil

    import duckdb

    older = tmp_path / "older.duckdb"
    shutil.copyfile(small_db, older)
    with duckdb.connect(str(older)) as connection:
        connection.execute("DROP MACRO TABLE retention_bands")
        connection.execute("UPDATE schema_version SET sha256 = 'older'")
    monkeypatch.setenv("PORTAL_DB", str(older))
    status = bench.main(["--db", str(older), "--json", "--runs", "1", "--import-rows", "0", "--sessions", "0",
                         "--no-browser", "--no-pandas", "--no-api", "--no-detail", "--pages", "trainees"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert all(row["rerun_s"] > 0 for row in json.loads(out)), err


def test_bench_pages_option_refuses_an_unknown_page(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--pages", "no_such_page"])
    assert "no_such_page" in capsys.readouterr().err


def test_a_view_records_the_reads_its_rerun_makes(small_db, monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_DB", str(small_db))
    store = db.open_store(small_db)
    views = {view.name: view for view in bench.views(store, bench.navigation_pages())}
    impact = next(view for name, view in views.items() if name.startswith("impact?"))
    with bench.administrator_session(tmp_path) as token:
        result = bench.measure_view(impact, runs=1, token=token)
    assert result.error is None
    read = {name for name, _ in result.queries}
    assert {"impact_institutions", "impact_filters", "impact_monthly_volumes", "impact_technique_shares",
            "impact_milestones", "impact_before_after"} <= read
    assert result.charts == 2
    assert result.sql_s == pytest.approx(sum(seconds for _, seconds in result.queries))


def test_the_pandas_way_computes_the_same_results_as_the_queries(small_db):
    store = db.open_store(small_db)
    chosen = bench.typical_filters(store)["impact"]
    institution, procedure = chosen["institution"][0], chosen["procedure"][0]
    done = {name: compute() for name, compute in
            bench.pandas_computations(bench._frames(store.path), institution, procedure).items()}
    viewer = {"include_illustrative": True, "reporting_currency": "USD"}
    volumes = store.read("impact_monthly_volumes", db.FULL_SCOPE, institution=institution, department=None,
                         procedure=procedure, months=10_000, **viewer)
    assert done["impact_monthly_volumes"].sum() == volumes["cases"].sum()
    sites = store.read("impact_institutions", db.FULL_SCOPE, requested=None, **viewer).set_index("institution_id")
    assert done["impact_institutions"]["sum"].to_dict() == sites["cases"].to_dict()
    contents = store.read("database_contents", db.FULL_SCOPE, **viewer).set_index("sheet")
    assert {sheet: n for sheet, (n, _, _) in done["database_contents"].items()} == contents["records"].to_dict()
    equipment = store.read("equipment_procedures", db.FULL_SCOPE, year_from=1900, year_to=2200, categories=[],
                           institutions=[], countries=[], limit=20, **viewer)
    top = equipment.groupby("equipment_id")["cases"].sum().sort_values(ascending=False)
    assert done["equipment_procedures"].tolist() == top.tolist()


@pytest.mark.parametrize("name", ["csv", "book.xlsx"])
def test_the_benchmark_workbook_is_valid_as_csv_and_xlsx(tmp_path, name):
    target = write_procedure_workbook(tmp_path / name, 300)
    result = import_workbook(target, tmp_path / "imported.duckdb", "test")
    assert result.counts["procedures"].added == 300 and result.counts["institutions"].added == 20


def test_the_import_stages_say_when_the_screen_leaves_a_workbook_to_the_row_checker(tmp_path):
    from benchmarks import import_speed

    screened = import_speed._one("stages", str(write_procedure_workbook(tmp_path / "book.zip", 200)),
                                 str(tmp_path / "zip.duckdb"))
    assert screened["screened"] is True and "merge" in screened["stages"] and screened["peak_mb"] > 0
    left = import_speed._one("stages", str(write_procedure_workbook(tmp_path / "book.xlsx", 200)),
                             str(tmp_path / "xlsx.duckdb"))  # the screen reads CSV only
    assert left["screened"] is False and "merge" not in left["stages"]


@pytest.mark.browser
def test_cold_start_and_sessions_during_an_import(small_db, tmp_path):
    started = bench.cold_start(small_db, tmp_path, charts=2, starts=2)
    assert 0 < started.server_s <= started.title_s <= started.drawn_s and started.rss > 0
    assert len(started.drawn_runs) == 2 and started.drawn_s in started.drawn_runs
    crowd = bench.concurrency(small_db, tmp_path, sessions=3, import_rows=500, memory_after=(0.5, 1))
    assert crowd.errors == [] and crowd.import_status == 0
    assert crowd.loads == 3 * crowd.rounds and crowd.rounds >= 2
    assert crowd.rss_peak >= crowd.rss_baseline > 0


@pytest.mark.browser
def test_sessions_during_an_import_through_two_replicas(small_db, tmp_path):
    from benchmarks.replicas import missing_packages

    if missing := missing_packages():
        pytest.skip(f"Debian packages {missing} are not installed (scripts/test installs them)")
    crowd = bench.concurrency(small_db, tmp_path, sessions=4, import_rows=500, replicas=2, memory_after=(0.5, 1))
    assert crowd.errors == [] and crowd.import_status == 0 and crowd.replicas == 2
    assert crowd.loads == 4 * crowd.rounds and crowd.rounds >= 3
    assert len(crowd.process_cpu_s) == 2 and min(crowd.process_cpu_s) > 0.2 * max(crowd.process_cpu_s)  # both served
    assert crowd.rss_peak >= crowd.rss_baseline > 0
    assert "| 2 replica(s) behind HAProxy | " in bench.replicas_markdown(small_db, [crowd])
