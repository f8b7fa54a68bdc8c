from collections.abc import Iterable
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
    empty_connection,
    page_args,
    run_mutation,
)
from app.organizations import models
from app.organizations import service as organizations
from app.organizations.filters import MEMBER_FIELDS, ORGANIZATION_FIELDS, TEAM_FIELDS
from app.pql import compile_query
from app.projects.models import ProjectFeature

if TYPE_CHECKING:
    from app.activity.types import Activity, ActivityFilter
    from app.projects.types import Project, ProjectFilter, ProjectOrder
    from app.teams.types import Team
    from app.users.types import User

OrganizationRole = strawberry.enum(
    models.OrganizationRole,
    name="OrganizationRole",
    description="Organization roles, strongest first; what each may do is in the policy.",
)

UserRef = Annotated["User", strawberry.lazy("app.users.types")]
TeamRef = Annotated["Team", strawberry.lazy("app.teams.types")]
ProjectRef = Annotated["Project", strawberry.lazy("app.projects.types")]
ProjectFilterRef = Annotated["ProjectFilter", strawberry.lazy("app.projects.types")]
ProjectOrderRef = Annotated["ProjectOrder", strawberry.lazy("app.projects.types")]
ActivityRef = Annotated["Activity", strawberry.lazy("app.activity.types")]
ActivityFilterRef = Annotated["ActivityFilter", strawberry.lazy("app.activity.types")]


@strawberry.type(description="What the viewer may do here; the same policy decides the mutations.")
class OrganizationPermissions:
    update: bool
    delete: bool
    manage_members: bool
    manage_teams: bool
    create_project: bool


