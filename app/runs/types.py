from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, cast

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
from app.pagination import sort_key
from app.pql import Condition, Op, compile_filters
from app.runs import models
from app.runs import service as runs
from app.runs.filters import RUN_FIELDS, RUN_SORTABLE

if TYPE_CHECKING:
    from app.projects.types import Project
    from app.registry.types import ModelVersion
    from app.users.types import User

RunStatus = strawberry.enum(models.RunStatus, name="RunStatus")
ArtifactKind = strawberry.enum(models.ArtifactKind, name="ArtifactKind")
UserRef = Annotated["User", strawberry.lazy("app.users.types")]
ProjectRef = Annotated["Project", strawberry.lazy("app.projects.types")]
ModelVersionRef = Annotated["ModelVersion", strawberry.lazy("app.registry.types")]


@strawberry.type(description="Something a run consumed or produced, for lineage.")
class Artifact:
    name: str
    kind: ArtifactKind  # type: ignore[valid-type]
    path: str
    summary: JSON | None

    @classmethod
    def from_row(cls, row: models.RunArtifact) -> "Artifact":
        return cls(name=row.name, kind=row.kind, path=row.path, summary=JSON(row.summary))


@strawberry.type(name="Run")
class Run(relay.Node):
    run_id: relay.NodeID[int]
    uuid: strawberry.ID
    name: str | None
    status: RunStatus  # type: ignore[valid-type]
    tags: list[str]
    inputs: JSON | None = strawberry.field(description="Params in.")
    outputs: JSON | None = strawberry.field(description="Metrics out.")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    _project_id: strawberry.Private[int]
    _created_by_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: models.Run) -> "Run":
        return cls(
            run_id=row.id,
            uuid=strawberry.ID(row.uuid),
            name=row.name,
            status=row.status,
            tags=list(row.tags or []),
            inputs=JSON(row.inputs),
            outputs=JSON(row.outputs),
            created_at=row.created_at,
            updated_at=row.updated_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            _project_id=row.project_id,
            _created_by_id=row.created_by_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["Run | None"]:
        loader = info.context.loaders.runs.by_id
        rows = await loader.load_many([int(node_id) for node_id in node_ids])
        readable = await readable_in_projects(info, rows, Kind.RUN)
        return [None if row is None else cls.from_row(row) for row in readable]

    @strawberry.field
    async def project(self, info: Info) -> ProjectRef:
        from app.projects.types import Project  # noqa: PLC0415

        row = await info.context.loaders.projects.by_id.load(self._project_id)
        assert row is not None
        return Project.from_row(row)

    @strawberry.field(directives=[ListSize(assumed_size=10)])
    async def artifacts(self, info: Info) -> list[Artifact]:
        rows = await info.context.loaders.runs.artifacts.load(self.run_id)
        return [Artifact.from_row(row) for row in rows]

    @strawberry.field(
        description="Runs whose outputs this run consumed (that the viewer may read).",
        directives=[ListSize(assumed_size=5)],
    )
    async def upstream(self, info: Info) -> list["Run"]:
        return [Run.from_row(r) for r in await info.context.loaders.runs.upstream.load(self.run_id)]

    @strawberry.field(
        description="Runs that consumed this run's outputs (that the viewer may read).",
        directives=[ListSize(assumed_size=5)],
    )
    async def downstream(self, info: Info) -> list["Run"]:
        rows = await info.context.loaders.runs.downstream.load(self.run_id)
        return [Run.from_row(r) for r in rows]

    @strawberry.field
    async def created_by(self, info: Info) -> UserRef | None:
        from app.users.types import User  # noqa: PLC0415

        if self._created_by_id is None:
            return None
        row = await info.context.loaders.users.by_id.load(self._created_by_id)
        return None if row is None else User.from_row(row)

    @strawberry.field(
        description="Versions promoted from this run (that the viewer may read).",
        directives=[ListSize(assumed_size=5)],
    )
    async def model_versions(self, info: Info) -> list[ModelVersionRef]:
        from app.registry.types import ModelVersion  # noqa: PLC0415

        rows = await info.context.loaders.registry.of_run.load(self.run_id)
        return [ModelVersion.from_row(row) for row in rows]


# ---- filtering and ordering -------------------------------------------------------------------


@strawberry.input(description="Typed filters; they compile to the same SQL as `query`.")
class RunFilter:
    name: str | None = None
    name_contains: str | None = None
    status: list[models.RunStatus] | None = None
    tags: list[str] | None = strawberry.field(default=None, description="Has any of these.")
    created_after: datetime | None = None
    created_before: datetime | None = None
    finished_after: datetime | None = None
    finished_before: datetime | None = None

    def conditions(self) -> list[Condition]:
        found: list[Condition] = []
        if self.name is not None:
            found.append(Condition("name", Op.EQ, (self.name,)))
        if self.name_contains is not None:
            found.append(Condition("name", Op.LIKE, (f"%{self.name_contains}%",)))
        if self.status:
            found.append(Condition("status", Op.IN, tuple(s.value for s in self.status)))
        if self.tags:
            found.append(Condition("tags", Op.IN, tuple(self.tags)))
        for name, op, moment in (
            ("created_at", Op.GT, self.created_after),
            ("created_at", Op.LT, self.created_before),
            ("finished_at", Op.GT, self.finished_after),
            ("finished_at", Op.LT, self.finished_before),
        ):
            if moment is not None:
                found.append(Condition(name, op, (moment.isoformat(),)))
        return found


@strawberry.enum
class RunOrderField(Enum):
    NAME = "NAME"
    STATUS = "STATUS"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    STARTED_AT = "STARTED_AT"
    FINISHED_AT = "FINISHED_AT"


@strawberry.input
class RunOrder:
    field: RunOrderField
    direction: OrderDirection = OrderDirection.ASC


def run_predicate(filter: RunFilter | None, query: str | None) -> ColumnElement[bool]:
    return compile_filters(query, filter.conditions() if filter else [], RUN_FIELDS)


async def run_connection(
    info: Info,
    project_id: int,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    filter: RunFilter | None,
    query: str | None,
    order_by: list[RunOrder] | None,
    sort: str | None,
) -> Connection[Run]:
    """A project's runs (the project was readable, so its runs are)."""
    args = page_args(info, first, after, last, before)
    order = sort_key(ordering(order_by, sort, RUN_SORTABLE), RUN_SORTABLE, models.Run.id)
    predicate = run_predicate(filter, query)
    key = filter_key(filter and tuple(filter.conditions()), query)
    pages, counts = info.context.loaders.runs.of_project.get(
        key, lambda: runs.runs_statement().where(predicate), order
    )
    page = await pages.load((project_id, args))
    return build_connection(page, Run.from_row, lambda: counts.load(project_id))


# ---- mutations --------------------------------------------------------------------------------


@strawberry.input
class ArtifactInput:
    name: str
    kind: ArtifactKind  # type: ignore[valid-type]
    path: str
    summary: JSON | None = None

    def spec(self) -> runs.ArtifactSpec:
        return runs.ArtifactSpec(self.name, self.kind, self.path, cast("Any", self.summary))


@strawberry.input
class CreateRunInput:
    project_id: relay.GlobalID
    name: str | None = None
    status: RunStatus = models.RunStatus.CREATED  # type: ignore[valid-type]
    tags: list[str] = strawberry.field(default_factory=list)
    inputs: JSON | None = None
    outputs: JSON | None = None
    artifacts: list[ArtifactInput] = strawberry.field(default_factory=list)
    upstream: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="uuids of runs whose outputs this run consumed."
    )


