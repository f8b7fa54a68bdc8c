"""Prometheus metrics: what is measured, under which bounded labels, and what a scrape reads.

One process keeps its values in memory, in the app's own registry (tests build many apps in one
process, each counting only its own requests). Under `hubql serve --workers N` prometheus-client
runs in multiprocess mode: every metric writes to this worker's files in PROMETHEUS_MULTIPROC_DIR
whatever registry it belongs to, and a scrape, whichever worker answers it, adds up the files of
all of them (app/multiprocess.py).
"""

import os
import re
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary, WeakSet

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from app.errors import ErrorCode
from app.multiprocess import shared_directory
from app.request_facts import RequestFacts

# Label values a client cannot choose. Operation names are the client's: a well-formed one keeps
# its own series until a process has seen `operation_names` of them; after that, and for anything
# else, "other". An operation without a name is "anonymous".
ANONYMOUS = "anonymous"
OTHER = "other"
OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
OPERATION_TYPES = frozenset({"query", "mutation", "subscription"})
ERROR_CODES = frozenset(code.value for code in ErrorCode)

# Statements per operation: 0 (answered without the database) up to a page gone N+1.
STATEMENT_BUCKETS = (0, 1, 2, 3, 5, 10, 20, 50, 100, 250, 1000)

# A live gauge's file: `gauge_livesum_<pid>.db`.
_LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


class OperationNames:
    """Operation names as label values, at most `limit` of them per process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.admitted: set[str] = set()

    def label(self, name: str | None) -> str:
        if name is None:
            return ANONYMOUS
        if name in self.admitted:
            return name
        if len(self.admitted) >= self.limit or not OPERATION_NAME.fullmatch(name):
            return OTHER
        self.admitted.add(name)
        return name


class AppMetrics:
    """The metrics of one app, and its `/metrics` answer."""

    def __init__(self, *, operation_names: int) -> None:
        self.directory = shared_directory()
        self.registry = CollectorRegistry()
        into: CollectorRegistry | None = self.registry
        if self.directory is not None:
            # The files hold every worker's values, this one's included: metrics registered here
            # as well would be exported twice.
            into = None
            MultiProcessCollector(self.registry, path=str(self.directory))
        self.operation_names = OperationNames(operation_names)
        self.http_requests = Counter(
            "hubql_http_requests", "HTTP requests", ["path", "method", "status"], registry=into
        )
        self.http_latency = Histogram(
            "hubql_http_request_seconds", "HTTP request latency", ["path"], registry=into
        )
        self.operations = Counter(
            "hubql_graphql_operations",
            "GraphQL operations over HTTP by name, type and outcome (error: the response carries "
            "at least one error)",
            ["operation", "type", "outcome"],
            registry=into,
        )
        self.operation_latency = Histogram(
            "hubql_graphql_operation_seconds",
            "GraphQL operation latency over HTTP, from the request's arrival to its answer",
            ["operation", "type"],
            registry=into,
        )
        self.operation_statements = Histogram(
            "hubql_graphql_operation_statements",
            "SQL statements one GraphQL operation over HTTP ran",
            ["operation", "type"],
            buckets=STATEMENT_BUCKETS,
            registry=into,
        )
        self.errors = Counter(
            "hubql_graphql_errors",
            "GraphQL responses carrying an error with this extensions.code (once per response)",
            ["code"],
            registry=into,
        )
        # livesum: the workers' values added up, a dead worker's left out.
        self.connections_in_use = Gauge(
            "hubql_db_connections_in_use",
            "Database connections checked out of the pool",
            registry=into,
            multiprocess_mode="livesum",
        )
        self.subscriptions = Gauge(
            "hubql_graphql_subscriptions_active",
            "GraphQL subscriptions being served over WebSockets",
            registry=into,
            multiprocess_mode="livesum",
        )

    def request_done(
        self, path: str, method: str, status: int, seconds: float, facts: RequestFacts
    ) -> None:
        """Count one HTTP request (`path` and `method` already bounded) from what it recorded."""
        self.http_requests.labels(path, method, str(status)).inc()
        self.http_latency.labels(path).observe(seconds)
        for code in facts.error_codes:
            self.errors.labels(code if code in ERROR_CODES else OTHER).inc()
        if facts.operation_type is None:  # no operation ran: it did not parse, or never started
            return
        operation = self.operation_names.label(facts.operation_name)
        kind = facts.operation_type if facts.operation_type in OPERATION_TYPES else OTHER
        outcome = "error" if facts.error_codes else "ok"
        self.operations.labels(operation, kind, outcome).inc()
        self.operation_latency.labels(operation, kind).observe(seconds)
        self.operation_statements.labels(operation, kind).observe(facts.statements)

    def watch_pool(self, engine: AsyncEngine) -> None:
        """Show `engine`'s connections in use on this app's gauge."""
        sync_engine = engine.sync_engine
        watch = _POOL_WATCHES.get(sync_engine)
        if watch is None:
            watch = _POOL_WATCHES[sync_engine] = _PoolWatch(engine)
        watch.gauges.add(self.connections_in_use)
        self.connections_in_use.set(watch.in_use)

    def scrape(self) -> bytes:
        if self.directory is not None:
            forget_dead_workers(self.directory)
        return generate_latest(self.registry)

    def process_stopped(self) -> None:
        """This worker's live gauges leave the sums (its counters and histograms stay in them)."""
        if self.directory is not None:
            mark_process_dead(os.getpid(), str(self.directory))


class _PoolWatch:
    """One engine's connections checked out, pushed to every gauge that shows them. One pair of
    listeners per engine, however many apps share it (tests share one)."""

    def __init__(self, engine: AsyncEngine) -> None:
        checked_out = getattr(engine.pool, "checkedout", None)
        self.in_use: int = checked_out() if callable(checked_out) else 0
        self.gauges: WeakSet[Gauge] = WeakSet()
        event.listen(engine.sync_engine, "checkout", self.checked_out)
        event.listen(engine.sync_engine, "checkin", self.checked_in)

    def checked_out(self, *_: Any) -> None:
        self.in_use += 1
        self._show()

    def checked_in(self, *_: Any) -> None:
        self.in_use -= 1
        self._show()

    def _show(self) -> None:
        for gauge in self.gauges:
            gauge.set(self.in_use)


_POOL_WATCHES: "WeakKeyDictionary[Engine, _PoolWatch]" = WeakKeyDictionary()


def forget_dead_workers(directory: Path) -> None:
    """Take the live gauges of workers that died without shutting down (killed, crashed) out of
    the sums: uvicorn's supervisor starts a replacement but tells no one the old pid, so each
    scrape looks for files whose process is gone. A glob and a signal-0 per live worker."""
    for path in directory.glob("gauge_live*.db"):
        match = _LIVE_GAUGE_FILE.fullmatch(path.name)
        if match is not None and not _alive(int(match[1])):
            mark_process_dead(int(match[1]), str(directory))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
