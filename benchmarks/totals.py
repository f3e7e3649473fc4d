"""The queries that read procedure_totals, timed beside their old versions that sum the procedure rows."""

import statistics, sys, time
from pathlib import Path
from portal import db
from benchmarks.bench import DETAIL_QUERIES
# python -m benchmarks.totals DATABASE...: a Markdown table per database (BENCHMARKS.md quotes it).
for path in sys.argv[1:]:
    store = db.open_store(Path(path))
    sites = store.read("impact_institutions", db.FULL_SCOPE, requested=None)
    busiest = sites.sort_values("cases")["institution_id"].iloc[-1]
    item = store.read_sql("SELECT equipment_id FROM procedure_totals WHERE equipment_id IS NOT NULL GROUP BY 1 ORDER BY sum(cases) DESC LIMIT 1", db.FULL_SCOPE).iloc[0, 0]
    sel = {"institution": busiest, "department": None, "procedure": None}
    every_item = {"reporting_currency": "USD", "year_from": 1900, "year_to": 2200, "categories": [],
                  "institutions": [], "countries": [], "limit": 10}
    reference = store.read("impact_milestones", db.FULL_SCOPE, **sel).query("is_default").iloc[0]
    reads = [("impact_institutions", {"requested": None}), ("impact_filters", {"institution": busiest}),
             ("impact_monthly_volumes", {**sel, "months": 36}), ("impact_technique_shares", {**sel, "quarters": 12}),
             ("equipment_item_procedures", {"equipment_id": item}),
             ("equipment_procedures", every_item), ("equipment_items", {**every_item, "limit": 500}),
             ("impact_milestones", sel),
             ("impact_before_after", {**sel, "reference_lane": reference["lane"], "reference_id": reference["item_id"]})]
    print(f"\n{path}: | query | totals (s) | rows (s) |")
    for q, params in reads:
        def t(run):
            times = []
            for _ in range(3):
                s = time.perf_counter(); run(); times.append(time.perf_counter() - s)
            return statistics.median(times)
        new = t(lambda: store.read(q, db.FULL_SCOPE, **params))
        old = t(lambda: store.read_sql((DETAIL_QUERIES / f"{q}.sql").read_text(), db.FULL_SCOPE, **params))
        print(f"| `{q}` | {new:.3f} | {old:.3f} |")
