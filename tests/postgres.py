"""A real PostgreSQL server for tests: initdb and pg_ctl from the Debian package, in a temporary folder."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl (Debian keeps them in /usr/lib/postgresql/VERSION/bin), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


MISSING = "PostgreSQL's initdb/pg_ctl are not installed (Debian package postgresql; scripts/test installs it)"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; the Debian package creates the user "postgres" for it.
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextmanager
def running_postgres():
    """Start a throwaway PostgreSQL on a free port; yield a function that makes a new empty database's URL."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError(MISSING)
    folder = Path(tempfile.mkdtemp(prefix="portal-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    data, port = folder / "data", _free_port()
    run = lambda *args: subprocess.run(_as_server_user([str(bin_dir / args[0]), *args[1:]]), check=True,
                                       capture_output=True, timeout=60)
    run("initdb", "-D", str(data), "-A", "trust", "-U", "portal", "--no-sync", "-E", "UTF8")
    run("pg_ctl", "-D", str(data), "-w", "-l", str(folder / "log"), "-o",
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    import psycopg

    def new_database() -> str:
        name = "t" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"postgresql://portal@127.0.0.1:{port}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')  # a name made here, not input
        return f"postgresql://portal@127.0.0.1:{port}/{name}"

    new_database.port = port
    new_database.folder = folder
    try:
        yield new_database
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
