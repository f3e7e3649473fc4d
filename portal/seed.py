"""The default database: the real case from its article plus the illustrative dataset, built from data/seed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from portal import db
from portal.importer import ImportResult, import_workbook

SEED_DIR = db.PROJECT_DIR / "data" / "seed"
# In this order: the real case first, so nothing illustrative can be taken for part of it.
SEED_PARTS = ("real", "illustrative")
SEED_USER = "seed"


def build(database: Path) -> list[ImportResult]:
    """Build a new database from data/seed at a temporary path, then swap it in whole."""
    database.parent.mkdir(parents=True, exist_ok=True)
    building = database.with_name(f".{database.name}.seed-{os.getpid()}")
    building.unlink(missing_ok=True)
    try:
        results = [import_workbook(SEED_DIR / part, building, SEED_USER, action="seed", fresh=index == 0)
                   for index, part in enumerate(SEED_PARTS)]
        if database.exists():  # a rebuild (--force) keeps the file's permissions
            os.chmod(building, stat.S_IMODE(database.stat().st_mode))
        os.replace(building, database)
    finally:
        building.unlink(missing_ok=True)
        building.with_name(building.name + ".lock").unlink(missing_ok=True)
    return results

