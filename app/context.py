"""What every service call gets: who is asking, the request's session, the policy and settings."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app.authn import Viewer
from app.authz.enforcer import Authorizer
from app.authz.roles import viewer_subjects
from app.db import write_transaction
from app.errors import QueryTooComplex, Unauthenticated
from app.settings import Settings

# Rows a request may load per node of its limit (see `Context.take_rows`).
ROWS_PER_NODE = 4


class RequestFinished(Exception):
    """The request's response is gone; late work on its session is dropped."""


@dataclass
class Context:
    session: AsyncSession
    viewer: Viewer
    authz: Authorizer
    settings: Settings
    request_id: str = ""
    # An AsyncSession allows one operation at a time, while GraphQL resolves sibling fields
    # concurrently: every read through the session holds this lock.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    closed: bool = False
    rows_loaded: int = 0

    @property
    def base_roles(self) -> set[str]:
        return viewer_subjects(authenticated=self.viewer.is_authenticated)

    def take_rows(self, count: int) -> None:
        """Count rows loaded for this request. The cost estimate is checked before execution,
        but it assumes list lengths (`@listSize`); data can be longer. This is the bound that
        holds whatever the data: a request that loads more rows than a few times its node limit
        (an object's row, its project's facts, its creator…) is stopped."""
        self.rows_loaded += count
        limit = ROWS_PER_NODE * self.settings.max_nodes
        if self.rows_loaded > limit:
            raise QueryTooComplex(
                f"This operation loaded more than {limit:,} rows; ask for smaller pages or "
                "fewer nested lists."
            )

    def require_user_id(self) -> int:
        if self.viewer.user_id is None:
            raise Unauthenticated("Sign in with a personal access token to do this.")
        return self.viewer.user_id

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self.lock:
            self._ensure_open()
            yield self.session

    def _ensure_open(self) -> None:
        # A resolver GraphQL abandoned (a sibling's error nulled their parent) may wake after the
        # response was sent; it must not open a new transaction on a finished request.
        if self.closed:
            raise RequestFinished

    async def close(self) -> None:
        """End the request's session once no statement is running on it. A connection the
        database dropped under the request (a restart) cannot roll back: it is invalidated, so
        the pool forgets it, and the answer already made still goes out."""
        async with self.lock:
            self.closed = True
            try:
                await self.session.close()
            except (DBAPIError, OSError):
                await self.session.invalidate()

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """One transaction for one mutation field: everything in it commits or nothing does."""
        async with self.lock:
            self._ensure_open()
            if self.session.in_transaction():
                # Close the read-only transaction earlier fields opened; nothing is expired.
                await self.session.commit()
            async with write_transaction(self.session):
                yield self.session
