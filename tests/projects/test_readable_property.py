"""The SQL filter and the per-object enforcer agree exactly on which projects a viewer reads, and
on which connections.

authz.md, "Lists are filtered in SQL": `readable_projects(ctx)` is the list twin of the enforcer's
`read` decision. Hypothesis generates small worlds (organizations, users with random organization
roles or none, teams with random members, projects with random visibility and archived flag,
direct and team grants with random project roles) and, for every user and the anonymous viewer,
compares the projects the SQL predicate finds, and their count, with those for which
`projects.may(ctx, facts_for(project), READ)` holds; both must also match authz.md's table. Once
per world, one viewer's `organization(name) { projects }` goes through GraphQL as well.

Connections are read by every member of their organization and by whoever reads a project
allowed to use one (`readable_connections(ctx)` against `access.readable(Kind.CONNECTION, …)`,
and both against that sentence); each world gives its organizations a few connections, each
allowed in a random set of their projects, and the GraphQL viewer's `organization.connections`
must list exactly the enforcer's.

Through a token limited to some projects (`Viewer.project_ids`), every signed-in viewer again
finds exactly what the enforcer allows: what they read, within the scope.

Grants and team memberships only go to organization members, as the API allows (`setProjectAccess`
and `addTeamMember` require membership; removing a member removes both).

Hypothesis does not run async tests: each example runs `asyncio.run` on a coroutine with its own
engine, because the suite's engine belongs to another event loop.
"""

import asyncio
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.authn import ANONYMOUS, Viewer, hash_token, mint_token
from app.authz.enforcer import Authorizer
from app.authz.filters import readable_connections, readable_projects
from app.authz.roles import Kind
from app.connections.listing import ORGANIZATION_CONNECTIONS
from app.connections.models import Connection, ConnectionKind, ProjectConnection
from app.context import Context
from app.db import create_engine, create_sessionmaker, utcnow
from app.main import create_app
from app.models import Base
from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.pagination import count
from app.projects.listing import PROJECTS
from app.projects.models import Project, ProjectGrant, ProjectRole, ProjectVisibility
from app.settings import Settings
from app.teams.models import Team, TeamMember, TeamRole
from app.users.models import AccessToken, User
from tests.helpers import GraphQLClient, global_id

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"
AUTHZ = Authorizer(POLICY_DIR)

# authz.md, as data: who reads a project through the organization (grants aside).
READS_EVERY_PROJECT = {OrganizationRole.OWNER, OrganizationRole.MANAGER, OrganizationRole.ADMIN}
READS_INTERNAL = READS_EVERY_PROJECT | {OrganizationRole.MEMBER, OrganizationRole.VIEWER}

ORGANIZATION_PROJECTS = """
query Projects($name: String!) {
  organization(name: $name) {
    projects { totalCount edges { node { id } } }
    connections { totalCount edges { node { id } } }
  }
}
"""


# ---- worlds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamSpec:
    members: dict[int, TeamRole]  # user index -> role


@dataclass(frozen=True)
class ProjectSpec:
    visibility: ProjectVisibility
    archived: bool
    user_grants: dict[int, ProjectRole]  # user index -> role
    team_grants: dict[int, ProjectRole]  # team index in the organization -> role


@dataclass(frozen=True)
class OrganizationSpec:
    members: dict[int, OrganizationRole]  # user index -> role
    teams: list[TeamSpec]
    projects: list[ProjectSpec]
    connections: list[frozenset[int]]  # per connection, the project indexes allowed to use it


@dataclass(frozen=True)
class World:
    users: int
    organizations: list[OrganizationSpec]
    graphql_viewer: int | None  # a user index, or None for the anonymous viewer
    graphql_organization: int


def keys(indexes: list[int]) -> st.SearchStrategy[int]:
    """One of `indexes`; none at all when there are none (an empty dictionary follows)."""
    return st.sampled_from(indexes) if indexes else st.nothing()


