"""Time, and the one id hubql draws at random (a run's uuid): from the world, or from a script.

`hubql seed` runs the services under a script, a clock it moves itself and a generator seeded
by it, so that one seed builds the same rows every time; everything else runs on the wall clock.
"""

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass
class Script:
    at: datetime
    rng: random.Random

    def advance(self, delta: timedelta) -> datetime:
        self.at += delta
        return self.at


_script: ContextVar[Script | None] = ContextVar("hubql_clock_script", default=None)


def utcnow() -> datetime:
    script = _script.get()
    return datetime.now(UTC) if script is None else script.at


def random_hex() -> str:
    """128 random bits as 32 hex digits, as `uuid4().hex`."""
    script = _script.get()
    return uuid.uuid4().hex if script is None else f"{script.rng.getrandbits(128):032x}"


@contextmanager
def scripted(script: Script) -> Iterator[Script]:
    """Within the block (this task and those it starts), time and ids come from `script`."""
    token = _script.set(script)
    try:
        yield script
    finally:
        _script.reset(token)
