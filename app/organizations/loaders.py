from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, Select, select

from app.authz import filters
from app.context import Context
from app.loaders import ConnectionLoaders, CountLoader, PageLoader, RowsByKeyLoader
from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.organizations.service import members_statement
from app.pagination import SortKey
from app.projects.models import Project
from app.users.models import User

MEMBERS_BY_USERNAME = SortKey(
    "username", ((User.username, False), (OrganizationMember.user_id, False))
)
MEMBERSHIPS_BY_ORGANIZATION_NAME = SortKey(
    "organization", ((Organization.name, False), (OrganizationMember.organization_id, False))
)


class ViewerRoleByOrganizationIdLoader(DataLoader[int, OrganizationRole | None]):
    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self._ctx = ctx

    async def batch_load_fn(self, organization_ids: list[int]) -> list[OrganizationRole | None]:
        if self._ctx.viewer.user_id is None:
            return [None for _ in organization_ids]
        statement = select(OrganizationMember.organization_id, OrganizationMember.role).where(
            OrganizationMember.user_id == self._ctx.viewer.user_id,
            OrganizationMember.organization_id.in_(organization_ids),
        )
        async with self._ctx.reading() as session:
            roles = dict((await session.execute(statement)).all())
        return [roles.get(organization_id) for organization_id in organization_ids]


class PublicOwnerByOrganizationIdLoader(DataLoader[int, bool]):
    """Whether each organization owns a project anyone may read (so outsiders see its name)."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self._ctx = ctx

    async def batch_load_fn(self, organization_ids: list[int]) -> list[bool]:
        statement = (
            filters.organizations_with_public_projects(self._ctx)
            .where(Project.organization_id.in_(organization_ids))
            .distinct()
        )
        async with self._ctx.reading() as session:
            owners = set((await session.scalars(statement)).all())
        return [organization_id in owners for organization_id in organization_ids]


class OrganizationLoaders:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self.by_id: RowsByKeyLoader[int, Organization] = RowsByKeyLoader(
            ctx, Organization, Organization.id
        )
        self.viewer_role = ViewerRoleByOrganizationIdLoader(ctx)
        self.public_owner = PublicOwnerByOrganizationIdLoader(ctx)
        self._members: ConnectionLoaders[int, OrganizationMember] = ConnectionLoaders(
            ctx, OrganizationMember, OrganizationMember.organization_id
        )
        self.memberships_of_user: PageLoader[int, OrganizationMember] = PageLoader(
            ctx,
            self._readable_memberships,
            OrganizationMember,
            OrganizationMember.user_id,
            MEMBERSHIPS_BY_ORGANIZATION_NAME,
        )
        self.membership_counts_of_user: CountLoader[int] = CountLoader(
            ctx, self._readable_memberships, OrganizationMember.user_id
        )

    def _readable_memberships(self) -> Select[OrganizationMember]:
        return (
            select(OrganizationMember)
            .join(Organization, Organization.id == OrganizationMember.organization_id)
            .where(filters.member_organizations(self._ctx))
        )

    def members(
        self, role: OrganizationRole | None, query: str | None, predicate: ColumnElement[bool]
    ) -> tuple[PageLoader[int, OrganizationMember], CountLoader[int]]:
        return self._members.get(
            (role, query), lambda: members_statement(role, predicate), MEMBERS_BY_USERNAME
        )
