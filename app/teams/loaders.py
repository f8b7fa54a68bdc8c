from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, Select, select

from app.context import Context
from app.loaders import ConnectionLoaders, CountLoader, PageLoader, RowsByKeyLoader
from app.pagination import SortKey
from app.teams.models import Team, TeamMember, TeamRole
from app.users.models import User

TEAMS_BY_NAME = SortKey("name", ((Team.name, False), (Team.id, False)))
TEAM_MEMBERS_BY_USERNAME = SortKey(
    "username", ((User.username, False), (TeamMember.user_id, False))
)


def _team_members() -> Select[TeamMember]:
    return select(TeamMember).join(User, User.id == TeamMember.user_id)


class ViewerRoleByTeamIdLoader(DataLoader[int, TeamRole | None]):
    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self._ctx = ctx

    async def batch_load_fn(self, team_ids: list[int]) -> list[TeamRole | None]:
        if self._ctx.viewer.user_id is None:
            return [None for _ in team_ids]
        statement = select(TeamMember.team_id, TeamMember.role).where(
            TeamMember.user_id == self._ctx.viewer.user_id, TeamMember.team_id.in_(team_ids)
        )
        async with self._ctx.reading() as session:
            roles = dict((await session.execute(statement)).all())
        return [roles.get(team_id) for team_id in team_ids]


class TeamLoaders:
    def __init__(self, ctx: Context) -> None:
        self.by_id: RowsByKeyLoader[int, Team] = RowsByKeyLoader(ctx, Team, Team.id)
        self.viewer_role = ViewerRoleByTeamIdLoader(ctx)
        self._of_organization: ConnectionLoaders[int, Team] = ConnectionLoaders(
            ctx, Team, Team.organization_id
        )
        self.member_pages: PageLoader[int, TeamMember] = PageLoader(
            ctx, _team_members, TeamMember, TeamMember.team_id, TEAM_MEMBERS_BY_USERNAME
        )
        self.member_counts: CountLoader[int] = CountLoader(
            ctx, lambda: select(TeamMember), TeamMember.team_id
        )

    def of_organization(
        self, query: str | None, predicate: ColumnElement[bool]
    ) -> tuple[PageLoader[int, Team], CountLoader[int]]:
        return self._of_organization.get(
            query, lambda: select(Team).where(predicate), TEAMS_BY_NAME
        )
