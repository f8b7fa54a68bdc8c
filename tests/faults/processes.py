"""Real processes for the fault tests: a `hubql serve` and a private PostgreSQL instance.

Both run in their own process group so a finalizer can take the whole group down, and both
listen on free ports. The private PostgreSQL instance lives in a temporary directory owned by
the `postgres` OS user when the tests run as root (initdb and postgres refuse to run as root);
it never touches the machine's own server.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import httpx
import pytest

BIN = Path(sys.executable).parent
POSTGRES_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def stop_group(process: "subprocess.Popen[bytes]", *, grace: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL it if it has not gone within `grace` seconds."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    with suppress(ProcessLookupError):  # anything the leader left behind in its group
        os.killpg(process.pid, signal.SIGKILL)


def missing(reason: str) -> NoReturn:
    """Skip, except under CI=true, where missing machinery is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true requires it)")
    pytest.skip(reason)


@dataclass
class Server:
    process: "subprocess.Popen[bytes]"
    base: str
    log: Path

    def log_tail(self, characters: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-characters:]

    def sigkill(self) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


@contextmanager
def hubql_server(
    database_url: str, directory: Path, env: dict[str, str] | None = None, *, workers: int = 1
) -> Iterator[Server]:
    """`hubql serve --workers <workers>` on a free port against `database_url` (and `env`'s
    HUBQL_* settings); stopped (group-wide) on exit."""
    port = free_port()
    env = {
        **os.environ,
        "HUBQL_DATABASE_URL": database_url,
        "HUBQL_PORT": str(port),
        "HUBQL_LOG_FORMAT": "json",
        # Many clients share a few users: exactly the load the per-viewer budget exists to
        # stop. This measures the server under that load, so the budget is off.
        "HUBQL_RATE_LIMIT_PER_MINUTE": "0",
        "HUBQL_LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    log_path = directory / "hubql-serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [BIN / "hubql", "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = Server(process, f"http://127.0.0.1:{port}", log_path)
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    pytest.fail(f"hubql serve exited at start: {server.log_tail()}")
                with suppress(httpx.TransportError):
                    if httpx.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(f"hubql serve did not start within 30 s: {server.log_tail()}")
                time.sleep(0.1)
            yield server
        finally:
            stop_group(process)


def _postgres_binary(name: str) -> str | None:
    for directory in POSTGRES_BIN_DIRS:
        if (directory / name).is_file():
            return str(directory / name)
    return shutil.which(name)


@dataclass
class PostgresInstance:
    """A throwaway PostgreSQL cluster: its own data directory, port and socket directory."""

    root: Path
    port: int
    pg_ctl: str
    as_postgres: list[str]

    @property
    def data(self) -> Path:
        return self.root / "data"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(
            [*self.as_postgres, self.pg_ctl, "-D", str(self.data), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            log = (self.root / "postgres.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"pg_ctl {' '.join(args)} failed: {result.stderr}\n{log}")

    def start(self) -> None:
        self._ctl("-l", str(self.root / "postgres.log"), "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "-t", "30", "stop")

    def kill_postmaster(self) -> None:
        """The last resort when pg_ctl cannot stop it: SIGKILL the postmaster by its pid file."""
        with suppress(OSError, ValueError, IndexError):
            pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, signal.SIGKILL)

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@contextmanager
def postgres_instance() -> Iterator[PostgresInstance]:
    """initdb a cluster in a temporary directory, start it, and remove it all on exit."""
    initdb = _postgres_binary("initdb")
    pg_ctl = _postgres_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        missing("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse root
        runuser = shutil.which("runuser")
        if runuser is None:
            missing("running as root needs `runuser` to start PostgreSQL as the postgres user")
        try:
            import pwd  # noqa: PLC0415  (POSIX only, like everything here)

            account = pwd.getpwnam("postgres")
        except KeyError:
            missing("running as root needs a `postgres` OS user to own the test cluster")
        as_postgres = [str(runuser), "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="hubql-faults-pg-"))
    instance = PostgresInstance(root, free_port(), pg_ctl, as_postgres)
    try:
        if as_postgres:
            os.chown(root, account.pw_uid, account.pw_gid)
        subprocess.run(
            [*as_postgres, initdb, "-D", str(instance.data), "-U", "postgres", "--auth=trust",
             "-E", "UTF8", "--no-sync", "--no-instructions"],
            capture_output=True, check=True, timeout=120,
        )  # fmt: skip
        with (instance.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {instance.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{root}'\n"
                "max_connections = 100\n"
                "shared_buffers = 32MB\n"
            )
        instance.start()
        yield instance
    finally:
        if instance.running():
            try:
                instance.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                instance.kill_postmaster()
        shutil.rmtree(root, ignore_errors=True)
