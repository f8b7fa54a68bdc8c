from aiodataloader import DataLoader
from sqlalchemy import and_, exists, select

from app.authz import filters
from app.authz.roles import OrganizationFacts
from app.context import Context
from app.organizations.models import Organization, OrganizationMember
from app.projects.models import Project


class ViewerFactsByOrganizationIdLoader(DataLoader[int, OrganizationFacts]):
    """The viewer's membership in each organization, and whether it owns a project anyone may
    read (so outsiders see its name): one statement a batch."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self._ctx = ctx

    async def batch_load_fn(self, organization_ids: list[int]) -> list[OrganizationFacts]:
        public = filters.organizations_with_public_projects(self._ctx).where(
            Project.organization_id == Organization.id
        )
        statement = (
            select(Organization.id, OrganizationMember.role, exists(public))
            .outerjoin(
                OrganizationMember,
                and_(
                    OrganizationMember.organization_id == Organization.id,
                    OrganizationMember.user_id == self._ctx.viewer.user_id,
                ),
            )
            .where(Organization.id.in_(organization_ids))
        )
        found = {
            organization_id: OrganizationFacts(membership=role, public_owner=bool(owner))
            for organization_id, role, owner in (await self._ctx.session.execute(statement)).all()
        }
        return [found.get(i, OrganizationFacts()) for i in organization_ids]


class OrganizationLoaders:
    def __init__(self, ctx: Context) -> None:
        self.viewer_facts = ViewerFactsByOrganizationIdLoader(ctx)
