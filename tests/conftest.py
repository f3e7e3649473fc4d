"""Shared fixtures: small workbooks written as real files, and real DuckDB databases built from them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal import access, auth, seed
from portal.importer import import_workbook
from portal.workbook import write_workbook
from workbooks import valid_workbook

@pytest.fixture
def write(tmp_path):
    """Write a workbook (dict of sheets) as a CSV folder or .xlsx under tmp_path and return its path."""
    def _write(tables, name="workbook"):
        target = tmp_path / name
        write_workbook(tables, target)
        return target
    return _write


@pytest.fixture
def loaded_db(tmp_path, write) -> Path:
    """A real database file holding the valid workbook."""
    database = tmp_path / "loaded.duckdb"
    import_workbook(write(valid_workbook(), "initial"), database, "fixture")
    return database


@pytest.fixture(scope="session")
def seed_db_master(tmp_path_factory) -> Path:
    """The default seed database, built once per test session."""
    database = tmp_path_factory.mktemp("seed") / "seed.duckdb"
    seed.build(database)
    return database


@pytest.fixture
def seed_db(seed_db_master, tmp_path) -> Path:
    """A private copy of the seed database for one test."""
    database = tmp_path / "seed.duckdb"
    shutil.copyfile(seed_db_master, database)
    return database


@pytest.fixture
def empty_db(tmp_path) -> Path:
    """A database with the portal's tables and no rows."""
    from portal import db

    database = tmp_path / "empty.duckdb"
    db.create_empty(database)
    return database


ADMINISTRATOR = auth.User("tests@example.org", "administrator", None)



@pytest.fixture(autouse=True)
def english_afterwards():
    """Every test ends in English: AppTest formats widget values in the test's own thread, so a test that sets
    another language there would leave it to the next test."""
    from portal import i18n

    yield
    i18n.set_language("en")

@pytest.fixture(autouse=True)
def viewer(request, monkeypatch):
    """Who AppTest runs see: an administrator, unless a test asks for another viewer through this fixture.

    Tests of sign-in itself are marked `real_sign_in` and go through the accounts as a browser would.
    """
    if request.node.get_closest_marker("real_sign_in"):
        return None
    chosen = {"user": ADMINISTRATOR}
    monkeypatch.setattr(access, "signed_in_user", lambda: chosen["user"])

    def as_viewer(user: auth.User | None) -> None:
        chosen["user"] = user
    return as_viewer


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the whole run; calling it gives the URL of a new empty database."""
    import postgres as server

    if server.binaries() is None:
        pytest.skip(server.MISSING)
    with server.running_postgres() as new_database:
        yield new_database
