"""What every service call gets: who is asking, the request's session, the policy and settings."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from app.authn import Viewer
from app.authz.access import Access
from app.authz.enforcer import Authorizer
from app.authz.roles import viewer_subjects
from app.db import GatedSession, write_transaction
from app.errors import QueryTooComplex, Unauthenticated
from app.settings import Settings

if TYPE_CHECKING:
    from app.events.bus import Bus
    from app.request_loaders import Loaders

# Rows a request may load per node of its limit (see `Context.take_rows`).
ROWS_PER_NODE = 4


@dataclass
class Context:
    session: AsyncSession
    viewer: Viewer
    authz: Authorizer
    settings: Settings
    request_id: str = ""
    rows_loaded: int = 0
    # This process's subscribers, woken when a transaction that wrote activity commits.
    events: "Bus | None" = None
    # Whether the current write transaction wrote an activity row (an event).
    announced: bool = False
    _loaders: "Loaders | None" = field(default=None, init=False, repr=False)
    access: Access = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.access = Access(self)

    @property
    def loaders(self) -> "Loaders":
        """The request's loaders (built on first use; `reset_loaders` starts afresh)."""
        if self._loaders is None:
            # Every domain's loaders take a Context: they are imported when first needed.
            from app.request_loaders import Loaders  # noqa: PLC0415

            self._loaders = Loaders(self)
        return self._loaders

    def reset_loaders(self) -> None:
        """After a mutation: what loaders cached may have changed (read your writes)."""
        if self._loaders is not None:
            self._loaders.release()
        self._loaders = None

    @property
    def base_roles(self) -> set[str]:
        viewer = self.viewer
        return viewer_subjects(
            authenticated=viewer.is_authenticated,
            service_account=viewer.service_account,
            read_only=viewer.read_only,
            projects_only=viewer.project_ids is not None,
        )

    def token_reaches(self, project_id: int) -> bool:
        """Whether the viewer's token reaches the project (a project-scoped token names it)."""
        scope = self.viewer.project_ids
        return scope is None or project_id in scope

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

    async def close(self) -> None:
        """End the request's session (see `GatedSession.finish`) and let go of what it loaded."""
        try:
            if isinstance(self.session, GatedSession):
                await self.session.finish()
            else:
                await self.session.close()
        finally:
            # The loaders point back at the context (a reference cycle), so everything they hold
            # (a page's thousands of rows and futures) would wait for the collector's slowest
            # generation; emptied here, reference counting frees it as the response leaves.
            if self._loaders is not None:
                self._loaders.release()
                self._loaders = None

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """One transaction for one mutation field: everything in it commits or nothing does."""
        self.announced = False
        async with write_transaction(self.session):
            yield self.session
        if self.announced and self.events is not None:
            self.events.wake()
