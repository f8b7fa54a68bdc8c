"""Teams and their members in the graph: views over `app.teams.models` rows."""

from datetime import datetime
from functools import partial

import strawberry
from strawberry import relay

from app.authz.roles import Kind
from app.graphql.context import Info
from app.graphql.kit import (
    Deleted,
    RowNode,
    Slice,
    connection,
    in_organization,
    mutation,
    payload,
    related,
    viewer_permissions,
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
    organization: OrganizationRef = related(OrganizationRow, "organization_id")

    @strawberry.field(description="The viewer's role on this team; null when not on it.")
    async def viewer_role(
        self, team: strawberry.Parent[models.Team], info: Info
    ) -> models.TeamRole | None:
        return await info.context.loaders.teams.viewer_role.load(team.id)

    @strawberry.field
    async def viewer_can(self, team: strawberry.Parent[models.Team], info: Info) -> TeamPermissions:
        return await viewer_permissions(info, Kind.TEAM, team, TeamPermissions)

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
    user: UserRef = related(UserRow, "user_id")


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


@payload
class TeamPayload:
    team: TeamRef | None = None


@payload
class DeleteTeamPayload(Deleted):
    pass


@payload
class TeamMemberPayload:
    member: TeamMember | None = None


on_team = partial(mutation, target="Team")
on_members = partial(mutation, target="Team", target_field="team_id")


@strawberry.type
class TeamMutation:
    create_team: TeamPayload | None = in_organization(
        teams.create_team,
        CreateTeamInput,
        description="Create a team in an organization.",
    )
    update_team: TeamPayload | None = on_team(
        teams.update_team,
        UpdateTeamInput,
        description="Rename a team or change its description.",
    )
    delete_team: DeleteTeamPayload | None = on_team(
        teams.delete_team,
        DeleteTeamInput,
        deletes=True,
        description="Delete a team; its members stay in the organization.",
    )
    add_team_member: TeamMemberPayload | None = on_members(
        teams.add_team_member, TeamMemberInput, description="Add an organization member to a team."
    )
    update_team_member_role: TeamMemberPayload | None = on_members(
        teams.update_team_member_role, TeamMemberInput, description="Change a team member's role."
    )
    remove_team_member: TeamMemberPayload | None = on_members(
        teams.remove_team_member, RemoveTeamMemberInput, description="Remove a member from a team."
    )
