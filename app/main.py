"""The ASGI application: Starlette routes around the Strawberry endpoint."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route, WebSocketRoute

from app.authz.enforcer import Authorizer
from app.db import create_engine, create_sessionmaker, pool_options
from app.events.bus import Bus
from app.events.listener import Listener
from app.graphql import ide
from app.graphql.schema import build_schema
from app.graphql.view import GraphQLApp
from app.http import (
    AccessLog,
    BodyLimit,
    Metrics,
    PathPrefix,
    healthz,
    http_error,
    metrics_endpoint,
    migrations,
    readiness,
)
from app.logging import configure_logging
from app.metrics import AppMetrics
from app.request_facts import count_statement
from app.settings import Settings, get_settings
from app.webhooks.delivery import Deliverer

# A response to a big page allocates hundreds of thousands of short-lived objects (rows, field
# results, dicts): with the default young threshold (700) the collector ran ~170 times per W1
# request. Measured on W1 at c=32 for 45 s (one worker): (700, 10, 10) 1.2 req/s and 397 MiB peak;
# (50_000, 10, 10) 1.6 req/s, 482 MiB; (50_000, 20, 100) 2.35 req/s but 685 MiB, as garbage
# cycles wait for the rare full collection. (Those figures predate emptying a request's loaders
# when it ends, which left the collector little to find: W1 at c=32 now peaks at 135 MiB, see
# benchmarks/MEMORY.md.)
GC_THRESHOLDS = (50_000, 10, 10)


def tune_garbage_collector() -> None:
    """Move what start-up built (the schema, the policy, modules) out of the collector's view,
    and collect the young generation less often. Cycles are still collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def cors(origins: list[str]) -> list[Middleware]:
    """Browsers on these origins may call the API: Starlette's CORS middleware with what a
    GraphQL client sends (a bearer token, JSON, a request id) and what it may read back."""
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept", "X-Request-Id"],
            allow_credentials=True,
            expose_headers=["X-Request-Id", "Retry-After"],
            max_age=600,
        )
    ]


def create_app(settings: Settings | None = None, *, engine: AsyncEngine | None = None) -> Starlette:
    """Build the app. Tests pass their own engine; otherwise the lifespan owns one."""
    settings = settings or get_settings()
    configure_logging(settings)
    authz = Authorizer(settings.policy_dir)
    owns_engine = engine is None
    app_engine = engine or create_engine(
        settings.database_url,
        **pool_options(settings.database_url, settings.db_pool_size, settings.db_max_overflow),
    )
    # Each request's log line counts its statements (one listener, however many apps share it).
    if not event.contains(app_engine.sync_engine, "before_cursor_execute", count_statement):
        event.listen(app_engine.sync_engine, "before_cursor_execute", count_statement)
    metrics = AppMetrics(operation_names=settings.metrics_operation_names)
    metrics.watch_pool(app_engine)
    events = Bus()
    sessions = create_sessionmaker(app_engine)
    graphql = GraphQLApp(
        build_schema(settings, metrics),
        settings=settings,
        authz=authz,
        sessions=sessions,
        events=events,
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        tune_garbage_collector()
        # Other processes' commits wake this one's subscribers through PostgreSQL; on SQLite
        # every writer is in this process, and waking after commit is enough.
        listener = None
        if app_engine.dialect.name == "postgresql":
            listener = Listener(settings.database_url, events)
            listener.start()
        # Every process delivers webhooks; claims keep them from sending one twice.
        deliverer = Deliverer(sessions, settings, events)
        deliverer.start()
        try:
            yield
        finally:
            await deliverer.stop()
            if listener is not None:
                await listener.stop()
            if owns_engine:
                await app_engine.dispose()
            metrics.process_stopped()

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readiness(app_engine, migrations(settings.database_url))),
            Route("/metrics", metrics_endpoint(metrics)),
            *([ide.assets()] if ide.serves_graphiql(settings) else []),
        ],
        middleware=[
            *([Middleware(PathPrefix, prefix=settings.root_path)] if settings.root_path else []),
            Middleware(AccessLog),
            Middleware(Metrics, metrics=metrics),
            *cors(settings.cors_origins),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
