"""The GraphQL HTTP endpoint: Strawberry's ASGI app with our context and JSON error bodies."""

import re
import uuid
from typing import Any

from cross_web import HTTPException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from app.authn import authenticate, parse_authorization
from app.authz.enforcer import Authorizer
from app.errors import ErrorCode, TopLevelError
from app.graphql.context import GraphQLContext
from app.settings import Settings

_HTTP_ERROR_CODES = {
    401: ErrorCode.UNAUTHENTICATED,
    413: ErrorCode.QUERY_TOO_COMPLEX,
}


def error_response(status: int, message: str, code: ErrorCode, **headers: str) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code.value}}]}
    return JSONResponse(body, status_code=status, headers=headers or None)


_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _request_id(supplied: str | None) -> str:
    """A caller's X-Request-ID when it is safe to log, else a fresh one."""
    if supplied and _SAFE_REQUEST_ID.fullmatch(supplied):
        return supplied
    return uuid.uuid4().hex


class _Unauthenticated(HTTPException):
    def __init__(self, reason: str) -> None:
        super().__init__(401, reason)


class GraphQLApp(GraphQL[GraphQLContext, None]):
    def __init__(
        self,
        schema: Any,
        *,
        settings: Settings,
        authz: Authorizer,
        sessions: async_sessionmaker[AsyncSession],
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.settings = settings
        self.authz = authz
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response: Response = await self.run(request)
        except _Unauthenticated as error:
            response = error_response(
                401, error.reason, ErrorCode.UNAUTHENTICATED, **{"WWW-Authenticate": "Bearer"}
            )
        except HTTPException as error:
            code = _HTTP_ERROR_CODES.get(error.status_code, ErrorCode.BAD_USER_INPUT)
            response = error_response(error.status_code, error.reason, code)
        finally:
            context = getattr(request.state, "hubql_context", None)
            if context is not None:
                await context.session.close()
        await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GraphQLContext:
        session = self.sessions()
        try:
            token = parse_authorization(request.headers.get("authorization"))
            viewer = await authenticate(session, token)
        except TopLevelError as error:
            await session.close()
            raise _Unauthenticated(error.message) from error
        context = GraphQLContext(
            session=session,
            viewer=viewer,
            authz=self.authz,
            settings=self.settings,
            request_id=_request_id(request.headers.get("x-request-id")),
            request=request if isinstance(request, Request) else None,
            response=response if isinstance(response, Response) else None,
        )
        request.state.hubql_context = context
        if isinstance(response, Response):
            response.headers["x-request-id"] = context.request_id
        return context
