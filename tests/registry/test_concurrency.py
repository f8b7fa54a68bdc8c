"""Concurrent promotions under one version name, raced at the database (PostgreSQL).

`promoteRun` never checks before it inserts: the unique constraint on (project_id, name) decides,
inside a savepoint. Twenty requests promoting twenty different runs under one name leave exactly
one version and nineteen `TAKEN` userErrors; twenty promoting the same run and artifacts all
return that one version (idempotent retries).

The in-process ASGI app serves every request with its own session, so `asyncio.gather` of the
posts is concurrent at the database. The app's default engine pool (SQLAlchemy's 5 + 10 overflow)
would hold five of the twenty requests back waiting for a connection, so these tests build an
engine whose pool has room for all of them, and record how many INSERTs into `model_versions`
were in flight together, to show the race really happened.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.activity.models import Activity
from app.db import create_engine
from app.main import create_app
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectRole
from app.registry.models import ModelVersion, StageCondition
from app.settings import Settings
from tests import databases
from tests.helpers import Factory, GraphQLClient, Person, global_id

pytestmark = pytest.mark.skipif(
    databases.backend() != "postgresql",
    reason="needs PostgreSQL: SQLite admits one writer at a time, so promotions never race there "
    "(run with HUBQL_TEST_DATABASE=postgresql)",
)

CONCURRENCY = 20

PROMOTE = """
mutation($input: PromoteRunInput!) {
  promoteRun(input: $input) {
    modelVersion { id name digest run { uuid } }
    userErrors { field code message }
  }
}
"""


@dataclass
class InFlight:
    """How many INSERTs into model_versions were running at once (at most)."""

    running: int = 0
    peak: int = 0
    started: int = 0
    statements: set[int] = field(default_factory=set)

    def watch(self, engine: AsyncEngine) -> None:
        def before(
            _conn: Connection,
            _cursor: Any,
            statement: str,
            _parameters: Any,
            context: Any,
            _executemany: bool,
        ) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO MODEL_VERSIONS"):
                self.statements.add(id(context))
                self.started += 1
                self.running += 1
                self.peak = max(self.peak, self.running)

        def done(context: Any) -> None:
            if id(context) in self.statements:
                self.statements.discard(id(context))
                self.running -= 1

        def after(
            _conn: Connection,
            _cursor: Any,
            _statement: str,
            _parameters: Any,
            context: Any,
            _executemany: bool,
        ) -> None:
            done(context)

        def failed(error: ExceptionContext) -> None:
            done(error.execution_context)

        event.listen(engine.sync_engine, "before_cursor_execute", before)
        event.listen(engine.sync_engine, "after_cursor_execute", after)
        event.listen(engine.sync_engine, "handle_error", failed)


@dataclass
class Registry:
    writer: Person
    project: str
    project_id: int
    runs: list[tuple[int, str]]  # (row id, uuid)


@pytest.fixture
async def wide_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url, pool_size=CONCURRENCY + 5, max_overflow=0)
    yield engine
    await engine.dispose()


@pytest.fixture
async def wide_gql(settings: Settings, wide_engine: AsyncEngine) -> AsyncIterator[GraphQLClient]:
    transport = httpx.ASGITransport(app=create_app(settings, engine=wide_engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as client:
        yield GraphQLClient(client)


@pytest.fixture
async def registry(factory: Factory, sessions: async_sessionmaker[AsyncSession]) -> Registry:
    owner = await factory.user("owner")
    writer = await factory.user("writer")
    organization = await factory.organization("acme", owner=owner)
    await factory.member(organization, writer, OrganizationRole.MEMBER)
    project_id = await factory.project(
        organization, "fraud", features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL})
    )
    await factory.grant(project_id, ProjectRole.WRITER, person=writer)
    runs = await factory.trained_runs(project_id, CONCURRENCY, created_by=writer)
    return Registry(writer, global_id("Project", project_id), project_id, runs)


async def _race(
    gql: GraphQLClient, registry: Registry, run_ids: list[int], name: str
) -> list[dict[str, Any]]:
    # Warm up: the token's first use writes its last_used_at; the race is over the version only.
    await gql.data("{ viewer { username } }", as_=registry.writer)
    responses = await asyncio.gather(
        *(
            gql.post(
                PROMOTE,
                {
                    "input": {
                        "projectId": registry.project,
                        "runId": global_id("Run", run_id),
                        "name": name,
                        "artifacts": ["model"],
                    }
                },
                as_=registry.writer,
            )
            for run_id in run_ids
        )
    )
    assert [response.status_code for response in responses] == [200] * len(run_ids)
    bodies = [response.json() for response in responses]
    assert [body for body in bodies if "errors" in body] == []
    return [body["data"]["promoteRun"] for body in bodies]


async def _versions(
    sessions: async_sessionmaker[AsyncSession], project_id: int
) -> list[ModelVersion]:
    async with sessions() as session:
        return list(
            await session.scalars(select(ModelVersion).where(ModelVersion.project_id == project_id))
        )


async def _count(sessions: async_sessionmaker[AsyncSession], entity: type[Any]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(entity)) or 0)


async def test_one_name_twenty_runs_one_version_and_nineteen_taken(
    wide_gql: GraphQLClient,
    wide_engine: AsyncEngine,
    registry: Registry,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    in_flight = InFlight()
    in_flight.watch(wide_engine)
    payloads = await _race(wide_gql, registry, [run_id for run_id, _ in registry.runs], "v1")

    winners = [p for p in payloads if p["modelVersion"] is not None]
    losers = [p for p in payloads if p["modelVersion"] is None]
    assert len(winners) == 1, payloads
    assert winners[0]["userErrors"] == []
    assert len(losers) == CONCURRENCY - 1
    assert all(
        [(e["field"], e["code"]) for e in p["userErrors"]] == [("name", "TAKEN")] for p in losers
    ), losers

    versions = await _versions(sessions, registry.project_id)
    assert len(versions) == 1
    (version,) = versions
    winner = winners[0]["modelVersion"]
    assert winner["id"] == global_id("ModelVersion", version.id)
    assert winner["name"] == version.name == "v1"
    assert winner["digest"] == version.digest
    assert version.run_id is not None
    assert winner["run"] == {"uuid": dict(registry.runs)[version.run_id]}
    # The losers rolled back whole: one creation condition and one activity, the winner's.
    assert await _count(sessions, StageCondition) == 1
    assert await _count(sessions, Activity) == 1
    # Every request reached the INSERT, and some of them were waiting on each other there.
    assert in_flight.started == CONCURRENCY
    assert in_flight.peak >= 2, in_flight


async def test_the_same_promotion_twenty_times_at_once_is_one_version(
    wide_gql: GraphQLClient,
    wide_engine: AsyncEngine,
    registry: Registry,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    in_flight = InFlight()
    in_flight.watch(wide_engine)
    run_id, run_uuid = registry.runs[0]
    payloads = await _race(wide_gql, registry, [run_id] * CONCURRENCY, "v7")

    assert [p["userErrors"] for p in payloads] == [[]] * CONCURRENCY
    ids = {p["modelVersion"]["id"] for p in payloads}
    assert len(ids) == 1, payloads
    versions = await _versions(sessions, registry.project_id)
    assert [global_id("ModelVersion", v.id) for v in versions] == list(ids)
    assert all(p["modelVersion"]["run"] == {"uuid": run_uuid} for p in payloads)
    assert {p["modelVersion"]["digest"] for p in payloads} == {versions[0].digest}
    # Only the creating request wrote its condition and activity.
    assert await _count(sessions, StageCondition) == 1
    assert await _count(sessions, Activity) == 1
    assert in_flight.started == CONCURRENCY
    assert in_flight.peak >= 2, in_flight
