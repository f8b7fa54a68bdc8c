"""What `query:`, `filter:` and `orderBy`/`sort` may say about component versions."""

from app.hub.models import ComponentVersion
from app.pql import DateTimeField, EnumField, FieldSet, SlugField, TagsField, TextField
from app.registry.models import Stage

COMPONENT_FIELDS = FieldSet(
    fields={
        "name": SlugField(ComponentVersion.name),
        "description": TextField(ComponentVersion.description),
        "tags": TagsField(ComponentVersion.tags),
        "stage": EnumField(ComponentVersion.stage, Stage),
        "kind": TextField(ComponentVersion.run_kind),
        "created_at": DateTimeField(ComponentVersion.created_at),
        "updated_at": DateTimeField(ComponentVersion.updated_at),
    }
)

COMPONENT_SORTABLE = {
    "name": ComponentVersion.name,
    "stage": ComponentVersion.stage,
    "created_at": ComponentVersion.created_at,
    "updated_at": ComponentVersion.updated_at,
}