@strawberry.input(description="Only the given fields change; lists are replaced whole.")
class UpdateRunInput:
    id: relay.GlobalID
    name: str | None = strawberry.UNSET
    status: RunStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    tags: list[str] | None = strawberry.UNSET
    inputs: JSON | None = strawberry.UNSET
    outputs: JSON | None = strawberry.UNSET
    artifacts: list[ArtifactInput] | None = strawberry.UNSET
    upstream: list[strawberry.ID] | None = strawberry.UNSET


@strawberry.input
class DeleteRunInput:
    id: relay.GlobalID


@strawberry.type
class RunPayload:
    run: Run | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteRunPayload:
    deleted_id: relay.GlobalID | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


def _unset(value: Any, convert: Callable[[Any], Any] = lambda v: v) -> Any:
    if value is strawberry.UNSET:
        return runs.UNSET
    return None if value is None else convert(value)


async def _run_payload(info: Info, operation: Callable[[], Awaitable[models.Run]]) -> RunPayload:
    row, errors = await run_mutation(info, operation)
    return RunPayload(run=None if row is None else Run.from_row(row), user_errors=errors)


@strawberry.type
class RunMutation:
    @strawberry.mutation(description="Record a run (the project needs the RUNTIME feature).")
    async def create_run(self, info: Info, input: CreateRunInput) -> RunPayload:
        project_id = decode_id(input.project_id, "Project", argument="projectId")
        return await _run_payload(
            info,
            lambda: runs.create_run(
                info.context,
                project_id,
                name=input.name,
                status=input.status,
                tags=input.tags,
                inputs=input.inputs,
                outputs=input.outputs,
                artifacts=[a.spec() for a in input.artifacts],
                upstream=[str(u) for u in input.upstream],
            ),
        )

    @strawberry.mutation(description="Change a run's status, results, artifacts or lineage.")
    async def update_run(self, info: Info, input: UpdateRunInput) -> RunPayload:
        run_id = decode_id(input.id, "Run")
        return await _run_payload(
            info,
            lambda: runs.update_run(
                info.context,
                run_id,
                name=_unset(input.name),
                status=_unset(input.status),
                tags=_unset(input.tags),
                inputs=_unset(input.inputs),
                outputs=_unset(input.outputs),
                artifacts=_unset(input.artifacts, lambda items: [a.spec() for a in items]),
                upstream=_unset(input.upstream, lambda items: [str(u) for u in items]),
            ),
        )

    @strawberry.mutation(description="Delete a run.")
    async def delete_run(self, info: Info, input: DeleteRunInput) -> DeleteRunPayload:
        run_id = decode_id(input.id, "Run")
        deleted, errors = await run_mutation(info, lambda: runs.delete_run(info.context, run_id))
        return DeleteRunPayload(
            deleted_id=None if deleted is None else relay.GlobalID("Run", str(deleted)),
            user_errors=errors,
        )