@st.composite
def organization_specs(draw: st.DrawFn, users: int) -> OrganizationSpec:
    roles = draw(
        st.lists(st.none() | st.sampled_from(OrganizationRole), min_size=users, max_size=users)
    )
    members = {user: role for user, role in enumerate(roles) if role is not None}
    member_ids = sorted(members)
    teams = draw(
        st.lists(
            st.builds(TeamSpec, st.dictionaries(keys(member_ids), st.sampled_from(TeamRole))),
            max_size=3,
        )
    )
    projects = draw(
        st.lists(
            st.builds(
                ProjectSpec,
                visibility=st.sampled_from(ProjectVisibility),
                archived=st.booleans(),
                user_grants=st.dictionaries(keys(member_ids), st.sampled_from(ProjectRole)),
                team_grants=st.dictionaries(
                    keys(list(range(len(teams)))), st.sampled_from(ProjectRole)
                ),
            ),
            min_size=1,
            max_size=6,
        )
    )
    connections = draw(
        st.lists(st.frozensets(st.integers(0, len(projects) - 1), max_size=3), max_size=3)
    )
    return OrganizationSpec(members, teams, projects, connections)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    users = draw(st.integers(min_value=2, max_value=6))
    organizations = draw(st.lists(organization_specs(users), min_size=1, max_size=3))
    return World(
        users=users,
        organizations=organizations,
        graphql_viewer=draw(st.none() | st.integers(min_value=0, max_value=users - 1)),
        graphql_organization=draw(st.integers(min_value=0, max_value=len(organizations) - 1)),
    )


def documented_reader(world: World, user: int | None, organization: int, project: int) -> bool:
    """authz.md's table, read literally: the oracle both implementations must also match."""
    spec = world.organizations[organization]
    target = spec.projects[project]
    if target.visibility == ProjectVisibility.PUBLIC:
        return True
    if user is None:
        return False
    role = spec.members.get(user)
    if role in READS_EVERY_PROJECT:
        return True
    if target.visibility == ProjectVisibility.INTERNAL and role in READS_INTERNAL:
        return True
    teams = {index for index, team in enumerate(spec.teams) if user in team.members}
    return user in target.user_grants or bool(teams & target.team_grants.keys())


def documented_connection_reader(
    world: World, user: int | None, organization: int, connection: int
) -> bool:
    """api.md 2026-11-30, "Connections", read literally: the organization's members, and the
    readers of a project allowed to use it."""
    spec = world.organizations[organization]
    if user is not None and user in spec.members:
        return True
    return any(
        documented_reader(world, user, organization, project)
        for project in spec.connections[connection]
    )


# ---- storing a world --------------------------------------------------------------------------


@dataclass
class Stored:
    users: list[Viewer]
    tokens: list[str]
    organizations: list[tuple[int, str]]  # (id, name)
    projects: list[list[int]]  # per organization, in spec order
    connections: list[list[int]]  # per organization, in spec order


async def empty_tables(engine: AsyncEngine) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608


async def store(sessions: async_sessionmaker[AsyncSession], world: World) -> Stored:
    async with sessions() as session, session.begin():
        users = [User(username=f"u{i}", email=f"u{i}@example.org") for i in range(world.users)]
        session.add_all(users)
        await session.flush()
        tokens = [mint_token() for _ in users]
        session.add_all(
            AccessToken(user_id=user.id, name="test", token_hash=hash_token(token), prefix="x")
            for user, token in zip(users, tokens, strict=True)
        )
        stored = Stored(
            users=[Viewer(user_id=user.id, username=user.username) for user in users],
            tokens=tokens,
            organizations=[],
            projects=[],
            connections=[],
        )
        for index, spec in enumerate(world.organizations):
            organization = Organization(name=f"o{index}")
            session.add(organization)
            await session.flush()
            stored.organizations.append((organization.id, organization.name))
            session.add_all(
                OrganizationMember(organization_id=organization.id, user_id=users[u].id, role=r)
                for u, r in spec.members.items()
            )
            teams = [
                Team(organization_id=organization.id, name=f"t{t}") for t in range(len(spec.teams))
            ]
            session.add_all(teams)
            project_rows = [
                Project(
                    organization_id=organization.id,
                    name=f"p{p}",
                    visibility=project.visibility,
                    tags=[],
                    archived_at=utcnow() if project.archived else None,
                )
                for p, project in enumerate(spec.projects)
            ]
            session.add_all(project_rows)
            await session.flush()
            stored.projects.append([row.id for row in project_rows])
            session.add_all(
                TeamMember(team_id=team.id, user_id=users[u].id, role=r)
                for team, team_spec in zip(teams, spec.teams, strict=True)
                for u, r in team_spec.members.items()
            )
            connection_rows = [
                Connection(
                    organization_id=organization.id,
                    name=f"c{c}",
                    kind=ConnectionKind.S3,
                    settings={"bucket": f"s3://c{c}"},
                )
                for c in range(len(spec.connections))
            ]
            session.add_all(connection_rows)
            await session.flush()
            stored.connections.append([row.id for row in connection_rows])
            session.add_all(
                ProjectConnection(project_id=project_rows[p].id, connection_id=row.id)
                for row, allowed in zip(connection_rows, spec.connections, strict=True)
                for p in allowed
            )
            for row, project in zip(project_rows, spec.projects, strict=True):
                session.add_all(
                    ProjectGrant(project_id=row.id, user_id=users[u].id, role=r)
                    for u, r in project.user_grants.items()
                )
                session.add_all(
                    ProjectGrant(project_id=row.id, team_id=teams[t].id, role=r)
                    for t, r in project.team_grants.items()
                )
        return stored


