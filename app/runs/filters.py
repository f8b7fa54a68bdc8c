"""What `query:`, `filter:` and `orderBy`/`sort` may say about runs."""

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

RUN_SORTABLE = {
    "name": Run.name,
    "status": Run.status,
    "created_at": Run.created_at,
    "updated_at": Run.updated_at,
    "started_at": Run.started_at,
    "finished_at": Run.finished_at,
}
