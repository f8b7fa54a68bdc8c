"""The lists of projects and grants the graph pages, and what `query:`, `filter:` and
`orderBy`/`sort` may say about projects."""

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Select, select

from app.authz import filters
from app.context import Context
from app.graphql.kit import FilterInput, Listing, order_input, where
from app.graphql.refs import ProjectGrantRef, ProjectRef
from app.pagination import SortKey
from app.pql import (
    DateTimeField,
    EnumField,
    FieldSet,
    FlagsField,
    Op,
    SlugField,
    TagsField,
    TextField,
)
from app.projects.models import (
    FEATURE_COLUMNS,
    Project,
    ProjectFeature,
    ProjectGrant,
    ProjectVisibility,
)

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

GRANTS_OLDEST_FIRST = SortKey(
    "granted_at", ((ProjectGrant.granted_at, False), (ProjectGrant.id, False))
)


@strawberry.input(description="Typed filters; they compile to the same SQL as `query`.")
class ProjectFilter(FilterInput):
    name: str | None = where("name")
    name_contains: str | None = where("name", Op.LIKE)
    tags: list[str] | None = where("tags", Op.IN, description="Has any of these.")
    visibility: list[ProjectVisibility] | None = where("visibility", Op.IN)
    features: list[ProjectFeature] | None = where("features", Op.IN)
    created_after: datetime | None = where("created_at", Op.GT)
    created_before: datetime | None = where("created_at", Op.LT)
    updated_after: datetime | None = where("updated_at", Op.GT)
    updated_before: datetime | None = where("updated_at", Op.LT)


def _readable_projects(ctx: Context) -> Select[Project]:
    return select(Project).where(filters.readable_projects(ctx))


def _readable_grants(ctx: Context) -> Select[ProjectGrant]:
    return (
        select(ProjectGrant)
        .join(Project, Project.id == ProjectGrant.project_id)
        .where(filters.readable_projects(ctx))
    )


PROJECTS = Listing(
    model=Project,
    node=ProjectRef,
    rows=_readable_projects,
    parent=Project.organization_id,
    sortable=PROJECT_SORTABLE,
    fields=PROJECT_FIELDS,
    queryable=True,
    filter=ProjectFilter,
    order_input=order_input("ProjectOrder", PROJECT_SORTABLE),
)
# A project's grants (the field says who may see them).
GRANTS = Listing(
    model=ProjectGrant,
    node=ProjectGrantRef,
    parent=ProjectGrant.project_id,
    order=GRANTS_OLDEST_FIRST,
)
# A team's grants, on projects the viewer may read.
TEAM_GRANTS = Listing(
    model=ProjectGrant,
    node=ProjectGrantRef,
    rows=_readable_grants,
    parent=ProjectGrant.team_id,
    order=GRANTS_OLDEST_FIRST,
)


def feature_is(feature: ProjectFeature) -> dict[str, Any]:
    """`PROJECTS.under(…, **feature_is(MODEL))`: the registry; COMPONENT: the hub."""
    return {"where": [FEATURE_COLUMNS[feature].is_(True)], "key": feature}
