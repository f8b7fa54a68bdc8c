"""Organizations and their members in the graph: views over `app.organizations.models` rows."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.permission import PermissionExtension

from app.activity.listing import ACTIVITY
from app.authz.roles import ROLE_DESCRIPTIONS, Action, Kind
from app.connections.listing import ORGANIZATION_CONNECTIONS
from app.graphql.context import Info
from app.graphql.kit import (
    INPUT_DOC,
    Deleted,
    RowNode,
    Slice,
    changes,
    connection,
    decode_id,
    described_enum,
    mutate,
    mutation,
    payload,
    related,
    viewer_permissions,
)
from app.graphql.refs import OrganizationRef, TeamRef, UserRef
from app.organizations import service as organizations
from app.organizations.listing import MEMBERS, ORGANIZATIONS
from app.organizations.models import Organization as OrganizationRow
from app.organizations.models import OrganizationMember as MemberRow
from app.organizations.models import OrganizationRole
from app.projects.listing import PROJECTS, feature_is
from app.projects.models import ProjectFeature
from app.service_accounts.listing import SERVICE_ACCOUNTS
from app.teams import service as teams
from app.teams.listing import TEAMS
from app.users.models import User as UserRow
from app.webhooks.listing import ORGANIZATION_WEBHOOKS
from app.webhooks.permissions import CanManageWebhooks

described_enum(
    OrganizationRole,
    name="OrganizationRole",
    description="Organization roles, strongest first; what each may do is in the policy.",
    values=ROLE_DESCRIPTIONS["OrganizationRole"],
)


@strawberry.type(description="What the viewer may do here; the same policy decides the mutations.")
class OrganizationPermissions:
    update: bool = strawberry.field(description="`updateOrganization`.")
    delete: bool = strawberry.field(description="`deleteOrganization`.")
    manage_members: bool = strawberry.field(
        description="Add members, change their roles, remove them (roles at or below one's own)."
    )
    manage_teams: bool = strawberry.field(description="`createTeam`, `updateTeam`, `deleteTeam`.")
    create_project: bool = strawberry.field(description="`createProject` here.")
    manage_connections: bool = strawberry.field(
        description="`createConnection`, `updateConnection`, `deleteConnection` here."
    )


def _for_members(column: str, what: str) -> Any:
    """A field only members read: seen from outside (as the owner of a PUBLIC project) an
    organization is its name and display name only (authz.md, 2026-11-30)."""

    async def resolve(organization: strawberry.Parent[OrganizationRow], info: Info) -> Any:
        access = info.context.access
        if await access.may(Kind.ORGANIZATION, organization, Action.READ_DETAILS):
            return getattr(organization, column)
        return None

    return strawberry.field(
        resolver=resolve, description=f"{what} For members; null to everyone else."
    )


@strawberry.type(
    name="Organization",
    description="Where users collaborate: members with roles, teams, and the projects they own. "
    "Seen from outside (as the owner of a PUBLIC project) it is a name and a display name.",
)
class Organization(RowNode):
    model, kind = OrganizationRow, Kind.ORGANIZATION
    name: str = strawberry.field(description="A unique slug: the `owner` in `owner/project`.")
    display_name: str | None = strawberry.field(description="A name to show; null when unset.")

    description: str | None = _for_members("description", "What it is about (null when unset).")
    created_at: datetime | None = _for_members("created_at", "When it was created.")
    updated_at: datetime | None = _for_members("updated_at", "When it last changed.")

    @strawberry.field(description="The viewer's role here; null when not a member.")
    async def viewer_role(
        self, organization: strawberry.Parent[OrganizationRow], info: Info
    ) -> OrganizationRole | None:
        facts = await info.context.loaders.organizations.viewer_facts.load(organization.id)
        return facts.membership

    @strawberry.field(description="What the viewer may do here.")
    async def viewer_can(
        self, organization: strawberry.Parent[OrganizationRow], info: Info
    ) -> OrganizationPermissions:
        return await viewer_permissions(
            info, Kind.ORGANIZATION, organization, OrganizationPermissions
        )

    @connection(
        ORGANIZATION_WEBHOOKS,
        description="The organization's own webhooks, oldest first (OWNERs and MANAGERs only; "
        "a project's are on the project).",
        nullable=True,
        extensions=[PermissionExtension(permissions=[CanManageWebhooks()])],
    )
    async def webhooks(self, organization: strawberry.Parent[OrganizationRow]) -> Slice:
        return ORGANIZATION_WEBHOOKS.under(organization.id)

    @connection(MEMBERS, description="Members, by username; empty for non-members.")
    async def members(
        self,
        organization: strawberry.Parent[OrganizationRow],
        info: Info,
        role: Annotated[
            OrganizationRole | None, strawberry.argument(description="Only members with this role.")
        ] = None,
    ) -> Slice:
        if not await info.context.access.may(Kind.ORGANIZATION, organization, Action.READ_MEMBERS):
            return MEMBERS.nothing()
        where = [] if role is None else [MemberRow.role == role]
        return MEMBERS.under(organization.id, where=where, key=role)

    @connection(
        SERVICE_ACCOUNTS,
        description="Its service accounts (robot identities for CI/CD), oldest first; empty for "
        "non-members.",
    )
    async def service_accounts(
        self, organization: strawberry.Parent[OrganizationRow], info: Info
    ) -> Slice:
        if not await info.context.access.may(Kind.ORGANIZATION, organization, Action.READ_MEMBERS):
            return SERVICE_ACCOUNTS.nothing()
        return SERVICE_ACCOUNTS.under(organization.id)

    @connection(TEAMS, description="Teams, by name; empty for non-members.")
    async def teams(self, organization: strawberry.Parent[OrganizationRow], info: Info) -> Slice:
        if not await info.context.access.may(Kind.ORGANIZATION, organization, Action.READ_MEMBERS):
            return TEAMS.nothing()
        return TEAMS.under(organization.id)

    @connection(
        ORGANIZATION_CONNECTIONS,
        description="The catalogue of connections (buckets, volumes, repositories, registries), "
        "by name: all of them for members; for others, those of projects they may read.",
    )
    async def connections(self, organization: strawberry.Parent[OrganizationRow]) -> Slice:
        return ORGANIZATION_CONNECTIONS.under(organization.id)

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
        self,
        organization: strawberry.Parent[OrganizationRow],
        info: Info,
        name: Annotated[str, strawberry.argument(description="The team's name, case-insensitive.")],
    ) -> TeamRef | None:
        ctx = info.context
        return await ctx.access.readable_one(
            Kind.TEAM, await teams.find_by_name(ctx, organization.id, name)
        )


@strawberry.type(description="A user's place in an organization.")
class OrganizationMember:
    role: OrganizationRole = strawberry.field(description="Their role in the organization.")
    joined_at: datetime = strawberry.field(description="When they became a member.")
    user: UserRef = related(UserRow, "user_id", description="The member.")


@strawberry.type(description="An organization a user belongs to, with their role in it.")
class OrganizationMembership:
    role: OrganizationRole = strawberry.field(description="The user's role in it.")
    joined_at: datetime = strawberry.field(description="When the user became a member.")
    organization: OrganizationRef = related(
        OrganizationRow, "organization_id", description="The organization."
    )


# ---- root fields and mutations ----------------------------------------------------------------


@strawberry.type
class OrganizationQuery:
    @strawberry.field(description="An organization by name; null when the viewer may not read it.")
    async def organization(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="Case-insensitive.")],
    ) -> OrganizationRef | None:
        ctx = info.context
        return await ctx.access.readable_one(
            Kind.ORGANIZATION, await organizations.find_by_name(ctx, name)
        )

    @connection(ORGANIZATIONS, description="The organizations the viewer belongs to, by name.")
    async def organizations(self) -> Slice:
        return ORGANIZATIONS.everything()


@strawberry.input(description="A new organization.")
class CreateOrganizationInput:
    name: str = strawberry.field(
        description="A slug, unique across hubql: `^[a-z0-9][a-z0-9._-]{0,63}$`."
    )
    display_name: str | None = strawberry.field(
        default=None, description="A name to show, up to 128 characters."
    )
    description: str | None = strawberry.field(default=None, description="Up to 2,000 characters.")


@strawberry.input(description="Only the given fields change; null clears one.")
class UpdateOrganizationInput:
    id: relay.GlobalID = strawberry.field(description="The organization's global id.")
    display_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="A name to show, up to 128 characters."
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 2,000 characters."
    )


@strawberry.input(description="Which organization to delete, confirmed by its name.")
class DeleteOrganizationInput:
    id: relay.GlobalID = strawberry.field(description="The organization's global id.")
    confirm_name: str = strawberry.field(description="The organization's name, typed again.")


@strawberry.input(description="A user and the role they are to hold in an organization.")
class OrganizationMemberInput:
    organization_id: relay.GlobalID = strawberry.field(description="The organization's global id.")
    username: str = strawberry.field(description="Whose membership; case-insensitive.")
    role: OrganizationRole = strawberry.field(
        description="At or below the viewer's own role (else FORBIDDEN)."
    )


@strawberry.input(description="Who leaves an organization.")
class RemoveOrganizationMemberInput:
    organization_id: relay.GlobalID = strawberry.field(description="The organization's global id.")
    username: str = strawberry.field(description="Your own username to leave the organization.")


@payload
class OrganizationPayload:
    organization: OrganizationRef | None = None


@payload
class DeleteOrganizationPayload(Deleted):
    pass


@payload
class OrganizationMemberPayload:
    member: OrganizationMember | None = strawberry.field(
        default=None,
        description="The membership as the mutation left it (as it was, when removed); null "
        "when `userErrors` says why not.",
    )
    organization: OrganizationRef | None = strawberry.field(
        default=None,
        description="The organization, as the viewer may read it now: null after leaving it, "
        "or when `userErrors` says why not.",
    )


INPUT = strawberry.argument(description=INPUT_DOC)


@strawberry.type
class OrganizationMutation:
    create_organization: OrganizationPayload | None = mutation(
        organizations.create_organization,
        CreateOrganizationInput,
        description="Create an organization; the viewer becomes its OWNER.",
    )
    update_organization: OrganizationPayload | None = mutation(
        organizations.update_organization,
        UpdateOrganizationInput,
        target="Organization",
        description="Change an organization's display name or description.",
    )
    delete_organization: DeleteOrganizationPayload | None = mutation(
        organizations.delete_organization,
        DeleteOrganizationInput,
        target="Organization",
        deletes=True,
        description="Delete an organization and everything in it.",
    )

    @strawberry.mutation(description="Add a user to an organization with a role.")
    async def add_organization_member(
        self, info: Info, input: Annotated[OrganizationMemberInput, INPUT]
    ) -> OrganizationMemberPayload | None:
        return await _member_mutation(info, organizations.add_member, input)

    @strawberry.mutation(description="Change a member's role.")
    async def update_organization_member_role(
        self, info: Info, input: Annotated[OrganizationMemberInput, INPUT]
    ) -> OrganizationMemberPayload | None:
        return await _member_mutation(info, organizations.update_member_role, input)

    @strawberry.mutation(description="Remove a member (or leave, with your own username).")
    async def remove_organization_member(
        self, info: Info, input: Annotated[RemoveOrganizationMemberInput, INPUT]
    ) -> OrganizationMemberPayload | None:
        return await _member_mutation(info, organizations.remove_member, input)


async def _member_mutation(
    info: Info,
    operation: Callable[..., Awaitable[MemberRow]],
    input: OrganizationMemberInput | RemoveOrganizationMemberInput,
) -> OrganizationMemberPayload | None:
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
