"""The lists of teams and team members the graph pages, and what `query:` may say about teams."""

from sqlalchemy import Select, select

from app.context import Context
from app.graphql.kit import Listing
from app.graphql.refs import TeamMemberRef, TeamRef
from app.pagination import SortKey
from app.pql import DateTimeField, FieldSet, SlugField, TextField
from app.teams.models import Team, TeamMember
from app.users.models import User

TEAM_FIELDS = FieldSet(
    fields={
        "name": SlugField(Team.name),
        "description": TextField(Team.description),
        "created_at": DateTimeField(Team.created_at),
        "updated_at": DateTimeField(Team.updated_at),
    }
)


def _members(_: Context) -> Select[TeamMember]:
    return select(TeamMember).join(User, User.id == TeamMember.user_id)


TEAMS = Listing(
    model=Team,
    node=TeamRef,
    parent=Team.organization_id,
    order=SortKey("name", ((Team.name, False), (Team.id, False))),
    fields=TEAM_FIELDS,
    queryable=True,
    query_description="e.g. `name:%vision%`.",
)
TEAM_MEMBERS = Listing(
    model=TeamMember,
    node=TeamMemberRef,
    rows=_members,
    parent=TeamMember.team_id,
    order=SortKey("username", ((User.username, False), (TeamMember.user_id, False))),
)
