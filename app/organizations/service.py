"""Organizations and their members: validation, authorization, SQL."""

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.activity import service as activity
from app.authz.roles import Action, Kind, may_grant, may_hold, org_roles_allowing
from app.context import Context
from app.db import delete_now, locked
from app.errors import Forbidden, Invalid, LastOwner, NotFound, NotFoundInInput, Taken
from app.names import normalize_slug, validate_slug, validate_text
from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.projects.models import Project, ProjectGrant
from app.service_accounts.models import ServiceAccount
from app.teams.models import Team, TeamMember
from app.unset import UNSET
from app.users.models import User

MAX_DISPLAY_NAME = 128
MAX_DESCRIPTION = 2000


async def find_by_name(ctx: Context, name: str) -> Organization | None:
    """SQL finds; whether the viewer may read it is `ctx.access`'s to say."""
    return await ctx.session.scalar(
        select(Organization).where(Organization.name == normalize_slug(name))
    )


async def lock(ctx: Context, organization_id: int) -> Organization:
    """The organization's row, held alone for the rest of the mutation (`app.db.locked`)."""
    organization = await ctx.session.scalar(
        locked(select(Organization).where(Organization.id == organization_id))
    )
    if organization is None:
        raise NotFound("No such organization.")
    return organization


async def create_organization(
    ctx: Context, *, name: str, display_name: str | None, description: str | None
) -> Organization:
    user_id = ctx.require_user_id()
    if not ctx.authz.allows(ctx.base_roles, Kind.ORGANIZATION, Action.CREATE):
        raise Forbidden("You may not create organizations.")
    organization = Organization(
        name=validate_slug(name, field="name"),
        display_name=validate_text(display_name, field="displayName", max_length=MAX_DISPLAY_NAME),
        description=validate_text(description, field="description", max_length=MAX_DESCRIPTION),
    )
    await _ensure_name_free(ctx, organization.name)
    ctx.session.add(organization)
    try:
        await ctx.session.flush()
    except IntegrityError as error:
        raise Taken(f"{organization.name!r} is already taken.", field="name") from error
    ctx.session.add(
        OrganizationMember(
            organization_id=organization.id, user_id=user_id, role=OrganizationRole.OWNER
        )
    )
    await ctx.session.flush()
    await _record(ctx, "organization.created", organization.id)
    return organization


async def _ensure_name_free(ctx: Context, name: str) -> None:
    if await ctx.session.scalar(select(Organization.id).where(Organization.name == name)):
        raise Taken(f"{name!r} is already taken.", field="name")


async def update_organization(
    ctx: Context,
    organization_id: int,
    *,
    display_name: str | None = UNSET,
    description: str | None = UNSET,
) -> Organization:
    organization = await ctx.access.get(Kind.ORGANIZATION, organization_id, Action.UPDATE)
    if display_name is not UNSET:
        organization.display_name = validate_text(
            display_name, field="displayName", max_length=MAX_DISPLAY_NAME
        )
    if description is not UNSET:
        organization.description = validate_text(
            description, field="description", max_length=MAX_DESCRIPTION
        )
    await ctx.session.flush()
    await _record(ctx, "organization.updated", organization.id)
    return organization


async def delete_organization(ctx: Context, organization_id: int, *, confirm_name: str) -> int:
    organization = await ctx.access.get(Kind.ORGANIZATION, organization_id, Action.DELETE)
    if normalize_slug(confirm_name) != organization.name:
        raise Invalid("Type the organization's name to confirm.", field="confirmName")
    # Its service accounts' identities (and so their tokens) go with it; the organization's
    # activity goes too (a cascade): nothing is left to record it in.
    await ctx.session.execute(
        delete(User).where(
            User.id.in_(
                select(ServiceAccount.user_id).where(
                    ServiceAccount.organization_id == organization.id
                )
            )
        )
    )
    return await delete_now(ctx.session, organization)


async def _record(ctx: Context, verb: str, organization_id: int, **details: str) -> None:
    await activity.record(
        ctx,
        verb,
        ("Organization", organization_id),
        organization_id=organization_id,
        details=details or None,
    )


# ---- members ----------------------------------------------------------------------------------


async def _member(
    ctx: Context, organization_id: int, username: str
) -> tuple[User, OrganizationMember]:
    row = (
        await ctx.session.execute(
            select(User, OrganizationMember)
            .join(OrganizationMember, OrganizationMember.user_id == User.id)
            .where(
                OrganizationMember.organization_id == organization_id,
                User.username == normalize_slug(username),
            )
        )
    ).one_or_none()
    if row is None:
        raise NotFoundInInput(
            f"{username!r} is not a member of this organization.", field="username"
        )
    return row[0], row[1]


def _owner_roles(ctx: Context) -> list[OrganizationRole]:
    return org_roles_allowing(ctx.authz, Kind.ORGANIZATION, Action.OWN)


async def _check_keeps_an_owner(
    ctx: Context, member: OrganizationMember, new_role: OrganizationRole | None
) -> None:
    owner_roles = _owner_roles(ctx)
    if member.role not in owner_roles or (new_role is not None and new_role in owner_roles):
        return
    owners = await ctx.session.scalar(
        select(func.count()).where(
            OrganizationMember.organization_id == member.organization_id,
            OrganizationMember.role.in_(owner_roles),
        )
    )
    if (owners or 0) <= 1:
        raise LastOwner("An organization must keep at least one owner.", field="username")


