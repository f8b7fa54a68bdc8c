"""The list of a registry's model versions the graph pages, and what `query:`, `filter:` and
`orderBy`/`sort` may say about model versions."""

from datetime import datetime

import strawberry

from app.graphql.kit import Listing, OrderDirection
from app.graphql.refs import ModelVersionRef
from app.pql import (
    Condition,
    DateTimeField,
    EnumField,
    FieldSet,
    Op,
    RelatedUuidField,
    SlugField,
    TagsField,
    TextField,
)
from app.registry.models import ModelVersion
from app.runs.models import Run
from app.versions.listing import order_fields, version_conditions
from app.versions.models import Stage

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


@strawberry.input(description="Typed filters; they compile to the same SQL as `query`.")
class ModelVersionFilter:
    name: str | None = None
    name_contains: str | None = None
    stage: list[Stage] | None = None
    tags: list[str] | None = strawberry.field(default=None, description="Has any of these.")
    run: strawberry.ID | None = strawberry.field(default=None, description="A run uuid.")
    created_after: datetime | None = None
    created_before: datetime | None = None

    def conditions(self) -> list[Condition]:
        run = None if self.run is None else Condition("run", Op.EQ, (str(self.run),))
        return version_conditions(self, run)


ModelVersionOrderField = strawberry.enum(order_fields("ModelVersionOrderField"))


@strawberry.input
class ModelVersionOrder:
    field: ModelVersionOrderField  # type: ignore[valid-type]
    direction: OrderDirection = OrderDirection.ASC


# A project's versions (the project was readable, so its versions are).
MODEL_VERSIONS = Listing(
    model=ModelVersion,
    node=ModelVersionRef,
    parent=ModelVersion.project_id,
    sortable=VERSION_SORTABLE,
    fields=VERSION_FIELDS,
    queryable=True,
    filter=ModelVersionFilter,
    order_input=ModelVersionOrder,
)
