"""The list of a project's runs the graph pages, and what `query:`, `filter:` and
`orderBy`/`sort` may say about runs."""

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import func, type_coerce

from app.db import UTCDateTime
from app.graphql.kit import Listing, OrderDirection
from app.graphql.refs import RunRef
from app.pql import Condition, DateTimeField, EnumField, FieldSet, Op, TagsField, TextField
from app.runs.models import Run, RunStatus

RUN_FIELDS = FieldSet(
    fields={
        "name": TextField(Run.name),
        "status": EnumField(Run.status, RunStatus),
        "tags": TagsField(Run.tags),
        "created_at": DateTimeField(Run.created_at),
        "updated_at": DateTimeField(Run.updated_at),
        "started_at": DateTimeField(Run.started_at),
        "finished_at": DateTimeField(Run.finished_at),
    },
    json_prefixes={"metrics": Run.outputs, "params": Run.inputs},
)

# Keyset cursors need a value on every row: empty names and times sort first (as "" and the
# epoch), the same on both databases, instead of wherever each database puts NULL.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _or_epoch(column: Any) -> Any:
    return type_coerce(func.coalesce(column, EPOCH), UTCDateTime())


RUN_SORTABLE = {
    "name": func.coalesce(Run.name, ""),
    "status": Run.status,
    "created_at": Run.created_at,
    "updated_at": Run.updated_at,
    "started_at": _or_epoch(Run.started_at),
    "finished_at": _or_epoch(Run.finished_at),
}


@strawberry.input(description="Typed filters; they compile to the same SQL as `query`.")
class RunFilter:
    name: str | None = None
    name_contains: str | None = None
    status: list[RunStatus] | None = None
    tags: list[str] | None = strawberry.field(default=None, description="Has any of these.")
    created_after: datetime | None = None
    created_before: datetime | None = None
    finished_after: datetime | None = None
    finished_before: datetime | None = None

    def conditions(self) -> list[Condition]:
        found: list[Condition] = []
        if self.name is not None:
            found.append(Condition("name", Op.EQ, (self.name,)))
        if self.name_contains is not None:
            found.append(Condition("name", Op.LIKE, (f"%{self.name_contains}%",)))
        if self.status:
            found.append(Condition("status", Op.IN, tuple(s.value for s in self.status)))
        if self.tags:
            found.append(Condition("tags", Op.IN, tuple(self.tags)))
        for name, op, moment in (
            ("created_at", Op.GT, self.created_after),
            ("created_at", Op.LT, self.created_before),
            ("finished_at", Op.GT, self.finished_after),
            ("finished_at", Op.LT, self.finished_before),
        ):
            if moment is not None:
                found.append(Condition(name, op, (moment.isoformat(),)))
        return found


@strawberry.enum
class RunOrderField(Enum):
    NAME = "NAME"
    STATUS = "STATUS"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    STARTED_AT = "STARTED_AT"
    FINISHED_AT = "FINISHED_AT"


@strawberry.input
class RunOrder:
    field: RunOrderField
    direction: OrderDirection = OrderDirection.ASC


# A project's runs (the project was readable, so its runs are).
RUNS = Listing(
    model=Run,
    node=RunRef,
    parent=Run.project_id,
    sortable=RUN_SORTABLE,
    fields=RUN_FIELDS,
    queryable=True,
    filter=RunFilter,
    order_input=RunOrder,
)
