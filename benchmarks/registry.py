"""Latency and statement counts on a big model registry.

    python -m benchmarks.registry [--models 50] [--versions 2000] [--rounds 20]

Uses HUBQL_DATABASE_URL when set (an empty, migrated database); otherwise a temporary SQLite
file. Requests go through the whole ASGI app in process.
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import event, insert

from app.authn import hash_token, mint_token
from app.db import create_engine, create_sessionmaker
from app.main import create_app
from app.migrations import upgrade_to_head
from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.projects.models import Project, ProjectVisibility
from app.registry.models import ModelVersion, StageCondition
from app.runs.models import Run, RunStatus
from app.settings import Settings, get_settings
from app.users.models import AccessToken, User
from app.versions.models import Stage

STAGES = (Stage.TESTING, Stage.STAGING, Stage.PRODUCTION, Stage.DISABLED)
REGISTRY = """
{ organization(name: "acme") { models(first: 50) { totalCount edges { node {
  name latestModelVersion(stage: PRODUCTION) { name createdAt }
} } } } }
"""
# The performance issue's W1: the page a model-registry frontend opens first (../shared/bench).
MODEL_PAGE = """
{ organization(name: "acme") { models(first: 50) { edges { node { name
  modelVersions(first: 10) { edges { node { name stage run { createdBy { username } }
    stageConditions { stage actor { username } } } } } } } } } }
"""
VERSIONS = """
query($after: String, $query: String) { project(owner: "acme", name: "model-0") {
  modelVersions(first: 50, after: $after, query: $query) {
    totalCount pageInfo { endCursor } edges { node { name stage } }
  }
} }
"""


PEOPLE = 100  # creators of runs and actors of stage moves, so loaders fetch many keys


async def seed(url: str, models: int, versions: int) -> str:
    engine = create_engine(url)
    token = mint_token()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with create_sessionmaker(engine)() as session, session.begin():
        await session.execute(insert(User), [{"username": "ada", "email": "ada@example.org"}])
        await session.execute(
            insert(User),
            [{"username": f"user-{i}", "email": f"user-{i}@example.org"} for i in range(PEOPLE)],
        )
        await session.execute(
            insert(AccessToken),
            [{"user_id": 1, "name": "bench", "token_hash": hash_token(token), "prefix": "x"}],
        )
        await session.execute(insert(Organization), [{"name": "acme"}])
        await session.execute(
            insert(OrganizationMember),
            [{"organization_id": 1, "user_id": 1, "role": OrganizationRole.MEMBER}],
        )
        await session.execute(
            insert(Project),
            [
                {
                    "organization_id": 1,
                    "name": f"model-{m}",
                    "visibility": ProjectVisibility.INTERNAL,
                    "tags": [],
                    "runtime_enabled": True,
                    "model_enabled": True,
                }
                for m in range(models)
            ],
        )
        for project in range(1, models + 1):
            run_ids = list(
                await session.scalars(
                    insert(Run).returning(Run.id, sort_by_parameter_order=True),
                    [
                        {
                            "uuid": uuid.uuid4().hex,
                            "project_id": project,
                            "name": f"train-{v}",
                            "status": RunStatus.SUCCEEDED,
                            "tags": [],
                            "created_by_id": 2 + (project * versions + v) % PEOPLE,
                        }
                        for v in range(versions)
                    ],
                )
            )
            version_ids = list(
                await session.scalars(
                    insert(ModelVersion).returning(ModelVersion.id, sort_by_parameter_order=True),
                    [
                        {
                            "project_id": project,
                            "name": f"v{v}",
                            "stage": STAGES[v % 4],
                            "tags": ["golden"] if v % 10 == 0 else [],
                            "artifacts": [],
                            "run_id": run_ids[v],
                            "digest": f"{project:032x}{v:032x}",
                            "created_at": start + timedelta(minutes=v),
                            "updated_at": start + timedelta(minutes=v),
                        }
                        for v in range(versions)
                    ],
                )
            )
            await session.execute(
                insert(StageCondition),
                [
                    {
                        "model_version_id": version_id,
                        "stage": stage,
                        "reason": "bench",
                        "actor_id": 2 + (version_id + step) % PEOPLE,
                        "at": start + timedelta(minutes=v, seconds=step),
                    }
                    for v, version_id in enumerate(version_ids)
                    for step, stage in enumerate((Stage.TESTING, STAGES[v % 4]))
                ],
            )
    await engine.dispose()
    return token


async def measure(url: str, token: str, rounds: int) -> list[tuple[str, float, float, int]]:
    engine = create_engine(url)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    app = create_app(
        Settings(database_url=url, log_format="json", log_level="ERROR"), engine=engine
    )
    headers = {"Authorization": f"Bearer {token}"}
    rows = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:

        async def post(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body
            return body

        async def run(label: str, query: str, variables: dict[str, Any]) -> None:
            nonlocal statements
            timings = []
            for _ in range(rounds):
                statements = 0
                started = time.perf_counter()
                await post(query, variables)
                timings.append((time.perf_counter() - started) * 1000)
            rows.append(
                (
                    label,
                    statistics.median(timings),
                    statistics.quantiles(timings, n=20)[-1],
                    statements,
                )
            )

        await run("model page (W1): 50 models x 10 versions, run, stages", MODEL_PAGE, {})
        await run("registry: 50 models + latest PRODUCTION", REGISTRY, {})
        await run("versions page 1", VERSIONS, {"after": None, "query": None})
        cursor = None
        for _ in range(30):
            body = await post(VERSIONS, {"after": cursor, "query": None})
            cursor = body["data"]["project"]["modelVersions"]["pageInfo"]["endCursor"]
        await run("versions page 31", VERSIONS, {"after": cursor, "query": None})
        await run(
            "versions PQL stage:production|staging, tags:golden",
            VERSIONS,
            {"after": None, "query": "stage:production|staging, tags:golden"},
        )
    await engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=50)
    parser.add_argument("--versions", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = get_settings().database_url
        if "HUBQL_DATABASE_URL" not in os.environ:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
            upgrade_to_head(url)
        token = asyncio.run(seed(url, args.models, args.versions))
        rows = asyncio.run(measure(url, token, args.rounds))
    total = args.models * args.versions
    table = Table(title=f"hubql registry ({total:,} versions in {args.models} models)")
    for column in ("query", "median ms", "p95 ms", "statements"):
        table.add_column(column)
    for label, median, p95, statements in rows:
        table.add_row(label, f"{median:.1f}", f"{p95:.1f}", str(statements))
    Console().print(table)


if __name__ == "__main__":
    main()
