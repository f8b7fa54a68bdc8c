"""Race: what is given to a member never outlives the membership.

A project grant to a user, and a place on a team, need a membership of the organization
(`setProjectAccess`, `addTeamMember`), and leaving takes them away (`removeOrganizationMember`).
Decided on a membership read earlier, a grant given while the member leaves lands after their
grants were deleted: an ex-member keeps access to a private project. The grant now holds the
membership row (FOR SHARE) and the departure deletes that row first, so one waits for the other.

Raced `ROUNDS` times each on a fresh organization: Ann (OWNER) gives Bob (MEMBER) a grant, or a
team place, while Bob leaves. After every round Bob is either still a member, or has neither a
grant nor a team place in the organization.
"""

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.organizations.models import OrganizationMember, OrganizationRole
from app.projects.models import Project, ProjectGrant, ProjectVisibility
from app.teams.models import Team, TeamMember
from tests.concurrency.calls import leave, mutation
from tests.concurrency.racing import ROUNDS, Call, Rounds, race, warm_up
from tests.helpers import Factory, GraphQLClient, Person, global_id

SET_ACCESS = mutation("setProjectAccess", "SetProjectAccessInput", "grant { role }")
ADD_TEAM_MEMBER = mutation("addTeamMember", "TeamMemberInput", "member { role }")


def grant(project_id: int, by: Person, whom: Person) -> Call:
    return Call(
        "setProjectAccess",
        SET_ACCESS,
        {
            "projectId": global_id("Project", project_id),
            "username": whom.username,
            "role": "WRITER",
        },
        by,
    )


def add_to_team(team_id: int, by: Person, whom: Person) -> Call:
    return Call(
        "addTeamMember",
        ADD_TEAM_MEMBER,
        {"teamId": global_id("Team", team_id), "username": whom.username},
        by,
    )


async def standing(
    sessions: async_sessionmaker[AsyncSession], organization_id: int, person: Person
) -> tuple[bool, int, int]:
    """Whether the person is a member, and their grants and team places in the organization."""
    async with sessions() as session:
        member = await session.get(OrganizationMember, (organization_id, person.id))
        grants = await session.scalar(
            select(func.count())
            .select_from(ProjectGrant)
            .join(Project, Project.id == ProjectGrant.project_id)
            .where(Project.organization_id == organization_id, ProjectGrant.user_id == person.id)
        )
        places = await session.scalar(
            select(func.count())
            .select_from(TeamMember)
            .join(Team, Team.id == TeamMember.team_id)
            .where(Team.organization_id == organization_id, TeamMember.user_id == person.id)
        )
        return member is not None, grants or 0, places or 0


@pytest.fixture
async def people(factory: Factory, racing_gql: GraphQLClient) -> tuple[Person, Person]:
    ann, bob = await factory.user("ann"), await factory.user("bob")
    await warm_up(racing_gql, ann, bob)
    return ann, bob


class TestNothingOutlivesTheMembership:
    async def test_a_grant_given_while_the_member_leaves(
        self,
        racing_gql: GraphQLClient,
        factory: Factory,
        sessions: async_sessionmaker[AsyncSession],
        people: tuple[Person, Person],
    ) -> None:
        ann, bob = people
        rounds = Rounds("a project grant never outlives the membership")
        for number in range(ROUNDS):
            organization = await factory.organization(f"acme-{number}", owner=ann)
            await factory.member(organization, bob, OrganizationRole.MEMBER)
            project = await factory.project(
                organization, "secret", visibility=ProjectVisibility.PRIVATE
            )
            answers = await race(
                racing_gql, number, [grant(project, ann, bob), leave(organization, bob)]
            )
            member, grants, _ = await standing(sessions, organization, bob)
            round_ = rounds.judge(number, answers)
            round_.expect(member or grants == 0, f"an ex-member holds {grants} grant(s)")
            round_.expect(answers[1].outcome == "ok", "Bob could not leave")
            round_.expect(answers[0].outcome in ("ok", "INVALID"), "the grant failed oddly")
        rounds.assert_held()

    async def test_a_team_place_given_while_the_member_leaves(
        self,
        racing_gql: GraphQLClient,
        factory: Factory,
        sessions: async_sessionmaker[AsyncSession],
        people: tuple[Person, Person],
    ) -> None:
        ann, bob = people
        rounds = Rounds("a team place never outlives the membership")
        for number in range(ROUNDS):
            organization = await factory.organization(f"acme-{number}", owner=ann)
            await factory.member(organization, bob, OrganizationRole.MEMBER)
            team = await factory.team(organization, "core")
            answers = await race(
                racing_gql, number, [add_to_team(team, ann, bob), leave(organization, bob)]
            )
            member, _, places = await standing(sessions, organization, bob)
            round_ = rounds.judge(number, answers)
            round_.expect(member or places == 0, f"an ex-member holds {places} team place(s)")
            round_.expect(answers[1].outcome == "ok", "Bob could not leave")
            round_.expect(answers[0].outcome in ("ok", "INVALID"), "the team place failed oddly")
        rounds.assert_held()
