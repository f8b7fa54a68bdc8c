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
from app.graphql.versions import ProjectVersion, Stage, StageCondition
from app.pagination import sort_key
from app.pql import Condition, Op, compile_filters
from app.registry import models
from app.registry import service as registry
from app.registry.filters import VERSION_FIELDS, VERSION_SORTABLE

if TYPE_CHECKING:
    from app.projects.types import Project
    from app.runs.types import Artifact, ArtifactInput, Run
    from app.users.types import User

UserRef = Annotated["User", strawberry.lazy("app.users.types")]
ProjectRef = Annotated["Project", strawberry.lazy("app.projects.types")]
RunRef = Annotated["Run", strawberry.lazy("app.runs.types")]
ArtifactRef = Annotated["Artifact", strawberry.lazy("app.runs.types")]
ArtifactInputRef = Annotated["ArtifactInput", strawberry.lazy("app.runs.types")]


LINEAGE_DOC = (
    "Where a version comes from: its run, that run's project, and the runs upstream of it "
    "(at most 5 edges away, those the viewer may read)."
)


@strawberry.type(description=LINEAGE_DOC)
class Lineage:
    _run_id: strawberry.Private[int | None]

    @strawberry.field
    async def run(self, info: Info) -> RunRef | None:
        return cast("Run | None", await _run(info, self._run_id))

    @strawberry.field
    async def source_project(self, info: Info) -> ProjectRef | None:
        from app.projects.types import Project  # noqa: PLC0415

        run = await _run_row(info, self._run_id)
        if run is None:
            return None
        row = await info.context.loaders.projects.by_id.load(run.project_id)
        return None if row is None else Project.from_row(row)

    @strawberry.field(directives=[ListSize(assumed_size=10)])
    async def upstream(self, info: Info) -> list[RunRef]:
        from app.runs.types import Run  # noqa: PLC0415

        if await _run_row(info, self._run_id) is None:
            return []
        assert self._run_id is not None
        rows = await info.context.loaders.registry.lineage_upstream.load(self._run_id)
        return [Run.from_row(row) for row in rows]


async def _run_row(info: Info, run_id: int | None) -> Any:
    """The run, if it still exists and the viewer may read it."""
    if run_id is None:
        return None
    row = await info.context.loaders.runs.by_id.load(run_id)
    return (await readable_in_projects(info, [row], Kind.RUN))[0]


async def _run(info: Info, run_id: int | None) -> Any:
    from app.runs.types import Run  # noqa: PLC0415

    row = await _run_row(info, run_id)
    return None if row is None else Run.from_row(row)


