"""Race: which connections a project may use is decided on locked rows.

- `setProjectConnections` while the connection is deleted: the set either lands first, and then
  the deletion takes the link with it and its activity names the project, or finds the connection
  gone (`NOT_FOUND` in `userErrors`). Never an INTERNAL_SERVER_ERROR from a link to a deleted row,
  never a link left behind, never a project the deletion's activity leaves out.
- Two `setProjectConnections` on one project: both succeed, one after the other, and the project
  ends with exactly one of the two sets (not a mixture, not a duplicate key).

Raced `ROUNDS` times each, on SQLite as on PostgreSQL.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.activity.models import Activity
from app.connections.models import ProjectConnection
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectVisibility
from tests.concurrency.racing import ROUNDS, Call, Rounds, race, warm_up
from tests.helpers import Factory, GraphQLClient, Person, global_id

Sessions = async_sessionmaker[AsyncSession]

SET = """
mutation ($input: SetProjectConnectionsInput!) {
  setProjectConnections(input: $input) { project { id } userErrors { code } }
}
"""
DELETE = """
mutation ($input: DeleteConnectionInput!) {
  deleteConnection(input: $input) { deletedId userErrors { code } }
}
"""


@dataclass(frozen=True)
class Workspace:
    organization_id: int
    admin: Person


@pytest.fixture
async def workspace(factory: Factory, racing_gql: GraphQLClient) -> Workspace:
    owner = await factory.user("owner")
    admin = await factory.user("admin")
    organization = await factory.organization("acme", owner=owner)
    await factory.member(organization, admin, OrganizationRole.ADMIN)
    await warm_up(racing_gql, admin)
    return Workspace(organization, admin)


def set_call(project: int, connections: list[int], sender: Person) -> Call:
    ids = [global_id("ExternalConnection", c) for c in connections]
    return Call(
        "setProjectConnections",
        SET,
        {"projectId": global_id("Project", project), "connectionIds": ids},
        sender,
    )


async def links(sessions: Sessions, project: int) -> set[int]:
    async with sessions() as session:
        found = await session.scalars(
            select(ProjectConnection.connection_id).where(ProjectConnection.project_id == project)
        )
        return set(found)


async def deletion_details(sessions: Sessions, connection: int) -> dict[str, Any] | None:
    async with sessions() as session:
        details: dict[str, Any] | None = await session.scalar(
            select(Activity.details).where(
                Activity.verb == "connection.deleted", Activity.subject_id == connection
            )
        )
        return details


async def test_a_connection_is_allowed_while_it_is_deleted(
    racing_gql: GraphQLClient, factory: Factory, sessions: Sessions, workspace: Workspace
) -> None:
    rounds = Rounds("a deleted connection leaves no project behind (set vs delete)")
    for number in range(ROUNDS):
        project = await factory.project(
            workspace.organization_id, f"p{number}", visibility=ProjectVisibility.INTERNAL
        )
        connection = await factory.connection(workspace.organization_id, f"c{number}")
        deleting = Call(
            "deleteConnection",
            DELETE,
            {"id": global_id("ExternalConnection", connection)},
            workspace.admin,
        )
        answers = await race(
            racing_gql, number, [set_call(project, [connection], workspace.admin), deleting]
        )
        judged = rounds.judge(number, answers)
        setting, deletion = answers
        judged.expect(deletion.outcome == "ok", "the deletion failed")
        judged.expect(setting.outcome in {"ok", "NOT_FOUND"}, "the set neither done nor refused")
        judged.expect(await links(sessions, project) == set(), "a link outlived its connection")
        details = await deletion_details(sessions, connection)
        named = (details or {}).get("project_ids", [])
        judged.expect(
            named == ([project] if setting.outcome == "ok" else []),
            f"the deletion's activity names {named}",
        )
    rounds.assert_held()


async def test_two_sets_of_one_project_are_one_after_the_other(
    racing_gql: GraphQLClient, factory: Factory, sessions: Sessions, workspace: Workspace
) -> None:
    rounds = Rounds("a project's connections are one set or the other (set vs set)")
    first = [await factory.connection(workspace.organization_id, f"a{i}") for i in range(3)]
    second = [await factory.connection(workspace.organization_id, f"b{i}") for i in range(3)]
    shared = first[:1] + second
    for number in range(ROUNDS):
        project = await factory.project(
            workspace.organization_id, f"p{number}", visibility=ProjectVisibility.INTERNAL
        )
        answers = await race(
            racing_gql,
            number,
            [
                set_call(project, first, workspace.admin),
                set_call(project, shared, workspace.admin),
            ],
        )
        judged = rounds.judge(number, answers)
        judged.expect(all(a.outcome == "ok" for a in answers), "a set failed")
        final = await links(sessions, project)
        judged.expect(final in ({*first}, {*shared}), f"the project ended with {sorted(final)}")
    rounds.assert_held()
