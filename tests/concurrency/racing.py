"""Racing requests through the in-process app: what a round sends, what each request answered,
and the rounds that broke an invariant.

`race` posts its calls with `asyncio.gather`; every request gets its own session and connection,
so they interleave at the database. Rounds rotate which call starts first and how long the others
wait for it (a head start of 0 to a few milliseconds), so the same pair is tried in both orders
and overlapping at different points. Nothing here measures time: the head start only shifts where
the requests meet.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.helpers import GraphQLClient, Person

ROUNDS = 40
# Room for every request of a round and the helpers' reads (PostgreSQL; SQLite shares one file).
POOL_SIZE = 16
HEAD_STARTS = (0.0, 0.001, 0.002, 0.003, 0.005)


@dataclass(frozen=True)
class Call:
    """One mutation request: the operation, its input, and who sends it."""

    field: str
    document: str
    input: dict[str, Any]
    sender: Person


@dataclass(frozen=True)
class Answer:
    """What one racing request answered."""

    call: Call
    body: dict[str, Any]

    @property
    def top_level_codes(self) -> list[str]:
        return [error.get("extensions", {}).get("code") for error in self.body.get("errors", [])]

    @property
    def payload(self) -> dict[str, Any] | None:
        data = self.body.get("data") or {}
        payload: dict[str, Any] | None = data.get(self.call.field)
        return payload

    @property
    def user_error_codes(self) -> list[str]:
        return [error["code"] for error in (self.payload or {}).get("userErrors", [])]

    @property
    def succeeded(self) -> bool:
        return not self.top_level_codes and self.payload is not None and not self.user_error_codes

    @property
    def outcome(self) -> str:
        """`ok`, a userError code, or a top-level code: one word to compare and to report."""
        if self.top_level_codes:
            return self.top_level_codes[0]
        if self.user_error_codes:
            return self.user_error_codes[0]
        return "ok" if self.payload is not None else "no payload"

    def __repr__(self) -> str:
        return f"{self.call.sender.username}:{self.call.field}={self.outcome}"


def head_start(round_: int, calls: int) -> tuple[int, float]:
    """Which call starts first in this round, and by how much."""
    first = round_ % calls
    return first, HEAD_STARTS[(round_ // calls) % len(HEAD_STARTS)]


async def race(gql: GraphQLClient, round_: int, calls: Sequence[Call]) -> list[Answer]:
    first, lead = head_start(round_, len(calls))

    async def send(index: int, call: Call) -> Answer:
        if index != first and lead:
            await asyncio.sleep(lead)
        response = await gql.post(call.document, {"input": call.input}, as_=call.sender)
        assert response.status_code == 200, response.text
        return Answer(call, response.json())

    return list(await asyncio.gather(*(send(index, call) for index, call in enumerate(calls))))


async def warm_up(gql: GraphQLClient, *people: Person) -> None:
    """A token's first use writes its last_used_at: done before racing, so only mutations race."""
    for person in people:
        await gql.data("{ viewer { username } }", as_=person)


@dataclass
class Round:
    """One round's answers and what it broke."""

    number: int
    answers: Sequence[Answer]
    broken: list[str] = field(default_factory=list)

    def expect(self, held: bool, what: str) -> None:
        if not held:
            self.broken.append(what)


@dataclass
class Rounds:
    """Every round of one invariant, judged one by one and reported together at the end."""

    invariant: str
    rounds: list[Round] = field(default_factory=list)

    def judge(self, number: int, answers: Sequence[Answer]) -> Round:
        judged = Round(number, answers)
        self.rounds.append(judged)
        return judged

    def assert_held(self) -> None:
        broken = [judged for judged in self.rounds if judged.broken]
        report = "\n".join(
            f"  round {judged.number} {list(judged.answers)}: {'; '.join(judged.broken)}"
            for judged in broken
        )
        assert not broken, (
            f"{self.invariant}: broken in {len(broken)} of {len(self.rounds)} rounds\n{report}"
        )
