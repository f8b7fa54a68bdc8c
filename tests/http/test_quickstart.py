"""The README's quick start, run as written against a real `hubql serve` (uvicorn)."""

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.settings import PROJECT_ROOT

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _quick_start_script() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert blocks[0].strip() == "make run"
    return str(blocks[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = _free_port()
    env = {
        **os.environ,
        "HUBQL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hubql.db'}",
        "HUBQL_PORT": str(port),
        "HUBQL_LOG_FORMAT": "json",
    }
    subprocess.run([BIN / "hubql", "migrate"], env=env, check=True, capture_output=True)
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [BIN / "hubql", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail(f"hubql serve did not start: {(tmp_path / 'server.log').read_text()}")
        yield base, env
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_quick_start_works_as_written(server: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    base, env = server
    script = _quick_start_script()
    script = script.replace(".venv/bin/hubql", str(BIN / "hubql"))
    script = script.replace("http://127.0.0.1:8000", base)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    viewer, created = (json.loads(line) for line in result.stdout.strip().splitlines())
    assert viewer["data"] == {"viewer": {"username": "ada", "email": "ada@example.org"}}
    assert viewer["extensions"]["cost"] == {"requestedNodes": 0, "maxNodes": 50_000}
    organization = created["data"]["createOrganization"]
    assert organization["userErrors"] == []
    assert organization["organization"]["name"] == "acme"
    assert organization["organization"]["viewerRole"] == "OWNER"


def test_graphiql_readiness_and_metrics(server: tuple[str, dict[str, str]]) -> None:
    base, _ = server
    page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    ready = httpx.get(f"{base}/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    metrics = httpx.get(f"{base}/metrics")
    assert "hubql_http_requests_total" in metrics.text
