"""Teams and their members in the graph: views over `app.teams.models` rows."""

from datetime import datetime

import strawberry
from strawberry import relay

from app.authz.roles import Action, Kind
from app.graphql.context import Info
from app.graphql.kit import (
    RowNode,
    Slice,
    UserErrorType,
    changes,
    connection,
    decode_id,
    deleted,
    mutate,
)
from app.graphql.refs import OrganizationRef, TeamRef, UserRef
from app.organizations.models import Organization as OrganizationRow
from app.projects.listing import TEAM_GRANTS
from app.teams import models
from app.teams import service as teams
from app.teams.listing import TEAM_MEMBERS
from app.users.models import User as UserRow

strawberry.enum(models.TeamRole, name="TeamRole")


@strawberry.type(description="What the viewer may do to this team.")
class TeamPermissions:
    update: bool
    delete: bool
    manage_members: bool


@strawberry.type(name="Team")
class Team(RowNode):
    model, kind = models.Team, Kind.TEAM
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    async def organization(
        self, team: strawberry.Parent[models.Team], info: Info
    ) -> OrganizationRef:
        row = await info.context.loaders.rows(OrganizationRow).load(team.organization_id)
        assert row is not None  # teams cascade with their organization
        return row

    @strawberry.field(description="The viewer's role on this team; null when not on it.")
    async def viewer_role(
        self, team: strawberry.Parent[models.Team], info: Info
    ) -> models.TeamRole | None:
        return await info.context.loaders.teams.viewer_role.load(team.id)

    @strawberry.field
    async def viewer_can(self, team: strawberry.Parent[models.Team], info: Info) -> TeamPermissions:
        access = info.context.access
        return TeamPermissions(
            update=await access.may(Kind.TEAM, team, Action.UPDATE),
            delete=await access.may(Kind.TEAM, team, Action.DELETE),
            manage_members=await access.may(Kind.TEAM, team, Action.MANAGE_MEMBERS),
        )

    @connection(TEAM_MEMBERS, description="Members of the team, by username.")
    async def members(self, team: strawberry.Parent[models.Team]) -> Slice:
        return TEAM_MEMBERS.under(team.id)

    @connection(
        TEAM_GRANTS, description="The project access this team holds, on projects you may read."
    )
    async def projects(self, team: strawberry.Parent[models.Team]) -> Slice:
        return TEAM_GRANTS.under(team.id)


@strawberry.type
class TeamMember:
    role: models.TeamRole
    joined_at: datetime

    @strawberry.field
    async def user(self, member: strawberry.Parent[models.TeamMember], info: Info) -> UserRef:
        row = await info.context.loaders.rows(UserRow).load(member.user_id)
        assert row is not None
        return row


@strawberry.input
class CreateTeamInput:
    organization_id: relay.GlobalID
    name: str
    description: str | None = None


@strawberry.input
class UpdateTeamInput:
    id: relay.GlobalID
    name: str | None = None
    description: str | None = strawberry.UNSET


@strawberry.input
class DeleteTeamInput:
    id: relay.GlobalID


@strawberry.input
class TeamMemberInput:
    team_id: relay.GlobalID
    username: str
    role: models.TeamRole = models.TeamRole.MEMBER


@strawberry.input
class RemoveTeamMemberInput:
    team_id: relay.GlobalID
    username: str


@strawberry.type
class TeamPayload:
    team: TeamRef | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteTeamPayload:
    deleted_id: relay.GlobalID | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class TeamMemberPayload:
    member: TeamMember | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class TeamMutation:
    @strawberry.mutation(description="Create a team in an organization.")
    async def create_team(self, info: Info, input: CreateTeamInput) -> TeamPayload:
        organization_id = decode_id(
            input.organization_id, "Organization", argument="organizationId"
        )
        given = changes(input, leave_out=["organization_id"])
        return await mutate(
            info, TeamPayload, lambda: teams.create_team(info.context, organization_id, **given)
        )

    @strawberry.mutation(description="Rename a team or change its description.")
    async def update_team(self, info: Info, input: UpdateTeamInput) -> TeamPayload:
        team_id = decode_id(input.id, "Team")
        return await mutate(
            info, TeamPayload, lambda: teams.update_team(info.context, team_id, **changes(input))
        )

    @strawberry.mutation(description="Delete a team; its members stay in the organization.")
    async def delete_team(self, info: Info, input: DeleteTeamInput) -> DeleteTeamPayload:
        team_id = decode_id(input.id, "Team")

        async def delete() -> dict[str, relay.GlobalID]:
            return deleted("Team", await teams.delete_team(info.context, team_id))

        return await mutate(info, DeleteTeamPayload, delete)

    @strawberry.mutation(description="Add an organization member to a team.")
    async def add_team_member(self, info: Info, input: TeamMemberInput) -> TeamMemberPayload:
        return await _member_mutation(info, teams.add_team_member, input)

    @strawberry.mutation(description="Change a team member's role.")
    async def update_team_member_role(
        self, info: Info, input: TeamMemberInput
    ) -> TeamMemberPayload:
        return await _member_mutation(info, teams.update_team_member_role, input)

    @strawberry.mutation(description="Remove a member from a team.")
    async def remove_team_member(
        self, info: Info, input: RemoveTeamMemberInput
    ) -> TeamMemberPayload:
        return await _member_mutation(info, teams.remove_team_member, input)


async def _member_mutation(
    info: Info,
    operation: teams.MemberOperation,
    input: TeamMemberInput | RemoveTeamMemberInput,
) -> TeamMemberPayload:
    team_id = decode_id(input.team_id, "Team", argument="teamId")
    given = changes(input, leave_out=["team_id"])
    return await mutate(info, TeamMemberPayload, lambda: operation(info.context, team_id, **given))
