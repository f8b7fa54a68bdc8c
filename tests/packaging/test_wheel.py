"""The wheel carries everything `hubql` needs outside a checkout: built from the sources, installed
into a fresh virtual environment and run from a directory that is not the checkout, it migrates,
seeds and serves this leg's database.

How the fresh environment gets hubql's dependencies without downloading them: the wheel is
installed with `--no-deps --no-index`, and a `.pth` file puts the test run's own site-packages
after the fresh one on `sys.path`. So the dependencies come from there, while `app` (installed
only in editable form there, through a finder that this `.pth` never runs) comes from the wheel
alone; the test asserts that `app.__file__` lies inside the fresh environment, so a wheel missing
a file fails here rather than being patched over by the checkout.

The sources are copied to a temporary directory first: setuptools writes `build/` and
`*.egg-info` beside them, and the two database legs run at the same time.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.settings import PROJECT_ROOT
from tests import databases

SOURCES = ("pyproject.toml", "setup.py", "README.md", "app", "migrations", "policies")


def _run(*command: str | Path, **options: object) -> str:
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=120,
        check=False, **options,  # type: ignore[call-overload]
    )  # fmt: skip
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    output: str = done.stdout
    return output


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        origin = PROJECT_ROOT / name
        if origin.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
            shutil.copytree(origin, source / name, ignore=ignore)
        else:
            shutil.copy2(origin, source / name)
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", dist, source)  # fmt: skip
    [wheel] = dist.glob("hubql-*.whl")
    return wheel


def _install(wheel: Path, venv: Path) -> Path:
    """A fresh environment holding only the wheel; its dependencies come from this test run's."""
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    purelib = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"))
    ours = _run(sys.executable, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    (Path(str(purelib).strip()) / "hubql_test_dependencies.pth").write_text(ours)
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
         "--no-index", wheel)  # fmt: skip
    return venv / "bin"


@pytest.fixture
def unmigrated_url(tmp_path: Path) -> Iterator[str]:
    """An empty, unmigrated database of this leg's kind: `hubql migrate` is under test."""
    if databases.backend() == "postgresql":
        import asyncio  # noqa: PLC0415

        name, url = asyncio.run(databases.create_postgres_database())
        try:
            yield url
        finally:
            asyncio.run(databases.drop_postgres_database(name))
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'hubql.db'}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, "hubql serve exited"
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail("hubql serve did not become ready in 30 s")


def test_an_installed_wheel_migrates_seeds_and_serves(tmp_path: Path, unmigrated_url: str) -> None:
    bin_dir = _install(_build_wheel(tmp_path), tmp_path / "venv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env |= {"HUBQL_DATABASE_URL": unmigrated_url, "HUBQL_PORT": str(port), "COLUMNS": "200"}
    here = {"cwd": elsewhere, "env": env}

    where = "import app, app.bundled as b; print(app.__file__, *map(b.bundled, b.NAMES))"
    imported = _run(bin_dir / "python", "-c", where, **here).split()
    for path in imported:
        assert Path(path).is_relative_to(tmp_path / "venv"), imported

    _run(bin_dir / "hubql", "migrate", **here)
    seeded = _run(bin_dir / "hubql", "seed", "--scale", "small", **here)
    tokens = dict(line.split("\t") for line in seeded.splitlines() if "\t" in line)
    assert set(tokens) == {"ada", "bob"}

    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [str(bin_dir / "hubql"), "serve"], cwd=elsewhere, env=env, stdout=log,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base, server)
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.get(f"{base}/readyz").json()["ready"] is True
        answer = httpx.post(
            f"{base}/graphql",
            json={"query": '{ viewer { username } hub { totalCount }'
                  ' project(owner: "acme", name: "fraud-model") {'
                  " latestModelVersion(stage: PRODUCTION) { name } viewerCan { promote } } }"},
            headers={"Authorization": f"Bearer {tokens['bob']}"},
            timeout=10,
        ).json()  # fmt: skip
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=15)
        log.close()
    assert "errors" not in answer, answer
    assert answer["data"] == {
        "viewer": {"username": "bob"},
        "hub": {"totalCount": 57},
        "project": {"latestModelVersion": {"name": "v3"}, "viewerCan": {"promote": True}},
    }
