from aiodataloader import DataLoader
from sqlalchemy import select

from app.context import Context
from app.teams.models import TeamMember, TeamRole


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
        session = self._ctx.session
        roles = dict((await session.execute(statement)).all())
        return [roles.get(team_id) for team_id in team_ids]


class TeamLoaders:
    def __init__(self, ctx: Context) -> None:
        self.viewer_role = ViewerRoleByTeamIdLoader(ctx)
