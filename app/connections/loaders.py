from aiodataloader import DataLoader
from sqlalchemy import and_, exists, select

from app.authz import filters
from app.authz.roles import ConnectionFacts
from app.connections.models import Connection, ProjectConnection
from app.context import Context
from app.organizations.models import OrganizationMember


class ViewerFactsByConnectionIdLoader(DataLoader[int, ConnectionFacts]):
    """The viewer's membership in each connection's organization, and whether they read a
    project that may use it: one statement a batch."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self._ctx = ctx

    async def batch_load_fn(self, connection_ids: list[int]) -> list[ConnectionFacts]:
        used = filters.connections_of_readable_projects(self._ctx).where(
            ProjectConnection.connection_id == Connection.id
        )
        statement = (
            select(Connection.id, OrganizationMember.role, exists(used))
            .outerjoin(
                OrganizationMember,
                and_(
                    OrganizationMember.organization_id == Connection.organization_id,
                    OrganizationMember.user_id == self._ctx.viewer.user_id,
                ),
            )
            .where(Connection.id.in_(connection_ids))
        )
        found = {
            connection_id: ConnectionFacts(membership=role, in_readable_project=bool(used))
            for connection_id, role, used in (await self._ctx.session.execute(statement)).all()
        }
        return [found.get(i, ConnectionFacts()) for i in connection_ids]


class ExternalConnectionLoaders:
    def __init__(self, ctx: Context) -> None:
        self.viewer_facts = ViewerFactsByConnectionIdLoader(ctx)
