"""Organizations and their members in the graph: views over `app.organizations.models` rows."""

from datetime import datetime

import strawberry
from strawberry import relay

from app.activity.listing import ACTIVITY
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
from app.organizations import service as organizations
from app.organizations.listing import MEMBERS, ORGANIZATIONS
from app.organizations.models import Organization as OrganizationRow
from app.organizations.models import OrganizationMember as MemberRow
from app.organizations.models import OrganizationRole
from app.projects.listing import PROJECTS, feature_is
from app.projects.models import ProjectFeature
from app.teams import service as teams
from app.teams.listing import TEAMS
from app.users.models import User as UserRow

strawberry.enum(
    OrganizationRole,
    name="OrganizationRole",
    description="Organization roles, strongest first; what each may do is in the policy.",
)


@strawberry.type(description="What the viewer may do here; the same policy decides the mutations.")
class OrganizationPermissions:
    update: bool
    delete: bool
    manage_members: bool
    manage_teams: bool
    create_project: bool


async def _details(info: Info, organization: OrganizationRow) -> bool:
    # Seen from outside (as the owner of a PUBLIC project) an organization is its name and
    # display name only; the rest is for members (authz.md, 2026-11-30).
    return await info.context.access.may(Kind.ORGANIZATION, organization, Action.READ_DETAILS)


@strawberry.type(name="Organization")
class Organization(RowNode):
    model, kind = OrganizationRow, Kind.ORGANIZATION
    name: str
    display_name: str | None

    @strawberry.field(description="For members; null to everyone else.")
    async def description(
        self, organization: strawberry.Parent[OrganizationRow], info: Info
    ) -> str | None:
        return organization.description if await _details(info, organization) else None

    @strawberry.field(description="For members; null to everyone else.")
    async def created_at(
        self, organization: strawberry.Parent[OrganizationRow], info: Info
    ) -> datetime | None:
        return organization.created_at if await _details(info, organization) else None

    @strawberry.field(description="For members; null to everyone else.")
    async def updated_at(
        self, organization: strawberry.Parent[OrganizationRow], info: Info
    ) -> datetime | None:
        return organization.updated_at if await _details(info, organization) else None

    @strawberry.field(description="The viewer's role here; null when not a member.")
    async def viewer_role(
        self, organization: strawberry.Parent[OrganizationRow], info: Info
    ) -> OrganizationRole | None:
        facts = await info.context.loaders.organizations.viewer_facts.load(organization.id)
        return facts.membership

    @strawberry.field
    async def viewer_can(
        self, organization: strawberry.Parent[OrganizationRow], info: Info
    ) -> OrganizationPermissions:
        access = info.context.access

        async def can(action: Action) -> bool:
            return await access.may(Kind.ORGANIZATION, organization, action)

        return OrganizationPermissions(
            update=await can(Action.UPDATE),
            delete=await can(Action.DELETE),
            manage_members=await can(Action.MANAGE_MEMBERS),
            manage_teams=await can(Action.MANAGE_TEAMS),
            create_project=await can(Action.CREATE_PROJECT),
        )

    @connection(MEMBERS, description="Members, by username; empty for non-members.")
    async def members(
        self,
        organization: strawberry.Parent[OrganizationRow],
        info: Info,
        role: OrganizationRole | None = None,
    ) -> Slice:
        if not await info.context.access.may(Kind.ORGANIZATION, organization, Action.READ_MEMBERS):
            return MEMBERS.nothing()
        where = [] if role is None else [MemberRow.role == role]
        return MEMBERS.under(organization.id, where=where, key=role)

    @connection(TEAMS, description="Teams, by name; empty for non-members.")
    async def teams(self, organization: strawberry.Parent[OrganizationRow], info: Info) -> Slice:
        if not await info.context.access.may(Kind.ORGANIZATION, organization, Action.READ_MEMBERS):
            return TEAMS.nothing()
        return TEAMS.under(organization.id)

    @connection(PROJECTS, description="Projects the viewer may read, newest change first.")
    async def projects(self, organization: strawberry.Parent[OrganizationRow]) -> Slice:
        return PROJECTS.under(organization.id)

    @connection(PROJECTS, description="The model registry: projects with the MODEL feature.")
    async def models(self, organization: strawberry.Parent[OrganizationRow]) -> Slice:
        return PROJECTS.under(organization.id, **feature_is(ProjectFeature.MODEL))

    @connection(PROJECTS, description="The component hub: projects with the COMPONENT feature.")
    async def components(self, organization: strawberry.Parent[OrganizationRow]) -> Slice:
        return PROJECTS.under(organization.id, **feature_is(ProjectFeature.COMPONENT))

    @connection(
        ACTIVITY, description="What happened here, newest first, as far as the viewer may see."
    )
    async def activity(self, organization: strawberry.Parent[OrganizationRow]) -> Slice:
        return ACTIVITY.under(organization.id)

    @strawberry.field(description="A team of this organization by name; null when there is none.")
    async def team(
        self, organization: strawberry.Parent[OrganizationRow], info: Info, name: str
    ) -> TeamRef | None:
        ctx = info.context
        return await ctx.access.readable_one(
            Kind.TEAM, await teams.find_by_name(ctx, organization.id, name)
        )


