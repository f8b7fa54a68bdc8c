"""A per-viewer budget of estimated cost per minute, kept in the process's memory.

Fixed one-minute windows per viewer (GitHub's shape: a limit, what is left, when it resets). Each
process keeps its own windows: with N workers a viewer's requests spread over them, so the limit
one viewer meets is between the budget and N times it. That is the price of needing no shared
store; the cost limit per operation (`max_nodes`) holds exactly in every process.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.db import utcnow

WINDOW_SECONDS = 60.0
# Forgetting expired windows is amortised: at most this many viewers are remembered at once
# before a sweep (a sweep drops every window that has ended).
SWEEP_AT = 10_000


@dataclass(frozen=True, slots=True)
class Budget:
    """Where a viewer stands after asking for `cost`."""

    limit: int
    cost: int
    remaining: int
    reset_at: datetime
    allowed: bool

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window resets (at least 1)."""
        return max(1, math.ceil((self.reset_at - utcnow()).total_seconds()))


@dataclass(slots=True)
class _Window:
    ends: float
    spent: int


class RateLimiter:
    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._windows: dict[str, _Window] = {}

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def charge(self, viewer: str, cost: int) -> Budget:
        """Spend `cost` of the viewer's budget if enough is left; an operation refused spends
        nothing."""
        now = self._clock()
        window = self._windows.get(viewer)
        if window is None or window.ends <= now:
            if len(self._windows) >= SWEEP_AT:
                self._sweep(now)
            window = self._windows[viewer] = _Window(ends=now + WINDOW_SECONDS, spent=0)
        allowed = window.spent + cost <= self.per_minute
        if allowed:
            window.spent += cost
        return Budget(
            limit=self.per_minute,
            cost=cost,
            remaining=self.per_minute - window.spent,
            reset_at=utcnow() + timedelta(seconds=window.ends - now),
            allowed=allowed,
        )

    def _sweep(self, now: float) -> None:
        self._windows = {key: w for key, w in self._windows.items() if w.ends > now}
