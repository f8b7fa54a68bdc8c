"""Webhooks delivered by several `hubql serve` processes on one PostgreSQL database: each event
reaches a healthy receiver exactly once, and a process killed mid-delivery leaves it to another
once its lease runs out."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from app.projects.models import ProjectFeature
from tests import databases
from tests.faults.processes import Server, hubql_server
from tests.helpers import Factory, Person, global_id
from tests.webhooks.receiver import receiver

pytestmark = pytest.mark.skipif(
    databases.backend() != "postgresql",
    reason="several processes share one PostgreSQL database (HUBQL_TEST_DATABASE=postgresql)",
)

ENV = {
    "HUBQL_SECRET_KEY": "tests-only-key",
    "HUBQL_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
    "HUBQL_WEBHOOK_LEASE_SECONDS": "2",
    "HUBQL_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
}
CREATE_HOOK = """mutation($project: ID!, $url: String!) {
  createWebhook(input: {projectId: $project, url: $url, events: ["run.created"]}) {
    webhook { id } userErrors { field code message } } }"""
CREATE_RUN = """mutation($project: ID!, $name: String!) {
  createRun(input: {projectId: $project, name: $name}) { run { id } } }"""


async def _post(base: str, query: str, variables: dict[str, Any], as_: Person) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {as_.token}"},
        )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


async def _world(factory: Factory) -> tuple[Person, str]:
    owner = await factory.user("owner")
    acme = await factory.organization("acme", owner=owner)
    project = await factory.project(acme, "vision", features=frozenset({ProjectFeature.RUNTIME}))
    return owner, global_id("Project", project)


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        hubql_server(database_url, tmp_path / "a", ENV) as a,
        hubql_server(database_url, tmp_path / "b", ENV) as b,
    ):
        yield a, b


async def test_two_processes_deliver_each_event_exactly_once(
    factory: Factory, two_servers: tuple[Server, Server]
) -> None:
    a, b = two_servers
    owner, project = await _world(factory)
    with receiver() as hook:
        created = await _post(a.base, CREATE_HOOK, {"project": project, "url": hook.url}, owner)
        assert created["createWebhook"]["userErrors"] == []
        await asyncio.gather(
            *(
                _post(server.base, CREATE_RUN, {"project": project, "name": f"r{i}"}, owner)
                for i, server in enumerate([a, b] * 15)
            )
        )
        await asyncio.to_thread(hook.wait_for, 30, 15.0)
        await asyncio.sleep(1.0)  # time for a second copy of anything to arrive
        deliveries = [r.headers["X-Hubql-Delivery"] for r in hook.requests]
    assert len(deliveries) == 30, len(deliveries)
    assert len(set(deliveries)) == 30


async def test_a_process_killed_mid_delivery_leaves_it_to_another(
    factory: Factory, database_url: str, tmp_path: Path
) -> None:
    owner, project = await _world(factory)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with receiver(hang_first=30.0) as hook:
        with hubql_server(database_url, tmp_path / "a", ENV) as a:
            await _post(a.base, CREATE_HOOK, {"project": project, "url": hook.url}, owner)
            await _post(a.base, CREATE_RUN, {"project": project, "name": "only"}, owner)
            [first] = await asyncio.to_thread(hook.wait_for, 1, 10.0)
            a.sigkill()  # mid-delivery: the receiver has the request, A never hears back
        with hubql_server(database_url, tmp_path / "b", ENV):
            requests = await asyncio.to_thread(hook.wait_for, 2, 15.0)
    assert len(requests) == 2
    assert requests[1].headers["X-Hubql-Delivery"] == first.headers["X-Hubql-Delivery"]
    connection = await asyncpg.connect(
        database_url.replace("postgresql+asyncpg://", "postgresql://")
    )
    try:
        status = await connection.fetchval("SELECT status FROM webhook_deliveries")
    finally:
        await connection.close()
    assert status == "SUCCEEDED"
