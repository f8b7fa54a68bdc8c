"""No N+1 in the hub: a page of component versions with their inputs, projects, organizations,
creators and stage history costs the same statements for `first: 1` as for `first: 100`.

Like for like: 240 readable versions, each the only one of its project, in 40 organizations (20
the member belongs to with INTERNAL hubs, 20 with PUBLIC ones: 120 for the anonymous viewer), each
created and moved by users of its own, and 80 newer PRIVATE ones nobody here may read. A page of
100 therefore makes the loaders fetch 100 projects, 40 (or 20) organizations and 100 creators,
each in one batch; a spy on the loaders proves it, so no count is equal because a cache answered.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.hub.models import ComponentStageCondition, ComponentVersion
from app.loaders import RowsByKeyLoader
from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.projects.models import Project, ProjectVisibility
from app.users.models import User
from app.versions.models import Stage
from tests.helpers import Factory, GraphQLClient, Person, StatementCounter

ORGANIZATIONS = 40
READABLE_PER_ORGANIZATION = 6
PRIVATE_PER_ORGANIZATION = 2
READABLE = ORGANIZATIONS * READABLE_PER_ORGANIZATION  # 240: 120 INTERNAL, 120 PUBLIC
BASE = datetime(2026, 1, 1, tzinfo=UTC)

BRIEF = """
query Hub($n: Int!) { hub(first: $n) { edges { node {
  inputs { name type } project { organization { name } }
} } } }
"""
WIDE = """
query Hub($n: Int!) { hub(first: $n) { totalCount edges { node {
  reference name digest runKind inputs { name type } outputs { name type }
  project { name organization { name } }
  createdBy { username }
  stageConditions { stage actor { username } }
} } } }
"""


async def _ids(session: AsyncSession, entity: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert, returning the new ids in the order of `rows`."""
    result = await session.scalars(
        insert(entity).returning(entity.id, sort_by_parameter_order=True), rows
    )
    return list(result)


