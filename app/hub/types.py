from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import ColumnElement
from strawberry import relay
from strawberry.scalars import JSON

from app.authz.roles import Kind
from app.graphql.context import Info
from app.graphql.core import (
    Connection,
    OrderDirection,
    UserErrorType,
    build_connection,
    decode_id,
    filter_key,
    ordering,
    page_args,
    run_mutation,
)
from app.graphql.cost import ListSize
from app.graphql.readable import readable_in_projects
from app.graphql.versions import ProjectVersion, Stage, StageCondition
from app.hub import models
from app.hub import service as hub
from app.hub.filters import COMPONENT_FIELDS, COMPONENT_SORTABLE
from app.hub.spec import to_yaml
from app.pagination import count, paginate, sort_key
from app.pql import Condition, Op, compile_filters
from app.registry.models import Stage as StageValue


@strawberry.type(description="An input or output of a component.")
class ComponentIO:
    name: str
    type: str | None = strawberry.field(description="Null when any value is accepted.")
    description: str | None
    is_optional: bool
    is_list: bool
    value: JSON | None = strawberry.field(description="The default value, if any.")

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> "ComponentIO":
        return cls(
            name=row["name"],
            type=row.get("type"),
            description=row.get("description"),
            is_optional=bool(row.get("isOptional")),
            is_list=bool(row.get("isList")),
            value=JSON(row.get("value")),
        )


