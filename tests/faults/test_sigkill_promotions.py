"""SIGKILL a real `hubql serve` in the middle of a burst of promotions (SQLite and PostgreSQL).

A promotion writes three rows in one transaction: the model version, its first stage condition
and a `model_version.promoted` activity. Whatever moment the process dies at, the database must
hold all three or none of them for each version, and every promotion the server acknowledged
(the version in the payload, no errors) must be there.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import create_engine, create_sessionmaker
from app.projects.models import ProjectFeature
from tests import databases
from tests.faults.processes import Server, hubql_server
from tests.helpers import Factory, Person, global_id

RUNS = 200
CONCURRENCY = 32
KILL_AFTER = 30  # acknowledged promotions
REQUEST_TIMEOUT = 20.0
PROMOTED = "model_version.promoted"

PROMOTE = """
mutation($input: PromoteRunInput!) {
  promoteRun(input: $input) {
    modelVersion { id name stage }
    userErrors { field code message }
  }
}
"""


@dataclass
class Registry:
    url: str
    writer: Person
    project_id: int
    run_ids: list[int]


@dataclass
class Burst:
    acknowledged: dict[str, str] = field(default_factory=dict)  # name -> global id
    killed_at: int | None = None
    outcomes: Counter[str] = field(default_factory=Counter)


@pytest.fixture
def fault_database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of the leg's kind, just for this test."""
    with databases.migrated_database(tmp_path) as url:
        yield url


@pytest.fixture
async def registry(fault_database_url: str) -> Registry:
    engine = create_engine(fault_database_url)
    try:
        sessions = create_sessionmaker(engine)
        factory = Factory(sessions)
        writer = await factory.user("writer")
        organization = await factory.organization("acme", owner=writer)
        project_id = await factory.project(
            organization,
            "fraud",
            features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL}),
        )
        runs = await factory.trained_runs(project_id, RUNS, created_by=writer)
        run_ids = [run_id for run_id, _ in runs]
    finally:
        await engine.dispose()
    return Registry(fault_database_url, writer, project_id, run_ids)


@pytest.fixture
def server(registry: Registry, tmp_path: Path) -> Iterator[Server]:
    with hubql_server(registry.url, tmp_path) as running:
        yield running


async def _promote(
    client: httpx.AsyncClient,
    server: Server,
    registry: Registry,
    burst: Burst,
    gate: asyncio.Semaphore,
    index: int,
) -> None:
    variables = {
        "input": {
            "projectId": global_id("Project", registry.project_id),
            "runId": global_id("Run", registry.run_ids[index]),
            "name": f"v{index}",
            "artifacts": ["model"],
        }
    }
    headers = {"Authorization": f"Bearer {registry.writer.token}"}
    async with gate:
        if burst.killed_at is not None:
            burst.outcomes["not sent (server killed)"] += 1
            return
        try:
            response = await client.post(
                "/graphql", json={"query": PROMOTE, "variables": variables}, headers=headers
            )
        except httpx.HTTPError as error:
            burst.outcomes[f"transport: {type(error).__name__}"] += 1
            return
    body: dict[str, Any] = response.json()
    payload = (body.get("data") or {}).get("promoteRun")
    if response.status_code != 200 or "errors" in body or not payload:
        burst.outcomes[f"error {response.status_code}"] += 1
        return
    assert payload["userErrors"] == [], payload
    version = payload["modelVersion"]
    assert version["name"] == f"v{index}"
    assert version["stage"] == "TESTING"
    burst.acknowledged[version["name"]] = version["id"]
    burst.outcomes["acknowledged"] += 1
    if burst.killed_at is None and len(burst.acknowledged) >= KILL_AFTER:
        server.sigkill()
        burst.killed_at = len(burst.acknowledged)