@strawberry.type(name="Organization")
class Organization(relay.Node):
    organization_id: relay.NodeID[int]
    name: str
    display_name: str | None
    _description: strawberry.Private[str | None]
    _created_at: strawberry.Private[datetime]
    _updated_at: strawberry.Private[datetime]

    @classmethod
    def from_row(cls, row: models.Organization) -> "Organization":
        return cls(
            organization_id=row.id,
            name=row.name,
            display_name=row.display_name,
            _description=row.description,
            _created_at=row.created_at,
            _updated_at=row.updated_at,
        )

    # Seen from outside (as the owner of a PUBLIC project) an organization is its name and
    # display name only; the rest is for members (authz.md, 2026-11-30).

    @strawberry.field(description="For members; null to everyone else.")
    async def description(self, info: Info) -> str | None:
        return self._description if await self._may(info, Action.READ_DETAILS) else None

    @strawberry.field(description="For members; null to everyone else.")
    async def created_at(self, info: Info) -> datetime | None:
        return self._created_at if await self._may(info, Action.READ_DETAILS) else None

    @strawberry.field(description="For members; null to everyone else.")
    async def updated_at(self, info: Info) -> datetime | None:
        return self._updated_at if await self._may(info, Action.READ_DETAILS) else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["Organization | None"]:
        ctx = info.context
        ids = [int(node_id) for node_id in node_ids]
        loaders = ctx.loaders.organizations
        rows = await loaders.by_id.load_many(ids)
        roles = await loaders.viewer_role.load_many(ids)
        public = await loaders.public_owner.load_many(ids)
        return [
            cls.from_row(row)
            if row is not None and organizations.may(ctx, role, Action.READ, public_owner=owner)
            else None
            for row, role, owner in zip(rows, roles, public, strict=True)
        ]

    async def _may(self, info: Info, action: Action) -> bool:
        role = await info.context.loaders.organizations.viewer_role.load(self.organization_id)
        return organizations.may(info.context, role, action)

    @strawberry.field(description="The viewer's role here; null when not a member.")
    async def viewer_role(self, info: Info) -> OrganizationRole | None:  # type: ignore[valid-type]
        return await info.context.loaders.organizations.viewer_role.load(self.organization_id)

    @strawberry.field
    async def viewer_can(self, info: Info) -> OrganizationPermissions:
        ctx = info.context
        role = await ctx.loaders.organizations.viewer_role.load(self.organization_id)
        return OrganizationPermissions(
            update=organizations.may(ctx, role, Action.UPDATE),
            delete=organizations.may(ctx, role, Action.DELETE),
            manage_members=organizations.may(ctx, role, Action.MANAGE_MEMBERS),
            manage_teams=organizations.may(ctx, role, Action.MANAGE_TEAMS),
            create_project=organizations.may(ctx, role, Action.CREATE_PROJECT),
        )

    @strawberry.field(description="Members, by username; empty for non-members.")
    async def members(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        role: OrganizationRole | None = None,  # type: ignore[valid-type]
        query: Annotated[
            str | None, strawberry.argument(description="e.g. `username:%ada%, role:owner`.")
        ] = None,
    ) -> Connection["OrganizationMember"]:
        args = page_args(info, first, after, last, before)
        query = (query or "").strip() or None  # blank: no filter
        predicate = compile_query(query, MEMBER_FIELDS)
        if not await self._may(info, Action.READ_MEMBERS):
            return empty_connection()
        pages, counts = info.context.loaders.organizations.members(role, query, predicate)
        page = await pages.load((self.organization_id, args))
        return build_connection(
            page, OrganizationMember.from_row, lambda: counts.load(self.organization_id)
        )

    @strawberry.field(description="Teams, by name; empty for non-members.")
    async def teams(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        query: Annotated[
            str | None, strawberry.argument(description="e.g. `name:%vision%`.")
        ] = None,
    ) -> Connection[TeamRef]:
        from app.teams.types import Team  # noqa: PLC0415  (a lazy type, resolved at run time)

        args = page_args(info, first, after, last, before)
        query = (query or "").strip() or None  # blank: no filter
        predicate = compile_query(query, TEAM_FIELDS)
        if not await self._may(info, Action.READ_MEMBERS):
            return empty_connection()
        pages, counts = info.context.loaders.teams.of_organization(query, predicate)
        page = await pages.load((self.organization_id, args))
        return build_connection(page, Team.from_row, lambda: counts.load(self.organization_id))

    @strawberry.field(description="Projects the viewer may read, newest change first.")
    async def projects(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ProjectFilterRef | None = None,
        query: str | None = None,
        order_by: list[ProjectOrderRef] | None = None,
        sort: str | None = None,
    ) -> Connection[ProjectRef]:
        from app.projects.types import project_connection  # noqa: PLC0415

        return await project_connection(
            info,
            self.organization_id,
            None,
            first,
            after,
            last,
            before,
            filter,
            query,
            order_by,
            sort,
        )

    @strawberry.field(description="The model registry: projects with the MODEL feature.")
    async def models(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ProjectFilterRef | None = None,
        query: str | None = None,
        order_by: list[ProjectOrderRef] | None = None,
        sort: str | None = None,
    ) -> Connection[ProjectRef]:
        from app.projects.types import project_connection  # noqa: PLC0415

        return await project_connection(
            info,
            self.organization_id,
            ProjectFeature.MODEL,
            first,
            after,
            last,
            before,
            filter,
            query,
            order_by,
            sort,
        )

    @strawberry.field(description="The component hub: projects with the COMPONENT feature.")
    async def components(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ProjectFilterRef | None = None,
        query: str | None = None,
        order_by: list[ProjectOrderRef] | None = None,
        sort: str | None = None,
    ) -> Connection[ProjectRef]:
        from app.projects.types import project_connection  # noqa: PLC0415

        return await project_connection(
            info,
            self.organization_id,
            ProjectFeature.COMPONENT,
            first,
            after,
            last,
            before,
            filter,
            query,
            order_by,
            sort,
        )

    @strawberry.field(description="What happened here, newest first, as far as the viewer may see.")
    async def activity(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ActivityFilterRef | None = None,
    ) -> Connection[ActivityRef]:
        from app.activity.types import activity_connection  # noqa: PLC0415

        return await activity_connection(
            info, self.organization_id, first, after, last, before, filter
        )

    @strawberry.field(description="A team of this organization by name; null when there is none.")
    async def team(self, info: Info, name: str) -> TeamRef | None:
        from app.teams import service as teams  # noqa: PLC0415
        from app.teams.types import Team  # noqa: PLC0415

        ctx = info.context
        async with ctx.reading():
            row = await teams.find_readable_by_name(ctx, self.organization_id, name)
        return None if row is None else Team.from_row(row)


@strawberry.type
class OrganizationMember:
    _user_id: strawberry.Private[int]
    role: OrganizationRole  # type: ignore[valid-type]
    joined_at: datetime

    @classmethod
    def from_row(cls, row: models.OrganizationMember) -> "OrganizationMember":
        return cls(_user_id=row.user_id, role=row.role, joined_at=row.joined_at)

    @strawberry.field
    async def user(self, info: Info) -> UserRef:
        from app.users.types import User  # noqa: PLC0415

        row = await info.context.loaders.users.by_id.load(self._user_id)
        assert row is not None  # memberships cascade with their user
        return User.from_row(row)


@strawberry.type(description="An organization a user belongs to, with their role in it.")
class OrganizationMembership:
    _organization_id: strawberry.Private[int]
    role: OrganizationRole  # type: ignore[valid-type]
    joined_at: datetime

    @classmethod
    def from_row(cls, row: models.OrganizationMember) -> "OrganizationMembership":
        return cls(_organization_id=row.organization_id, role=row.role, joined_at=row.joined_at)

    @strawberry.field
    async def organization(self, info: Info) -> Organization:
        row = await info.context.loaders.organizations.by_id.load(self._organization_id)
        assert row is not None
        return Organization.from_row(row)


# ---- root fields and mutations ----------------------------------------------------------------