async def _granter_role(ctx: Context, organization_id: int) -> OrganizationRole:
    role = (await ctx.loaders.organizations.viewer_facts.load(organization_id)).membership
    assert role is not None  # get_for(MANAGE_MEMBERS) succeeded, so the viewer is a member
    return role


async def check_may_grant_here(
    ctx: Context, organization_id: int, role: OrganizationRole, *, field: str
) -> None:
    """The viewer (a member, authorized to manage members) may grant `role` here."""
    _check_may_grant(ctx, await _granter_role(ctx, organization_id), role, field)


def _check_may_grant(
    ctx: Context, granter: OrganizationRole, role: OrganizationRole, field: str
) -> None:
    if not may_grant(ctx.authz, granter, role):
        raise Forbidden(f"You may not grant or change the {role.value} role ({field}).")


def check_may_hold(ctx: Context, user: User, role: OrganizationRole) -> None:
    """The policy says which roles a user, or a service account, may hold at all."""
    if not may_hold(ctx.authz, role, service_account=user.is_service_account):
        raise Invalid(f"A service account cannot hold the {role.value} role.", field="role")


async def add_member(
    ctx: Context, organization_id: int, *, username: str, role: OrganizationRole
) -> OrganizationMember:
    await ctx.access.get(Kind.ORGANIZATION, organization_id, Action.MANAGE_MEMBERS)
    _check_may_grant(ctx, await _granter_role(ctx, organization_id), role, "role")
    user = await ctx.session.scalar(select(User).where(User.username == normalize_slug(username)))
    if user is None:
        raise NotFoundInInput(f"No user named {username!r}.", field="username")
    check_may_hold(ctx, user, role)
    if user.is_service_account:
        home = await ctx.session.scalar(
            select(ServiceAccount.organization_id).where(ServiceAccount.user_id == user.id)
        )
        if home != organization_id:
            raise Invalid(
                "A service account is a member of its own organization only.", field="username"
            )
    existing = await ctx.session.get(OrganizationMember, (organization_id, user.id))
    if existing is not None:
        raise Taken(f"{user.username!r} is already a member.", field="username")
    member = OrganizationMember(organization_id=organization_id, user_id=user.id, role=role)
    ctx.session.add(member)
    try:
        await ctx.session.flush()
    except IntegrityError as error:
        raise Taken(f"{user.username!r} is already a member.", field="username") from error
    await _record(
        ctx, "organization.member_added", organization_id, user=user.username, role=role.value
    )
    return member


async def update_member_role(
    ctx: Context, organization_id: int, *, username: str, role: OrganizationRole
) -> OrganizationMember:
    await ctx.access.get(Kind.ORGANIZATION, organization_id, Action.MANAGE_MEMBERS)
    granter = await _granter_role(ctx, organization_id)
    user, member = await _member(ctx, organization_id, username)
    _check_may_grant(ctx, granter, member.role, "username")
    _check_may_grant(ctx, granter, role, "role")
    check_may_hold(ctx, user, role)
    await _check_keeps_an_owner(ctx, member, role)
    member.role = role
    await ctx.session.flush()
    await _record(
        ctx, "organization.member_role_changed", organization_id, user=username, role=role.value
    )
    return member


async def remove_member(ctx: Context, organization_id: int, *, username: str) -> OrganizationMember:
    # Authorized before the username is looked up: a viewer who may not manage members gets the
    # same answer whoever the input names (no membership oracle). Naming oneself is leaving.
    leaving = ctx.viewer.username is not None and normalize_slug(username) == ctx.viewer.username
    await ctx.access.get(
        Kind.ORGANIZATION, organization_id, Action.LEAVE if leaving else Action.MANAGE_MEMBERS
    )
    user, member = await _member(ctx, organization_id, username)
    if not leaving:
        _check_may_grant(ctx, await _granter_role(ctx, organization_id), member.role, "username")
    await _check_keeps_an_owner(ctx, member, None)
    # The membership goes first: a grant or a team place being given to this user right now
    # holds the membership row (`membership_held`), so this waits for it to commit, and the
    # deletes below then see it. A grant to a user, or a team place, needs a membership.
    await ctx.session.delete(member)
    await ctx.session.flush()
    team_ids = select(Team.id).where(Team.organization_id == organization_id)
    await ctx.session.execute(
        delete(TeamMember).where(TeamMember.user_id == user.id, TeamMember.team_id.in_(team_ids))
    )
    project_ids = select(Project.id).where(Project.organization_id == organization_id)
    await ctx.session.execute(
        delete(ProjectGrant).where(
            ProjectGrant.user_id == user.id, ProjectGrant.project_id.in_(project_ids)
        )
    )
    await _record(ctx, "organization.member_removed", organization_id, user=user.username)
    return member


async def membership_held(
    ctx: Context, organization_id: int, user_id: int
) -> OrganizationMember | None:
    """The user's membership, held (FOR SHARE) until the mutation ends: what is given on the
    strength of it (a project grant, a team place) cannot outlive it (`remove_member`)."""
    return await ctx.session.scalar(
        locked(
            select(OrganizationMember).where(
                OrganizationMember.organization_id == organization_id,
                OrganizationMember.user_id == user_id,
            ),
            shared=True,
        )
    )
