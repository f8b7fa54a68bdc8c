"""No N+1 in the registry: a page of models, each with a page of versions, their runs, creators,
lineage, stage history and aliases, costs the same statements for 1 model x 1 version as for
50 x 50.

Like for like: every version's run has its own creator among 110 users, its stage conditions have
actors among 110 other users, and its lineage is two runs of its own (a preparation run and the
project's dataset run), so the 50 x 50 response makes each loader fetch many distinct keys in one
batch; none of its rows are answered from a cache that the 1 x 1 response would have had to fill.
50 x 50 is 2,550 estimated nodes, well inside the 50,000-node budget.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.projects.models import Project, ProjectVisibility
from app.registry.models import ModelVersion, ModelVersionAlias, StageCondition
from app.runs.models import Run, RunEdge, RunStatus
from app.users.models import User
from app.versions.models import Stage
from tests.helpers import Factory, GraphQLClient, Person, StatementCounter

PROJECTS = 55
VERSIONS = 55
PEOPLE = 110  # run creators, and as many other users acting on stages

REGISTRY = """
query Registry($n: Int!) {
  organization(name: "acme") {
    models(first: $n) {
      edges { node {
        name
        modelVersions(first: $n) {
          edges { node {
            name
            run { name createdBy { username } viewerCan { update } }
            lineage { upstream { name } }
            stageConditions { stage actor { username } }
            aliases
            viewerCan { update toProduction: transition(to: PRODUCTION) }
          } }
        }
      } }
    }
  }
}
"""

BASE = datetime(2026, 1, 1, tzinfo=UTC)


async def _ids(session: AsyncSession, entity: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert, returning the new ids in the order of `rows`."""
    result = await session.scalars(
        insert(entity).returning(entity.id, sort_by_parameter_order=True), rows
    )
    return list(result)


async def seed_registry(sessions: async_sessionmaker[AsyncSession], viewer: Person) -> None:
    """55 INTERNAL model projects of `acme` (the viewer is a MEMBER), 55 versions each, in bulk."""
    async with sessions() as session, session.begin():
        organization = await _ids(session, Organization, [{"name": "acme"}])
        await session.execute(
            insert(OrganizationMember),
            [
                {
                    "organization_id": organization[0],
                    "user_id": viewer.id,
                    "role": OrganizationRole.MEMBER,
                }
            ],
        )
        people = [
            {"username": f"{kind}{i:03d}", "email": f"{kind}{i:03d}@example.org"}
            for kind in ("creator", "actor")
            for i in range(PEOPLE)
        ]
        user_ids = await _ids(session, User, people)
        creators, actors = user_ids[:PEOPLE], user_ids[PEOPLE:]
        projects = await _ids(
            session,
            Project,
            [
                {
                    "organization_id": organization[0],
                    "name": f"model-{p:02d}",
                    "visibility": ProjectVisibility.INTERNAL,
                    "tags": [],
                    "runtime_enabled": True,
                    "model_enabled": True,
                    "component_enabled": False,
                    "created_at": BASE + timedelta(minutes=p),
                    "updated_at": BASE + timedelta(minutes=p),
                }
                for p in range(PROJECTS)
            ],
        )

        def run(project_id: int, name: str, creator: int, minute: int) -> dict[str, Any]:
            moment = BASE + timedelta(minutes=minute)
            return {
                "uuid": uuid.uuid4().hex,
                "project_id": project_id,
                "name": name,
                "status": RunStatus.SUCCEEDED,
                "tags": [],
                "created_by_id": creator,
                "created_at": moment,
                "updated_at": moment,
            }

        pairs = [(p, v) for p in range(PROJECTS) for v in range(VERSIONS)]
        datasets = await _ids(
            session,
            Run,
            [run(projects[p], f"data-{p}", creators[p % PEOPLE], 0) for p in range(PROJECTS)],
        )
        preps = await _ids(
            session,
            Run,
            [
                run(projects[p], f"prep-{p}-{v}", creators[(k + 1) % PEOPLE], 1 + v)
                for k, (p, v) in enumerate(pairs)
            ],
        )
        trains = await _ids(
            session,
            Run,
            [
                run(projects[p], f"train-{p}-{v}", creators[k % PEOPLE], 2 + v)
                for k, (p, v) in enumerate(pairs)
            ],
        )
        await session.execute(
            insert(RunEdge),
            [
                edge
                for k, (p, _) in enumerate(pairs)
                for edge in (
                    {"upstream_id": datasets[p], "downstream_id": preps[k]},
                    {"upstream_id": preps[k], "downstream_id": trains[k]},
                )
            ],
        )
        versions = await _ids(
            session,
            ModelVersion,
            [
                {
                    "project_id": projects[p],
                    "name": f"v{v:02d}",
                    "tags": [],
                    "stage": Stage.STAGING,
                    "run_id": trains[k],
                    "artifacts": [],
                    "digest": f"{k:064x}",
                    "created_by_id": creators[k % PEOPLE],
                    "created_at": BASE + timedelta(hours=1, minutes=v),
                    "updated_at": BASE + timedelta(hours=2, minutes=v),
                }
                for k, (p, v) in enumerate(pairs)
            ],
        )
        # Two aliases per version, each a row of its own (aliases are unique per project).
        await session.execute(
            insert(ModelVersionAlias),
            [
                {"project_id": projects[p], "version_id": version_id, "alias": f"{name}-{v:02d}"}
                for version_id, (p, v) in zip(versions, pairs, strict=True)
                for name in ("pick", "ab")
            ],
        )
        await session.execute(
            insert(StageCondition),
            [
                condition
                for k, version_id in enumerate(versions)
                for condition in (
                    {
                        "model_version_id": version_id,
                        "stage": Stage.TESTING,
                        "reason": "created",
                        "actor_id": actors[k % PEOPLE],
                        "at": BASE + timedelta(hours=1),
                    },
                    {
                        "model_version_id": version_id,
                        "stage": Stage.STAGING,
                        "reason": "review",
                        "actor_id": actors[(k + 1) % PEOPLE],
                        "at": BASE + timedelta(hours=2),
                    },
                )
            ],
        )


