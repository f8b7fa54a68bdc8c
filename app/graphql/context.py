"""The per-request GraphQL context: the service Context plus what only HTTP knows."""

from dataclasses import dataclass

import strawberry
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


Info = strawberry.Info[GraphQLContext, None]
