"""What `query:`, `filter:` and `orderBy`/`sort` may say about model versions."""

from app.pql import (
    DateTimeField,
    EnumField,
    FieldSet,
    RelatedUuidField,
    SlugField,
    TagsField,
    TextField,
)
from app.registry.models import ModelVersion, Stage
from app.runs.models import Run

VERSION_FIELDS = FieldSet(
    fields={
        "name": SlugField(ModelVersion.name),
        "description": TextField(ModelVersion.description),
        "tags": TagsField(ModelVersion.tags),
        "stage": EnumField(ModelVersion.stage, Stage),
        "run": RelatedUuidField(ModelVersion.run_id, Run.id, Run.uuid),
        "created_at": DateTimeField(ModelVersion.created_at),
        "updated_at": DateTimeField(ModelVersion.updated_at),
    }
)

VERSION_SORTABLE = {
    "name": ModelVersion.name,
    "stage": ModelVersion.stage,
    "created_at": ModelVersion.created_at,
    "updated_at": ModelVersion.updated_at,
}
