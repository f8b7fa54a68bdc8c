"""PostgreSQL LISTEN in each server process: a mutation's NOTIFY (sent in its transaction, so
delivered only when it commits) wakes the process's subscribers. When the connection drops,
the listener reconnects with backoff and wakes everyone: they read from their cursors, so what
committed meanwhile is delivered, once."""

import asyncio
import contextlib
from typing import Any

import asyncpg
import structlog

from app.events.bus import Bus
from app.events.outbox import NOTIFY_CHANNEL

logger = structlog.get_logger(__name__)

RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)


def asyncpg_dsn(database_url: str) -> str:
    """asyncpg's DSN for SQLAlchemy's `postgresql+asyncpg://` URL."""
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


class Listener:
    def __init__(self, database_url: str, bus: Bus) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._bus = bus
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="hubql-activity-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _notified(self, *_: Any) -> None:
        self._bus.wake()

    async def _run(self) -> None:
        failures = 0
        while True:
            lost = asyncio.Event()
            try:
                connection = await asyncpg.connect(self._dsn)
                connection.add_termination_listener(lambda _, lost=lost: lost.set())
                await connection.add_listener(NOTIFY_CHANNEL, self._notified)
            except (OSError, asyncpg.PostgresError) as error:
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                logger.warning("activity listener cannot connect", error=str(error), retry=delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            # Whatever committed while no one listened is read now.
            self._bus.wake()
            try:
                await lost.wait()
                logger.warning("activity listener lost its connection; reconnecting")
            finally:
                with contextlib.suppress(Exception):
                    await connection.close()
