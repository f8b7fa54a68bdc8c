"""Users and their personal access tokens."""

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.activity import service as activity
from app.authn import DISPLAY_PREFIX_LENGTH, hash_token, mint_token
from app.authz.roles import Action, Kind
from app.context import Context
from app.db import utcnow
from app.errors import Forbidden, Invalid, NotFound, NotFoundInInput, Taken
from app.names import normalize_slug, validate_slug, validate_text
from app.projects.models import Project
from app.users.models import AccessToken, AccessTokenProject, User

EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_TOKEN_NAME = 100
MAX_TOKEN_PROJECTS = 100


async def create_user(
    session: AsyncSession, *, username: str, email: str, display_name: str | None = None
) -> User:
    """Bootstrap path for the command line; the caller owns the transaction."""
    username = validate_slug(username, field="username")
    email = email.strip().lower()
    if not EMAIL_PATTERN.fullmatch(email) or len(email) > 254:
        raise Invalid(f"{email!r} is not an email address.", field="email")
    display_name = validate_text(display_name, field="displayName", max_length=128)
    for field, column, value in (
        ("username", User.username, username),
        ("email", User.email, email),
    ):
        if await session.scalar(select(User.id).where(column == value)) is not None:
            raise Taken(f"{value!r} is already taken.", field=field)
    user = User(username=username, email=email, display_name=display_name)
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as error:
        raise Taken("That username or email is already taken.", field="username") from error
    return user


async def find_by_username(ctx: Context, username: str) -> User | None:
    """SQL finds; whether the viewer may read the user is `ctx.access`'s to say."""
    return await ctx.session.scalar(select(User).where(User.username == normalize_slug(username)))


async def user_by_username(session: AsyncSession, username: str) -> User:
    user = await session.scalar(select(User).where(User.username == normalize_slug(username)))
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    return user


async def issue_token(
    session: AsyncSession,
    user: User,
    *,
    name: str,
    expires_at: datetime | None,
    read_only: bool = False,
    project_ids: Sequence[int] | None = None,
) -> tuple[AccessToken, str]:
    """Create a token and return it with its secret, which is never stored or shown again.

    Scopes narrow it: `read_only`, and `project_ids` (the only projects it reaches)."""
    if project_ids is not None and not project_ids:
        raise Invalid("Name at least one project, or leave projects out.", field="projectIds")
    if project_ids is not None and len(project_ids) > MAX_TOKEN_PROJECTS:
        raise Invalid(f"At most {MAX_TOKEN_PROJECTS} projects.", field="projectIds")
    name = name.strip()
    if not name or len(name) > MAX_TOKEN_NAME:
        raise Invalid(f"A token name is 1-{MAX_TOKEN_NAME} characters.", field="name")
    validate_text(name, field="name", max_length=MAX_TOKEN_NAME)
    if expires_at is not None and expires_at <= utcnow():
        raise Invalid("The expiry must be in the future.", field="expiresAt")
    secret = mint_token()
    token = AccessToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[:DISPLAY_PREFIX_LENGTH],
        expires_at=expires_at,
        read_only=read_only,
        project_scoped=project_ids is not None,
    )
    session.add(token)
    await session.flush()
    session.add_all(
        AccessTokenProject(access_token_id=token.id, project_id=project_id)
        for project_id in dict.fromkeys(project_ids or ())
    )
    await session.flush()
    return token, secret


async def create_access_token(
    ctx: Context,
    *,
    name: str,
    expires_at: datetime | None = None,
    read_only: bool = False,
    project_ids: Sequence[int] | None = None,
) -> tuple[AccessToken, str]:
    user_id = ctx.require_user_id()
    # A token the viewer would own: may they create it? (A scoped token may not: the policy
    # keeps it from minting one broader than itself.)
    if not await ctx.access.may(Kind.ACCESS_TOKEN, AccessToken(user_id=user_id), Action.CREATE):
        raise Forbidden("You may not create access tokens.")
    user = await ctx.session.get(User, user_id)
    if user is None:
        raise NotFound("Your user no longer exists.")
    if project_ids is not None:
        await _check_readable_projects(ctx, project_ids)
    token, secret = await issue_token(
        ctx.session,
        user,
        name=name,
        expires_at=expires_at,
        read_only=read_only,
        project_ids=project_ids,
    )
    await activity.record(
        ctx, "access_token.created", ("AccessToken", token.id), organization_id=None
    )
    return token, secret


async def _check_readable_projects(ctx: Context, project_ids: Sequence[int]) -> None:
    """A token is scoped to projects its owner may read (it could do nothing elsewhere)."""
    rows = await ctx.loaders.rows(Project).load_many(list(project_ids))
    readable = await ctx.access.readable(Kind.PROJECT, rows)
    for index, row in enumerate(readable):
        if row is None:
            raise NotFoundInInput("No such project.", field=f"projectIds[{index}]")


async def revoke_access_token(ctx: Context, token_id: int) -> AccessToken:
    ctx.require_user_id()
    # Someone else's token does not exist for the viewer (they may not read it).
    token = await ctx.access.get(Kind.ACCESS_TOKEN, token_id, Action.REVOKE)
    if token.revoked_at is not None:
        raise Invalid("This token is already revoked.", field="id")
    token.revoked_at = utcnow()
    await ctx.session.flush()
    await activity.record(
        ctx, "access_token.revoked", ("AccessToken", token.id), organization_id=None
    )
    return token
