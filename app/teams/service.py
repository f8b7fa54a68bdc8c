"""Teams of an organization and their members."""

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from app.activity import service as activity
from app.authz.roles import Action, Kind, team_roles
from app.context import Context
from app.errors import Forbidden, Invalid, NotFound, NotFoundInInput, Taken
from app.names import normalize_slug, validate_slug, validate_text
from app.organizations import service as organizations
from app.organizations.models import OrganizationRole
from app.teams.models import Team, TeamMember, TeamRole
from app.users.models import User

MAX_DESCRIPTION = 2000
UNSET: object = object()


async def team_membership_role(ctx: Context, team_id: int) -> TeamRole | None:
    if ctx.viewer.user_id is None:
        return None
    return await ctx.session.scalar(
        select(TeamMember.role).where(
            TeamMember.team_id == team_id, TeamMember.user_id == ctx.viewer.user_id
        )
    )


async def roles_on(ctx: Context, team: Team) -> set[str]:
    return team_roles(
        await organizations.membership_role(ctx, team.organization_id),
        await team_membership_role(ctx, team.id),
        ctx.base_roles,
    )


async def get_readable(ctx: Context, team_id: int) -> Team | None:
    team = await ctx.session.get(Team, team_id)
    if team is None:
        return None
    return team if ctx.authz.allows(await roles_on(ctx, team), Kind.TEAM, Action.READ) else None


async def find_readable_by_name(ctx: Context, organization_id: int, name: str) -> Team | None:
    team_id = await ctx.session.scalar(
        select(Team.id).where(
            Team.organization_id == organization_id, Team.name == normalize_slug(name)
        )
    )
    return None if team_id is None else await get_readable(ctx, team_id)


async def get_for(ctx: Context, team_id: int, action: Action) -> Team:
    team = await get_readable(ctx, team_id)
    if team is None:
        raise NotFound("No such team.")
    if not ctx.authz.allows(await roles_on(ctx, team), Kind.TEAM, action):
        raise Forbidden(f"You may not {action.value.replace('_', ' ')} on this team.")
    return team


def teams_statement(organization_id: int | None = None) -> Select[Team]:
    statement = select(Team)
    if organization_id is not None:
        statement = statement.where(Team.organization_id == organization_id)
    return statement


async def _ensure_name_free(ctx: Context, organization_id: int, name: str) -> None:
    taken = await ctx.session.scalar(
        select(Team.id).where(Team.organization_id == organization_id, Team.name == name)
    )
    if taken is not None:
        raise Taken(f"A team named {name!r} already exists.", field="name")


async def create_team(
    ctx: Context, organization_id: int, *, name: str, description: str | None
) -> Team:
    await organizations.get_for(ctx, organization_id, Action.MANAGE_TEAMS)
    team = Team(
        organization_id=organization_id,
        name=validate_slug(name, field="name"),
        description=validate_text(description, field="description", max_length=MAX_DESCRIPTION),
    )
    await _ensure_name_free(ctx, organization_id, team.name)
    ctx.session.add(team)
    try:
        await ctx.session.flush()
    except IntegrityError as error:
        raise Taken(f"A team named {team.name!r} already exists.", field="name") from error
    await _record(ctx, "team.created", team)
    return team


async def _record(ctx: Context, verb: str, team: Team, **details: str) -> None:
    await activity.record(
        ctx,
        verb,
        ("Team", team.id),
        organization_id=team.organization_id,
        details={"team": team.name, **details},
    )


async def update_team(
    ctx: Context,
    team_id: int,
    *,
    name: str | None = None,
    description: str | object | None = UNSET,
) -> Team:
    team = await get_for(ctx, team_id, Action.UPDATE)
    if name is not None:
        new_name = validate_slug(name, field="name")
        if new_name != team.name:
            await _ensure_name_free(ctx, team.organization_id, new_name)
            team.name = new_name
    if description is not UNSET:
        assert description is None or isinstance(description, str)
        team.description = validate_text(
            description, field="description", max_length=MAX_DESCRIPTION
        )
    try:
        await ctx.session.flush()
    except IntegrityError as error:
        raise Taken(f"A team named {team.name!r} already exists.", field="name") from error
    await _record(ctx, "team.updated", team)
    return team


async def delete_team(ctx: Context, team_id: int) -> int:
    team = await get_for(ctx, team_id, Action.DELETE)
    await _record(ctx, "team.deleted", team)
    await ctx.session.delete(team)
    await ctx.session.flush()
    return team_id


async def _team_member(ctx: Context, team: Team, username: str) -> TeamMember:
    member = await ctx.session.scalar(
        select(TeamMember)
        .join(User, User.id == TeamMember.user_id)
        .where(TeamMember.team_id == team.id, User.username == normalize_slug(username))
    )
    if member is None:
        raise NotFoundInInput(f"{username!r} is not a member of this team.", field="username")
    return member


async def add_team_member(
    ctx: Context, team_id: int, *, username: str, role: TeamRole
) -> TeamMember:
    team = await get_for(ctx, team_id, Action.MANAGE_MEMBERS)
    user = await ctx.session.scalar(select(User).where(User.username == normalize_slug(username)))
    if user is None:
        raise NotFoundInInput(f"No user named {username!r}.", field="username")
    if await organizations.membership_held(ctx, team.organization_id, user.id) is None:
        raise Invalid(
            f"{user.username!r} must be a member of the organization first.", field="username"
        )
    if await ctx.session.get(TeamMember, (team.id, user.id)) is not None:
        raise Taken(f"{user.username!r} is already on this team.", field="username")
    member = TeamMember(team_id=team.id, user_id=user.id, role=role)
    ctx.session.add(member)
    try:
        await ctx.session.flush()
    except IntegrityError as error:
        raise Taken(f"{user.username!r} is already on this team.", field="username") from error
    await _record(ctx, "team.member_added", team, user=user.username, role=role.value)
    return member


async def update_team_member_role(
    ctx: Context, team_id: int, *, username: str, role: TeamRole
) -> TeamMember:
    team = await get_for(ctx, team_id, Action.MANAGE_MEMBERS)
    member = await _team_member(ctx, team, username)
    member.role = role
    await ctx.session.flush()
    await _record(ctx, "team.member_role_changed", team, user=username, role=role.value)
    return member


async def remove_team_member(ctx: Context, team_id: int, *, username: str) -> TeamMember:
    team = await get_for(ctx, team_id, Action.MANAGE_MEMBERS)
    member = await _team_member(ctx, team, username)
    await ctx.session.delete(member)
    await ctx.session.flush()
    await _record(ctx, "team.member_removed", team, user=username)
    return member


def may(
    ctx: Context,
    org_membership: OrganizationRole | None,
    team_membership: TeamRole | None,
    action: Action,
) -> bool:
    """The decision for one team, given the viewer's memberships already loaded."""
    return ctx.authz.allows(
        team_roles(org_membership, team_membership, ctx.base_roles), Kind.TEAM, action
    )