# ---- checking ---------------------------------------------------------------------------------


async def decisions(
    sessions: async_sessionmaker[AsyncSession], settings_: Settings, viewer: Viewer
) -> tuple[set[int], set[int], int, dict[int, tuple[set[int], int]]]:
    """(ids the SQL filter finds, ids the enforcer allows, the SQL count, per organization)."""
    async with sessions() as session:
        ctx = Context(session, viewer, AUTHZ, settings_)
        filtered = set(await session.scalars(select(Project.id).where(readable_projects(ctx))))
        # What `projects` lists, as its listing selects it.
        readable = PROJECTS.statement(ctx)
        counted = await count(session, readable)
        # The enforcer object by object, through the access kernel every resolver uses.
        every = list((await session.scalars(select(Project))).all())
        allowed = {row.id for row in await ctx.access.readable(Kind.PROJECT, every) if row}
        per_organization = {}
        for organization_id in await session.scalars(select(Organization.id)):
            statement = readable.where(Project.organization_id == organization_id)
            ids = set((await session.scalars(statement.with_only_columns(Project.id))).all())
            per_organization[organization_id] = (ids, await count(session, statement))
        return filtered, allowed, counted, per_organization


async def connection_decisions(
    sessions: async_sessionmaker[AsyncSession], settings_: Settings, viewer: Viewer
) -> tuple[set[int], set[int], dict[int, tuple[set[int], int]]]:
    """(ids the SQL filter finds, ids the enforcer allows, per organization as
    `organization.connections` lists them: ids and count)."""
    async with sessions() as session:
        ctx = Context(session, viewer, AUTHZ, settings_)
        filtered = set(
            await session.scalars(select(Connection.id).where(readable_connections(ctx)))
        )
        every = list((await session.scalars(select(Connection))).all())
        allowed = {row.id for row in await ctx.access.readable(Kind.CONNECTION, every) if row}
        readable = ORGANIZATION_CONNECTIONS.statement(ctx)
        per_organization = {}
        for organization_id in await session.scalars(select(Organization.id)):
            statement = readable.where(Connection.organization_id == organization_id)
            ids = set((await session.scalars(statement.with_only_columns(Connection.id))).all())
            per_organization[organization_id] = (ids, await count(session, statement))
        return filtered, allowed, per_organization


