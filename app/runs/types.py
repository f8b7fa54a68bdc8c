"""Runs in the graph: views over `app.runs.models` rows."""

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from app.authz.roles import Kind
from app.graphql.context import Info
from app.graphql.cost import ListSize
from app.graphql.kit import (
    TAGS_DOC,
    Deleted,
    RowNode,
    described_enum,
    in_project,
    mutation,
    payload,
    related,
    viewer_permissions,
)
from app.graphql.refs import ArtifactRef, ModelVersionRef, ProjectRef, RunRef, UserRef
from app.projects.models import Project as ProjectRow
from app.runs import models
from app.runs import service as runs
from app.users.models import User as UserRow

described_enum(
    models.RunStatus,
    name="RunStatus",
    description="Where a run is in its life; any status may follow any other.",
    values={
        "CREATED": "Recorded, not started.",
        "RUNNING": "Started: `startedAt` is set.",
        "SUCCEEDED": "Finished well: `finishedAt` is set.",
        "FAILED": "Finished badly: `finishedAt` is set.",
        "STOPPED": "Stopped before it finished: `finishedAt` is set.",
    },
)
described_enum(
    models.ArtifactKind,
    name="ArtifactKind",
    description="What an artifact is (Polyaxon's lineage kinds).",
    values={
        "MODEL": "A trained model.",
        "DATASET": "Data.",
        "CODE": "Source code, e.g. a git commit.",
        "METRICS": "Measurements.",
        "FILE": "A file.",
        "DIR": "A directory.",
        "IMAGE": "A container image.",
        "TENSORBOARD": "TensorBoard logs.",
        "ENV": "An environment description (packages, hardware).",
        "OTHER": "Anything else.",
    },
)


@strawberry.type(description="Something a run consumed or produced, for lineage.")
class Artifact:
    name: str = strawberry.field(description="Unique among the run's artifacts.")
    kind: models.ArtifactKind = strawberry.field(description="What it is.")
    path: str = strawberry.field(description="Where it is stored: a path or URL.")
    summary: JSON | None = strawberry.field(
        description="Free-form facts about it (a JSON object); null when none."
    )


@strawberry.type(
    description="What the viewer may do to this run; the same policy decides the mutations."
)
class RunPermissions:
    update: bool = strawberry.field(
        description="`updateRun`: its status, results, artifacts and lineage."
    )
    delete: bool = strawberry.field(description="`deleteRun` (project admins).")


@strawberry.type(
    name="Run",
    description="An experiment or job in a project, recorded here or reported by another "
    "system: its params, metrics, artifacts and lineage.",
)
class Run(RowNode):
    model, kind = models.Run, Kind.RUN
    uuid: str = strawberry.field(
        description="The run's uuid (32 hex digits), as other systems know it; "
        "`project.run(uuid:)` finds it."
    )
    name: str | None = strawberry.field(description="A label; null when unset.")
    status: models.RunStatus = strawberry.field(description="Where it is in its life.")
    tags: list[str] = strawberry.field(description=TAGS_DOC)
    inputs: JSON | None = strawberry.field(
        description="Params in (a JSON object; `params.*` in `query`)."
    )
    outputs: JSON | None = strawberry.field(
        description="Metrics out (a JSON object; `metrics.*` in `query`)."
    )
    created_at: datetime = strawberry.field(description="When it was recorded.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    started_at: datetime | None = strawberry.field(
        description="When it became RUNNING (or finished, if it never ran); null before."
    )
    finished_at: datetime | None = strawberry.field(
        description="When it became SUCCEEDED, FAILED or STOPPED; null while it is not."
    )
    project: ProjectRef = related(ProjectRow, "project_id", description="The project it is in.")

    @strawberry.field(
        description="What it consumed and produced, by name.",
        directives=[ListSize(assumed_size=10)],
    )
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

    created_by: UserRef | None = related(
        UserRow, "created_by_id", description="Who recorded it; null when that user is gone."
    )

    @strawberry.field(
        description="Versions promoted from this run (that the viewer may read).",
        directives=[ListSize(assumed_size=5)],
    )
    async def model_versions(
        self, run: strawberry.Parent[models.Run], info: Info
    ) -> list[ModelVersionRef]:
        return await info.context.loaders.registry.of_run.load(run.id)

    @strawberry.field(description="What the viewer may do to it.")
    async def viewer_can(self, run: strawberry.Parent[models.Run], info: Info) -> RunPermissions:
        return await viewer_permissions(info, Kind.RUN, run, RunPermissions)


# ---- mutations --------------------------------------------------------------------------------


@strawberry.input(description="An artifact of a run.")
class ArtifactInput:
    name: str = strawberry.field(description="1 to 128 characters, unique in the list.")
    kind: models.ArtifactKind = strawberry.field(description="What it is.")
    path: str = strawberry.field(description="Where it is stored: a path or URL, up to 4,096.")
    summary: JSON | None = strawberry.field(
        default=None, description="Free-form facts: a JSON object, up to 64 KiB."
    )


@strawberry.input(description="A new run in a project with the RUNTIME feature.")
class CreateRunInput:
    project_id: relay.GlobalID = strawberry.field(description="The project's global id.")
    name: str | None = strawberry.field(default=None, description="A label, up to 128 characters.")
    status: models.RunStatus = strawberry.field(
        default=models.RunStatus.CREATED, description="CREATED unless given."
    )
    tags: list[str] = strawberry.field(default_factory=list, description=TAGS_DOC)
    inputs: JSON | None = strawberry.field(
        default=None, description="Params: a JSON object, up to 64 KiB."
    )
    outputs: JSON | None = strawberry.field(
        default=None, description="Metrics: a JSON object, up to 64 KiB."
    )
    artifacts: list[ArtifactInput] = strawberry.field(
        default_factory=list, description="At most 200."
    )
    upstream: list[relay.GlobalID] = strawberry.field(
        default_factory=list,
        description="The ids of runs whose outputs this run consumed (at most 100, in the same "
        "organization).",
    )


@strawberry.input(description="Only the given fields change; lists are replaced whole.")
class UpdateRunInput:
    id: relay.GlobalID = strawberry.field(description="The run's global id.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="A label, up to 128 characters; null clears it."
    )
    status: models.RunStatus | None = strawberry.field(
        default=strawberry.UNSET,
        description="The new status; it sets `startedAt` and `finishedAt`. Null keeps it.",
    )
    tags: list[str] | None = strawberry.field(default=strawberry.UNSET, description=TAGS_DOC)
    inputs: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="Params: a JSON object, up to 64 KiB."
    )
    outputs: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="Metrics: a JSON object, up to 64 KiB."
    )
    artifacts: list[ArtifactInput] | None = strawberry.field(
        default=strawberry.UNSET, description="At most 200."
    )
    upstream: list[relay.GlobalID] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The ids of runs whose outputs this run consumed (at most 100, in the same "
        "organization, making no cycle).",
    )


@strawberry.input(description="Which run to delete.")
class DeleteRunInput:
    id: relay.GlobalID = strawberry.field(description="The run's global id.")


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
