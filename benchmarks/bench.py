"""Benchmarks at national scale (python -m benchmarks.bench): what a viewer waits for, and what it costs the server.

For every page of app.py's navigation, in its default view and with one typical filter set: the server-side
rerun (median of several, result caches cleared so the real work is measured), the time of the page's SQL
alone (the same reads, re-run directly) and the bytes of chart data it sends. Then: importing procedure rows
from CSV, the same computations done the way most Streamlit apps do them (pandas frames in memory), cold
start to the first page drawn in headless Chromium, and 20 sessions (Streamlit websocket clients, or Chromium
pages) loading pages while an import runs. See BENCHMARKS.md for the figures and what they mean.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
import urllib.request
from urllib.parse import quote, urlencode

import duckdb
import pandas as pd

from portal import auth, db, first_run, navigation, tokens
from portal.contract import SHEET_ORDER, SHEETS
from portal.i18n import label, t

from benchmarks import say
from benchmarks.procedures import write_procedure_workbook
from benchmarks.replicas import replica_pids, running_deployment

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# The targets: every page reruns in at most 1 s and within 1.5 x its own SQL + 0.15 s, sends at most
# 1 MB of chart data; the server stays under 2 GB; cold start under 5 s.
RERUN_LIMIT_S, SQL_FACTOR, OVERHEAD_S = 1.0, 1.5, 0.15
PAYLOAD_LIMIT = 1_000_000
MEMORY_LIMIT = 2 * 1024 ** 3
COLD_START_LIMIT_S = 5.0
API_LIMIT_S = 0.1  # issue 17: a typical list request of the read API, at 10 million procedure rows
VIEWER = {"include_illustrative": True, "reporting_currency": "USD"}  # the app's defaults
# Pages the concurrency test cycles through (paths under the server's address).
# The sessions are anonymous visitors, who see the explore pages.
SESSION_PATHS = ("/", "/programmes", "/partners", "/equipment", "/impact")


class BenchError(RuntimeError):
    """A page raised, or a server or browser did not come up: the benchmark cannot measure it."""


# ---------------------------------------------------------------- what is measured


def navigation_pages() -> dict[str, str]:
    """The pages of app.py's navigation (portal/navigation.py) that the benchmark's administrator opens, in its
    order: name to script path (so a new page is benchmarked without edits here)."""
    return {page.name: page.script for page in navigation.pages_for("administrator")}


@dataclass(frozen=True)
class View:
    """One page with URL query parameters (none: its default view)."""

    page: str
    script: str
    query: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def name(self) -> str:
        """As the address bar shows it, e.g. impact?institution=MNG-H01&procedure=laminectomy."""
        params = urlencode([(key, value) for key, values in self.query for value in values])
        return self.page + ("?" + params if params else "")


def _read(store: db.Store, query: str, **params: object) -> pd.DataFrame:
    return store.read(query, db.FULL_SCOPE, **VIEWER, **params)


def typical_filters(store: db.Store) -> dict[str, dict[str, list[str]]]:
    """One typical filter set per page, chosen from what the database holds: the last years, the most active
    institution, the one with the most procedure cases and one of its procedures, a kind and two countries."""
    bounds = _read(store, "year_bounds").iloc[0]
    if pd.isna(bounds["first_year"]):
        return {}
    last = int(bounds["last_year"])
    years = [str(max(int(bounds["first_year"]), last - 5)), str(last)]
    filters: dict[str, dict[str, list[str]]] = {"overview": {"years": years}}
    facets = _read(store, "programmes_facets").iloc[0]
    if len(facets["kinds"]):
        kinds = list(facets["kinds"])
        filters["programmes"] = {"kind": ["training_abroad" if "training_abroad" in kinds else kinds[0]],
                                 "home_country": list(facets["home_countries"][:2]), "years": years}
    active = _read(store, "institution_activity", limit=1)
    if len(active):
        filters["partners"] = {"institution": [active["institution_id"].iloc[0]]}
    filters["equipment"] = {"equipment_category": [label("equipment_category", "endoscope")],
                            "equipment_years": years}
    busiest = busiest_site(store)
    if busiest is not None:
        procedures = _read(store, "impact_filters", institution=busiest)["procedures"].iloc[0]
        filters["impact"] = {"institution": [busiest], **({"procedure": [procedures[0]]} if len(procedures) else {})}
    filters["records"] = {"records_sheet": [t("sheet.procedures")]}
    return filters


def busiest_site(store: db.Store) -> str | None:
    """The institution with the most procedure cases (the Impact page's typical choice), if any has some."""
    sites = _read(store, "impact_institutions", requested=None)
    if not len(sites):
        return None
    return sites.sort_values(["cases", "institution_id"], ascending=[False, True])["institution_id"].iloc[0]


def views(store: db.Store, pages: dict[str, str]) -> list[View]:
    """Every page's default view, and its typical filter set where it has one."""
    filters = typical_filters(store)
    found = []
    for page, script in pages.items():
        found.append(View(page, script))
        if page in filters:
            found.append(View(page, script, tuple((k, tuple(v)) for k, v in filters[page].items())))
    return found


@dataclass
class PageResult:
    """One view's figures. `queries`: the reads its rerun made, each with its own time."""

    page: str
    rerun_s: float
    sql_s: float
    payload_bytes: int
    table_bytes: int = 0
    warm_s: float = float("nan")  # a rerun with the caches warm: what another visitor to the same view pays
    charts: int = 0
    queries: list[tuple[str, float]] = field(default_factory=list)
    error: str | None = None

    @property
    def within_targets(self) -> bool:
        return self.error is None and self.rerun_s <= min(RERUN_LIMIT_S, SQL_FACTOR * self.sql_s + OVERHEAD_S) \
            and self.payload_bytes <= PAYLOAD_LIMIT

    def public(self) -> dict[str, object]:
        """The --json record."""
        measured = self.error is None
        return {"page": self.page, "rerun_s": round(self.rerun_s, 4) if measured else None,
                "sql_s": round(self.sql_s, 4) if measured else None, "payload_bytes": self.payload_bytes}


DETAIL_QUERIES = Path(__file__).with_name("detail_queries")


@contextmanager
def reading_the_detail() -> Iterator[list[str]]:
    """While the block runs, the page queries that read procedure_totals read the procedure rows instead
    (their versions from before the totals, benchmarks/detail_queries): the old way, for comparison."""
    replaced = sorted(path.stem for path in DETAIL_QUERIES.glob("*.sql"))
    query_text = db.query_text
    db.query_text = lambda name: (DETAIL_QUERIES / f"{name}.sql").read_text(encoding="utf-8") \
        if name in replaced else query_text(name)
    try:
        yield replaced
    finally:
        db.query_text = query_text


@contextmanager
def recording_reads() -> Iterator[list[tuple[db.Store, str, tuple]]]:
    """Record every database read (query name or sheet, scope, parameters) made while the block runs."""
    calls: list[tuple[db.Store, str, tuple]] = []
    read, sheet_records = db.Store.read, db.Store.sheet_records

    def recorded_read(self, query, scope, **params):
        calls.append((self, "read", (query, scope, params)))
        return read(self, query, scope, **params)

    def recorded_sheet(self, sheet, limit):
        calls.append((self, "sheet_records", (sheet, limit)))
        return sheet_records(self, sheet, limit)

    db.Store.read, db.Store.sheet_records = recorded_read, recorded_sheet
    try:
        yield calls
    finally:
        db.Store.read, db.Store.sheet_records = read, sheet_records


def time_reads(calls: list[tuple[db.Store, str, tuple]]) -> list[tuple[str, float]]:
    """Run the recorded reads again, directly (no Streamlit, no cache); each one's name and seconds."""
    timed = []
    for store, kind, args in calls:
        started = time.perf_counter()
        if kind == "read":
            query, scope, params = args
            store.read(query, scope, **params)
        else:
            query = "sheet_records:" + args[0]
            store.sheet_records(*args)
        timed.append((query, time.perf_counter() - started))
    return timed


def _quiet_streamlit() -> None:
    # Outside `streamlit run`, every cache use logs "No runtime found"; the benchmark's output is its figures.
    from streamlit import config, logger

    config.set_option("logger.level", "error")
    logger.set_log_level("error")


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables for the block, then put back what was there."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def administrator_session(work: Path) -> Iterator[str]:
    """A throwaway administrator (in its own accounts file, $PORTAL_ACCOUNTS meanwhile) signed in: its session
    token. Pages are measured as an administrator sees them: every page, with names and costs."""
    accounts, password = work / "bench-accounts.sqlite", secrets.token_urlsafe(24)
    auth.add_user(accounts, "bench@localhost", "administrator", None, password)
    with _environment(PORTAL_ACCOUNTS=str(accounts)):
        yield auth.sign_in(accounts, "bench@localhost", password)


def _opened(view: View, token: str | None):
    """The app in AppTest, at the view's page with its URL parameters, signed in with `token`, run once (so
    imports and the database connection are warm)."""
    from streamlit.testing.v1 import AppTest, app_test

    app_test.PagesManager = first_run.ServedPagesManager  # every run as under portal.serve (first_run.py)
    app = AppTest.from_file(str(db.PROJECT_DIR / "app.py"), default_timeout=600)
    if token:
        app.session_state["session_token"] = token
    for key, values in view.query:
        app.query_params[key] = list(values)
    app.run()
    app.switch_page(view.script).run()
    return app


def measure_view(view: View, runs: int, token: str | None = None) -> PageResult:
    """Rerun one view `runs` times in AppTest with caches cleared; time its SQL; weigh what it sends."""
    from portal import ui

    app = _opened(view, token)
    if app.exception:
        return PageResult(view.name, float("nan"), float("nan"), 0, error=app.exception[0].value)
    reruns, sql_runs = [], []
    for _ in range(runs):
        # Each rerun's reads are timed again right after it, so both see the machine in the same state.
        ui.forget_results()
        with recording_reads() as calls:
            started = time.perf_counter()
            app.run()
            reruns.append(time.perf_counter() - started)
        sql_runs.append(time_reads(calls))
    warm = []
    for _ in range(runs):
        started = time.perf_counter()
        app.run()
        warm.append(time.perf_counter() - started)
    totals = [sum(seconds for _, seconds in run) for run in sql_runs]
    per_query = [(name, statistics.median(run[i][1] for run in sql_runs)) for i, (name, _) in enumerate(sql_runs[0])]
    charts = app.get("plotly_chart")
    tables = list(app.dataframe) + list(app.table)
    return PageResult(view.name, statistics.median(reruns), statistics.median(totals),
                      sum(len(c.proto.spec.encode()) for c in charts),
                      table_bytes=sum(e.proto.ByteSize() for e in tables), warm_s=statistics.median(warm),
                      charts=len(charts), queries=per_query,
                      error=app.exception[0].value if app.exception else None)


def profile_view(view: View, out: Path, token: str | None = None) -> Path | None:
    """A pyinstrument profile of one rerun of the view (caches cleared), as text; None without pyinstrument."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    from portal import ui

    app = _opened(view, token)
    ui.forget_results()
    profiler = Profiler(interval=0.001)
    run_script = ScriptRunner._run_script

    def profiled(runner, rerun_data):  # the script runs in AppTest's script thread: profile that thread
        profiler.start()
        try:
            return run_script(runner, rerun_data)
        finally:
            profiler.stop()

    ScriptRunner._run_script = profiled
    try:
        app.run()
    finally:
        ScriptRunner._run_script = run_script
    out.mkdir(parents=True, exist_ok=True)
    path = out / (re.sub(r"[^A-Za-z0-9_.-]+", "_", view.name) + ".txt")
    path.write_text(profiler.output_text(unicode=False, color=False, show_all=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------- memory


def rss_bytes(pid: int | str = "self", field_name: str = "VmRSS") -> int:
    """A process's resident memory (VmRSS) or its peak (VmHWM), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) * 1024
    return 0


# ---------------------------------------------------------------- importing


@dataclass
class ImportResult:
    rows: int
    into_empty_s: float
    into_copy_s: float | None  # into a copy of the benchmarked database (None when it was not measured)
    rss_before: int = 0  # this process's memory before the imports, and its peak during them
    rss_peak: int = 0


def import_speed(database: Path, rows: int, work: Path) -> ImportResult:
    """Import `rows` procedure rows from CSV into an empty database, and into a copy of `database`.

    The copy is first previewed, then imported, as the Data page does inside the server; this process's
    memory is sampled throughout.
    """
    from portal.importer import import_workbook

    workbook = write_procedure_workbook(work / "import-csv.zip", rows)
    gc.collect()
    before = rss_bytes()
    sampler = _MemorySampler([os.getpid()])
    sampler.start()
    try:
        started = time.perf_counter()
        import_workbook(workbook, work / "import-empty.duckdb", "bench", fresh=True)
        empty = time.perf_counter() - started
        copy = work / "import-copy.duckdb"
        shutil.copyfile(database, copy)
        preview = import_workbook(workbook, copy, "bench", preview=True)
        started = time.perf_counter()
        import_workbook(workbook, copy, "bench", expected_version=preview.base_version)
        into_copy = time.perf_counter() - started
    finally:
        sampler.stopped.set()
        sampler.join()
    for leftover in work.glob("import-*.duckdb*"):
        leftover.unlink()
    return ImportResult(rows, empty, into_copy, before, max(sampler.peak, before))


# ---------------------------------------------------------------- the pandas way


def _frames(database: Path) -> dict[str, pd.DataFrame]:
    # The whole tables, as a typical Streamlit app loads them once (st.cache_data) and filters in pandas: read
    # through the benchmark's own read-only connection (portal/db.py stays the product's only DuckDB code).
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("ATTACH $path AS benchmarked (READ_ONLY)", {"path": str(database)})
        frames = {}
        for sheet in SHEET_ORDER:  # tables and columns named by the contract, read without writing any SQL
            frame = connection.table(f"benchmarked.{sheet}").select(*SHEETS[sheet].column_names).df()
            # Text as pandas reads it from CSV (its string dtype); list columns stay lists.
            frames[sheet] = frame.astype({c.name: "str" for c in SHEETS[sheet].columns
                                          if c.type not in ("list", "id_list") and frame[c.name].dtype == object})
        return frames
    finally:
        connection.close()


def _first_day(period: pd.Series) -> pd.Series:
    length = period.str.len()
    return pd.to_datetime(period.mask(length == 4, period + "-01-01").mask(length == 7, period + "-01"),
                          format="%Y-%m-%d")


def _last_day(period: pd.Series) -> pd.Series:
    first = _first_day(period)
    length = period.str.len()
    return first.where(length == 10, first + pd.offsets.MonthEnd(0)).where(length != 4, first + pd.offsets.YearEnd(0))


def pandas_computations(frames: dict[str, pd.DataFrame], institution: str,
                        procedure: str | None) -> dict[str, Callable[[], object]]:
    """The procedure-heavy results of the Impact, Equipment and Overview pages, computed in pandas."""
    p = frames["procedures"]

    def selected() -> pd.DataFrame:
        chosen = p[p["institution_id"] == institution]
        return chosen[chosen["procedure"] == procedure] if procedure else chosen

    def contents():
        return {sheet: (len(f), int(f["source"].str.contains("illustrative", case=False, na=False).sum()),
                        int(f["source"].isna().sum())) for sheet, f in frames.items()}

    def institutions():
        return p.groupby("institution_id")["cases"].agg(["sum", "count"])

    def filters():
        chosen = p[p["institution_id"] == institution]
        return sorted(chosen["department"].dropna().unique()), sorted(chosen["procedure"].unique())

    def monthly():
        chosen = selected()
        month = chosen["period"].str[:7].where(chosen["period"].str.len() > 4)
        return chosen.assign(month=month, year=chosen["period"].str[:4]).groupby(
            ["month", "year", "technique"], dropna=False)["cases"].sum()

    def shares():
        chosen = selected()
        chosen = chosen[chosen["period"].str.len() > 4]
        quarter = chosen["period"].str[:4] + "Q" + ((chosen["period"].str[5:7].astype(int) - 1) // 3 + 1).astype(str)
        cases = chosen.assign(quarter=quarter).groupby(["quarter", "technique"])["cases"].sum()
        return cases / cases.groupby(level="quarter").transform("sum")

    def periods():
        chosen = selected()
        return chosen.assign(first=_first_day(chosen["period"]), last=_last_day(chosen["period"])).groupby(
            ["first", "last"])["cases"].sum()

    def equipment_cases():
        equipment = frames["equipment"][["equipment_id", "category"]]
        cases = p[p["equipment_id"].notna()].merge(equipment, on="equipment_id").groupby(
            ["equipment_id", "technique"])["cases"].sum()
        return cases.groupby(level="equipment_id").sum().nlargest(20)

    return {"database_contents": contents, "impact_institutions": institutions, "impact_filters": filters,
            "impact_monthly_volumes": monthly, "impact_technique_shares": shares, "impact_milestones": periods,
            "equipment_procedures": equipment_cases}


@dataclass
class PandasComparison:
    load_s: float
    frames_bytes: int
    cache_copy_s: float  # what st.cache_data pays on every hit: a pickled copy of the procedures frame
    rows: list[tuple[str, float, float]]  # (computation, pandas seconds, DuckDB seconds)

    @property
    def ratio(self) -> float:
        duck = sum(r[2] for r in self.rows)
        return sum(r[1] for r in self.rows) / duck if duck else float("nan")


def pandas_comparison(store: db.Store, runs: int) -> PandasComparison | None:
    """The same computations the DuckDB way (the page's queries) and the pandas way (frames in memory)."""
    filters = typical_filters(store).get("impact")
    if not filters:
        return None
    institution, procedure = filters["institution"][0], (filters.get("procedure") or [None])[0]
    started = time.perf_counter()
    frames = _frames(store.path)
    load = time.perf_counter() - started
    size = int(sum(f.memory_usage(deep=True).sum() for f in frames.values()))
    started = time.perf_counter()
    pickle.loads(pickle.dumps(frames["procedures"], protocol=pickle.HIGHEST_PROTOCOL))
    copy = time.perf_counter() - started
    computations = pandas_computations(frames, institution, procedure)
    duck_params = {
        "database_contents": {}, "impact_institutions": {"requested": None},
        "impact_filters": {"institution": institution},
        "equipment_procedures": {"year_from": 1900, "year_to": 2200, "categories": [], "institutions": [],
                                 "countries": [], "limit": 20},
    }
    impact = {"institution": institution, "department": None, "procedure": procedure}
    duck_params.update({"impact_monthly_volumes": {**impact, "months": 240},
                        "impact_technique_shares": {**impact, "quarters": 80}, "impact_milestones": impact})
    rows = []
    for name, compute in computations.items():
        pandas_s = statistics.median(_timed(compute) for _ in range(runs))
        duck_s = statistics.median(_timed(lambda: _read(store, name, **duck_params[name])) for _ in range(runs))
        rows.append((name, pandas_s, duck_s))
    return PandasComparison(load, size, copy, rows)


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


# ---------------------------------------------------------------- a real server and a real browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(database: Path, log: Path):
    """The portal's server (`python -m portal.serve`, as scripts/start runs it) on `database`: yields
    (process, base URL); stopped on exit."""
    port = _free_port()
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "portal.serve", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=db.PROJECT_DIR, env={**os.environ, "PORTAL_DB": str(database)}, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield server, f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


# {institution}: the busiest site (busiest_site), as the Impact page's typical view reads it.
API_REQUESTS = ("/api/v1/programmes?limit=100", "/api/v1/equipment?limit=100",
                "/api/v1/programmes?limit=100&format=csv", "/api/v1/institutions?limit=100",
                "/api/v1/procedures?institution={institution}&limit=100")


def api_requests(store: db.Store) -> list[str]:
    """API_REQUESTS for this database (the procedures request only when some institution has procedures)."""
    busiest = busiest_site(store)
    return [path.format(institution=quote(busiest or "")) for path in API_REQUESTS
            if busiest is not None or "{institution}" not in path]


@dataclass
class ApiTiming:
    """One API request timed over HTTP against the real server: median seconds, rows and bytes of the answer."""

    request: str
    caller: str
    median_s: float
    body_bytes: int


def api_speed(database: Path, work: Path, runs: int) -> list[ApiTiming]:
    """Median time of typical list requests (a page of 100) to the read API, anonymous and with an
    administrator's token, over HTTP to `python -m portal.serve` (the first request of each is not counted)."""
    token = tokens.create(Path(os.environ["PORTAL_ACCOUNTS"]), "bench@localhost", "bench", 1)
    timings = []
    requests = api_requests(db.open_store(database))
    unlimited = str(10 ** 9)  # the rate limits would refuse a long run's requests, all from this machine
    with _environment(PORTAL_API_ADDRESS_PER_MINUTE=unlimited, PORTAL_API_TOKEN_PER_MINUTE=unlimited), \
            streamlit_server(database, work / "api.log") as (server, url):
        for _ in range(240):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.25)
        for caller, headers in (("anonymous", {}), ("administrator", {"Authorization": f"Bearer {token}"})):
            for path in requests:
                seconds, size = [], 0
                for _ in range(max(runs, 1) + 1):
                    start = time.perf_counter()
                    with urllib.request.urlopen(urllib.request.Request(url + path, headers=headers), timeout=60) as r:
                        size = len(r.read())
                    seconds.append(time.perf_counter() - start)
                timings.append(ApiTiming(path, caller, statistics.median(seconds[1:]), size))
    return timings


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise BenchError(f"no Chromium at {CHROMIUM} (install Debian's chromium or set PORTAL_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# Drawn: a title is on screen, the script has finished (no status widget, no skeleton), at least `charts`
# plotly charts exist and every one has drawn its SVG.
RENDERED = """charts => !!document.querySelector('h1')
    && !document.querySelector('[data-testid=stStatusWidget]') && !document.querySelector('[data-testid=stSkeleton]')
    && document.querySelectorAll('.js-plotly-plot').length >= charts
    && [...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'))"""


def _open_when_up(page, url: str, deadline: float) -> None:
    """Open `url` as soon as the server answers its health check (polled every 20 ms, as a browser retrying
    a failed page load would add its own delay)."""
    health = url.rstrip("/") + "/_stcore/health"
    while True:
        try:
            with urllib.request.urlopen(health, timeout=1) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if time.perf_counter() > deadline:
            raise BenchError(f"the server at {url} did not answer")
        time.sleep(0.02)
    page.goto(url, wait_until="commit", timeout=30_000)


@dataclass
class ColdStart:
    """Seconds from starting the server until: it answers, the page's title shows, every chart is drawn (the
    median of `drawn_runs`, with that run's other figures)."""

    server_s: float
    title_s: float
    drawn_s: float
    rss: int  # the server's memory then
    drawn_runs: list[float] = field(default_factory=list)  # every start's time to the drawn page


def cold_start(database: Path, work: Path, charts: int, starts: int = 3) -> ColdStart:
    """Start the server `starts` times and open its first page in Chromium (with `charts` charts), timing each
    stage; return the median start."""
    results = []
    with chromium() as browser:
        for _ in range(starts):
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            started = time.perf_counter()
            with streamlit_server(database, work / "cold-start.log") as (server, url):
                _open_when_up(page, url + "/", started + 120)
                up = time.perf_counter() - started
                page.wait_for_selector("h1", timeout=120_000)
                title = time.perf_counter() - started
                page.wait_for_function(RENDERED, arg=charts, timeout=120_000, polling=20)
                results.append(ColdStart(up, title, time.perf_counter() - started, rss_bytes(server.pid)))
            page.close()
    median = sorted(results, key=lambda r: r.drawn_s)[len(results) // 2]
    median.drawn_runs = [r.drawn_s for r in results]
    return median


@dataclass
class ConcurrencyResult:
    """Sessions loading pages while an import runs: what broke, how long, and the server's memory and CPU."""

    sessions: int
    clients: str  # "websocket" (Streamlit's own protocol) or "browser" (Chromium pages)
    loads: int
    errors: list[str]
    rounds: int
    rounds_during_import: int
    round_seconds: list[float]
    load_seconds: list[float]  # each page load, from request to the script's end (websocket) or drawn (browser)
    import_seconds: float
    import_status: int
    server_cpu_s: float  # CPU the server used during the rounds (both cores count)
    rss_baseline: int
    rss_peak: int
    rss_after_5s: int
    rss_after_30s: int
    replicas: int = 0  # 0: one server process alone (as scripts/start runs it); N: N replicas behind HAProxy
    process_cpu_s: list[float] = field(default_factory=list)  # each process's share of server_cpu_s


class _MemorySampler(threading.Thread):
    """Samples the resident memory of processes (summed) every 50 ms, keeping the peak."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        # a list from the start: one pid alone made the thread die at its first sample, and the peak read 0
        self.pids, self.peak, self.stopped = list(pids), 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.05):
            try:
                self.peak = max(self.peak, sum(map(rss_bytes, self.pids)))
            except FileNotFoundError:
                return


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (from /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def websocket_load(url: str, path: str, timeout: float = 300) -> tuple[float, str | None]:
    """One new session loading `path` through Streamlit's websocket protocol, as the browser does: seconds until
    the script finished, and the first exception the page showed (None when it showed none)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    page, _, query = path.lstrip("/").partition("?")
    request = BackMsg()
    request.rerun_script.query_string = query
    request.rerun_script.page_name = page
    started, error = time.perf_counter(), None
    with connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"], max_size=None,
                 open_timeout=timeout) as socket_:
        socket_.send(request.SerializeToString())
        while True:
            message = ForwardMsg.FromString(socket_.recv(timeout=timeout))
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.new_element.WhichOneof("type") == "exception" and error is None:
                error = message.delta.new_element.exception.message or message.delta.new_element.exception.type
            if kind == "script_finished":
                if message.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    error = error or f"script finished with status {message.script_finished}"
                return time.perf_counter() - started, error


def _websocket_round(url: str, paths: list[str]) -> tuple[list[float], list[str]]:
    """Every session loads its page at once (one thread each); their times and errors."""
    times, errors = [], []

    def load(number: int, path: str) -> None:
        try:
            seconds, error = websocket_load(url, path)
            times.append(seconds)
            if error:
                errors.append(f"session {number} ({path}): {error[:300]}")
        except Exception as failed:  # a refused or dropped connection, or a timeout
            errors.append(f"session {number} ({path}): {type(failed).__name__}: {str(failed)[:200]}")

    threads = [threading.Thread(target=load, args=(n, p)) for n, p in enumerate(paths)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, errors


class _BrowserSessions:
    """Chromium pages, one browser context (so one Streamlit session) each."""

    def __init__(self, browser, count: int):
        self.contexts = [browser.new_context(viewport={"width": 1400, "height": 1800}) for _ in range(count)]
        self.pages = [c.new_page() for c in self.contexts]
        self.page_errors: list[str] = []
        for number, page in enumerate(self.pages):
            page.on("pageerror", lambda error, n=number: self.page_errors.append(f"session {n}: {error}"))

    def round(self, url: str, paths: list[str]) -> tuple[list[float], list[str]]:
        started, times, errors = time.perf_counter(), [], []
        for page, path in zip(self.pages, paths):
            page.goto(url + path, wait_until="commit")
        for number, (page, path) in enumerate(zip(self.pages, paths)):
            try:
                page.wait_for_function(RENDERED, arg=0, timeout=300_000, polling=100)
                times.append(time.perf_counter() - started)
            except Exception as failed:  # a timeout: the page never finished drawing
                errors.append(f"session {number} ({path}): {type(failed).__name__}: {str(failed)[:200]}")
            errors += [f"session {number} ({path}): {text[:300]}"
                       for text in page.locator("[data-testid=stException]").all_inner_texts()]
        errors += self.page_errors
        self.page_errors = []
        return times, errors

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@contextmanager
def serving(database: Path, work: Path, replicas: int = 0) -> Iterator[tuple[str, list[str], list[int]]]:
    """The portal serving `database`: one `python -m portal.serve` alone (`replicas` 0), or `replicas` of them
    behind HAProxy with PostgreSQL (deploy/start-local). Yields the address sessions use, each process's own
    address (to warm it), and the processes' ids (to read their memory and CPU)."""
    if not replicas:
        with streamlit_server(database, work / "concurrency.log") as (server, url):
            yield url, [url], [server.pid]
        return
    try:
        with running_deployment(database, replicas) as deployment:
            pids = replica_pids(deployment)
            if len(pids) != replicas:
                raise BenchError(f"found {len(pids)} replica processes of deploy/start-local, not {replicas}")
            yield deployment.url, deployment.replica_urls, pids
    except RuntimeError as failed:  # start-local did not get ready: its logs are in the message
        raise BenchError(str(failed)) from None


def concurrency(database: Path, work: Path, sessions: int, import_rows: int, clients: str = "websocket",
                min_rounds: int = 3, max_rounds: int = 20, replicas: int = 0,
                memory_after: tuple[float, float] = (5, 30)) -> ConcurrencyResult:
    """`sessions` sessions load pages, round after round, while `python -m portal import` adds `import_rows`
    procedure rows to the server's database (a copy of `database`); every page must finish without an error.
    Rounds go on while the import runs (at least `min_rounds`). The server's memory is sampled throughout and
    read again `memory_after` (5 and 30) seconds after the sessions have closed. With `replicas`, the server is
    that many processes behind HAProxy (memory and CPU are their sums)."""
    served = work / "concurrency.duckdb"
    shutil.copyfile(database, served)
    workbook = write_procedure_workbook(work / "concurrency-csv.zip", import_rows, seed=2)
    errors: list[str] = []
    with chromium() as browser, serving(served, work, replicas) as (url, process_urls, pids):
        warm = browser.new_page(viewport={"width": 1400, "height": 1800})
        for process_url in process_urls:  # every process has loaded the page code and opened the database
            _open_when_up(warm, process_url + "/", time.perf_counter() + 120)
            warm.wait_for_function(RENDERED, arg=0, timeout=120_000)
            warm.wait_for_timeout(2000)
            for path in SESSION_PATHS:  # and has served each page once, as a portal in use has
                websocket_load(process_url, path)
        memory = lambda: sum(map(rss_bytes, pids))  # noqa: E731
        baseline, cpu_before = memory(), [cpu_seconds(pid) for pid in pids]
        sampler = _MemorySampler(pids)
        sampler.start()
        crowd = _BrowserSessions(browser, sessions) if clients == "browser" else None
        import_started = time.perf_counter()
        importing = subprocess.Popen([sys.executable, "-m", "portal", "import", str(workbook), "--db", str(served)],
                                     cwd=db.PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        import_seconds = None
        rounds = rounds_during_import = 0
        round_seconds, load_seconds = [], []
        while rounds < min_rounds or (importing.poll() is None and rounds < max_rounds):
            running = importing.poll() is None
            paths = [SESSION_PATHS[(n + rounds) % len(SESSION_PATHS)] for n in range(sessions)]
            started = time.perf_counter()
            times, failed = crowd.round(url, paths) if crowd else _websocket_round(url, paths)
            round_seconds.append(time.perf_counter() - started)
            load_seconds += times
            errors += failed
            rounds += 1
            rounds_during_import += running
            if import_seconds is None and importing.poll() is not None:
                import_seconds = time.perf_counter() - import_started
        status = importing.wait()
        if import_seconds is None:
            import_seconds = time.perf_counter() - import_started
        if status:
            errors.append("import: " + importing.stderr.read().decode(errors="replace")[-500:])
        cpu = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before)]
        if crowd:
            crowd.close()
        warm.close()
        after = browser.new_page()  # Playwright's own timer keeps its event loop served while it waits
        after.wait_for_timeout(memory_after[0] * 1000)
        after_5 = memory()
        after.wait_for_timeout((memory_after[1] - memory_after[0]) * 1000)
        after_30 = memory()
        sampler.stopped.set()
        sampler.join()
    served.unlink(missing_ok=True)
    return ConcurrencyResult(sessions, clients, len(load_seconds) + len(errors), errors, rounds, rounds_during_import,
                             round_seconds, load_seconds, import_seconds, status, sum(cpu), baseline,
                             max(sampler.peak, baseline), after_5, after_30, replicas, cpu)


# ---------------------------------------------------------------- the whole benchmark


@dataclass
class Report:
    database: str
    procedures: int
    pages: list[PageResult]
    peak_rss: int
    import_result: ImportResult | None = None
    pandas: PandasComparison | None = None
    cold_start: ColdStart | None = None
    concurrency: ConcurrencyResult | None = None
    api: list[ApiTiming] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    detail_pages: list[PageResult] = field(default_factory=list)  # the same views, reading the procedure rows


def run(database: Path, runs: int = 5, import_rows: int = 1_000_000, sessions: int = 20, browser: bool = True,
        pandas_way: bool = True, profile_dir: Path | None = None, clients: str = "websocket", api: bool = True,
        detail_way: bool = True, pages: list[str] | None = None,
        progress: Callable[[str], None] = lambda message: None) -> Report:
    """Measure everything the issue asks for on `database` (only read, once brought to this code's schema)."""
    if not database.exists():
        raise BenchError(t("cli.no_database", database=database))
    # As the server does when it starts (portal/serve.py): pages read macros a database from older code lacks.
    db.upgrade(database)
    _quiet_streamlit()
    store = db.open_store(database)
    contents = _read(store, "database_contents")
    procedures = int(contents.set_index("sheet").loc["procedures", "records"])
    measured = views(store, {name: script for name, script in navigation_pages().items()
                             if not pages or name in pages})
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as folder:
        work = Path(folder)
        with _environment(PORTAL_DB=str(database)), administrator_session(work) as token:
            results = []
            for view in measured:
                progress(say("bench.progress_page", page=view.name))
                results.append(measure_view(view, runs, token))
            report = Report(str(database), procedures, results, rss_bytes("self", "VmHWM"))
            if detail_way:  # the views whose queries read procedure totals, again the old way
                with reading_the_detail() as replaced:
                    for view, result in zip(measured, results):
                        if any(query.split(":")[0] in replaced for query, _ in result.queries):
                            progress(say("bench.progress_detail", page=view.name))
                            report.detail_pages.append(measure_view(view, runs, token))
            for view, result in zip(measured, results):
                if profile_dir and result.error is None and not result.within_targets:
                    path = profile_view(view, profile_dir, token)
                    if path:
                        report.profiles.append(str(path))
            if api:
                progress(say("bench.progress_api"))
                report.api = api_speed(database, work, runs)
        if import_rows:
            progress(say("bench.progress_import", rows=import_rows))
            report.import_result = import_speed(database, import_rows, work)
        if pandas_way:
            progress(say("bench.progress_pandas"))
            report.pandas = pandas_comparison(store, runs)
        if browser:
            progress(say("bench.progress_cold_start"))
            overview = next((r for r in results if r.page == "overview"), None)
            report.cold_start = cold_start(database, work, overview.charts if overview else 0)
            if sessions:
                progress(say("bench.progress_concurrency", sessions=sessions))
                report.concurrency = concurrency(database, work, sessions, max(import_rows, 1000), clients)
    return report


def compare_replicas(database: Path, sessions: int, import_rows: int, counts: list[int], clients: str = "websocket",
                     progress: Callable[[str], None] = lambda message: None) -> list[ConcurrencyResult]:
    """The concurrency measurement with one server process alone, then with each count of replicas behind
    HAProxy (deploy/start-local), one after the other on the same database."""
    if not database.exists():
        raise BenchError(t("cli.no_database", database=database))
    results = []
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as folder:
        for replicas in dict.fromkeys([0, *counts]):  # one process alone first, once, even when asked for 0
            progress(say("bench.progress_replicas", sessions=sessions, setup=_setup(replicas)))
            work = Path(folder) / f"setup-{replicas}"
            work.mkdir()
            results.append(concurrency(database, work, sessions, max(import_rows, 1000), clients, replicas=replicas))
    return results


# ---------------------------------------------------------------- printing


def _mb(size: int | None) -> str:
    return "-" if size is None else f"{size / 1024 ** 2:,.0f} MB"


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.3f}"


def _median_p95(seconds: list[float]) -> tuple[float, float]:
    loads = sorted(seconds) or [float("nan")]
    return statistics.median(loads), loads[int(0.95 * (len(loads) - 1))]


def _setup(replicas: int) -> str:
    return say("bench.setup_alone") if replicas == 0 else say("bench.setup_replicas", replicas=replicas)


def replicas_markdown(database: Path, results: list[ConcurrencyResult]) -> str:
    """The comparison of one process with replicas behind HAProxy, as a Markdown table."""
    first = results[0]
    lines = [say("bench.replicas_heading", sessions=first.sessions, clients=first.clients, database=database), "",
             "| " + say("bench.replicas_columns") + " |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        median, p95 = _median_p95(r.load_seconds)
        cpu = f"{r.server_cpu_s:.0f}" + (f" ({' + '.join(f'{c:.0f}' for c in r.process_cpu_s)})" if r.replicas else "")
        lines.append(f"| {_setup(r.replicas)} | {r.loads} in {r.rounds} rounds ({r.rounds_during_import} during the "
                     f"import) | {len(r.errors)} | {median:.2f} | {p95:.2f} | {cpu} | "
                     f"{_s(r.import_seconds)} (status {r.import_status}) | {_mb(r.rss_baseline)} / {_mb(r.rss_peak)} / "
                     f"{_mb(r.rss_after_5s)} / {_mb(r.rss_after_30s)} |")
    for r in results:
        lines += [f"  - {_setup(r.replicas)}: {e}" for e in r.errors[:20]]
    return "\n".join(lines)


def markdown(report: Report) -> str:
    """The report as Markdown tables (what BENCHMARKS.md quotes)."""
    lines = [say("bench.heading", rows=f"{report.procedures:,}", database=report.database), "",
             "| " + " | ".join(say("bench.col_" + c) for c in ("page", "rerun", "sql", "limit", "warm", "payload",
                                                            "tables", "verdict")) + " |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in report.pages:
        limit = min(RERUN_LIMIT_S, SQL_FACTOR * r.sql_s + OVERHEAD_S)
        verdict = say("bench.error", error=r.error) if r.error else \
            say("bench.ok") if r.within_targets else say("bench.missed")
        lines.append(f"| `{r.page}` | {_s(r.rerun_s)} | {_s(r.sql_s)} | {_s(limit)} | {_s(r.warm_s)} | {r.payload_bytes:,} | "
                     f"{r.table_bytes:,} | {verdict} |")
    lines += ["", say("bench.peak_rss", size=_mb(report.peak_rss), limit=_mb(MEMORY_LIMIT))]
    slowest = sorted(((q, s, r.page) for r in report.pages for q, s in r.queries), key=lambda x: -x[1])[:8]
    if slowest:
        lines += ["", say("bench.slowest_queries"), ""] + [f"- `{q}` {s:.3f} s ({page})" for q, s, page in slowest]
    if report.detail_pages:
        new = {r.page: r for r in report.pages}
        lines += ["", say("bench.detail"), "", "| " + say("bench.col_page") + " | rerun, totals (s) | rerun, rows (s) |"
                  " SQL, totals (s) | SQL, rows (s) | " + say("bench.col_payload") + " |", "|---|---:|---:|---:|---:|---:|"]
        lines += [f"| `{old.page}` | {_s(new[old.page].rerun_s)} | {_s(old.rerun_s)} | {_s(new[old.page].sql_s)} | "
                  f"{_s(old.sql_s)} | {new[old.page].payload_bytes:,} |" for old in report.detail_pages if old.page in new]
    if report.import_result:
        i = report.import_result
        lines += ["", say("bench.import", rows=f"{i.rows:,}", empty=_s(i.into_empty_s), copy=_s(i.into_copy_s)),
                  "", say("bench.import_memory", before=_mb(i.rss_before), peak=_mb(i.rss_peak),
                        limit=_mb(MEMORY_LIMIT))]
    if report.pandas:
        p = report.pandas
        lines += ["", say("bench.pandas", load=_s(p.load_s), size=_mb(p.frames_bytes), copy=_s(p.cache_copy_s),
                        ratio=f"{p.ratio:.1f}"), "",
                  "| " + say("bench.col_computation") + " | pandas (s) | DuckDB (s) | " + say("bench.col_ratio") + " |",
                  "|---|---:|---:|---:|"]
        lines += [f"| `{name}` | {_s(pd_s)} | {_s(duck_s)} | {pd_s / duck_s:.1f} |" for name, pd_s, duck_s in p.rows]
    if report.cold_start:
        c = report.cold_start
        lines += ["", say("bench.cold_start", seconds=_s(c.drawn_s), server=_s(c.server_s), title=_s(c.title_s),
                        size=_mb(c.rss), limit=_s(COLD_START_LIMIT_S), starts=len(c.drawn_runs),
                        every=", ".join(_s(s) for s in c.drawn_runs))]
    if report.concurrency:
        c = report.concurrency
        median, p95 = _median_p95(c.load_seconds)
        lines += ["", say("bench.concurrency", sessions=c.sessions, clients=c.clients, loads=c.loads, rounds=c.rounds,
                        during=c.rounds_during_import, errors=len(c.errors),
                        median=f"{median:.2f}", p95=f"{p95:.2f}",
                        round=", ".join(f"{s:.1f}" for s in c.round_seconds), cpu=f"{c.server_cpu_s:.0f}",
                        import_s=_s(c.import_seconds), status=c.import_status, baseline=_mb(c.rss_baseline),
                        peak=_mb(c.rss_peak), after_5=_mb(c.rss_after_5s), after_30=_mb(c.rss_after_30s))]
        lines += [f"  - {e}" for e in c.errors[:20]]
    if report.api:
        lines += ["", say("bench.api", limit=_s(API_LIMIT_S)), "", "| request | caller | median (s) | bytes |",
                  "|---|---|---:|---:|"]
        lines += [f"| `{a.request}` | {a.caller} | {_s(a.median_s)} | {a.body_bytes:,} |" for a in report.api]
    if report.profiles:
        lines += ["", say("bench.profiles")] + [f"- {p}" for p in report.profiles]
    return "\n".join(lines)


def as_json(report: Report) -> str:
    """The per-page list: page (with its query string), rerun_s, sql_s, payload_bytes."""
    return json.dumps([r.public() for r in report.pages], indent=1)


def full_json(report: Report) -> dict:
    """Everything measured, for keeping beside BENCHMARKS.md."""
    data = asdict(report)
    data["pandas_ratio"] = report.pandas.ratio if report.pandas else None
    return data


def main(argv: list[str] | None = None) -> int:
    """python -m benchmarks.bench [--db PATH] [options]: print the report (BENCHMARKS.md explains it)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=say("bench.help"))
    parser.add_argument("--db", type=Path, help=say("bench.db_help"))
    parser.add_argument("--json", action="store_true", help=say("bench.json_help"))
    parser.add_argument("--runs", type=int, default=5, help=say("bench.runs_help"))
    parser.add_argument("--import-rows", type=int, default=1_000_000, help=say("bench.import_rows_help"))
    parser.add_argument("--sessions", type=int, default=20, help=say("bench.sessions_help"))
    parser.add_argument("--clients", choices=("websocket", "browser"), default="websocket",
                        help=say("bench.clients_help"))
    parser.add_argument("--no-browser", action="store_true", help=say("bench.no_browser_help"))
    parser.add_argument("--no-api", action="store_true", help=say("bench.no_api_help"))
    parser.add_argument("--no-pandas", action="store_true", help=say("bench.no_pandas_help"))
    parser.add_argument("--no-detail", action="store_true", help=say("bench.no_detail_help"))
    parser.add_argument("--profile", type=Path, help=say("bench.profile_help"))
    parser.add_argument("--pages", nargs="+", metavar="PAGE", choices=sorted(navigation_pages()),
                        help=say("bench.pages_help"))
    parser.add_argument("--save", type=Path, help=say("bench.save_help"))
    parser.add_argument("--replicas", type=int, nargs="+", metavar="N", help=say("bench.replicas_help"))
    args = parser.parse_args(argv)
    if args.replicas:
        try:
            results = compare_replicas(db.database_path(args.db), args.sessions, args.import_rows, args.replicas,
                                       args.clients, progress=lambda message: print(message, file=sys.stderr, flush=True))
        except BenchError as failed:
            print(failed, file=sys.stderr)
            return 1
        if args.save:
            args.save.write_text(json.dumps([asdict(r) for r in results], indent=1), encoding="utf-8")
        print(replicas_markdown(db.database_path(args.db), results))
        return 1 if any(r.errors or r.import_status for r in results) else 0
    try:
        report = run(db.database_path(args.db), runs=args.runs, import_rows=args.import_rows,
                     sessions=args.sessions, browser=not args.no_browser, pandas_way=not args.no_pandas,
                     profile_dir=args.profile, clients=args.clients, api=not args.no_api,
                     detail_way=not args.no_detail, pages=args.pages,
                     progress=lambda message: print(message, file=sys.stderr, flush=True))
    except BenchError as failed:
        print(failed, file=sys.stderr)
        return 1
    if args.save:
        args.save.write_text(json.dumps(full_json(report), indent=1, default=str), encoding="utf-8")
    if args.json:
        print(as_json(report))
        print(markdown(report), file=sys.stderr)
    else:
        print(markdown(report))
    return 1 if any(page.error for page in report.pages) else 0


if __name__ == "__main__":
    sys.exit(main())
