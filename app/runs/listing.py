"""The list of a project's runs the graph pages, and what `query:`, `filter:` and
`orderBy`/`sort` may say about runs."""

from datetime import UTC, datetime
from typing import Any

import strawberry
from sqlalchemy import func, type_coerce

from app.db import UTCDateTime
from app.graphql.kit import FilterInput, Listing, order_input, where
from app.graphql.refs import RunRef
from app.pql import DateTimeField, EnumField, FieldSet, Op, TagsField, TextField
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
class RunFilter(FilterInput):
    name: str | None = where("name")
    name_contains: str | None = where("name", Op.LIKE)
    status: list[RunStatus] | None = where("status", Op.IN)
    tags: list[str] | None = where("tags", Op.IN, description="Has any of these.")
    created_after: datetime | None = where("created_at", Op.GT)
    created_before: datetime | None = where("created_at", Op.LT)
    finished_after: datetime | None = where("finished_at", Op.GT)
    finished_before: datetime | None = where("finished_at", Op.LT)


# A project's runs (the project was readable, so its runs are).
RUNS = Listing(
    model=Run,
    node=RunRef,
    parent=Run.project_id,
    sortable=RUN_SORTABLE,
    fields=RUN_FIELDS,
    queryable=True,
    filter=RunFilter,
    order_input=order_input("RunOrder", RUN_SORTABLE),
)
