"""What clients may say about a list of versions of either kind, shared by the registry's and
the hub's filter and order inputs."""

from enum import Enum
from typing import Any, Protocol

import strawberry

from app.pql import Condition, Op
from app.versions.models import Stage

# Registered here, the first of the graph's modules to name it (in both kinds' filters): a
# Strawberry input resolves its annotations when it is declared.
strawberry.enum(Stage, name="Stage", description="New versions start in TESTING.")

# `orderBy` fields (each kind's enum is named for it in the schema).
ORDER_FIELDS = ("NAME", "STAGE", "CREATED_AT", "UPDATED_AT")


def order_fields(name: str) -> type[Enum]:
    """The `XVersionOrderField` enum of one kind (registered with Strawberry by the caller)."""
    return Enum(name, [(field, field) for field in ORDER_FIELDS])  # type: ignore[return-value]


class VersionFilter(Protocol):
    name: str | None
    name_contains: str | None
    stage: list[Any] | None
    tags: list[str] | None
    created_after: Any
    created_before: Any


def version_conditions(given: VersionFilter, *kind_specific: Condition | None) -> list[Condition]:
    """A version filter's conditions of the query language: the fields every kind has, and the
    ones its kind adds (None: not given)."""
    found: list[Condition | None] = [
        None if given.name is None else Condition("name", Op.EQ, (given.name.lower(),)),
        None
        if given.name_contains is None
        else Condition("name", Op.LIKE, (f"%{given.name_contains}%",)),
        Condition("stage", Op.IN, tuple(s.value for s in given.stage)) if given.stage else None,
        Condition("tags", Op.IN, tuple(given.tags)) if given.tags else None,
        *kind_specific,
    ]
    for op, moment in ((Op.GT, given.created_after), (Op.LT, given.created_before)):
        if moment is not None:
            found.append(Condition("created_at", op, (moment.isoformat(),)))
    return [condition for condition in found if condition is not None]