async def check_graphql(
    engine: AsyncEngine,
    settings_: Settings,
    world: World,
    stored: Stored,
    expected: set[int],
    expected_connections: set[int],
) -> None:
    """One viewer's `organization(name) { projects connections }` is the enforcer's sets for
    that organization."""
    app = create_app(settings_, engine=engine)
    transport = httpx.ASGITransport(app=app)
    organization_id, name = stored.organizations[world.graphql_organization]
    viewer = world.graphql_viewer
    token = None if viewer is None else stored.tokens[viewer]
    async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as http:
        data = await GraphQLClient(http).data(ORGANIZATION_PROJECTS, {"name": name}, token=token)
    if data["organization"] is None:
        # Not a member and no public project: the organization does not exist for the viewer,
        # and neither does any of its projects, nor any of its connections.
        assert expected == set(), (organization_id, expected)
        assert expected_connections == set(), (organization_id, expected_connections)
        return
    for field, type_name, ids in (
        ("projects", "Project", expected),
        ("connections", "ExternalConnection", expected_connections),
    ):
        connection = data["organization"][field]
        assert connection["totalCount"] == len(ids), field
        assert len(connection["edges"]) == len(ids), field
        assert {edge["node"]["id"] for edge in connection["edges"]} == {
            global_id(type_name, row_id) for row_id in ids
        }


async def check_world(database_url: str, world: World) -> None:
    engine = create_engine(database_url)
    try:
        await empty_tables(engine)
        sessions = create_sessionmaker(engine)
        settings_ = Settings(database_url=database_url, log_format="json")
        stored = await store(sessions, world)
        organization_of = {
            project_id: organization_id
            for (organization_id, _), ids in zip(stored.organizations, stored.projects, strict=True)
            for project_id in ids
        }
        viewers: list[tuple[int | None, Viewer]] = [
            *enumerate(stored.users),
            (None, ANONYMOUS),
        ]
        connection_organization = {
            connection_id: organization_id
            for (organization_id, _), ids in zip(
                stored.organizations, stored.connections, strict=True
            )
            for connection_id in ids
        }
        graphql_expected: set[int] = set()
        graphql_connections: set[int] = set()
        for index, viewer in viewers:
            filtered, allowed, counted, per_organization = await decisions(
                sessions, settings_, viewer
            )
            assert filtered == allowed, (viewer, filtered - allowed, allowed - filtered)
            assert counted == len(allowed)
            documented = {
                project_id
                for o, ids in enumerate(stored.projects)
                for p, project_id in enumerate(ids)
                if documented_reader(world, index, o, p)
            }
            assert allowed == documented, (viewer, allowed - documented, documented - allowed)
            for organization_id, (ids, count) in per_organization.items():
                own = {p for p in allowed if organization_of[p] == organization_id}
                assert ids == own, (viewer, organization_id)
                assert count == len(own)
            (
                filtered,
                allowed_connections,
                connections_per_organization,
            ) = await connection_decisions(sessions, settings_, viewer)
            assert filtered == allowed_connections, (viewer, filtered, allowed_connections)
            documented = {
                connection_id
                for o, ids in enumerate(stored.connections)
                for c, connection_id in enumerate(ids)
                if documented_connection_reader(world, index, o, c)
            }
            assert allowed_connections == documented, (viewer, allowed_connections, documented)
            for organization_id, (ids, count) in connections_per_organization.items():
                own = {
                    c for c in allowed_connections if connection_organization[c] == organization_id
                }
                assert ids == own, (viewer, organization_id)
                assert count == len(own)
            if viewer.user_id is not None:
                # The same viewer through a token limited to every other project: the filter and
                # the enforcer still agree, on what the viewer reads within the scope.
                every_project = sorted(organization_of)
                scope = frozenset(every_project[viewer.user_id % 2 :: 2])
                scoped = replace(viewer, project_ids=scope)
                filtered, allowed_scoped, counted, _ = await decisions(sessions, settings_, scoped)
                assert filtered == allowed_scoped == allowed & scope, (scoped, filtered)
                assert counted == len(allowed_scoped)
                filtered, allowed_scoped, _ = await connection_decisions(
                    sessions, settings_, scoped
                )
                assert filtered == allowed_scoped, (scoped, filtered, allowed_scoped)
            if index == world.graphql_viewer:
                organization_id = stored.organizations[world.graphql_organization][0]
                graphql_expected = {p for p in allowed if organization_of[p] == organization_id}
                graphql_connections = {
                    c for c in allowed_connections if connection_organization[c] == organization_id
                }
        await check_graphql(engine, settings_, world, stored, graphql_expected, graphql_connections)
    finally:
        await engine.dispose()


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(world=worlds())
def test_sql_filter_and_enforcer_agree(database_url: str, world: World) -> None:
    asyncio.run(check_world(database_url, world))
