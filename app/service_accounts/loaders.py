from aiodataloader import DataLoader
from sqlalchemy import and_, select

from app.context import Context
from app.organizations.models import OrganizationMember
from app.service_accounts.models import ServiceAccount


class MembershipLoader(DataLoader[int, OrganizationMember | None]):
    """A service account's membership of its own organization, by the account's id."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self._ctx = ctx

    async def batch_load_fn(self, account_ids: list[int]) -> list[OrganizationMember | None]:
        statement = (
            select(ServiceAccount.id, OrganizationMember)
            .join(
                OrganizationMember,
                and_(
                    OrganizationMember.user_id == ServiceAccount.user_id,
                    OrganizationMember.organization_id == ServiceAccount.organization_id,
                ),
            )
            .where(ServiceAccount.id.in_(account_ids))
        )
        found: dict[int, OrganizationMember] = dict(
            (await self._ctx.session.execute(statement)).all()
        )
        self._ctx.take_rows(len(found))
        return [found.get(account_id) for account_id in account_ids]


class ServiceAccountLoaders:
    def __init__(self, ctx: Context) -> None:
        self.memberships = MembershipLoader(ctx)