@strawberry.type(name="ComponentVersion")
class ComponentVersion(relay.Node, ProjectVersion):
    version_id: relay.NodeID[int]
    run_kind: str = strawberry.field(description="`job`, `service`, `dag`, …")
    spec: JSON = strawberry.field(description="The canonical spec.")
    _inputs: strawberry.Private[list[dict[str, Any]]]
    _outputs: strawberry.Private[list[dict[str, Any]]]

    @classmethod
    def from_row(cls, row: models.ComponentVersion) -> "ComponentVersion":
        return cls(
            version_id=row.id,
            name=row.name,
            description=row.description,
            tags=list(row.tags or []),
            stage=row.stage,
            digest=row.digest,
            created_at=row.created_at,
            updated_at=row.updated_at,
            run_kind=row.run_kind,
            spec=JSON(row.spec),
            _project_id=row.project_id,
            _created_by_id=row.created_by_id,
            _inputs=list(row.inputs or []),
            _outputs=list(row.outputs or []),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["ComponentVersion | None"]:
        loader = info.context.loaders.hub.by_id
        rows = await loader.load_many([int(node_id) for node_id in node_ids])
        readable = await readable_in_projects(info, rows, Kind.COMPONENT_VERSION)
        return [None if row is None else cls.from_row(row) for row in readable]

    @strawberry.field(description="The spec as YAML.")
    def spec_yaml(self) -> str:
        return to_yaml(dict(self.spec))  # type: ignore[call-overload]

    @strawberry.field(directives=[ListSize(assumed_size=10)])
    def inputs(self) -> list[ComponentIO]:
        return [ComponentIO.from_json(row) for row in self._inputs]

    @strawberry.field(directives=[ListSize(assumed_size=10)])
    def outputs(self) -> list[ComponentIO]:
        return [ComponentIO.from_json(row) for row in self._outputs]

    @strawberry.field(
        description="Oldest first: the whole stage history.",
        directives=[ListSize(assumed_size=5)],
    )
    async def stage_conditions(self, info: Info) -> list[StageCondition]:
        rows = await info.context.loaders.hub.conditions.load(self.version_id)
        return [StageCondition.from_row(row) for row in rows]


# ---- lists ------------------------------------------------------------------------------------


@strawberry.input(description="Typed filters; they compile to the same SQL as `query`.")
class ComponentVersionFilter:
    name: str | None = None
    name_contains: str | None = None
    stage: list[StageValue] | None = None
    tags: list[str] | None = strawberry.field(default=None, description="Has any of these.")
    kind: list[str] | None = strawberry.field(default=None, description="Run kinds.")
    created_after: datetime | None = None
    created_before: datetime | None = None

    def conditions(self) -> list[Condition]:
        found: list[Condition] = []
        if self.name is not None:
            found.append(Condition("name", Op.EQ, (self.name.lower(),)))
        if self.name_contains is not None:
            found.append(Condition("name", Op.LIKE, (f"%{self.name_contains}%",)))
        if self.stage:
            found.append(Condition("stage", Op.IN, tuple(s.value for s in self.stage)))
        if self.tags:
            found.append(Condition("tags", Op.IN, tuple(self.tags)))
        if self.kind:
            found.append(Condition("kind", Op.IN, tuple(self.kind)))
        for op, moment in ((Op.GT, self.created_after), (Op.LT, self.created_before)):
            if moment is not None:
                found.append(Condition("created_at", op, (moment.isoformat(),)))
        return found


@strawberry.enum
class ComponentVersionOrderField(Enum):
    NAME = "NAME"
    STAGE = "STAGE"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


@strawberry.input
class ComponentVersionOrder:
    field: ComponentVersionOrderField
    direction: OrderDirection = OrderDirection.ASC


def version_predicate(
    filter: ComponentVersionFilter | None, query: str | None
) -> ColumnElement[bool]:
    return compile_filters(query, filter.conditions() if filter else [], COMPONENT_FIELDS)


async def component_version_connection(
    info: Info,
    project_id: int,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    filter: ComponentVersionFilter | None,
    query: str | None,
    order_by: list[ComponentVersionOrder] | None,
    sort: str | None,
) -> Connection[ComponentVersion]:
    """A project's versions (the project was readable, so its versions are)."""
    args = page_args(info, first, after, last, before)
    order = sort_key(
        ordering(order_by, sort, COMPONENT_SORTABLE),
        COMPONENT_SORTABLE,
        models.ComponentVersion.id,
    )
    predicate = version_predicate(filter, query)
    key = filter_key(filter and tuple(filter.conditions()), query)
    pages, counts = info.context.loaders.hub.of_project.get(
        key, lambda: hub.versions_statement().where(predicate), order
    )
    page = await pages.load((project_id, args))
    return build_connection(page, ComponentVersion.from_row, lambda: counts.load(project_id))


# ---- root fields and mutations ----------------------------------------------------------------


@strawberry.type
class HubQuery:
    @strawberry.field(
        description="Every component version the viewer may use: public ones everywhere and "
        "what their organizations allow."
    )
    async def hub(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ComponentVersionFilter | None = None,
        query: str | None = None,
        order_by: list[ComponentVersionOrder] | None = None,
        sort: str | None = None,
    ) -> Connection[ComponentVersion]:
        ctx = info.context
        args = page_args(info, first, after, last, before)
        order = sort_key(
            ordering(order_by, sort, COMPONENT_SORTABLE),
            COMPONENT_SORTABLE,
            models.ComponentVersion.id,
        )
        statement = hub.readable_versions(ctx).where(version_predicate(filter, query))
        async with ctx.reading() as session:
            page = await paginate(session, statement, order, args)

        async def total() -> int:
            async with ctx.reading() as session:
                return await count(session, statement)

        return build_connection(page, ComponentVersion.from_row, total)

    @strawberry.field(
        description="`owner/component:v1`; no tag is the latest version; the owner may be "
        "left out when the name is unambiguous."
    )
    async def component_version(self, info: Info, reference: str) -> ComponentVersion | None:
        ctx = info.context
        async with ctx.reading():
            row = await hub.find_by_reference(ctx, reference)
        return None if row is None else ComponentVersion.from_row(row)


@strawberry.input
class PublishComponentVersionInput:
    project_id: relay.GlobalID
    name: str = strawberry.field(description="The version name, e.g. `1.1` or `latest`.")
    spec: str = strawberry.field(description="The component spec, YAML or JSON.")
    description: str | None = None
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the given fields change; name and spec never do.")
class UpdateComponentVersionInput:
    id: relay.GlobalID
    description: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET


@strawberry.input
class ComponentVersionIdInput:
    id: relay.GlobalID


@strawberry.input
class TransitionComponentVersionStageInput:
    id: relay.GlobalID
    stage: Stage  # type: ignore[valid-type]
    reason: str | None = None
    message: str | None = None
    archive_others: bool = False


@strawberry.type
class ComponentVersionPayload:
    component_version: ComponentVersion | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteComponentVersionPayload:
    deleted_id: relay.GlobalID | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


async def _payload(
    info: Info, operation: Callable[[], Awaitable[models.ComponentVersion]]
) -> ComponentVersionPayload:
    row, errors = await run_mutation(info, operation)
    return ComponentVersionPayload(
        component_version=None if row is None else ComponentVersion.from_row(row),
        user_errors=errors,
    )


@strawberry.type
class HubMutation:
    @strawberry.mutation(description="Validate a spec and publish it as a version.")
    async def publish_component_version(
        self, info: Info, input: PublishComponentVersionInput
    ) -> ComponentVersionPayload:
        project_id = decode_id(input.project_id, "Project", argument="projectId")
        return await _payload(
            info,
            lambda: hub.publish(
                info.context,
                project_id,
                name=input.name,
                spec=input.spec,
                description=input.description,
                tags=input.tags,
            ),
        )

    @strawberry.mutation(description="Change a version's description or tags.")
    async def update_component_version(
        self, info: Info, input: UpdateComponentVersionInput
    ) -> ComponentVersionPayload:
        version_id = decode_id(input.id, "ComponentVersion")
        description = hub.UNSET if input.description is strawberry.UNSET else input.description
        tags = hub.UNSET if input.tags is strawberry.UNSET else input.tags
        return await _payload(
            info,
            lambda: hub.update(info.context, version_id, description=description, tags=tags),
        )

    @strawberry.mutation(description="Move a version to another stage (PRODUCTION: admins).")
    async def transition_component_version_stage(
        self, info: Info, input: TransitionComponentVersionStageInput
    ) -> ComponentVersionPayload:
        version_id = decode_id(input.id, "ComponentVersion")
        return await _payload(
            info,
            lambda: hub.transition_stage(
                info.context,
                version_id,
                stage=input.stage,
                reason=input.reason,
                message=input.message,
                archive_others=input.archive_others,
            ),
        )

    @strawberry.mutation(description="Delete a version (project admins).")
    async def delete_component_version(
        self, info: Info, input: ComponentVersionIdInput
    ) -> DeleteComponentVersionPayload:
        version_id = decode_id(input.id, "ComponentVersion")
        deleted, errors = await run_mutation(info, lambda: hub.delete(info.context, version_id))
        return DeleteComponentVersionPayload(
            deleted_id=None
            if deleted is None
            else relay.GlobalID("ComponentVersion", str(deleted)),
            user_errors=errors,
        )
