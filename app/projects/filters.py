"""What `query:`, `filter:` and `orderBy`/`sort` may say about projects."""

from app.pql import (
    DateTimeField,
    EnumField,
    FieldSet,
    FlagsField,
    SlugField,
    TagsField,
    TextField,
)
from app.projects.models import FEATURE_COLUMNS, Project, ProjectVisibility

PROJECT_FIELDS = FieldSet(
    fields={
        "name": SlugField(Project.name),
        "description": TextField(Project.description),
        "tags": TagsField(Project.tags),
        "visibility": EnumField(Project.visibility, ProjectVisibility),
        "features": FlagsField(
            {feature.value.lower(): column for feature, column in FEATURE_COLUMNS.items()}
        ),
        "created_at": DateTimeField(Project.created_at),
        "updated_at": DateTimeField(Project.updated_at),
    }
)

PROJECT_SORTABLE = {
    "name": Project.name,
    "created_at": Project.created_at,
    "updated_at": Project.updated_at,
}
