"""Teams and their members in the graph: views over `app.teams.models` rows."""

from datetime import datetime
from functools import partial

import strawberry
from strawberry import relay

from app.authz.roles import ROLE_DESCRIPTIONS, Kind
from app.graphql.context import Info
from app.graphql.kit import (
    Deleted,
    RowNode,
    Slice,
    connection,
    described_enum,
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

described_enum(
    models.TeamRole,
    name="TeamRole",
    description="Roles on a team.",
    values=ROLE_DESCRIPTIONS["TeamRole"],
)


@strawberry.type(description="What the viewer may do to this team.")
class TeamPermissions:
    update: bool = strawberry.field(description="`updateTeam`.")
    delete: bool = strawberry.field(description="`deleteTeam`.")
    manage_members: bool = strawberry.field(
        description="`addTeamMember`, `updateTeamMemberRole`, `removeTeamMember`."
    )


@strawberry.type(
    name="Team",
    description="A group of an organization's members; project grants to a team reach them all.",
)
class Team(RowNode):
    model, kind = models.Team, Kind.TEAM
    name: str = strawberry.field(description="A slug, unique in the organization.")
    description: str | None = strawberry.field(description="What the team is; null when unset.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    organization: OrganizationRef = related(
        OrganizationRow, "organization_id", description="The organization it belongs to."
    )

    @strawberry.field(description="The viewer's role on this team; null when not on it.")
    async def viewer_role(
        self, team: strawberry.Parent[models.Team], info: Info
    ) -> models.TeamRole | None:
        return await info.context.loaders.teams.viewer_role.load(team.id)

    @strawberry.field(description="What the viewer may do to this team.")
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


@strawberry.type(description="A user's place on a team.")
class TeamMember:
    role: models.TeamRole = strawberry.field(description="Their role on the team.")
    joined_at: datetime = strawberry.field(description="When they joined the team.")
    user: UserRef = related(UserRow, "user_id", description="The member.")


@strawberry.input(description="A new team.")
class CreateTeamInput:
    organization_id: relay.GlobalID = strawberry.field(description="The organization's global id.")
    name: str = strawberry.field(
        description="A slug, unique in the organization: `^[a-z0-9][a-z0-9._-]{0,63}$`."
    )
    description: str | None = strawberry.field(default=None, description="Up to 2,000 characters.")


@strawberry.input(description="Only the given fields change.")
class UpdateTeamInput:
    id: relay.GlobalID = strawberry.field(description="The team's global id.")
    name: str | None = strawberry.field(
        default=None, description="A new slug, unique in the organization; null keeps the name."
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 2,000 characters; null clears it."
    )


@strawberry.input(description="Which team to delete.")
class DeleteTeamInput:
    id: relay.GlobalID = strawberry.field(description="The team's global id.")


@strawberry.input(description="A user and the role they are to hold on a team.")
class TeamMemberInput:
    team_id: relay.GlobalID = strawberry.field(description="The team's global id.")
    username: str = strawberry.field(
        description="Whose place; a member of the team's organization. Case-insensitive."
    )
    role: models.TeamRole = strawberry.field(
        default=models.TeamRole.MEMBER, description="MEMBER unless given."
    )


@strawberry.input(description="Who leaves a team.")
class RemoveTeamMemberInput:
    team_id: relay.GlobalID = strawberry.field(description="The team's global id.")
    username: str = strawberry.field(description="The member's username; case-insensitive.")


@payload
class TeamPayload:
    team: TeamRef | None = None


@payload
class DeleteTeamPayload(Deleted):
    pass


@payload
class TeamMemberPayload:
    member: TeamMember | None = strawberry.field(
        default=None,
        description="The team place as the mutation left it (as it was, when removed); null "
        "when `userErrors` says why not.",
    )


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
