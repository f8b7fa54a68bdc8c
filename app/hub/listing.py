"""The lists of component versions the graph pages (the hub, a project's), and what `query:`,
`filter:` and `orderBy`/`sort` may say about them."""

from datetime import datetime
from functools import partial

import strawberry

from app.graphql.kit import Listing, OrderDirection
from app.graphql.refs import ComponentVersionRef
from app.hub.models import ComponentVersion
from app.hub.service import readable_versions
from app.pql import (
    Condition,
    DateTimeField,
    EnumField,
    FieldSet,
    Op,
    SlugField,
    TagsField,
    TextField,
)
from app.versions.listing import order_fields, version_conditions
from app.versions.models import Stage

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


@strawberry.input(description="Typed filters; they compile to the same SQL as `query`.")
class ComponentVersionFilter:
    name: str | None = None
    name_contains: str | None = None
    stage: list[Stage] | None = None
    tags: list[str] | None = strawberry.field(default=None, description="Has any of these.")
    kind: list[str] | None = strawberry.field(default=None, description="Run kinds.")
    created_after: datetime | None = None
    created_before: datetime | None = None

    def conditions(self) -> list[Condition]:
        kinds = Condition("kind", Op.IN, tuple(self.kind)) if self.kind else None
        return version_conditions(self, kinds)


ComponentVersionOrderField = strawberry.enum(order_fields("ComponentVersionOrderField"))


@strawberry.input
class ComponentVersionOrder:
    field: ComponentVersionOrderField  # type: ignore[valid-type]
    direction: OrderDirection = OrderDirection.ASC


_component_versions = partial(
    Listing,
    model=ComponentVersion,
    node=ComponentVersionRef,
    sortable=COMPONENT_SORTABLE,
    fields=COMPONENT_FIELDS,
    queryable=True,
    filter=ComponentVersionFilter,
    order_input=ComponentVersionOrder,
)
# Every component version the viewer may use: the hub.
HUB = _component_versions(rows=readable_versions)
# A project's versions (the project was readable, so its versions are).
COMPONENT_VERSIONS = _component_versions(parent=ComponentVersion.project_id)
