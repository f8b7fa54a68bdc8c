from collections import defaultdict

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.context import Context
from app.loaders import GroupedRowsLoader, RowsByKeyLoader
from app.organizations.models import OrganizationMember, OrganizationRole
from app.service_accounts.models import ServiceAccount
from app.users.models import AccessTokenProject


class SharedOrganizationRolesLoader(DataLoader[int, list[OrganizationRole]]):
    """The viewer's roles in every organization they share with each user (for `email`)."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self._ctx = ctx

    async def batch_load_fn(self, user_ids: list[int]) -> list[list[OrganizationRole]]:
        if self._ctx.viewer.user_id is None:
            return [[] for _ in user_ids]
        theirs = aliased(OrganizationMember)
        mine = aliased(OrganizationMember)
        statement = (
            select(theirs.user_id, mine.role)
            .join(mine, mine.organization_id == theirs.organization_id)
            .where(mine.user_id == self._ctx.viewer.user_id, theirs.user_id.in_(user_ids))
        )
        roles: dict[int, list[OrganizationRole]] = defaultdict(list)
        session = self._ctx.session
        for user_id, held in (await session.execute(statement)).all():
            roles[user_id].append(held)
        return [roles.get(user_id, []) for user_id in user_ids]


class UserLoaders:
    def __init__(self, ctx: Context) -> None:
        self.shared_organization_roles = SharedOrganizationRolesLoader(ctx)
        # The service account a user is, by the user's id (None for a person).
        self.service_accounts = RowsByKeyLoader(ctx, ServiceAccount, ServiceAccount.user_id)
        # The projects a project-scoped token reaches, by the token's id.
        self.token_projects = GroupedRowsLoader(
            ctx,
            select(AccessTokenProject).order_by(AccessTokenProject.project_id),
            AccessTokenProject.access_token_id,
        )
