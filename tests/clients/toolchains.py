"""The client toolchains, each in an environment of its own under .cache/clients (gitignored),
installed by the tests themselves and reused while their pins are unchanged.

- ariadne-codegen (and mypy, to type-check the story against what it generates) in a venv of
  its own: it needs an older graphql-core than Strawberry.
- the npm tools (graphql-codegen, TypeScript, relay-compiler) with `npm ci` from
  clients/package.json and clients/package-lock.json.

The two database legs of `make test` run side by side, so every install holds a file lock
(fcntl.flock) and writes a stamp of what it installed last; the other leg waits, then finds the
stamp. Without node/npm or the registries the tests skip, except under CI=true, where they fail.
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.settings import PROJECT_ROOT
from tests import databases
from tests.faults.processes import missing

CLIENTS = PROJECT_ROOT / "clients"
OPERATIONS = PROJECT_ROOT / "schema" / "operations"
SCHEMA = PROJECT_ROOT / "schema" / "schema.graphql"
CACHE = PROJECT_ROOT / ".cache" / "clients"

# The Python toolchain's pins (the npm ones are in clients/package.json and its lock).
ARIADNE_REQUIREMENTS = ("ariadne-codegen==0.19.0", "mypy==2.4.1")
INSTALL_TIMEOUT = 600


def codegen_leg() -> None:
    """The codegen-only checks need no database: they run in the SQLite leg only."""
    if databases.backend() != "sqlite":
        pytest.skip("codegen-only: runs in the SQLite leg (HUBQL_TEST_DATABASE=sqlite)")


@contextmanager
def _locked(name: str) -> Iterator[None]:
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _install(command: list[str], what: str, cwd: Path | None = None) -> None:
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        missing(f"installing {what} took over {INSTALL_TIMEOUT} s (is the registry reachable?)")
    if result.returncode != 0:
        missing(
            f"could not install {what} (is the registry reachable?): "
            f"{(result.stderr or result.stdout)[-2000:]}"
        )


def ariadne_venv() -> Path:
    """The venv's bin directory, with ariadne-codegen and mypy installed."""
    venv = CACHE / "ariadne-venv"
    stamp = venv / ".installed"
    wanted = "\n".join(ARIADNE_REQUIREMENTS)
    with _locked("ariadne-venv"):
        if not (stamp.is_file() and stamp.read_text() == wanted):
            shutil.rmtree(venv, ignore_errors=True)
            _install([sys.executable, "-m", "venv", str(venv)], "a venv for ariadne-codegen")
            _install(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                 "--disable-pip-version-check", *ARIADNE_REQUIREMENTS],
                " ".join(ARIADNE_REQUIREMENTS),
            )  # fmt: skip
            stamp.write_text(wanted)
    return venv / "bin"


def node_modules() -> Path:
    """node_modules of clients/package.json, as its lock file pins it (`npm ci`)."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        missing("the TypeScript and Relay checks need Node.js and npm on PATH")
    home = CACHE / "node"
    lock = (CLIENTS / "package-lock.json").read_bytes()
    wanted = hashlib.sha256((CLIENTS / "package.json").read_bytes() + lock).hexdigest()
    stamp = home / ".installed"
    with _locked("node"):
        if not (stamp.is_file() and stamp.read_text() == wanted):
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(parents=True)
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(CLIENTS / name, home / name)
            _install(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                "the npm tools (npm ci in clients/)",
                cwd=home,
            )
            stamp.write_text(wanted)
    return home / "node_modules"


def run(
    command: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """A toolchain command; the test asserts on its return code and shows its output."""
    return subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def output(result: "subprocess.CompletedProcess[str]") -> str:
    return f"exit {result.returncode}\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