@strawberry.type
class OrganizationMember:
    role: OrganizationRole
    joined_at: datetime

    @strawberry.field
    async def user(self, member: strawberry.Parent[MemberRow], info: Info) -> UserRef:
        row = await info.context.loaders.rows(UserRow).load(member.user_id)
        assert row is not None  # memberships cascade with their user
        return row


@strawberry.type(description="An organization a user belongs to, with their role in it.")
class OrganizationMembership:
    role: OrganizationRole
    joined_at: datetime

    @strawberry.field
    async def organization(
        self, member: strawberry.Parent[MemberRow], info: Info
    ) -> OrganizationRef:
        row = await info.context.loaders.rows(OrganizationRow).load(member.organization_id)
        assert row is not None
        return row


# ---- root fields and mutations ----------------------------------------------------------------


@strawberry.type
class OrganizationQuery:
    @strawberry.field(description="An organization by name; null when the viewer may not read it.")
    async def organization(self, info: Info, name: str) -> OrganizationRef | None:
        ctx = info.context
        return await ctx.access.readable_one(
            Kind.ORGANIZATION, await organizations.find_by_name(ctx, name)
        )

    @connection(ORGANIZATIONS, description="The organizations the viewer belongs to, by name.")
    async def organizations(self) -> Slice:
        return ORGANIZATIONS.everything()


@strawberry.input
class CreateOrganizationInput:
    name: str = strawberry.field(
        description="A slug, unique across hubql: `^[a-z0-9][a-z0-9._-]{0,63}$`."
    )
    display_name: str | None = None
    description: str | None = None


@strawberry.input
class UpdateOrganizationInput:
    id: relay.GlobalID
    display_name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET


@strawberry.input
class DeleteOrganizationInput:
    id: relay.GlobalID
    confirm_name: str = strawberry.field(description="The organization's name, typed again.")


@strawberry.input
class OrganizationMemberInput:
    organization_id: relay.GlobalID
    username: str
    role: OrganizationRole


@strawberry.input
class RemoveOrganizationMemberInput:
    organization_id: relay.GlobalID
    username: str = strawberry.field(description="Your own username to leave the organization.")


@strawberry.type
class OrganizationPayload:
    organization: OrganizationRef | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteOrganizationPayload:
    deleted_id: relay.GlobalID | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class OrganizationMemberPayload:
    member: OrganizationMember | None = None
    organization: OrganizationRef | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class OrganizationMutation:
    @strawberry.mutation(description="Create an organization; the viewer becomes its OWNER.")
    async def create_organization(
        self, info: Info, input: CreateOrganizationInput
    ) -> OrganizationPayload:
        return await mutate(
            info,
            OrganizationPayload,
            lambda: organizations.create_organization(info.context, **changes(input)),
        )

    @strawberry.mutation(description="Change an organization's display name or description.")
    async def update_organization(
        self, info: Info, input: UpdateOrganizationInput
    ) -> OrganizationPayload:
        organization_id = decode_id(input.id, "Organization")
        return await mutate(
            info,
            OrganizationPayload,
            lambda: organizations.update_organization(
                info.context, organization_id, **changes(input)
            ),
        )

    @strawberry.mutation(description="Delete an organization and everything in it.")
    async def delete_organization(
        self, info: Info, input: DeleteOrganizationInput
    ) -> DeleteOrganizationPayload:
        organization_id = decode_id(input.id, "Organization")

        async def delete() -> dict[str, relay.GlobalID]:
            gone = await organizations.delete_organization(
                info.context, organization_id, confirm_name=input.confirm_name
            )
            return deleted("Organization", gone)

        return await mutate(info, DeleteOrganizationPayload, delete)

    @strawberry.mutation(description="Add a user to an organization with a role.")
    async def add_organization_member(
        self, info: Info, input: OrganizationMemberInput
    ) -> OrganizationMemberPayload:
        return await _member_mutation(info, organizations.add_member, input)

    @strawberry.mutation(description="Change a member's role.")
    async def update_organization_member_role(
        self, info: Info, input: OrganizationMemberInput
    ) -> OrganizationMemberPayload:
        return await _member_mutation(info, organizations.update_member_role, input)

    @strawberry.mutation(description="Remove a member (or leave, with your own username).")
    async def remove_organization_member(
        self, info: Info, input: RemoveOrganizationMemberInput
    ) -> OrganizationMemberPayload:
        return await _member_mutation(info, organizations.remove_member, input)


async def _member_mutation(
    info: Info,
    operation: organizations.MemberOperation,
    input: OrganizationMemberInput | RemoveOrganizationMemberInput,
) -> OrganizationMemberPayload:
    """A member changed, and the organization as the viewer may now read it (gone after
    leaving)."""
    ctx = info.context
    organization_id = decode_id(input.organization_id, "Organization", argument="organizationId")
    payload = await mutate(
        info,
        OrganizationMemberPayload,
        lambda: operation(ctx, organization_id, **changes(input, leave_out=["organization_id"])),
    )
    if payload.member is not None:
        payload.organization = await ctx.access.readable_one(
            Kind.ORGANIZATION, await ctx.loaders.rows(OrganizationRow).load(organization_id)
        )
    return payload
