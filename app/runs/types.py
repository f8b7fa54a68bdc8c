"""Runs in the graph: views over `app.runs.models` rows."""

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from app.authz.roles import Kind
from app.graphql.context import Info
from app.graphql.cost import ListSize
from app.graphql.kit import (
    Deleted,
    RowNode,
    in_project,
    mutation,
    payload,
    related,
)
from app.graphql.refs import ArtifactRef, ModelVersionRef, ProjectRef, RunRef, UserRef
from app.projects.models import Project as ProjectRow
from app.runs import models
from app.runs import service as runs
from app.users.models import User as UserRow

strawberry.enum(models.RunStatus, name="RunStatus")
strawberry.enum(models.ArtifactKind, name="ArtifactKind")


@strawberry.type(description="Something a run consumed or produced, for lineage.")
class Artifact:
    name: str
    kind: models.ArtifactKind
    path: str
    summary: JSON | None


@strawberry.type(name="Run")
class Run(RowNode):
    model, kind = models.Run, Kind.RUN
    uuid: str
    name: str | None
    status: models.RunStatus
    tags: list[str]
    inputs: JSON | None = strawberry.field(description="Params in.")
    outputs: JSON | None = strawberry.field(description="Metrics out.")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    project: ProjectRef = related(ProjectRow, "project_id")

    @strawberry.field(directives=[ListSize(assumed_size=10)])
    async def artifacts(self, run: strawberry.Parent[models.Run], info: Info) -> list[ArtifactRef]:
        return await info.context.loaders.runs.artifacts.load(run.id)

    @strawberry.field(
        description="Runs whose outputs this run consumed (that the viewer may read).",
        directives=[ListSize(assumed_size=5)],
    )
    async def upstream(self, run: strawberry.Parent[models.Run], info: Info) -> list[RunRef]:
        return await info.context.loaders.runs.upstream.load(run.id)

    @strawberry.field(
        description="Runs that consumed this run's outputs (that the viewer may read).",
        directives=[ListSize(assumed_size=5)],
    )
    async def downstream(self, run: strawberry.Parent[models.Run], info: Info) -> list[RunRef]:
        return await info.context.loaders.runs.downstream.load(run.id)

    created_by: UserRef | None = related(UserRow, "created_by_id")

    @strawberry.field(
        description="Versions promoted from this run (that the viewer may read).",
        directives=[ListSize(assumed_size=5)],
    )
    async def model_versions(
        self, run: strawberry.Parent[models.Run], info: Info
    ) -> list[ModelVersionRef]:
        return await info.context.loaders.registry.of_run.load(run.id)


# ---- mutations --------------------------------------------------------------------------------


@strawberry.input
class ArtifactInput:
    name: str
    kind: models.ArtifactKind
    path: str
    summary: JSON | None = None


@strawberry.input
class CreateRunInput:
    project_id: relay.GlobalID
    name: str | None = None
    status: models.RunStatus = models.RunStatus.CREATED
    tags: list[str] = strawberry.field(default_factory=list)
    inputs: JSON | None = None
    outputs: JSON | None = None
    artifacts: list[ArtifactInput] = strawberry.field(default_factory=list)
    upstream: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="The ids of runs whose outputs this run consumed."
    )


@strawberry.input(description="Only the given fields change; lists are replaced whole.")
class UpdateRunInput:
    id: relay.GlobalID
    name: str | None = strawberry.UNSET
    status: models.RunStatus | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    inputs: JSON | None = strawberry.UNSET
    outputs: JSON | None = strawberry.UNSET
    artifacts: list[ArtifactInput] | None = strawberry.UNSET
    upstream: list[relay.GlobalID] | None = strawberry.UNSET


@strawberry.input
class DeleteRunInput:
    id: relay.GlobalID


@payload
class RunPayload:
    run: RunRef | None = None


@payload
class DeleteRunPayload(Deleted):
    pass


@strawberry.type
class RunMutation:
    create_run: RunPayload | None = in_project(
        runs.create_run,
        CreateRunInput,
        id_fields={"upstream": "Run"},
        description="Record a run (the project needs the RUNTIME feature).",
    )
    update_run: RunPayload | None = mutation(
        runs.update_run,
        UpdateRunInput,
        target="Run",
        id_fields={"upstream": "Run"},
        description="Change a run's status, results, artifacts or lineage.",
    )
    delete_run: DeleteRunPayload | None = mutation(
        runs.delete_run,
        DeleteRunInput,
        target="Run",
        deletes=True,
        description="Delete a run.",
    )