@pytest.fixture
async def viewer(factory: Factory, sessions: async_sessionmaker[AsyncSession]) -> Person:
    viewer = await factory.user("viewer")
    await seed_registry(sessions, viewer)
    return viewer


class Seen:
    """Distinct users the response named, per role: proof that loaders fetched many keys."""

    def __init__(self) -> None:
        self.creators: set[str] = set()
        self.actors: set[str] = set()


async def _statements(
    gql: GraphQLClient, viewer: Person, counter: StatementCounter, n: int, seen: Seen
) -> int:
    counter.reset()
    data = await gql.data(REGISTRY, {"n": n}, as_=viewer)
    statements = counter.count
    models = data["organization"]["models"]["edges"]
    assert len(models) == n
    for model in models:
        project = int(model["node"]["name"].removeprefix("model-"))
        versions = model["node"]["modelVersions"]["edges"]
        assert len(versions) == n
        for edge in versions:
            node = edge["node"]
            number = int(node["name"].removeprefix("v"))
            assert node["run"]["name"] == f"train-{project}-{number}"
            assert [run["name"] for run in node["lineage"]["upstream"]] == [
                f"prep-{project}-{number}",
                f"data-{project}",
            ]
            assert [c["stage"] for c in node["stageConditions"]] == ["TESTING", "STAGING"]
            assert node["aliases"] == [f"ab-{number:02d}", f"pick-{number:02d}"]
            # A MEMBER of the organization writes in its INTERNAL projects, short of PRODUCTION.
            assert node["viewerCan"] == {"update": True, "toProduction": False}
            assert node["run"]["viewerCan"] == {"update": True}
            seen.creators.add(node["run"]["createdBy"]["username"])
            seen.actors.update(c["actor"]["username"] for c in node["stageConditions"])
    return statements


async def test_models_with_versions_cost_the_same_for_1_and_50(
    gql: GraphQLClient, viewer: Person, count_statements: StatementCounter
) -> None:
    await _statements(gql, viewer, count_statements, 1, Seen())  # warm-up: last_used_at
    one, fifty = Seen(), Seen()
    small = await _statements(gql, viewer, count_statements, 1, one)
    # The performance issue's W1 sizes: pages of 5 and 10 models cost what 1 and 50 do (the
    # versions under them are paged by one statement, however many models there are).
    middle = [await _statements(gql, viewer, count_statements, n, Seen()) for n in (5, 10)]
    large = await _statements(gql, viewer, count_statements, 50, fifty)
    assert middle == [small, small], (small, middle)

    # Like for like: the creator and the actors are different users, in both responses, so no
    # user row is served from the cache another field filled (each response has fresh loaders).
    assert len(one.creators) == 1
    assert len(one.actors) == 2
    assert not one.creators & one.actors
    assert len(fifty.creators) >= 100
    assert len(fifty.actors) >= 100
    assert not fifty.creators & fifty.actors

    assert small == large, (small, large)
    # 14: the token; the organization (its row, and one statement deciding the viewer may see
    # it); the models page; the versions page; runs; stage conditions; aliases; the runs'
    # projects and the viewer's memberships and grants there (who may read a run); creators;
    # actors; and one recursive statement for the lineage of every run.
    assert large <= 14, large
