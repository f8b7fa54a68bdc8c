"""The per-request GraphQL context: the service Context plus what only HTTP knows."""

from dataclasses import dataclass, replace

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from app.context import Context
from app.ratelimit import Budget


@dataclass
class GraphQLContext(Context):
    request: Request | None = None
    response: Response | None = None
    # The viewer's budget after this operation was charged (None when no limit is set).
    rate_limit: Budget | None = None
    # A WebSocket's connection_init payload (Strawberry sets it; the token is read from it).
    connection_params: dict[str, object] | None = None
    # Where `fork` gets a session of its own.
    sessions: async_sessionmaker[AsyncSession] | None = None

    def fork(self) -> "GraphQLContext":
        """The same viewer with a session and loaders of its own: each subscription on a socket
        gets one, so one ending (its task cancelled mid-read) or releasing its connection between
        reads never reaches into another's."""
        assert self.sessions is not None
        return replace(self, session=self.sessions(), rows_loaded=0, announced=False)


Info = strawberry.Info[GraphQLContext, None]
