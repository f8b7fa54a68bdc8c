"""Teams of an organization and their members."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.activity import service as activity
from app.authz.roles import Action, Kind
from app.context import Context
from app.db import delete_now
from app.errors import Invalid, NotFoundInInput, Taken
from app.names import normalize_slug, validate_slug, validate_text
from app.organizations import service as organizations
from app.teams.models import Team, TeamMember, TeamRole
from app.unset import UNSET
from app.users.models import User

MAX_DESCRIPTION = 2000


async def find_by_name(ctx: Context, organization_id: int, name: str) -> Team | None:
    """SQL finds; whether the viewer may read it is `ctx.access`'s to say."""
    return await ctx.session.scalar(
        select(Team).where(
            Team.organization_id == organization_id, Team.name == normalize_slug(name)
        )
    )


async def _ensure_name_free(ctx: Context, organization_id: int, name: str) -> None:
    taken = await ctx.session.scalar(
        select(Team.id).where(Team.organization_id == organization_id, Team.name == name)
    )
    if taken is not None:
        raise Taken(f"A team named {name!r} already exists.", field="name")


async def create_team(
    ctx: Context, organization_id: int, *, name: str, description: str | None
) -> Team:
    await ctx.access.get(Kind.ORGANIZATION, organization_id, Action.MANAGE_TEAMS)
    team = Team(
        organization_id=organization_id,
        name=validate_slug(name, field="name"),
        description=validate_text(description, field="description", max_length=MAX_DESCRIPTION),
    )
    await _ensure_name_free(ctx, organization_id, team.name)
    ctx.session.add(team)
    await _flush_named(ctx, team)
    await _record(ctx, "team.created", team)
    return team


async def _flush_named(ctx: Context, team: Team) -> None:
    """A concurrent request may have taken the name since `_ensure_name_free` looked: the
    unique constraint says so."""
    try:
        await ctx.session.flush()
    except IntegrityError as error:
        raise Taken(f"A team named {team.name!r} already exists.", field="name") from error


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
    description: str | None = UNSET,
) -> Team:
    team = await ctx.access.get(Kind.TEAM, team_id, Action.UPDATE)
    if name is not None:
        new_name = validate_slug(name, field="name")
        if new_name != team.name:
            await _ensure_name_free(ctx, team.organization_id, new_name)
            team.name = new_name
    if description is not UNSET:
        team.description = validate_text(
            description, field="description", max_length=MAX_DESCRIPTION
        )
    await _flush_named(ctx, team)
    await _record(ctx, "team.updated", team)
    return team


async def delete_team(ctx: Context, team_id: int) -> int:
    team = await ctx.access.get(Kind.TEAM, team_id, Action.DELETE)
    await _record(ctx, "team.deleted", team)
    return await delete_now(ctx.session, team)


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
    team = await ctx.access.get(Kind.TEAM, team_id, Action.MANAGE_MEMBERS)
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
    team = await ctx.access.get(Kind.TEAM, team_id, Action.MANAGE_MEMBERS)
    member = await _team_member(ctx, team, username)
    member.role = role
    await ctx.session.flush()
    await _record(ctx, "team.member_role_changed", team, user=username, role=role.value)
    return member


async def remove_team_member(ctx: Context, team_id: int, *, username: str) -> TeamMember:
    team = await ctx.access.get(Kind.TEAM, team_id, Action.MANAGE_MEMBERS)
    member = await _team_member(ctx, team, username)
    await ctx.session.delete(member)
    await ctx.session.flush()
    await _record(ctx, "team.member_removed", team, user=username)
    return member