async def seed_hub(sessions: async_sessionmaker[AsyncSession], viewer: Person) -> None:
    async with sessions() as session, session.begin():
        organizations = await _ids(
            session, Organization, [{"name": f"org{o:02d}"} for o in range(ORGANIZATIONS)]
        )
        member_of = organizations[: ORGANIZATIONS // 2]
        await session.execute(
            insert(OrganizationMember),
            [
                {"organization_id": o, "user_id": viewer.id, "role": OrganizationRole.MEMBER}
                for o in member_of
            ],
        )
        people = await _ids(
            session,
            User,
            [
                {"username": f"{kind}{k:03d}", "email": f"{kind}{k:03d}@example.org"}
                for kind in ("author", "mover")
                for k in range(READABLE)
            ],
        )
        authors, movers = people[:READABLE], people[READABLE:]

        def project(k: int, organization: int, visibility: ProjectVisibility) -> dict[str, Any]:
            return {
                "organization_id": organization,
                "name": f"component-{k:03d}",
                "visibility": visibility,
                "tags": [],
                "runtime_enabled": False,
                "model_enabled": False,
                "component_enabled": True,
                "created_at": BASE,
                "updated_at": BASE,
            }

        # version k lives in organization k % 40: any 40 consecutive versions span them all
        readable = await _ids(
            session,
            Project,
            [
                project(
                    k,
                    organizations[k % ORGANIZATIONS],
                    ProjectVisibility.INTERNAL
                    if organizations[k % ORGANIZATIONS] in member_of
                    else ProjectVisibility.PUBLIC,
                )
                for k in range(READABLE)
            ],
        )
        hidden = await _ids(
            session,
            Project,
            [
                project(READABLE + k, organizations[k % ORGANIZATIONS], ProjectVisibility.PRIVATE)
                for k in range(ORGANIZATIONS * PRIVATE_PER_ORGANIZATION)
            ],
        )

        def version(k: int, project_id: int, author: int | None) -> dict[str, Any]:
            return {
                "project_id": project_id,
                "name": "1.0",
                "tags": [],
                "stage": Stage.STAGING,
                "spec": {"kind": "component", "run": {"kind": "job"}},
                "run_kind": "job",
                "inputs": [
                    {"name": f"in{k}", "type": "str", "isOptional": False, "isList": False},
                    {"name": "flag", "type": "bool", "isOptional": True, "isList": False},
                ],
                "outputs": [{"name": "image", "type": "image"}],
                "digest": f"{k:064x}",
                "created_by_id": author,
                # the newest first: hidden ones are newest, so the filter must skip them in SQL
                "created_at": BASE + timedelta(minutes=k),
                "updated_at": BASE + timedelta(minutes=k),
            }

        versions = await _ids(
            session,
            ComponentVersion,
            [version(k, p, authors[k]) for k, p in enumerate(readable)]
            + [version(READABLE + k, p, None) for k, p in enumerate(hidden)],
        )
        await session.execute(
            insert(ComponentStageCondition),
            [
                condition
                for k, version_id in enumerate(versions[:READABLE])
                for condition in (
                    {
                        "component_version_id": version_id,
                        "stage": Stage.TESTING,
                        "reason": "published",
                        "actor_id": authors[k],
                        "at": BASE,
                    },
                    {
                        "component_version_id": version_id,
                        "stage": Stage.STAGING,
                        "reason": "review",
                        "actor_id": movers[k],
                        "at": BASE + timedelta(hours=1),
                    },
                )
            ],
        )


@pytest.fixture
async def viewer(factory: Factory, sessions: async_sessionmaker[AsyncSession]) -> Person:
    viewer = await factory.user("viewer")
    await seed_hub(sessions, viewer)
    return viewer


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every by-key loader batch of the request: (table, distinct keys)."""
    seen: list[tuple[str, int]] = []
    original = RowsByKeyLoader.batch_load_fn

    async def spy(self: RowsByKeyLoader[Any, Any], keys: list[Any]) -> list[Any]:
        seen.append((self._entity.__tablename__, len(set(keys))))
        return await original(self, keys)

    monkeypatch.setattr(RowsByKeyLoader, "batch_load_fn", spy)
    return seen


async def _statements(
    gql: GraphQLClient,
    query: str,
    who: Person | None,
    counter: StatementCounter,
    batches: list[tuple[str, int]],
    n: int,
) -> tuple[int, list[tuple[str, int]], list[dict[str, Any]]]:
    """Statements, loader batches and nodes of one fresh request (fresh loaders, fresh session)."""
    batches.clear()
    counter.reset()
    data = await gql.data(query, {"n": n}, as_=who)
    nodes = [edge["node"] for edge in data["hub"]["edges"]]
    assert len(nodes) == n
    return counter.count, list(batches), nodes


def largest(batches: list[tuple[str, int]]) -> dict[str, int]:
    """The most distinct keys any one batch of each table fetched."""
    sizes: dict[str, int] = {}
    for table, keys in batches:
        sizes[table] = max(keys, sizes.get(table, 0))
    return sizes


@pytest.mark.parametrize("query", [BRIEF, WIDE], ids=["brief", "wide"])
@pytest.mark.parametrize("who", ["member", "anonymous"])
async def test_a_hub_page_costs_the_same_for_1_and_100(
    gql: GraphQLClient,
    viewer: Person,
    count_statements: StatementCounter,
    batches: list[tuple[str, int]],
    query: str,
    who: str,
) -> None:
    person = viewer if who == "member" else None
    organizations = ORGANIZATIONS if who == "member" else ORGANIZATIONS // 2
    await _statements(gql, query, person, count_statements, batches, 1)  # warm-up: last_used_at
    small, small_batches, one = await _statements(gql, query, person, count_statements, batches, 1)
    large, large_batches, hundred = await _statements(
        gql, query, person, count_statements, batches, 100
    )
    again, _, _ = await _statements(gql, query, person, count_statements, batches, 1)

    # Like for like: the same batches, but the page of 100 asked each for many distinct keys.
    assert Counter(t for t, _ in small_batches) == Counter(t for t, _ in large_batches)
    assert largest(small_batches)["projects"] == 1
    assert largest(small_batches)["organizations"] == 1
    assert largest(large_batches)["projects"] == 100
    assert largest(large_batches)["organizations"] == organizations
    assert len({node["project"]["organization"]["name"] for node in hundred}) == organizations
    assert len({node["inputs"][0]["name"] for node in hundred}) == 100
    assert one[0]["inputs"][1] == {"name": "flag", "type": "bool"}
    if query is WIDE:
        assert largest(large_batches)["users"] >= 100
        assert len({node["createdBy"]["username"] for node in hundred}) == 100
        actors = {c["actor"]["username"] for node in hundred for c in node["stageConditions"]}
        assert len(actors) == 200  # 100 authors (cached within the request) and 100 movers
        assert len({node["reference"].split("/")[0] for node in hundred}) == organizations

    assert small == large == again, (small, large, again)
    # brief: the page, projects, organizations; wide adds the count, creators, stage conditions
    # and their actors; a signed-in viewer adds the token lookup. Measured on SQLite and PostgreSQL.
    assert large == (3 if query is BRIEF else 7) + (1 if person else 0), large
