"""The benchmarks' one generator of procedure rows to import: 20 invented hospitals, N single-case rows."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from portal.contract import TECHNIQUES
from portal.workbook import write_workbook

SOURCE = "illustrative benchmark data"
PROCEDURES = ("microdiscectomy", "laminectomy", "spinal fixation", "corpectomy")
HOSPITALS = 20


def procedure_workbook(rows: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """A valid workbook: the hospitals, and `rows` single-case procedure rows with record ids (same seed, same rows)."""
    rng = np.random.default_rng(seed)
    institutions = pd.DataFrame({
        "institution_id": [f"BENCH-H{i:02d}" for i in range(HOSPITALS)],
        "name": [f"Benchmark hospital {i} (illustrative)" for i in range(HOSPITALS)],
        "kind": "hospital", "country": "MNG", "latitude": 47.9, "longitude": 106.9, "source": SOURCE})
    procedures = pd.DataFrame({
        "institution_id": institutions["institution_id"].to_numpy()[rng.integers(0, HOSPITALS, rows)],
        "department": "spine surgery",
        "period": pd.to_datetime(rng.integers(0, 6 * 365, rows), unit="D", origin="2020-01-01").strftime("%Y-%m-%d"),
        "procedure": np.array(PROCEDURES)[rng.integers(0, len(PROCEDURES), rows)],
        "technique": np.array(TECHNIQUES)[rng.integers(0, len(TECHNIQUES), rows)],
        "cases": 1,
        "mean_length_of_stay_days": rng.uniform(1, 15, rows).round(1),
        "complications": (rng.random(rows) < 0.05).astype(int),
        "record_id": [f"BENCH-C{n:08d}" for n in range(rows)],
        "source": SOURCE,
    })
    return {"institutions": institutions, "procedures": procedures}


def write_procedure_workbook(out: Path, rows: int, seed: int = 1) -> Path:
    """procedure_workbook as a folder of CSV files, as one .xlsx when `out` ends in .xlsx, or as the CSV files in
    one .zip when it ends in .zip (a million rows of CSV are over the 100 MiB file limit, zipped they are not)."""
    tables = procedure_workbook(rows, seed)
    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        write_workbook({sheet: frame.to_dict("records") for sheet, frame in tables.items()}, out)
    elif out.suffix.lower() == ".zip":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for sheet, frame in tables.items():
                archive.writestr(f"{sheet}.csv", frame.to_csv(index=False))
    else:
        out.mkdir(parents=True, exist_ok=True)
        for sheet, frame in tables.items():
            frame.to_csv(out / f"{sheet}.csv", index=False)
    return out
