"""Wakes this process's subscribers when new activity may have committed: after a mutation
commits here, or when PostgreSQL says (NOTIFY) one committed in any process. A wake carries
nothing: subscribers read the feed from their cursor, so a lost or doubled wake loses or
doubles no event."""

import asyncio


class Bus:
    def __init__(self) -> None:
        self._waiters: set[asyncio.Event] = set()

    def waiter(self) -> "Waiter":
        """Register before reading the feed, wait after: a wake in between is not missed."""
        return Waiter(self)

    def wake(self) -> None:
        for waiter in self._waiters:
            waiter.set()


class Waiter:
    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._event = asyncio.Event()
        bus._waiters.add(self._event)

    def close(self) -> None:
        """No longer waiting (the read found something)."""
        self._bus._waiters.discard(self._event)

    async def wait(self, backstop: float) -> None:
        """Until a wake, or `backstop` seconds (for wakes that never came)."""
        try:
            await asyncio.wait_for(self._event.wait(), backstop)
        except TimeoutError:
            pass
        finally:
            self._bus._waiters.discard(self._event)
