"""scripts/start builds the default database before the server listens, so accounts can be added at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

from workbooks import PROJECT

sys.path.insert(0, str(PROJECT / "tests" / "browser"))
from portal_browser import free_port  # noqa: E402


def test_start_builds_the_database_before_serving_so_a_partner_account_can_be_added_at_once(tmp_path):
    database = tmp_path / "fresh" / "portal.duckdb"
    environment = {**os.environ, "PORTAL_DB": str(database), "PORTAL_ACCOUNTS": str(tmp_path / "accounts.sqlite")}
    port = free_port()
    log = (tmp_path / "start.log").open("w")
    # As the README says to start it (only the port differs), so the server's own start-up is what is tested.
    server = subprocess.Popen([str(PROJECT / "scripts" / "start"), "--server.port", str(port)], env=environment,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(240):
            assert server.poll() is None, (tmp_path / "start.log").read_text()
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError((tmp_path / "start.log").read_text())
        assert database.exists()  # no browser has visited yet
        added = subprocess.run(
            [sys.executable, "-m", "portal", "users", "add", "partner@nctd.example", "--role", "partner",
             "--institution", "MNG-NCTD"], input="a long enough passphrase\n" * 2, text=True, capture_output=True,
            cwd=PROJECT, env=environment)
        assert added.returncode == 0, added.stderr
        # Air-gapped networks: the server never asks a service on the internet for its external address.
        started = (tmp_path / "start.log").read_text()
        assert "External URL" not in started and "external IP" not in started, started
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