@strawberry.type(name="ModelVersion")
class ModelVersion(relay.Node, ProjectVersion):
    version_id: relay.NodeID[int]
    metadata: JSON | None = strawberry.field(description="Framework, signature, deployment hints.")
    _run_id: strawberry.Private[int | None]
    _artifacts: strawberry.Private[list[dict[str, Any]]]

    @classmethod
    def from_row(cls, row: models.ModelVersion) -> "ModelVersion":
        return cls(
            version_id=row.id,
            name=row.name,
            description=row.description,
            tags=list(row.tags or []),
            stage=row.stage,
            digest=row.digest,
            created_at=row.created_at,
            updated_at=row.updated_at,
            metadata=JSON(row.meta),
            _project_id=row.project_id,
            _created_by_id=row.created_by_id,
            _run_id=row.run_id,
            _artifacts=list(row.artifacts or []),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["ModelVersion | None"]:
        loader = info.context.loaders.registry.by_id
        rows = await loader.load_many([int(node_id) for node_id in node_ids])
        readable = await readable_in_projects(info, rows, Kind.MODEL_VERSION)
        return [None if row is None else cls.from_row(row) for row in readable]

    @strawberry.field(
        description="Oldest first: the whole stage history.",
        directives=[ListSize(assumed_size=5)],
    )
    async def stage_conditions(self, info: Info) -> list[StageCondition]:
        rows = await info.context.loaders.registry.conditions.load(self.version_id)
        return [StageCondition.from_row(row) for row in rows]

    @strawberry.field(description="The run it was promoted from; null when registered.")
    async def run(self, info: Info) -> RunRef | None:
        return cast("Run | None", await _run(info, self._run_id))

    @strawberry.field(
        description="What was promoted: the model files.", directives=[ListSize(assumed_size=10)]
    )
    def artifacts(self) -> list[ArtifactRef]:
        from app.runs.models import ArtifactKind  # noqa: PLC0415
        from app.runs.types import Artifact  # noqa: PLC0415

        return [
            Artifact(
                name=a["name"],
                kind=ArtifactKind(a["kind"]),
                path=a["path"],
                summary=JSON(a.get("summary")),
            )
            for a in self._artifacts
        ]

    @strawberry.field
    def lineage(self) -> Lineage:
        return Lineage(_run_id=self._run_id)


# ---- lists ------------------------------------------------------------------------------------


@strawberry.input(description="Typed filters; they compile to the same SQL as `query`.")
class ModelVersionFilter:
    name: str | None = None
    name_contains: str | None = None
    stage: list[models.Stage] | None = None
    tags: list[str] | None = strawberry.field(default=None, description="Has any of these.")
    run: strawberry.ID | None = strawberry.field(default=None, description="A run uuid.")
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
        if self.run is not None:
            found.append(Condition("run", Op.EQ, (str(self.run),)))
        for op, moment in ((Op.GT, self.created_after), (Op.LT, self.created_before)):
            if moment is not None:
                found.append(Condition("created_at", op, (moment.isoformat(),)))
        return found


@strawberry.enum
class ModelVersionOrderField(Enum):
    NAME = "NAME"
    STAGE = "STAGE"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


@strawberry.input
class ModelVersionOrder:
    field: ModelVersionOrderField
    direction: OrderDirection = OrderDirection.ASC


def version_predicate(filter: ModelVersionFilter | None, query: str | None) -> ColumnElement[bool]:
    return compile_filters(query, filter.conditions() if filter else [], VERSION_FIELDS)


async def model_version_connection(
    info: Info,
    project_id: int,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    filter: ModelVersionFilter | None,
    query: str | None,
    order_by: list[ModelVersionOrder] | None,
    sort: str | None,
) -> Connection[ModelVersion]:
    """A project's versions (the project was readable, so its versions are)."""
    args = page_args(info, first, after, last, before)
    order = sort_key(
        ordering(order_by, sort, VERSION_SORTABLE), VERSION_SORTABLE, models.ModelVersion.id
    )
    predicate = version_predicate(filter, query)
    key = filter_key(filter and tuple(filter.conditions()), query)
    pages, counts = info.context.loaders.registry.of_project.get(
        key, lambda: registry.versions_statement().where(predicate), order
    )
    page = await pages.load((project_id, args))
    return build_connection(page, ModelVersion.from_row, lambda: counts.load(project_id))


# ---- root fields and mutations ----------------------------------------------------------------


@strawberry.type
class RegistryQuery:
    @strawberry.field(description="A model version by reference, `owner/model:v3`.")
    async def model_version(self, info: Info, reference: str) -> ModelVersion | None:
        ctx = info.context
        async with ctx.reading():
            row = await registry.find_by_reference(ctx, reference)
        return None if row is None else ModelVersion.from_row(row)


@strawberry.input
class PromoteRunInput:
    project_id: relay.GlobalID = strawberry.field(description="The model project to promote into.")
    run_id: relay.GlobalID
    name: str = strawberry.field(description="The version name, e.g. `v3`.")
    artifacts: list[str] = strawberry.field(
        default_factory=list, description="Names of the run's artifacts to carry over."
    )
    description: str | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    metadata: JSON | None = None


@strawberry.input
class CreateModelVersionInput:
    project_id: relay.GlobalID
    name: str
    artifacts: list[ArtifactInputRef] = strawberry.field(default_factory=list)
    description: str | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    metadata: JSON | None = None


@strawberry.input(description="Only the given fields change; name and artifacts never do.")
class UpdateModelVersionInput:
    id: relay.GlobalID
    description: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input
class DeleteModelVersionInput:
    id: relay.GlobalID


@strawberry.input
class TransitionModelVersionStageInput:
    id: relay.GlobalID
    stage: Stage  # type: ignore[valid-type]
    reason: str | None = None
    message: str | None = None
    archive_others: bool = strawberry.field(
        default=False,
        description="On a move into PRODUCTION, move the model's other PRODUCTION versions to "
        "STAGING in the same transaction.",
    )


@strawberry.type
class ModelVersionPayload:
    model_version: ModelVersion | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteModelVersionPayload:
    deleted_id: relay.GlobalID | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


def _unset(value: Any) -> Any:
    return registry.UNSET if value is strawberry.UNSET else value


async def _payload(
    info: Info, operation: Callable[[], Awaitable[models.ModelVersion]]
) -> ModelVersionPayload:
    row, errors = await run_mutation(info, operation)
    return ModelVersionPayload(
        model_version=None if row is None else ModelVersion.from_row(row), user_errors=errors
    )


@strawberry.type
class RegistryMutation:
    @strawberry.mutation(description="Promote a run of this project or of a promotion source.")
    async def promote_run(self, info: Info, input: PromoteRunInput) -> ModelVersionPayload:
        project_id = decode_id(input.project_id, "Project", argument="projectId")
        run_id = decode_id(input.run_id, "Run", argument="runId")
        return await _payload(
            info,
            lambda: registry.promote_run(
                info.context,
                project_id,
                run_id=run_id,
                name=input.name,
                artifact_names=input.artifacts,
                description=input.description,
                tags=input.tags,
                metadata=input.metadata,
            ),
        )

    @strawberry.mutation(description="Register a version built elsewhere (no run here).")
    async def create_model_version(
        self, info: Info, input: CreateModelVersionInput
    ) -> ModelVersionPayload:
        project_id = decode_id(input.project_id, "Project", argument="projectId")
        return await _payload(
            info,
            lambda: registry.create_model_version(
                info.context,
                project_id,
                name=input.name,
                artifacts=[cast("Any", a).spec() for a in input.artifacts],
                description=input.description,
                tags=input.tags,
                metadata=input.metadata,
            ),
        )

    @strawberry.mutation(description="Change a version's description, tags or metadata.")
    async def update_model_version(
        self, info: Info, input: UpdateModelVersionInput
    ) -> ModelVersionPayload:
        version_id = decode_id(input.id, "ModelVersion")
        return await _payload(
            info,
            lambda: registry.update_model_version(
                info.context,
                version_id,
                description=_unset(input.description),
                tags=_unset(input.tags),
                metadata=_unset(input.metadata),
            ),
        )

    @strawberry.mutation(description="Delete a version (project admins).")
    async def delete_model_version(
        self, info: Info, input: DeleteModelVersionInput
    ) -> DeleteModelVersionPayload:
        version_id = decode_id(input.id, "ModelVersion")
        deleted, errors = await run_mutation(
            info, lambda: registry.delete_model_version(info.context, version_id)
        )
        return DeleteModelVersionPayload(
            deleted_id=None if deleted is None else relay.GlobalID("ModelVersion", str(deleted)),
            user_errors=errors,
        )

    @strawberry.mutation(description="Move a version to another stage (PRODUCTION: admins).")
    async def transition_model_version_stage(
        self, info: Info, input: TransitionModelVersionStageInput
    ) -> ModelVersionPayload:
        version_id = decode_id(input.id, "ModelVersion")
        return await _payload(
            info,
            lambda: registry.transition_stage(
                info.context,
                version_id,
                stage=input.stage,
                reason=input.reason,
                message=input.message,
                archive_others=input.archive_others,
            ),
        )
