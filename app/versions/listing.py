"""How versions of either kind are listed: what `query:`, `filter:` and `orderBy`/`sort` may say
about them (their aliases too: `alias:champion`). Each kind adds one field of its own (the
registry a run, the hub a run kind)."""

from datetime import datetime
from functools import partial
from typing import Any

import strawberry

from app.graphql.kit import FilterInput, Listing, described_enum, order_input, where
from app.pql import (
    DateTimeField,
    EnumField,
    Field,
    FieldSet,
    HeldField,
    Op,
    SlugField,
    TagsField,
    TextField,
)
from app.versions.models import Stage
from app.versions.service import KINDS_BY_MODEL

# Registered here, the first of the graph's modules to name it (in both kinds' filters): a
# Strawberry input resolves its annotations when it is declared.
described_enum(
    Stage,
    name="Stage",
    description="Where a version is in its life (Polyaxon's stages). New versions start in "
    "TESTING; any stage may follow any other.",
    values={
        "TESTING": "Being tried out; where every version starts.",
        "STAGING": "A candidate for production.",
        "PRODUCTION": "In use. Moving into or out of it takes project ADMIN.",
        "DISABLED": "Not to be used.",
    },
)

TYPED_FILTERS = "Typed filters; they compile to the same SQL as `query`."


def version_listing(
    model: Any,
    node: Any,
    type_name: str,
    *,
    own_field: tuple[str, Field],
    own_filter: tuple[str, Any, Any],
) -> "partial[Listing]":
    """A `Listing` of `model`'s versions, but for which rows (`rows=` or `parent=`): the query
    fields, `{type_name}Filter` and `{type_name}Order` every kind has, and the kind's own field
    in the query language (`own_field`: name, field) and the filter (`own_filter`: name,
    annotation, `where(…)`), after `tags` where the SDL has it."""
    name, field = own_field
    alias: Any = KINDS_BY_MODEL[model].alias
    fields = FieldSet(
        fields={
            "name": SlugField(model.name),
            "description": TextField(model.description),
            "tags": TagsField(model.tags),
            "stage": EnumField(model.stage, Stage),
            "alias": HeldField(model.id, alias.version_id, alias.alias),
            name: field,
            "created_at": DateTimeField(model.created_at),
            "updated_at": DateTimeField(model.updated_at),
        }
    )
    sortable = {
        "name": model.name,
        "stage": model.stage,
        "created_at": model.created_at,
        "updated_at": model.updated_at,
    }
    return partial(
        Listing,
        model=model,
        node=node,
        sortable=sortable,
        fields=fields,
        queryable=True,
        filter=_version_filter(f"{type_name}Filter", own_filter),
        order_input=order_input(f"{type_name}Order", sortable),
    )


def _version_filter(name: str, own: tuple[str, Any, Any]) -> type:
    own_name, own_annotation, own_where = own
    fields: dict[str, tuple[Any, Any]] = {
        "name": (str | None, where("name")),
        "name_contains": (str | None, where("name", Op.LIKE)),
        "stage": (list[Stage] | None, where("stage", Op.IN)),
        "tags": (list[str] | None, where("tags", Op.IN, description="Has any of these.")),
        "alias": (
            list[str] | None,
            where("alias", Op.IN, description="Holds any of these aliases (`champion`)."),
        ),
        own_name: (own_annotation, own_where),
        "created_after": (datetime | None, where("created_at", Op.GT)),
        "created_before": (datetime | None, where("created_at", Op.LT)),
    }
    namespace: dict[str, Any] = {
        "__annotations__": {key: annotation for key, (annotation, _) in fields.items()},
        **{key: field for key, (_, field) in fields.items()},
    }
    return strawberry.input(type(name, (FilterInput,), namespace), description=TYPED_FILTERS)