async def _settled(engine: AsyncEngine) -> None:
    """On PostgreSQL: wait until the dead server's backends are gone (their transactions over)."""
    if engine.dialect.name != "postgresql":
        return
    deadline = time.monotonic() + 20
    async with engine.connect() as connection:
        while time.monotonic() < deadline:
            others = await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            if not others:
                return
            await connection.rollback()
            await asyncio.sleep(0.1)
    pytest.fail("the killed server's PostgreSQL backends did not go away within 20 s")


async def test_sigkill_mid_burst_leaves_whole_promotions(
    registry: Registry, server: Server
) -> None:
    burst = Burst()
    gate = asyncio.Semaphore(CONCURRENCY)
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=server.base, timeout=REQUEST_TIMEOUT, limits=limits
    ) as client:
        # The token's first use writes last_used_at; the burst is about promotions only.
        warm = await client.post(
            "/graphql",
            json={"query": "{ viewer { username } }"},
            headers={"Authorization": f"Bearer {registry.writer.token}"},
        )
        assert warm.json()["data"] == {"viewer": {"username": "writer"}}, warm.text
        started = time.monotonic()
        await asyncio.gather(
            *(_promote(client, server, registry, burst, gate, index) for index in range(RUNS))
        )
        elapsed = time.monotonic() - started
    assert burst.killed_at is not None, f"the burst ended before {KILL_AFTER} acknowledgements"
    server.process.wait(timeout=10)
    assert server.process.returncode == -9, server.process.returncode

    engine = create_engine(registry.url)
    try:
        await _settled(engine)
        async with engine.connect() as connection:
            versions = {
                row.name: row.id
                for row in await connection.execute(
                    text("SELECT id, name FROM model_versions WHERE project_id = :project"),
                    {"project": registry.project_id},
                )
            }
            activities = [
                (row.subject_id, row.verb)
                for row in await connection.execute(
                    text(
                        "SELECT subject_id, verb FROM activities "
                        "WHERE subject_type = 'ModelVersion' OR verb = :verb"
                    ),
                    {"verb": PROMOTED},
                )
            ]
            conditions = Counter(
                row.model_version_id
                for row in await connection.execute(
                    text("SELECT model_version_id FROM stage_conditions")
                )
            )
    finally:
        await engine.dispose()

    per_version = Counter(subject_id for subject_id, _ in activities)
    ids = set(versions.values())
    without_one_activity = sorted(i for i in ids if per_version[i] != 1)
    wrong_verb = sorted((s, v) for s, v in activities if s in ids and v != PROMOTED)
    orphan_activities = sorted(s for s, v in activities if v == PROMOTED and s not in ids)
    without_condition = sorted(i for i in ids if conditions[i] < 1)
    orphan_conditions = sorted(set(conditions) - ids)
    missing = sorted(
        name
        for name, global_version_id in burst.acknowledged.items()
        if name not in versions or global_id("ModelVersion", versions[name]) != global_version_id
    )
    print(
        f"\n[sigkill {databases.backend()}] {RUNS} promotions at concurrency {CONCURRENCY}, "
        f"server SIGKILLed after {burst.killed_at} acknowledged ({elapsed:.1f} s); outcomes: "
        f"{dict(burst.outcomes)}\n"
        f"[sigkill {databases.backend()}] in the database: {len(versions)} versions, "
        f"{sum(per_version.values())} activities, {sum(conditions.values())} stage conditions; "
        f"acknowledged but missing: {len(missing)}; versions without exactly one activity: "
        f"{len(without_one_activity)}; without a condition: {len(without_condition)}; orphan "
        f"activities: {len(orphan_activities)}; orphan conditions: {len(orphan_conditions)}"
    )
    assert missing == [], f"acknowledged promotions not in the database: {missing}"
    assert without_one_activity == [], {i: per_version[i] for i in without_one_activity}
    assert wrong_verb == [], wrong_verb
    assert orphan_activities == [], orphan_activities
    assert without_condition == [], without_condition
    assert orphan_conditions == [], orphan_conditions
    assert len(versions) >= len(burst.acknowledged)
