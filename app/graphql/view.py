"""The GraphQL HTTP endpoint: Strawberry's ASGI app with our context and JSON error bodies.

GraphQL over HTTP: a client whose Accept asks for `application/graphql-response+json` gets that
media type and the spec's status codes: a request that fails before execution (parse, validation,
variable coercion, limits) is a 4xx with no `data` entry. `application/json`, `*/*` or no Accept
get the legacy answer: 200 for any GraphQL result.
"""

import asyncio
import json
import re
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, cast

import orjson
import structlog
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.ides import GraphQL_IDE
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from app.authn import authenticate, parse_authorization
from app.authz.enforcer import Authorizer
from app.errors import BadUserInput, ErrorCode, TopLevelError
from app.events.bus import Bus
from app.graphql.context import GraphQLContext
from app.graphql.ide import page as graphiql_page
from app.graphql.ide import serves_graphiql
from app.http import BodyTooLarge
from app.request_facts import CURRENT
from app.settings import Settings
from app.values import loads_strict

logger = structlog.get_logger("hubql.http")

_HTTP_ERROR_CODES = {
    401: ErrorCode.UNAUTHENTICATED,
    413: ErrorCode.QUERY_TOO_COMPLEX,
}

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
_CONTENT_TYPES = {JSON: JSON, GRAPHQL_RESPONSE_JSON: f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"}
# Under application/graphql-response+json, a request that failed before execution: 400, unless
# its error says the server failed or the viewer's budget is spent.
_STATUS_WITHOUT_DATA = {
    ErrorCode.INTERNAL_SERVER_ERROR.value: 500,
    ErrorCode.RATE_LIMITED.value: 429,
}


def error_response(
    status: int,
    message: str,
    code: ErrorCode,
    *,
    headers: dict[str, str] | None = None,
    media_type: str = JSON,
    **extensions: str,
) -> JSONResponse:
    facts = CURRENT.get()
    if facts is not None:  # the log line and the metrics count it like an error from execution
        facts.answered(code.value)
    body = {"errors": [{"message": message, "extensions": {"code": code.value, **extensions}}]}
    return JSONResponse(
        body, status_code=status, headers=headers, media_type=_CONTENT_TYPES[media_type]
    )


def negotiate(accept: str | None) -> str:
    """The response's media type: application/graphql-response+json when Accept lists it at least
    as preferred as any JSON it also takes; else application/json (so for no Accept and for
    `*/*`, as GraphQL over HTTP asks of servers that still answer legacy clients)."""
    ours = legacy = 0.0
    for media_range in (accept or "").split(","):
        name, *parameters = (part.strip().lower() for part in media_range.split(";"))
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if name == GRAPHQL_RESPONSE_JSON:
            ours = max(ours, quality)
        elif name in {JSON, "application/*", "*/*"}:
            legacy = max(legacy, quality)
    return GRAPHQL_RESPONSE_JSON if ours > 0 and ours >= legacy else JSON


def _failed_before_execution(result: ExecutionResult) -> bool:
    """Parse, validation, variable and limit errors: no data, and no error from a field."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_FIRST_JSON_CHARACTER = re.compile(rb"[ \t\n\r]*(.)", re.DOTALL)


def _request_id(supplied: str | None) -> str:
    """A caller's X-Request-ID when it is safe to log, else a fresh one."""
    if supplied and _SAFE_REQUEST_ID.fullmatch(supplied):
        return supplied
    return uuid.uuid4().hex


class _Unauthenticated(HTTPException):
    def __init__(self, reason: str) -> None:
        super().__init__(401, reason)


class _TextFrames(ASGIWebSocketAdapter):
    """graphql-transport-ws messages go out as text frames, as they come in. Strawberry sends
    `encode_json`'s bytes (orjson) as binary frames, which a browser's client (graphql-ws, as in
    GraphiQL) receives as a Blob, rejects, and answers by closing the socket."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        try:
            await self.ws.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error


class GraphQLApp(GraphQL[GraphQLContext, None]):
    websocket_adapter_class = _TextFrames

    def __init__(
        self,
        schema: Any,
        *,
        settings: Settings,
        authz: Authorizer,
        sessions: async_sessionmaker[AsyncSession],
        events: Bus | None = None,
    ) -> None:
        ide: GraphQL_IDE | None = "graphiql" if serves_graphiql(settings) else None
        super().__init__(
            schema,
            graphql_ide=ide,
            allow_queries_via_get=True,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            connection_init_wait_timeout=timedelta(seconds=10),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        )
        self.events = events
        self.settings = settings
        self.authz = authz
        self.sessions = sessions
        # Operations are mostly CPU on one event loop: run a few at once and queue the rest, so
        # under 32 concurrent W1 pages each finishes in its turn instead of all of them finishing
        # together, late (latency stays bounded; throughput is the same).
        self.running = asyncio.Semaphore(settings.max_concurrent_operations)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._serve_websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        request.state.request_id = _request_id(request.headers.get("x-request-id"))
        request.state.media_type = media_type = negotiate(request.headers.get("accept"))
        try:
            async with self.running:
                response: Response = await self.run(request)
        except _Unauthenticated as error:
            response = error_response(
                401,
                error.reason,
                ErrorCode.UNAUTHENTICATED,
                headers={"WWW-Authenticate": "Bearer"},
                media_type=media_type,
            )
        except HTTPException as error:
            code = _HTTP_ERROR_CODES.get(error.status_code, ErrorCode.BAD_USER_INPUT)
            if isinstance(error.__cause__, InvalidOperationTypeError):
                # GraphQL over HTTP: a mutation sent with GET is 405 (Strawberry says 400).
                response = error_response(
                    405, error.reason, code, headers={"Allow": "POST"}, media_type=media_type
                )
            else:
                response = error_response(
                    error.status_code, error.reason, code, media_type=media_type
                )
        except BodyTooLarge:
            raise
        except ClientDisconnect:
            # The client left before sending its whole request (every load generator does at
            # the end of a run): nobody to answer, nothing went wrong here.
            logger.info("client disconnected", request_id=request.state.request_id)
            return
        except Exception:
            # Outside GraphQL execution (authentication, body parsing): same contract as inside.
            request_id = request.state.request_id
            logger.exception("unexpected error", request_id=request_id)
            response = error_response(
                500,
                "Internal server error.",
                ErrorCode.INTERNAL_SERVER_ERROR,
                headers={"x-request-id": request_id},
                media_type=media_type,
                requestId=request_id,
            )
        finally:
            context = getattr(request.state, "hubql_context", None)
            if context is not None:
                await context.close()
        await response(scope, receive, send)

    async def render_graphql_ide(self, request: Request) -> Response:
        # Strawberry's page loads GraphiQL from a CDN; ours from this server (app/graphql/ide.py).
        return graphiql_page()

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        # Carries the negotiated media type to `create_response`, which is not given the request.
        sub_response.media_type = getattr(request.state, "media_type", JSON)
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if request.state.media_type == GRAPHQL_RESPONSE_JSON and _failed_before_execution(result):
            # GraphQL over HTTP: a request that never executed has no `data` entry at all.
            del response["data"]
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type != GRAPHQL_RESPONSE_JSON:
            return response
        response.headers["content-type"] = _CONTENT_TYPES[GRAPHQL_RESPONSE_JSON]
        if isinstance(response_data, dict) and "data" not in response_data:
            # No `data`: the request failed before execution (see `process_result`).
            extensions = [
                error.get("extensions") or {}
                for error in response_data.get("errors") or ()
                if isinstance(error, dict)
            ]
            response.status_code = max(
                (_STATUS_WITHOUT_DATA.get(str(e.get("code")), 400) for e in extensions), default=400
            )
            retry_after = next((e["retryAfter"] for e in extensions if "retryAfter" in e), None)
            if retry_after is not None:
                response.headers["retry-after"] = str(retry_after)
        return response

    def encode_json(self, data: object) -> bytes:
        """Responses through orjson (a W1 page of 4,500 objects encodes several times faster);
        json stays the fallback for what orjson refuses (client JSON with integers past 64
        bits)."""
        try:
            return orjson.dumps(data)
        except TypeError:
            return json.dumps(data, separators=(",", ":")).encode()

    def decode_json(self, data: str | bytes) -> object:
        """Every JSON a client sends (the body, GET's `variables` and `extensions`) comes in
        here: strict JSON with clean text, or a 400 that says what is wrong."""
        try:
            return loads_strict(data, "the request")
        except BadUserInput as error:
            raise HTTPException(400, error.message) from error
        except UnicodeDecodeError as error:
            # Strawberry turns only JSONDecodeError into a 400; this would be a 500.
            raise HTTPException(400, "Unable to parse request body as JSON") from error

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        # Strawberry calls `.get` on whatever JSON it finds: a number, string or null is a 500.
        if request.method == "POST" and "application/json" in (request.content_type or ""):
            first = _FIRST_JSON_CHARACTER.match(await request.get_body())
            if first is None or first.group(1) not in {b"{", b"["}:
                raise HTTPException(400, "The request body must be a JSON object.")
        return await super().parse_http_body(request)

    async def _serve_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Subscriptions: one context (and session) for the socket's life, closed with it."""
        websocket = WebSocket(scope, receive, send)
        websocket.state.request_id = _request_id(websocket.headers.get("x-request-id"))
        try:
            await super().__call__(scope, receive, send)
        finally:
            context = getattr(websocket.state, "hubql_context", None)
            if context is not None:
                await context.close()

    async def on_ws_connect(self, context: GraphQLContext) -> UnsetType | dict[str, object] | None:
        """graphql-transport-ws: the token comes in connection_init's payload
        (`{"Authorization": "Bearer …"}`); a bad one closes the socket (4403)."""
        header = (context.connection_params or {}).get("Authorization")
        if header is not None and not isinstance(header, str):
            raise ConnectionRejectionError({"message": "Authorization must be a string."})
        try:
            context.viewer = await authenticate(context.session, parse_authorization(header))
        except TopLevelError as error:
            raise ConnectionRejectionError({"message": error.message}) from error
        finally:
            # The connection's session holds nothing between operations.
            await context.session.close()
        return cast(UnsetType, UNSET)

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
            events=self.events,
            authz=self.authz,
            settings=self.settings,
            request_id=request.state.request_id,
            request=request if isinstance(request, Request) else None,
            response=response if isinstance(response, Response) else None,
            sessions=self.sessions,
        )
        request.state.hubql_context = context
        if isinstance(response, Response):
            response.headers["x-request-id"] = context.request_id
        return context
