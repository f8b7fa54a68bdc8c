"""PostgreSQL restarts under load; hubql keeps running and loses no acknowledged write.

A private PostgreSQL cluster (initdb in a temporary directory, a free port) serves a real
`hubql serve`. Writers create runs and readers page through them while the cluster is stopped
(`pg_ctl stop -m fast`), left down for two seconds and started again. Meanwhile `/readyz` is
polled: it must answer 503 while the database is down and 200 again soon after it is back,
without hubql being restarted. Requests may fail during the outage, but cleanly: an HTTP
response whose JSON errors all carry an `extensions.code`, no traceback, no hang. Afterwards
every run whose creation was acknowledged (the run in the payload, no errors) must be in the
database.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from app.db import create_engine, create_sessionmaker
from app.migrations import upgrade_to_head
from app.projects.models import ProjectFeature
from tests import databases
from tests.faults.processes import PostgresInstance, Server, hubql_server, postgres_instance
from tests.helpers import Factory, Person, global_id

pytestmark = pytest.mark.skipif(
    databases.backend() != "postgresql",
    reason="restarts a private PostgreSQL cluster; runs in the PostgreSQL leg only "
    "(HUBQL_TEST_DATABASE=postgresql)",
)

WRITERS = 12
READERS = 4
BEFORE_SECONDS = 3.0
DOWN_SECONDS = 2.0
AFTER_SECONDS = 3.0
READY_WITHIN_SECONDS = 20.0
REQUEST_TIMEOUT = 15.0

CREATE_RUN = """
mutation($input: CreateRunInput!) {
  createRun(input: $input) { run { uuid } userErrors { field code message } }
}
"""
RUNS = """
query($owner: String!, $name: String!) {
  project(owner: $owner, name: $name) {
    runs(first: 20, query: "status:succeeded", sort: "-created_at") {
      totalCount edges { node { uuid name status outputs } }
    }
  }
}
"""


@dataclass
class World:
    url: str
    dsn: str
    writer: Person
    project_id: str


@dataclass
class Observed:
    """Everything the load saw, by phase: up, stopping, down, starting, recovered."""

    phase: str = "up"
    acknowledged: list[str] = field(default_factory=list)
    acknowledged_by_phase: Counter[str] = field(default_factory=Counter)
    reads_ok: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # "phase status CODE"
    unclean: list[str] = field(default_factory=list)
    readiness: list[tuple[float, str, int]] = field(default_factory=list)  # (t, phase, status)


@pytest.fixture
def instance() -> Iterator[PostgresInstance]:
    with postgres_instance() as cluster:
        yield cluster


@pytest.fixture
async def world(instance: PostgresInstance) -> World:
    admin = await asyncpg.connect(instance.dsn())
    try:
        await admin.execute('CREATE DATABASE "hubql_faults"')
    finally:
        await admin.close()
    dsn = instance.dsn("hubql_faults")
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    await asyncio.to_thread(upgrade_to_head, url)
    engine = create_engine(url)
    try:
        factory = Factory(create_sessionmaker(engine))
        writer = await factory.user("writer")
        organization = await factory.organization("acme", owner=writer)
        project = await factory.project(
            organization, "train", features=frozenset({ProjectFeature.RUNTIME})
        )
    finally:
        await engine.dispose()
    return World(url, dsn, writer, global_id("Project", project))


@pytest.fixture
def server(world: World, tmp_path: Path) -> Iterator[Server]:
    with hubql_server(world.url, tmp_path) as running:
        yield running


def _clean_failure(response: httpx.Response) -> tuple[str | None, str]:
    """(codes, "") for a clean failure, (None, why) when the failure is not clean."""
    text = response.text
    if "Traceback" in text or 'File "' in text:
        return None, f"{response.status_code}: traceback in the body: {text[:300]}"
    try:
        body = response.json()
    except ValueError:
        return None, f"{response.status_code}: not JSON: {text[:300]}"
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return None, f"{response.status_code}: no errors but no result either: {text[:300]}"
    codes = [(error.get("extensions") or {}).get("code") for error in errors]
    if not all(isinstance(code, str) for code in codes):
        return None, f"{response.status_code}: an error without extensions.code: {text[:300]}"
    return ",".join(sorted({str(code) for code in codes})), ""


async def _post(
    client: httpx.AsyncClient, observed: Observed, query: str, variables: dict[str, Any], token: str
) -> dict[str, Any] | None:
    """The data of a successful request; None (and the failure recorded, by the phase it
    ended in) otherwise."""
    try:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError as error:  # a hung or dropped request is never clean
        observed.unclean.append(f"{observed.phase}: {type(error).__name__}: {error}")
        return None
    phase = observed.phase
    if response.status_code == 200:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and "errors" not in body and body.get("data"):
            data: dict[str, Any] = body["data"]
            return data
    codes, why = _clean_failure(response)
    if codes is None:
        observed.unclean.append(f"{phase}: {why}")
    else:
        observed.failures[f"{phase} {response.status_code} {codes}"] += 1
    return None


async def _write(
    client: httpx.AsyncClient, world: World, observed: Observed, done: asyncio.Event, worker: int
) -> None:
    serial = 0
    while not done.is_set():
        serial += 1
        variables = {
            "input": {
                "projectId": world.project_id,
                "name": f"w{worker}-{serial}",
                "status": "SUCCEEDED",
                "outputs": {"accuracy": 0.9},
            }
        }
        data = await _post(client, observed, CREATE_RUN, variables, world.writer.token)
        if data is None:
            await asyncio.sleep(0.05)  # a failing server is not hammered in a tight loop
            continue
        phase = observed.phase
        payload = data["createRun"]
        if payload["userErrors"] or payload["run"] is None:
            observed.unclean.append(f"{phase}: unexpected payload {payload}")
            continue
        observed.acknowledged.append(payload["run"]["uuid"])
        observed.acknowledged_by_phase[phase] += 1


async def _read(
    client: httpx.AsyncClient, world: World, observed: Observed, done: asyncio.Event
) -> None:
    variables = {"owner": "acme", "name": "train"}
    while not done.is_set():
        data = await _post(client, observed, RUNS, variables, world.writer.token)
        if data is None:
            await asyncio.sleep(0.05)
        elif data["project"] is None:
            observed.unclean.append(f"{observed.phase}: the project vanished")
        else:
            observed.reads_ok += 1


async def _poll_readiness(
    client: httpx.AsyncClient, observed: Observed, started: float, done: asyncio.Event
) -> None:
    while not done.is_set():
        before = observed.phase
        try:
            status = (await client.get("/readyz", timeout=5.0)).status_code
        except httpx.HTTPError:
            status = 0  # no answer within 5 s: /readyz hung
        # A poll that spans a change of phase belongs to neither.
        phase = before if observed.phase == before else f"{before}->{observed.phase}"
        observed.readiness.append((time.monotonic() - started, phase, status))
        await asyncio.sleep(0.1)


async def _until_ready(observed: Observed, since: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if any(status == 200 for _, _, status in observed.readiness[since:]):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_acknowledged_writes_survive_a_postgres_restart(
    instance: PostgresInstance, world: World, server: Server
) -> None:
    observed = Observed()
    done = asyncio.Event()
    started = time.monotonic()
    limits = httpx.Limits(max_connections=WRITERS + READERS + 2)
    async with httpx.AsyncClient(
        base_url=server.base, timeout=REQUEST_TIMEOUT, limits=limits
    ) as client:
        load = [
            *(
                asyncio.create_task(_write(client, world, observed, done, worker))
                for worker in range(WRITERS)
            ),
            *(asyncio.create_task(_read(client, world, observed, done)) for _ in range(READERS)),
        ]
        poller = asyncio.create_task(_poll_readiness(client, observed, started, done))
        try:
            await asyncio.sleep(BEFORE_SECONDS)
            observed.phase = "stopping"
            await asyncio.to_thread(instance.stop, "fast")
            observed.phase = "down"
            down_at = time.monotonic()
            await asyncio.sleep(DOWN_SECONDS)
            observed.phase = "starting"
            await asyncio.to_thread(instance.start)
            up_at = time.monotonic()
            observed.phase = "recovered"
            since = len(observed.readiness)
            ready = await _until_ready(observed, since, up_at + READY_WITHIN_SECONDS)
            ready_after = time.monotonic() - up_at
            await asyncio.sleep(AFTER_SECONDS)
        finally:
            done.set()
            await asyncio.gather(*load, poller, return_exceptions=True)

    assert server.process.poll() is None, f"hubql died: {server.log_tail()}"
    down_polls = [status for _, phase, status in observed.readiness if phase == "down"]
    not_ready = [t for t, _, status in observed.readiness if status != 200]
    not_ready_for = (max(not_ready) - min(not_ready)) if not_ready else 0.0

    connection = await asyncpg.connect(world.dsn)
    try:
        found = {
            row["uuid"]
            for row in await connection.fetch(
                "SELECT uuid FROM runs WHERE uuid = ANY($1::varchar[])", observed.acknowledged
            )
        }
        stored = int(await connection.fetchval("SELECT count(*) FROM runs"))
    finally:
        await connection.close()
    lost = sorted(set(observed.acknowledged) - found)

    print(
        f"\n[postgres restart] acknowledged writes: {len(observed.acknowledged)} "
        f"({dict(observed.acknowledged_by_phase)}), found after the restart: "
        f"{len(observed.acknowledged) - len(lost)}, runs stored: {stored}, reads ok: "
        f"{observed.reads_ok}\n"
        f"[postgres restart] /readyz polls while down: {len(down_polls)} "
        f"({dict(Counter(down_polls))}); not ready for {not_ready_for:.1f} s; "
        f"200 again {ready_after:.1f} s after the start (down for "
        f"{up_at - down_at:.1f} s)\n"
        f"[postgres restart] clean failures (phase status codes): {dict(observed.failures)}\n"
        f"[postgres restart] unclean: {len(observed.unclean)} {observed.unclean[:5]}"
    )

    assert not lost, f"{len(lost)} acknowledged runs are missing, e.g. {lost[:5]}"
    assert len(down_polls) >= 3, observed.readiness
    assert set(down_polls) == {503}, f"/readyz while PostgreSQL was down: {down_polls}"
    assert ready, f"/readyz not 200 within {READY_WITHIN_SECONDS} s: {observed.readiness[-10:]}"
    assert observed.acknowledged_by_phase["up"] > 0
    assert observed.acknowledged_by_phase["recovered"] > 0, "no write succeeded after the restart"
    assert observed.unclean == [], observed.unclean[:10]
