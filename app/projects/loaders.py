from collections import defaultdict

from aiodataloader import DataLoader
from sqlalchemy import Select, String, cast, literal, or_, select, union_all

from app.authz import filters
from app.authz.roles import ProjectFacts
from app.context import Context
from app.loaders import RelatedRowsLoader
from app.organizations.models import OrganizationMember, OrganizationRole
from app.projects.models import Project, ProjectGrant, ProjectRole, PromotionSource
from app.teams.models import TeamMember


class ViewerFactsByProjectIdLoader(DataLoader[int, ProjectFacts | None]):
    """What the database says about the viewer and each project: the projects, then the
    viewer's memberships and grants on them in one statement, a batch."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self._ctx = ctx

    async def batch_load_fn(self, project_ids: list[int]) -> list[ProjectFacts | None]:
        rows = await self._ctx.loaders.rows(Project).load_many(project_ids)
        found = [row for row in rows if row is not None]
        memberships: dict[int, OrganizationRole] = {}
        grants: dict[int, set[ProjectRole]] = defaultdict(set)
        user_id = self._ctx.viewer.user_id
        if user_id is not None and found:
            teams = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
            member = select(
                literal("member"),
                OrganizationMember.organization_id,
                cast(OrganizationMember.role, String),
            ).where(
                OrganizationMember.user_id == user_id,
                OrganizationMember.organization_id.in_({row.organization_id for row in found}),
            )
            granted = select(
                literal("grant"), ProjectGrant.project_id, cast(ProjectGrant.role, String)
            ).where(
                ProjectGrant.project_id.in_([row.id for row in found]),
                or_(ProjectGrant.user_id == user_id, ProjectGrant.team_id.in_(teams)),
            )
            for kind, place, role in await self._ctx.session.execute(union_all(member, granted)):
                if kind == "member":
                    memberships[place] = OrganizationRole(role)
                else:
                    grants[place].add(ProjectRole(role))
        facts: list[ProjectFacts | None] = []
        for row in rows:
            if row is None:
                facts.append(None)
                continue
            membership = memberships.get(row.organization_id)
            facts.append(
                ProjectFacts(
                    visibility=row.visibility,
                    archived=row.archived_at is not None,
                    org_membership=membership,
                    grants=frozenset(grants.get(row.id, set())),
                )
            )
        return facts


class ProjectLoaders:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self.viewer_facts = ViewerFactsByProjectIdLoader(ctx)
        self.promotion_sources: RelatedRowsLoader[int, Project] = RelatedRowsLoader(
            ctx, self._sources
        )

    def _sources(self, project_ids: list[int]) -> Select[Project, int]:
        return (
            select(Project, PromotionSource.project_id)
            .join(PromotionSource, PromotionSource.source_project_id == Project.id)
            .where(
                PromotionSource.project_id.in_(project_ids), filters.readable_projects(self._ctx)
            )
            .order_by(Project.name)
        )
