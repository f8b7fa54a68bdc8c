"""Plain HTTP around the graph: body limit, health, readiness and metrics."""

import os
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog
from alembic.script import ScriptDirectory
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import ErrorCode
from app.metrics import AppMetrics
from app.migrations import alembic_config
from app.request_facts import CURRENT, RequestFacts

access_logger = structlog.get_logger("hubql.access")


class BodyLimit:
    """Refuses request bodies over the limit before anything parses them (pure ASGI)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = {
            "errors": [
                {
                    "message": f"The request body is over the {self.max_bytes:,}-byte limit.",
                    "extensions": {"code": ErrorCode.QUERY_TOO_COMPLEX.value},
                }
            ]
        }
        await JSONResponse(body, status_code=413)(scope, receive, send)


class BodyTooLarge(Exception):
    """Raised from `receive` when the body passes the limit; BodyLimit answers 413."""


class PathPrefix:
    """Serves requests under the prefix a reverse proxy puts hubql behind (HUBQL_ROOT_PATH),
    whether the proxy passes the prefix on (`/hubql/graphql`) or strips it (`/graphql`). The
    prefix moves into the ASGI `root_path`, where Starlette's routing and URLs look for it."""

    def __init__(self, app: ASGIApp, *, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in {"http", "websocket"}:
            route = route_path(scope)
            if route == self.prefix or route.startswith(self.prefix + "/"):
                scope = {**scope, "root_path": scope.get("root_path", "") + self.prefix}
        await self.app(scope, receive, send)


class ObservedRequest(ABC):
    """Pure ASGI: runs the app and hands each HTTP request's status and duration to `done`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        state = scope.setdefault("state", {})
        started_facts = None
        if "facts" not in state:  # the outermost observer starts the request's facts
            state["facts"] = RequestFacts()
            started_facts = CURRENT.set(state["facts"])

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            self.done(scope, status, time.perf_counter() - started)
            if started_facts is not None:
                CURRENT.reset(started_facts)

    @abstractmethod
    def done(self, scope: Scope, status: int, seconds: float) -> None: ...


# Labels and log fields come from small fixed sets: whatever a client invents becomes "other",
# so no request can add a time series.
KNOWN_PATHS = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _method(scope: Scope) -> str:
    return scope["method"] if scope["method"] in KNOWN_METHODS else "other"


def route_path(scope: Scope) -> str:
    """The path without the prefix a reverse proxy serves hubql under (HUBQL_ROOT_PATH)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class Metrics(ObservedRequest):
    """Each request counted for Prometheus (app/metrics.py): per route and status, and from the
    facts the access log reads, per GraphQL operation and error code."""

    def __init__(self, app: ASGIApp, metrics: AppMetrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    def done(self, scope: Scope, status: int, seconds: float) -> None:
        path = route_path(scope)
        path = path if path in KNOWN_PATHS else "other"
        facts: RequestFacts = scope.get("state", {}).get("facts") or RequestFacts()
        self.metrics.request_done(path, _method(scope), status, seconds, facts)


class AccessLog(ObservedRequest):
    """One line per request, in place of uvicorn's: the path without its query string (a token
    in `?access_token=` must never reach a log), the status, the duration, the request id, the
    SQL statements run (never their parameters) and, for GraphQL, the operation's name and type,
    the viewer's id (never a token) and the error codes answered. The process id tells the
    workers of `hubql serve --workers N` apart."""

    def done(self, scope: Scope, status: int, seconds: float) -> None:
        state = scope.get("state", {})
        facts: RequestFacts = state.get("facts") or RequestFacts()
        access_logger.info(
            "request",
            method=_method(scope),
            path=route_path(scope)[:256],
            status=status,
            # After the proxy's X-Forwarded-For, when it comes from HUBQL_FORWARDED_ALLOW_IPS.
            client=(scope.get("client") or ("", 0))[0],
            duration_ms=round(seconds * 1000, 1),
            request_id=state.get("request_id"),
            pid=os.getpid(),
            **facts.fields(),
        )


@dataclass(frozen=True)
class Migrations:
    """What this code knows of the schema: its head and every revision on the way to it."""

    head: str | None
    known: frozenset[str]

    def problem(self, current: str | None) -> str | None:
        """Why a database at `current` cannot serve this code, or None.

        A revision this code does not know is a later release's: upgrades migrate first, while
        the previous release still serves (its migrations are written to let it), so that
        database is ready. A known revision short of the head lacks what this code needs."""
        if current is None:
            return "the database is not migrated (run `hubql migrate`)"
        if current != self.head and current in self.known:
            return f"migrations at {current}, code expects {self.head} (run `hubql migrate`)"
        return None


def migrations(database_url: str) -> Migrations:
    scripts = ScriptDirectory.from_config(alembic_config(database_url))
    known = frozenset(script.revision for script in scripts.walk_revisions())
    return Migrations(scripts.get_current_head(), known)


async def http_error(_: Request, error: Exception) -> Response:
    """Routing errors (unknown path, wrong method) in the same JSON shape as GraphQL errors."""
    assert isinstance(error, HTTPException)
    code = ErrorCode.NOT_FOUND if error.status_code == 404 else ErrorCode.BAD_USER_INPUT
    body = {"errors": [{"message": error.detail, "extensions": {"code": code.value}}]}
    return JSONResponse(body, status_code=error.status_code, headers=error.headers)


async def healthz(_: Request) -> Response:
    return PlainTextResponse("ok")


def readiness(engine: AsyncEngine, known: Migrations) -> Callable[[Request], Awaitable[Response]]:
    async def readyz(_: Request) -> Response:
        try:
            async with engine.connect() as connection:
                current = (
                    await connection.execute(text("SELECT version_num FROM alembic_version"))
                ).scalar()
        except Exception as error:  # any database failure means not ready
            reason = f"database: {type(error).__name__}"
            return JSONResponse({"ready": False, "reason": reason}, status_code=503)
        problem = known.problem(current)
        if problem is not None:
            return JSONResponse({"ready": False, "reason": problem}, status_code=503)
        return JSONResponse({"ready": True, "migration": current, "expects": known.head})

    return readyz


def metrics_endpoint(app_metrics: AppMetrics) -> Callable[[Request], Awaitable[Response]]:
    async def metrics(_: Request) -> Response:
        return Response(app_metrics.scrape(), media_type=CONTENT_TYPE_LATEST)

    return metrics