@strawberry.type
class OrganizationQuery:
    @strawberry.field(description="An organization by name; null when the viewer may not read it.")
    async def organization(self, info: Info, name: str) -> Organization | None:
        ctx = info.context
        async with ctx.reading():
            row = await organizations.find_readable_by_name(ctx, name)
        return None if row is None else Organization.from_row(row)

    @strawberry.field(description="The organizations the viewer belongs to, by name.")
    async def organizations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        query: Annotated[
            str | None,
            strawberry.argument(description="e.g. `name:%lab%, created_at:>=2026-01-01`."),
        ] = None,
    ) -> Connection[Organization]:
        ctx = info.context
        args = page_args(info, first, after, last, before)
        predicate = compile_query((query or "").strip() or None, ORGANIZATION_FIELDS)
        async with ctx.reading():
            page = await organizations.list_readable(ctx, args, predicate)

        async def total() -> int:
            async with ctx.reading():
                return await organizations.count_readable(ctx, predicate)

        return build_connection(page, Organization.from_row, total)


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
    role: OrganizationRole  # type: ignore[valid-type]


@strawberry.input
class RemoveOrganizationMemberInput:
    organization_id: relay.GlobalID
    username: str = strawberry.field(description="Your own username to leave the organization.")


@strawberry.type
class OrganizationPayload:
    organization: Organization | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteOrganizationPayload:
    deleted_id: relay.GlobalID | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class OrganizationMemberPayload:
    member: OrganizationMember | None = None
    organization: Organization | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


def _unset_to_sentinel(value: object) -> object:
    return organizations.UNSET if value is strawberry.UNSET else value


async def _member_payload(
    info: Info, organization_id: int, operation: "MemberOperation"
) -> OrganizationMemberPayload:
    member, errors = await run_mutation(info, operation)
    if member is None:
        return OrganizationMemberPayload(user_errors=errors)
    async with info.context.reading():
        organization = await organizations.get_readable(info.context, organization_id)
    return OrganizationMemberPayload(
        member=OrganizationMember.from_row(member),
        organization=None if organization is None else Organization.from_row(organization),
    )


if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    MemberOperation = Callable[[], Awaitable[models.OrganizationMember]]


@strawberry.type
class OrganizationMutation:
    @strawberry.mutation(description="Create an organization; the viewer becomes its OWNER.")
    async def create_organization(
        self, info: Info, input: CreateOrganizationInput
    ) -> OrganizationPayload:
        row, errors = await run_mutation(
            info,
            lambda: organizations.create_organization(
                info.context,
                name=input.name,
                display_name=input.display_name,
                description=input.description,
            ),
        )
        return OrganizationPayload(
            organization=None if row is None else Organization.from_row(row), user_errors=errors
        )

    @strawberry.mutation(description="Change an organization's display name or description.")
    async def update_organization(
        self, info: Info, input: UpdateOrganizationInput
    ) -> OrganizationPayload:
        organization_id = decode_id(input.id, "Organization")
        row, errors = await run_mutation(
            info,
            lambda: organizations.update_organization(
                info.context,
                organization_id,
                display_name=_unset_to_sentinel(input.display_name),
                description=_unset_to_sentinel(input.description),
            ),
        )
        return OrganizationPayload(
            organization=None if row is None else Organization.from_row(row), user_errors=errors
        )

    @strawberry.mutation(description="Delete an organization and everything in it.")
    async def delete_organization(
        self, info: Info, input: DeleteOrganizationInput
    ) -> DeleteOrganizationPayload:
        organization_id = decode_id(input.id, "Organization")
        deleted, errors = await run_mutation(
            info,
            lambda: organizations.delete_organization(
                info.context, organization_id, confirm_name=input.confirm_name
            ),
        )
        return DeleteOrganizationPayload(
            deleted_id=None if deleted is None else relay.GlobalID("Organization", str(deleted)),
            user_errors=errors,
        )

    @strawberry.mutation(description="Add a user to an organization with a role.")
    async def add_organization_member(
        self, info: Info, input: OrganizationMemberInput
    ) -> OrganizationMemberPayload:
        organization_id = decode_id(
            input.organization_id, "Organization", argument="organizationId"
        )
        return await _member_payload(
            info,
            organization_id,
            lambda: organizations.add_member(
                info.context, organization_id, username=input.username, role=input.role
            ),
        )

    @strawberry.mutation(description="Change a member's role.")
    async def update_organization_member_role(
        self, info: Info, input: OrganizationMemberInput
    ) -> OrganizationMemberPayload:
        organization_id = decode_id(
            input.organization_id, "Organization", argument="organizationId"
        )
        return await _member_payload(
            info,
            organization_id,
            lambda: organizations.update_member_role(
                info.context, organization_id, username=input.username, role=input.role
            ),
        )

    @strawberry.mutation(description="Remove a member (or leave, with your own username).")
    async def remove_organization_member(
        self, info: Info, input: RemoveOrganizationMemberInput
    ) -> OrganizationMemberPayload:
        organization_id = decode_id(
            input.organization_id, "Organization", argument="organizationId"
        )
        return await _member_payload(
            info,
            organization_id,
            lambda: organizations.remove_member(
                info.context, organization_id, username=input.username
            ),
        )
