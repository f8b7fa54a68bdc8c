"""What `query:`, `filter:` and `orderBy`/`sort` may say about runs."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, type_coerce

from app.db import UTCDateTime
from app.pql import DateTimeField, EnumField, FieldSet, TagsField, TextField
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
