"""Service accounts: an organization's robot identities, their roles and their tokens."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.activity import service as activity
from app.authz.roles import Action, Kind
from app.context import Context
from app.db import delete_now
from app.errors import Invalid, NotFoundInInput, Taken
from app.names import validate_slug, validate_text
from app.organizations import service as organizations
from app.organizations.models import OrganizationMember, OrganizationRole
from app.projects.models import Project
from app.service_accounts.models import ServiceAccount
from app.unset import UNSET
from app.users import service as users
from app.users.models import AccessToken, User

MAX_DESCRIPTION = 2000
MAX_DISPLAY_NAME = 128
# Its user row needs an address no one can receive mail at (RFC 2606's reserved TLD).
EMAIL_DOMAIN = "service-accounts.invalid"


async def create_service_account(
    ctx: Context,
    organization_id: int,
    *,
    username: str,
    role: OrganizationRole,
    display_name: str | None = None,
    description: str | None = None,
) -> ServiceAccount:
    await ctx.access.get(Kind.ORGANIZATION, organization_id, Action.CREATE_SERVICE_ACCOUNT)
    await organizations.check_may_grant_here(ctx, organization_id, role, field="role")
    username = validate_slug(username, field="username")
    identity = User(
        username=username,
        email=f"{username}@{EMAIL_DOMAIN}",
        display_name=validate_text(display_name, field="displayName", max_length=MAX_DISPLAY_NAME),
        is_service_account=True,
    )
    organizations.check_may_hold(ctx, identity, role)
    if await ctx.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Taken(f"{username!r} is already taken.", field="username")
    ctx.session.add(identity)
    try:
        await ctx.session.flush()
    except IntegrityError as error:
        raise Taken(f"{username!r} is already taken.", field="username") from error
    account = ServiceAccount(
        user_id=identity.id,
        organization_id=organization_id,
        description=validate_text(description, field="description", max_length=MAX_DESCRIPTION),
        created_by_id=ctx.viewer.user_id,
    )
    ctx.session.add_all(
        [
            account,
            OrganizationMember(organization_id=organization_id, user_id=identity.id, role=role),
        ]
    )
    await ctx.session.flush()
    await _record(ctx, "service_account.created", account, user=username, role=role.value)
    return account


async def update_service_account(
    ctx: Context,
    account_id: int,
    *,
    role: OrganizationRole | None = UNSET,
    display_name: str | None = UNSET,
    description: str | None = UNSET,
) -> ServiceAccount:
    account: ServiceAccount = await ctx.access.get(Kind.SERVICE_ACCOUNT, account_id, Action.UPDATE)
    identity = await ctx.session.get(User, account.user_id)
    assert identity is not None  # the account goes with its user
    if display_name is not UNSET:
        identity.display_name = validate_text(
            display_name, field="displayName", max_length=MAX_DISPLAY_NAME
        )
    if description is not UNSET:
        account.description = validate_text(
            description, field="description", max_length=MAX_DESCRIPTION
        )
    if role is not UNSET:
        if role is None:
            raise Invalid("A service account always holds a role.", field="role")
        await _change_role(ctx, account, identity, role)
    await ctx.session.flush()
    await _record(ctx, "service_account.updated", account, user=identity.username)
    return account


async def _change_role(
    ctx: Context, account: ServiceAccount, identity: User, role: OrganizationRole
) -> None:
    organizations.check_may_hold(ctx, identity, role)
    member = await ctx.session.get(OrganizationMember, (account.organization_id, identity.id))
    organization_id = account.organization_id
    if member is None:  # removed from the organization: the new role brings it back
        await organizations.check_may_grant_here(ctx, organization_id, role, field="role")
        ctx.session.add(
            OrganizationMember(organization_id=organization_id, user_id=identity.id, role=role)
        )
        return
    await organizations.check_may_grant_here(ctx, organization_id, member.role, field="role")
    await organizations.check_may_grant_here(ctx, organization_id, role, field="role")
    member.role = role


async def delete_service_account(ctx: Context, account_id: int) -> int:
    account: ServiceAccount = await ctx.access.get(Kind.SERVICE_ACCOUNT, account_id, Action.DELETE)
    identity = await ctx.session.get(User, account.user_id)
    assert identity is not None
    await _record(ctx, "service_account.deleted", account, user=identity.username)
    # Its tokens, memberships, grants and team places go with its user; the activity it wrote
    # stays, its actor null, as for a deleted person.
    await delete_now(ctx.session, identity)
    return account.id


async def create_service_account_token(
    ctx: Context,
    account_id: int,
    *,
    name: str,
    expires_at: datetime | None = None,
    read_only: bool = False,
    project_ids: Sequence[int] | None = None,
) -> tuple[AccessToken, str]:
    account: ServiceAccount = await ctx.access.get(
        Kind.SERVICE_ACCOUNT, account_id, Action.MANAGE_TOKENS
    )
    identity = await ctx.session.get(User, account.user_id)
    assert identity is not None
    if project_ids is not None:
        await _check_projects_of(ctx, account.organization_id, project_ids)
    token, secret = await users.issue_token(
        ctx.session,
        identity,
        name=name,
        expires_at=expires_at,
        read_only=read_only,
        project_ids=project_ids,
    )
    await _record(ctx, "service_account.token_created", account, user=identity.username)
    return token, secret


async def _check_projects_of(
    ctx: Context, organization_id: int, project_ids: Sequence[int]
) -> None:
    """A service account's token reaches only its organization's projects."""
    found = set(
        await ctx.session.scalars(
            select(Project.id).where(
                Project.id.in_(project_ids), Project.organization_id == organization_id
            )
        )
    )
    for index, project_id in enumerate(project_ids):
        if project_id not in found:
            raise NotFoundInInput(
                "No such project in the service account's organization.",
                field=f"projectIds[{index}]",
            )


async def _record(ctx: Context, verb: str, account: ServiceAccount, **details: str) -> None:
    await activity.record(
        ctx,
        verb,
        ("ServiceAccount", account.id),
        organization_id=account.organization_id,
        details=details or None,
    )
