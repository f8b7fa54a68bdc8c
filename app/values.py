"""What hubql accepts as text, instants and JSON: one rule for every door a value comes in by.

The GraphQL scalars, the request-body decoder, the query language and the cursor decoder all call
these, so a value refused at one door is refused at all of them, with the same words, before any
of it reaches SQL. Each refusal is `BadUserInput`: the client's input is at fault.
"""

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from app.errors import BadUserInput

# NUL cannot be stored in PostgreSQL text or jsonb; a lone surrogate is no Unicode at all (it
# cannot be encoded as UTF-8, so neither database nor the JSON response could carry it).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MAX_JSON_DEPTH = 32


def text_problem(value: str) -> str | None:
    """Why `value` cannot be text in hubql, or None when it can."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    return "a NUL character" if found.group() == "\x00" else "a lone UTF-16 surrogate"


def check_text(value: str, where: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise refusal(f"{where} contains {problem}, which is not allowed in text.")
    return value


def refusal(message: str) -> BadUserInput:
    """`message` as a sentence (callers compose it from lowercase places)."""
    return BadUserInput(message[:1].upper() + message[1:])


def parse_instant(value: str, where: str) -> datetime:
    """An ISO 8601 datetime with an offset, as UTC. Naive datetimes are refused (their meaning
    depends on a clock the server cannot see), and so are instants whose UTC form falls outside
    the calendar (year 1 at +01:00 is year 0 in UTC)."""
    check_text(value, where)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise refusal(f"{where} is not an ISO 8601 datetime: {value[:64]!r}.") from error
    return utc_instant(moment, where)


def utc_instant(moment: datetime, where: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise refusal(
            f"{where} needs a UTC offset (e.g. 2026-01-01T12:00:00Z or +02:00): {moment}."
        )
    try:
        return moment.astimezone(UTC)
    except OverflowError as error:
        raise refusal(f"{where} is outside the calendar in UTC: {moment}.") from error


def finite_number(value: float, where: str) -> float:
    if not math.isfinite(value):
        raise refusal(f"{where} must be a finite number (no NaN or Infinity).")
    return value


def check_json(value: Any, where: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A JSON value hubql can store and answer with: finite numbers, clean text (keys too), and
    at most `max_depth` levels. Walked without recursion, so no input can exhaust the stack."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        place = f"`{path}` in {where}" if path else where
        if depth > max_depth:
            raise refusal(f"{place} is nested more than {max_depth} levels deep.")
        if isinstance(item, str):
            check_text(item, place)
        elif isinstance(item, float):
            finite_number(item, place)
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise refusal(f"{place} has a key that is not a string.")
                check_text(key, f"a key of {place}")
                stack.append((child, f"{path}.{key[:32]}" if path else key[:32], depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
        elif not (item is None or isinstance(item, bool | int)):
            raise refusal(f"{place} is not a JSON value.")
    return value


def _refuse_constant(name: str) -> Any:
    raise BadUserInput(f"The request holds `{name}`, which is not JSON.")


def _finite_float(text: str) -> float:
    # `1e400` is valid JSON that Python reads as infinity.
    return finite_number(float(text), f"the number {text[:32]}")


def loads_strict(data: str | bytes, where: str) -> Any:
    """Strict JSON from a client: no NaN or Infinity (Python's json reads them by default) and
    the text rules above for every string."""
    try:
        decoded = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as error:
        raise refusal(f"{where} is nested too deeply.") from error
    return check_json(decoded, where, max_depth=10_000)
