"""What the deployment guide (docs/deploy.md) promises an operator: hubql behind a reverse proxy
that strips a path prefix and forwards the client's address, readiness that follows a rolling
upgrade (migrations first), and a guide that names every setting."""

import asyncio
import json
import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from app.db import create_engine
from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from tests.databases import migrated_database
from tests.faults.processes import hubql_server

GUIDE = PROJECT_ROOT / "docs" / "deploy.md"
FIRST_REVISION = "9933fb1dad1d"


def _access_lines(log: str) -> list[dict[str, object]]:
    lines = []
    for line in log.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") == "request":
                lines.append(record)
    return lines


@pytest.mark.parametrize(
    ("allowed", "client"),
    [("127.0.0.1", "203.0.113.9"), ("10.1.2.3", "127.0.0.1")],
    ids=["proxy-trusted", "proxy-not-trusted"],
)
def test_behind_a_proxy_under_a_path_prefix(tmp_path: Path, allowed: str, client: str) -> None:
    settings = {
        "HUBQL_ROOT_PATH": "/hubql",
        "HUBQL_FORWARDED_ALLOW_IPS": allowed,
        "HUBQL_LOG_LEVEL": "INFO",
    }
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    query = {"query": "{ __typename }"}
    with migrated_database(tmp_path) as url, hubql_server(url, tmp_path, env=settings) as server:
        # A proxy that passes the prefix on, and one that strips it.
        for base in (f"{server.base}/hubql", server.base):
            response = httpx.post(f"{base}/graphql", json=query, headers=forwarded)
            assert response.status_code == 200
            assert response.json()["data"] == {"__typename": "Query"}
            assert httpx.get(f"{base}/readyz").status_code == 200
        # GraphiQL under the prefix finds its files there (the page names them relatively).
        page = httpx.get(f"{server.base}/hubql/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assets = re.findall(r'(?:src|href)="(graphql/static/[^"]+)"', page.text)
        assert assets
        for asset in assets:
            assert httpx.get(f"{server.base}/hubql/{asset}").status_code == 200, asset
        # Only the prefix itself counts: `/hubqlx` is not under it.
        assert httpx.post(f"{server.base}/hubqlx/graphql", json=query).status_code == 404
    posts = [line for line in _access_lines(server.log_tail(200_000)) if line["method"] == "POST"]
    assert [line["path"] for line in posts] == ["/graphql", "/graphql", "/hubqlx/graphql"]
    assert [line["client"] for line in posts[:2]] == [client, client]


def _readiness(url: str) -> tuple[int, dict[str, object]]:
    async def ask() -> tuple[int, dict[str, object]]:
        engine = create_engine(url)
        app = create_app(Settings(database_url=url, log_level="ERROR"), engine=engine)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hubql") as client:
                response = await client.get("/readyz")
                return response.status_code, response.json()
        finally:
            await engine.dispose()

    return asyncio.run(ask())


def _set_revision(url: str, revision: str) -> None:
    async def stamp() -> None:
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE alembic_version SET version_num = :r"), {"r": revision}
            )
        await engine.dispose()

    asyncio.run(stamp())


def test_a_database_behind_the_code_is_not_ready(tmp_path: Path) -> None:
    with migrated_database(tmp_path, FIRST_REVISION) as url:
        status, body = _readiness(url)
    assert status == 503
    assert body["ready"] is False
    assert FIRST_REVISION in str(body["reason"])
    assert "hubql migrate" in str(body["reason"])


def test_a_database_a_release_ahead_stays_ready(tmp_path: Path) -> None:
    """Upgrades migrate first: the release still serving sees a revision it does not know."""
    with migrated_database(tmp_path) as url:
        status, body = _readiness(url)
        assert (status, body["ready"]) == (200, True)
        _set_revision(url, "0123456789ab")
        status, body = _readiness(url)
    assert status == 200
    assert body["migration"] == "0123456789ab"


def test_the_guide_names_every_setting() -> None:
    guide = GUIDE.read_text()
    documented = set(re.findall(r"`(HUBQL_[A-Z0-9_]+)`", guide))
    settings = {f"HUBQL_{name.upper()}" for name in Settings.model_fields}
    assert settings - documented == set(), "settings the deployment guide does not describe"
    assert documented - settings == set(), "the guide describes settings that do not exist"
