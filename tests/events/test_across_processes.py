"""Subscriptions across processes (PostgreSQL): a commit in one `hubql serve` wakes the
subscribers of another through NOTIFY, and a listener whose connection drops loses and doubles
nothing, because subscribers read the outbox from their cursors."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from tests import databases
from tests.events.client import subscriber
from tests.faults.processes import Server, hubql_server
from tests.helpers import Factory, Person, global_id

pytestmark = pytest.mark.skipif(
    databases.backend() != "postgresql",
    reason="NOTIFY between processes is PostgreSQL's; SQLite has one process "
    "(HUBQL_TEST_DATABASE=postgresql)",
)

CREATE_RUN = """mutation($project: ID!, $name: String!) {
  createRun(input: {projectId: $project, name: $name}) { run { id } } }"""
TRANSITION = """mutation($id: ID!, $stage: Stage!) {
  transitionModelVersionStage(input: {id: $id, stage: $stage}) { modelVersion { stage } } }"""
REMOVE_ACCESS = """mutation($project: ID!, $username: String!) {
  removeProjectAccess(input: {projectId: $project, username: $username}) { grant { role } } }"""
VERSION_EVENTS = """subscription($project: ID!) {
  modelVersionEvents(project: $project) { activity { verb } modelVersion { stage } } }"""
ACTIVITY = """subscription { activity(organization: "acme") { verb subject { id } } }"""


@pytest.fixture
def servers(database_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        hubql_server(database_url, tmp_path / "a") as a,
        hubql_server(database_url, tmp_path / "b") as b,
    ):
        yield a, b


async def _world(factory: Factory) -> tuple[Person, int]:
    owner = await factory.user("owner")
    acme = await factory.organization("acme", owner=owner)
    project = await factory.project(
        acme,
        "vision",
        visibility=ProjectVisibility.PRIVATE,
        features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL}),
    )
    return owner, project


async def _post(
    client: httpx.AsyncClient, query: str, variables: dict[str, object], as_: Person
) -> dict[str, object]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {as_.token}"},
    )
    body: dict[str, object] = response.json()
    assert "errors" not in body, body
    return body


async def test_a_commit_in_one_process_reaches_a_subscriber_of_another(
    factory: Factory, servers: tuple[Server, Server]
) -> None:
    """Subscribed through A, changed through B: the reader hears within 2 seconds, a member of
    the organization without access to the project hears nothing, and once the reader's grant
    is removed (through B too) the reader hears nothing more of it."""
    a, b = servers
    owner, project = await _world(factory)
    reader, outsider = await factory.user("reader"), await factory.user("outsider")
    organization = await factory.organization_id("acme")
    await factory.member(organization, reader, OrganizationRole.VIEWER)
    await factory.member(organization, outsider, OrganizationRole.VIEWER)
    await factory.grant(project, ProjectRole.VIEWER, person=reader)
    version = global_id("ModelVersion", await factory.model_version(project, "v1"))
    project_id = global_id("Project", project)
    async with (
        subscriber(a.base, reader.token) as listening,
        subscriber(a.base, outsider.token) as uninvited,
        httpx.AsyncClient(base_url=b.base) as http,
    ):
        await listening.subscribe("v", VERSION_EVENTS, {"project": project_id})
        await uninvited.subscribe("all", ACTIVITY, {})
        await asyncio.sleep(0.5)  # subscribed: the feed's start is read
        loop = asyncio.get_running_loop()
        sent = loop.time()
        await _post(http, TRANSITION, {"id": version, "stage": "STAGING"}, owner)
        [event] = await listening.wait_for("v", 1, within=2.0)
        assert loop.time() - sent < 2.0
        assert event["modelVersionEvents"] == {
            "activity": {"verb": "model_version.stage_changed"},
            "modelVersion": {"stage": "STAGING"},
        }
        await _post(http, REMOVE_ACCESS, {"project": project_id, "username": "reader"}, owner)
        await _post(http, TRANSITION, {"id": version, "stage": "TESTING"}, owner)
        assert len(await listening.wait_for("v", 2, within=2.0)) == 1
        assert uninvited.events("all") == []


async def test_a_dropped_listener_loses_and_doubles_nothing(
    factory: Factory, servers: tuple[Server, Server], database_url: str
) -> None:
    a, b = servers
    owner, project = await _world(factory)
    runs: list[str] = []

    async def write(http: httpx.AsyncClient, worker: int) -> None:
        for index in range(10):
            body = await _post(
                http,
                CREATE_RUN,
                {"project": global_id("Project", project), "name": f"r{worker}-{index}"},
                owner,
            )
            runs.append(body["data"]["createRun"]["run"]["id"])  # type: ignore[index]

    async def drop_listeners() -> None:
        await asyncio.sleep(0.3)
        connection = await asyncpg.connect(
            database_url.replace("postgresql+asyncpg://", "postgresql://")
        )
        try:
            dropped = await connection.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        finally:
            await connection.close()
        assert dropped >= 2, dropped  # both processes' listeners

    async with (
        subscriber(a.base, owner.token) as client,
        httpx.AsyncClient(base_url=b.base, timeout=10) as http,
    ):
        await client.subscribe("all", ACTIVITY, {})
        await asyncio.sleep(0.5)
        await asyncio.gather(*(write(http, worker) for worker in range(4)), drop_listeners())
        loop = asyncio.get_running_loop()
        started = loop.time()
        events = await client.wait_for("all", len(runs), within=12.0)
        print(f"[listener drop] all events {loop.time() - started:.2f} s after the last write")
    delivered = [event["activity"]["subject"]["id"] for event in events]
    assert sorted(delivered) == sorted(runs)  # every run once: none lost, none doubled
    assert len(delivered) == 40
