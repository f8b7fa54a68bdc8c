from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from app.authz.roles import Action
from app.graphql.context import Info
from app.graphql.core import (
    Connection,
    UserErrorType,
    build_connection,
    decode_id,
    page_args,
    run_mutation,
)
from app.teams import models
from app.teams import service as teams

if TYPE_CHECKING:
    from app.organizations.types import Organization
    from app.projects.types import ProjectGrant
    from app.users.types import User

TeamRole = strawberry.enum(models.TeamRole, name="TeamRole")
UserRef = Annotated["User", strawberry.lazy("app.users.types")]
OrganizationRef = Annotated["Organization", strawberry.lazy("app.organizations.types")]
ProjectGrantRef = Annotated["ProjectGrant", strawberry.lazy("app.projects.types")]


@strawberry.type(description="What the viewer may do to this team.")
class TeamPermissions:
    update: bool
    delete: bool
    manage_members: bool


@strawberry.type(name="Team")
class Team(relay.Node):
    team_id: relay.NodeID[int]
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime
    _organization_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: models.Team) -> "Team":
        return cls(
            team_id=row.id,
            name=row.name,
            description=row.description,
            created_at=row.created_at,
            updated_at=row.updated_at,
            _organization_id=row.organization_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["Team | None"]:
        ctx = info.context
        rows = await ctx.loaders.teams.by_id.load_many([int(node_id) for node_id in node_ids])
        found = [row for row in rows if row is not None]
        org_roles = await ctx.loaders.organizations.viewer_role.load_many(
            [row.organization_id for row in found]
        )
        team_roles = await ctx.loaders.teams.viewer_role.load_many([row.id for row in found])
        readable = {
            row.id
            for row, org_role, team_role in zip(found, org_roles, team_roles, strict=True)
            if teams.may(ctx, org_role, team_role, Action.READ)
        }
        return [
            cls.from_row(row) if row is not None and row.id in readable else None for row in rows
        ]

    async def _may(self, info: Info, action: Action) -> bool:
        loaders = info.context.loaders
        org_role = await loaders.organizations.viewer_role.load(self._organization_id)
        team_role = await loaders.teams.viewer_role.load(self.team_id)
        return teams.may(info.context, org_role, team_role, action)

    @strawberry.field
    async def organization(self, info: Info) -> OrganizationRef:
        from app.organizations.types import Organization  # noqa: PLC0415

        row = await info.context.loaders.organizations.by_id.load(self._organization_id)
        assert row is not None  # teams cascade with their organization
        return Organization.from_row(row)

    @strawberry.field(description="The viewer's role on this team; null when not on it.")
    async def viewer_role(self, info: Info) -> TeamRole | None:  # type: ignore[valid-type]
        return await info.context.loaders.teams.viewer_role.load(self.team_id)

    @strawberry.field
    async def viewer_can(self, info: Info) -> TeamPermissions:
        return TeamPermissions(
            update=await self._may(info, Action.UPDATE),
            delete=await self._may(info, Action.DELETE),
            manage_members=await self._may(info, Action.MANAGE_MEMBERS),
        )

    @strawberry.field(description="Members of the team, by username.")
    async def members(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection["TeamMember"]:
        args = page_args(info, first, after, last, before)
        loaders = info.context.loaders.teams
        page = await loaders.member_pages.load((self.team_id, args))
        return build_connection(
            page, TeamMember.from_row, lambda: loaders.member_counts.load(self.team_id)
        )

    @strawberry.field(description="The project access this team holds, on projects you may read.")
    async def projects(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ProjectGrantRef]:
        from app.projects.types import ProjectGrant  # noqa: PLC0415

        args = page_args(info, first, after, last, before)
        loaders = info.context.loaders.projects
        page = await loaders.team_grants.load((self.team_id, args))
        return build_connection(
            page, ProjectGrant.from_row, lambda: loaders.team_grant_counts.load(self.team_id)
        )


@strawberry.type
class TeamMember:
    _user_id: strawberry.Private[int]
    role: TeamRole  # type: ignore[valid-type]
    joined_at: datetime

    @classmethod
    def from_row(cls, row: models.TeamMember) -> "TeamMember":
        return cls(_user_id=row.user_id, role=row.role, joined_at=row.joined_at)

    @strawberry.field
    async def user(self, info: Info) -> UserRef:
        from app.users.types import User  # noqa: PLC0415

        row = await info.context.loaders.users.by_id.load(self._user_id)
        assert row is not None
        return User.from_row(row)


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
    role: TeamRole = models.TeamRole.MEMBER  # type: ignore[valid-type]


@strawberry.input
class RemoveTeamMemberInput:
    team_id: relay.GlobalID
    username: str


@strawberry.type
class TeamPayload:
    team: Team | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteTeamPayload:
    deleted_id: relay.GlobalID | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class TeamMemberPayload:
    member: TeamMember | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


async def _team_payload(info: Info, operation: Callable[[], Awaitable[models.Team]]) -> TeamPayload:
    row, errors = await run_mutation(info, operation)
    return TeamPayload(team=None if row is None else Team.from_row(row), user_errors=errors)


async def _member_payload(
    info: Info, operation: Callable[[], Awaitable[models.TeamMember]]
) -> TeamMemberPayload:
    row, errors = await run_mutation(info, operation)
    return TeamMemberPayload(
        member=None if row is None else TeamMember.from_row(row), user_errors=errors
    )


@strawberry.type
class TeamMutation:
    @strawberry.mutation(description="Create a team in an organization.")
    async def create_team(self, info: Info, input: CreateTeamInput) -> TeamPayload:
        organization_id = decode_id(
            input.organization_id, "Organization", argument="organizationId"
        )
        return await _team_payload(
            info,
            lambda: teams.create_team(
                info.context, organization_id, name=input.name, description=input.description
            ),
        )

    @strawberry.mutation(description="Rename a team or change its description.")
    async def update_team(self, info: Info, input: UpdateTeamInput) -> TeamPayload:
        team_id = decode_id(input.id, "Team")
        description = teams.UNSET if input.description is strawberry.UNSET else input.description
        return await _team_payload(
            info,
            lambda: teams.update_team(
                info.context, team_id, name=input.name, description=description
            ),
        )

    @strawberry.mutation(description="Delete a team; its members stay in the organization.")
    async def delete_team(self, info: Info, input: DeleteTeamInput) -> DeleteTeamPayload:
        team_id = decode_id(input.id, "Team")
        deleted, errors = await run_mutation(info, lambda: teams.delete_team(info.context, team_id))
        return DeleteTeamPayload(
            deleted_id=None if deleted is None else relay.GlobalID("Team", str(deleted)),
            user_errors=errors,
        )

    @strawberry.mutation(description="Add an organization member to a team.")
    async def add_team_member(self, info: Info, input: TeamMemberInput) -> TeamMemberPayload:
        team_id = decode_id(input.team_id, "Team", argument="teamId")
        return await _member_payload(
            info,
            lambda: teams.add_team_member(
                info.context, team_id, username=input.username, role=input.role
            ),
        )

    @strawberry.mutation(description="Change a team member's role.")
    async def update_team_member_role(
        self, info: Info, input: TeamMemberInput
    ) -> TeamMemberPayload:
        team_id = decode_id(input.team_id, "Team", argument="teamId")
        return await _member_payload(
            info,
            lambda: teams.update_team_member_role(
                info.context, team_id, username=input.username, role=input.role
            ),
        )

    @strawberry.mutation(description="Remove a member from a team.")
    async def remove_team_member(
        self, info: Info, input: RemoveTeamMemberInput
    ) -> TeamMemberPayload:
        team_id = decode_id(input.team_id, "Team", argument="teamId")
        return await _member_payload(
            info,
            lambda: teams.remove_team_member(info.context, team_id, username=input.username),
        )
