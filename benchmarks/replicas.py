"""The replicated deployment started for real on this machine through deploy/start-local (PostgreSQL, replicas,
HAProxy), for tests/test_replicas.py and the benchmark's comparison of one process with two."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
START_LOCAL = PROJECT / "deploy" / "start-local"


@dataclass(frozen=True)
class Deployment:
    """A running deployment: the proxy's address, each replica's own, the accounts' PostgreSQL, the database."""

    url: str
    replica_urls: list[str]
    accounts_url: str
    run_dir: Path
    database: Path
    process: subprocess.Popen

    @property
    def replica_names(self) -> list[str]:
        """The names HAProxy gives the replicas (its cookie PORTAL_REPLICA and header X-Portal-Replica)."""
        return [f"replica{number}" for number in range(1, len(self.replica_urls) + 1)]

    @property
    def log(self) -> Path:
        """What start-local wrote to its standard output and error (beside the run folder, which it may clear)."""
        return self.run_dir.with_name(self.run_dir.name + ".log")


def missing_packages() -> list[str]:
    """The Debian packages start-local needs that are not installed (it would install them itself)."""
    missing = [] if list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")) else ["postgresql"]
    return missing + ([] if shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists() else ["haproxy"])


def _free_ports(count: int) -> list[int]:
    with ExitStack() as held:  # held open together, so the ports differ
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for probe in sockets:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in sockets]


@contextmanager
def running_deployment(database: Path, replicas: int = 2, env: dict[str, str] | None = None,
                       timeout: float = 150) -> Iterator[Deployment]:
    """Run deploy/start-local on `database` with `replicas` replicas and a new PostgreSQL; stop all of it after."""
    # Under /tmp itself, not pytest's private folder: PostgreSQL runs as its own user and must reach it.
    run_dir = Path(tempfile.mkdtemp(prefix="portal-deployment-"))
    proxy_port, *ports = _free_ports(replicas + 1)
    settings = {key: value for key, value in os.environ.items() if key != "PORTAL_ACCOUNTS_URL"}
    settings.update({"PORTAL_DB": str(database), "PORTAL_RUN_DIR": str(run_dir),
                     "PORTAL_REPLICA_PORTS": " ".join(map(str, ports)), **(env or {})})
    log = run_dir.with_name(run_dir.name + ".log")
    with open(log, "w") as output:
        process = subprocess.Popen([str(START_LOCAL), str(replicas), str(proxy_port)], cwd=PROJECT, env=settings,
                                   stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_ready(process, run_dir, log, timeout)
        yield Deployment(f"http://127.0.0.1:{proxy_port}", [f"http://127.0.0.1:{port}" for port in ports],
                         (run_dir / "accounts-url").read_text().strip(), run_dir, Path(database), process)
    finally:
        _stop(process, run_dir)
        shutil.rmtree(run_dir, ignore_errors=True)
        log.unlink(missing_ok=True)


def replica_pids(deployment: Deployment) -> list[int]:
    """The replicas' process ids: start-local's children running `portal.serve`."""
    found = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(status.read_text().rsplit(")", 1)[1].split()[1])
            command = status.with_name("cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):  # a process that ended meanwhile
            continue
        if parent == deployment.process.pid and b"portal.serve" in command:
            found.append(int(status.parent.name))
    return sorted(found)


def replica_pid(deployment: Deployment, name: str) -> int:
    """The process id of the named replica (HAProxy's name, "replica1"...): the one serving its port."""
    port = deployment.replica_urls[deployment.replica_names.index(name)].rsplit(":", 1)[1]
    for pid in replica_pids(deployment):
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if command[command.index(b"--server.port") + 1].decode() == port:
            return pid
    raise LookupError(f"no running replica serves port {port}")


def _wait_until_ready(process: subprocess.Popen, run_dir: Path, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not (run_dir / "ready").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            logs = "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-2000:]}"
                             for path in [log, *sorted(run_dir.glob("*.log"))] if path.exists())
            raise RuntimeError(f"deploy/start-local did not get ready (exit status {process.poll()}):\n{logs}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen, run_dir: Path) -> None:
    # start-local stops its replicas, the proxy and PostgreSQL when terminated; its process group is everything
    # it started except PostgreSQL (pg_ctl detaches the server), so whatever outlives it is killed by group
    # and PostgreSQL by its pid file.
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    pid_file = run_dir / "postgres" / "postmaster.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)  # PostgreSQL's immediate shutdown
            time.sleep(1)
        except (ProcessLookupError, ValueError, IndexError):
            pass


def _signal_group(group: int, number: int) -> None:
    try:
        os.killpg(group, number)
    except ProcessLookupError:
        pass
