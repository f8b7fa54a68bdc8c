"""No N+1 for connections: an organization's catalogue, and a page of projects each with a page
of the connections it may use (each connection's `viewerCan` too), cost the same statements at
page size 1 as at 50, for a member of the organization and for the anonymous viewer (who reads
them through the PUBLIC projects that may use them).

Like for like: 60 connections, project `p-i` allowed the 55 from `c-(i+5)` on (wrapping), so the
50 x 50 response pages 50 different windows of connections and decides `viewerCan` for more
connections than a page holds, in one batch; 50 + 50 x 50 is 2,550 estimated nodes. The two
lists are two documents: in one, whether the catalogue's `viewerCan` and the projects' land in
one batch would depend on timing.
"""

from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.connections.models import Connection, ConnectionKind, ProjectConnection
from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.projects.models import Project, ProjectVisibility
from tests.helpers import Factory, GraphQLClient, Person, StatementCounter

PROJECTS = 55
CONNECTIONS = 60
PER_PROJECT = 55

CATALOGUE = """
query Catalogue($n: Int!) {
  organization(name: "acme") {
    connections(first: $n) {
      totalCount
      edges { node { name kind settings viewerCan { update delete } organization { name } } }
    }
  }
}
"""
PROJECTS_CONNECTIONS = """
query ProjectsConnections($n: Int!) {
  organization(name: "acme") {
    projects(first: $n, sort: "name") {
      edges { node {
        name
        connections(first: $n) {
          totalCount
          edges { node { name kind settings viewerCan { update delete } } }
        }
      } }
    }
  }
}
"""


async def _ids(session: AsyncSession, entity: Any, rows: list[dict[str, Any]]) -> list[int]:
    result = await session.scalars(
        insert(entity).returning(entity.id, sort_by_parameter_order=True), rows
    )
    return list(result)


def allowed(project: int) -> list[int]:
    """The connection indexes project `p-<project>` may use, by name."""
    return sorted((project + 5 + k) % CONNECTIONS for k in range(PER_PROJECT))


@pytest.fixture
async def member(factory: Factory, sessions: async_sessionmaker[AsyncSession]) -> Person:
    member = await factory.user("member")
    async with sessions() as session, session.begin():
        [acme] = await _ids(session, Organization, [{"name": "acme"}])
        await session.execute(
            insert(OrganizationMember),
            [{"organization_id": acme, "user_id": member.id, "role": OrganizationRole.MEMBER}],
        )
        projects = await _ids(
            session,
            Project,
            [
                {
                    "organization_id": acme,
                    "name": f"p-{i:02d}",
                    "visibility": ProjectVisibility.PUBLIC,
                    "tags": [],
                }
                for i in range(PROJECTS)
            ],
        )
        connections = await _ids(
            session,
            Connection,
            [
                {
                    "organization_id": acme,
                    "name": f"c-{i:02d}",
                    "kind": ConnectionKind.S3,
                    "settings": {"bucket": f"s3://bucket-{i}"},
                }
                for i in range(CONNECTIONS)
            ],
        )
        await session.execute(
            insert(ProjectConnection),
            [
                {"project_id": project, "connection_id": connections[c]}
                for i, project in enumerate(projects)
                for c in allowed(i)
            ],
        )
    return member


async def _catalogue(
    gql: GraphQLClient, who: Person | None, counter: StatementCounter, n: int
) -> int:
    counter.reset()
    data = (await gql.data(CATALOGUE, {"n": n}, as_=who))["organization"]
    statements = counter.count
    catalogue = data["connections"]
    assert catalogue["totalCount"] == CONNECTIONS
    assert [e["node"]["name"] for e in catalogue["edges"]] == [f"c-{i:02d}" for i in range(n)]
    for edge in catalogue["edges"]:
        # A MEMBER reads the catalogue; keeping it is for ADMINs and above.
        assert edge["node"]["viewerCan"] == {"update": False, "delete": False}
        assert edge["node"]["organization"] == {"name": "acme"}
    return statements


async def _projects(
    gql: GraphQLClient, who: Person | None, counter: StatementCounter, n: int
) -> int:
    counter.reset()
    data = (await gql.data(PROJECTS_CONNECTIONS, {"n": n}, as_=who))["organization"]
    statements = counter.count
    projects = data["projects"]["edges"]
    assert len(projects) == n
    seen: set[str] = set()
    for index, edge in enumerate(projects):
        node = edge["node"]
        assert node["name"] == f"p-{index:02d}"
        page = node["connections"]
        assert page["totalCount"] == PER_PROJECT
        names = [e["node"]["name"] for e in page["edges"]]
        assert names == [f"c-{c:02d}" for c in allowed(index)[:n]]
        assert {e["node"]["kind"] for e in page["edges"]} == {"S3"}
        assert all(
            e["node"]["viewerCan"] == {"update": False, "delete": False} for e in page["edges"]
        )
        seen.update(names)
    assert len(seen) == n if n == 1 else len(seen) > n  # many distinct connections per batch
    return statements


# Statements beside the token (signed in): the organization, and the facts that decide it may be
# read; then, for the catalogue, its page and count, its connections' facts (`viewerCan`) and
# their organization; for the projects, their page, their connections' pages and counts, and
# those connections' facts.
DOCUMENTS = {"catalogue": (_catalogue, 6), "projects": (_projects, 6)}


@pytest.mark.parametrize("document", sorted(DOCUMENTS))
@pytest.mark.parametrize("viewer", ["member", "anonymous"])
async def test_connections_cost_the_same_for_1_and_50(
    gql: GraphQLClient,
    member: Person,
    count_statements: StatementCounter,
    viewer: str,
    document: str,
) -> None:
    statements, expected = DOCUMENTS[document]
    who = member if viewer == "member" else None
    await statements(gql, who, count_statements, 1)  # warm-up: the token's last_used_at
    small = await statements(gql, who, count_statements, 1)
    large = await statements(gql, who, count_statements, 50)
    assert small == large, (small, large)
    assert large == expected + (who is not None), large
