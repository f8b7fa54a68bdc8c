"""Bearer tokens: minting, hashing and turning a request's header into a Viewer."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow, write_transaction
from app.errors import Unauthenticated
from app.users.models import AccessToken, AccessTokenProject, User

TOKEN_PREFIX = "hubql_"  # noqa: S105  (a public marker, not a secret)
TOKEN_BYTES = 32
# Display prefix: enough to tell tokens apart in a list, far too little to guess the rest.
DISPLAY_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking. A plain value, never an ORM object, so it survives rollbacks.

    A token's scopes come with it: `read_only`, and `project_ids` when the token reaches only
    those projects (None: every project its owner may). The policy turns them into roles
    (`app.authz.roles.viewer_subjects`)."""

    user_id: int | None = None
    username: str | None = None
    service_account: bool = False
    read_only: bool = False
    project_ids: frozenset[int] | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None


ANONYMOUS = Viewer()


def mint_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is enough (as GitHub does); no salt is
    # needed to resist guessing, and a deterministic hash keeps the lookup an index seek.
    return hashlib.sha256(token.encode()).hexdigest()


def parse_authorization(header: str | None) -> str | None:
    if header is None:
        return None
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthenticated("The Authorization header must be 'Bearer <token>'.")
    return credentials.strip()


# Built once: every signed-in request runs it; the digest is bound per call.
_BY_DIGEST = (
    select(
        AccessToken.id,
        AccessToken.token_hash,
        AccessToken.expires_at,
        AccessToken.revoked_at,
        AccessToken.last_used_at,
        User.id,
        User.username,
        User.is_service_account,
        AccessToken.read_only,
        AccessToken.project_scoped,
    )
    .join(User, User.id == AccessToken.user_id)
    .where(AccessToken.token_hash == bindparam("digest"))
)


_SCOPED_PROJECTS = select(AccessTokenProject.project_id).where(
    AccessTokenProject.access_token_id == bindparam("token_id")
)


async def authenticate(
    session: AsyncSession, token: str | None, now: datetime | None = None
) -> Viewer:
    if token is None:
        return ANONYMOUS
    now = now or utcnow()
    digest = hash_token(token)
    row = (await session.execute(_BY_DIGEST, {"digest": digest})).one_or_none()
    if row is None or not hmac.compare_digest(row[1], digest):
        raise Unauthenticated("The token is not valid.")
    token_id, _, expires_at, revoked_at, last_used_at, user_id, username = row[:7]
    service_account, read_only, project_scoped = row[7:]
    if revoked_at is not None:
        raise Unauthenticated("The token has been revoked.")
    if expires_at is not None and expires_at <= now:
        raise Unauthenticated("The token has expired.")
    # The look-up's transaction stays open for the request's own reads: committing it here
    # cost every request a COMMIT, a pool check-out and a BEGIN (`write_transaction` ends it
    # itself before the rare write below).
    if last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION:
        # Coarse on purpose: a write on every request would serialize readers on SQLite.
        async with write_transaction(session):
            await session.execute(
                update(AccessToken).where(AccessToken.id == token_id).values(last_used_at=now)
            )
    project_ids = None
    if project_scoped:  # only such tokens pay a second statement
        project_ids = frozenset(
            (await session.scalars(_SCOPED_PROJECTS, {"token_id": token_id})).all()
        )
    return Viewer(
        user_id=user_id,
        username=username,
        service_account=service_account,
        read_only=read_only,
        project_ids=project_ids,
    )
