"""The model registry in the graph: model versions as views over `app.registry.models` rows."""

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from app.authz.roles import Kind
from app.graphql.context import Info
from app.graphql.cost import ListSize
from app.graphql.kit import (
    INPUT_DOC,
    TAGS_DOC,
    RowNode,
    changes,
    decode_id,
    in_project,
    mutate,
    payload,
    readable_related,
)
from app.graphql.refs import ArtifactInputRef, ArtifactRef, ModelVersionRef, ProjectRef, RunRef
from app.projects.models import Project
from app.registry import models
from app.registry import service as registry
from app.runs.models import ArtifactKind, Run, RunArtifact
from app.versions.types import (
    ProjectVersion,
    StageCondition,
    TransitionInput,
    UpdateInput,
    stage_conditions,
)

METADATA_DOC = "Framework, signature, deployment hints: a JSON object, up to 64 KiB."
LINEAGE_DOC = (
    "Where a version comes from: its run, that run's project, and the runs upstream of it "
    "(at most 5 edges away, those the viewer may read)."
)


async def _readable_run(info: Info, version: models.ModelVersion) -> Run | None:
    """The version's run, if it still exists and the viewer may read it."""
    if version.run_id is None:
        return None
    run = await info.context.loaders.rows(Run).load(version.run_id)
    return await info.context.access.readable_one(Kind.RUN, run)


@strawberry.type(description=LINEAGE_DOC)
class Lineage:
    """A view over the model version whose lineage it is."""

    @strawberry.field(
        description="The run it was promoted from; null when registered, gone or unreadable."
    )
    async def run(
        self, version: strawberry.Parent[models.ModelVersion], info: Info
    ) -> RunRef | None:
        return await _readable_run(info, version)

    @strawberry.field(description="The run's project; null when `run` is.")
    async def source_project(
        self, version: strawberry.Parent[models.ModelVersion], info: Info
    ) -> ProjectRef | None:
        run = await _readable_run(info, version)
        return (
            None if run is None else await info.context.loaders.rows(Project).load(run.project_id)
        )

    @strawberry.field(
        description="Runs upstream of the run, at most 5 edges away; the walk stops at runs the "
        "viewer may not read.",
        directives=[ListSize(assumed_size=10)],
    )
    async def upstream(
        self, version: strawberry.Parent[models.ModelVersion], info: Info
    ) -> list[RunRef]:
        run = await _readable_run(info, version)
        if run is None:
            return []
        return await info.context.loaders.registry.lineage_upstream.load(run.id)


if TYPE_CHECKING:
    LineageOfVersion = models.ModelVersion
else:
    LineageOfVersion = Lineage


def _metadata(version: strawberry.Parent[models.ModelVersion]) -> JSON | None:
    return JSON(version.meta)


@strawberry.type(
    name="ModelVersion",
    description="A version of a model in a registry project: promoted from a run (keeping its "
    "lineage) or registered from another system, then moved through stages.",
)
class ModelVersion(RowNode, ProjectVersion):
    model, kind = models.ModelVersion, Kind.MODEL_VERSION
    metadata: JSON | None = strawberry.field(
        resolver=_metadata, description="Framework, signature, deployment hints."
    )
    stage_conditions: list[StageCondition] = stage_conditions()
    run: RunRef | None = readable_related(
        Run, Kind.RUN, "run_id", description="The run it was promoted from; null when registered."
    )

    @strawberry.field(
        description="What was promoted: the model files.", directives=[ListSize(assumed_size=10)]
    )
    def artifacts(self, version: strawberry.Parent[models.ModelVersion]) -> list[ArtifactRef]:
        # The artifacts as they were promoted (content of the version, not rows of the run).
        return [
            RunArtifact(
                name=artifact["name"],
                kind=ArtifactKind(artifact["kind"]),
                path=artifact["path"],
                summary=artifact.get("summary"),
            )
            for artifact in version.artifacts or []
        ]

    @strawberry.field(description=LINEAGE_DOC)
    def lineage(self, version: strawberry.Parent[models.ModelVersion]) -> LineageOfVersion:
        return version  # the lineage is a view over the version


# ---- root fields and mutations ----------------------------------------------------------------


@strawberry.type
class RegistryQuery:
    @strawberry.field(
        description="A model version by reference: `owner/model:v3`, or `owner/model@champion` "
        "for the version holding that alias."
    )
    async def model_version(
        self,
        info: Info,
        reference: Annotated[
            str,
            strawberry.argument(
                description="`owner/model:version` or `owner/model@alias`; anything else is "
                "BAD_USER_INPUT."
            ),
        ],
    ) -> ModelVersionRef | None:
        return await registry.find_by_reference(info.context, reference)


@strawberry.input(
    description="A run to promote into a model project, as a new version carrying the chosen "
    "artifacts. Promoting the same run and artifacts under the same name again returns the "
    "existing version."
)
class PromoteRunInput:
    project_id: relay.GlobalID = strawberry.field(description="The model project to promote into.")
    run_id: relay.GlobalID = strawberry.field(
        description="The run's global id; its project must be the target or one of its "
        "promotion sources."
    )
    name: str = strawberry.field(description="The version name, e.g. `v3`.")
    artifacts: list[str] = strawberry.field(
        default_factory=list, description="Names of the run's artifacts to carry over."
    )
    description: str | None = strawberry.field(default=None, description="Up to 2,000 characters.")
    tags: list[str] = strawberry.field(default_factory=list, description=TAGS_DOC)
    metadata: JSON | None = strawberry.field(default=None, description=METADATA_DOC)


@strawberry.input(description="A model version built elsewhere, registered without a run.")
class CreateModelVersionInput:
    project_id: relay.GlobalID = strawberry.field(
        description="The model project's global id (it needs the MODEL feature)."
    )
    name: str = strawberry.field(
        description="The version name, a slug unique in the project, e.g. `v3`."
    )
    artifacts: list[ArtifactInputRef] = strawberry.field(
        default_factory=list, description="The model's files."
    )
    description: str | None = strawberry.field(default=None, description="Up to 2,000 characters.")
    tags: list[str] = strawberry.field(default_factory=list, description=TAGS_DOC)
    metadata: JSON | None = strawberry.field(default=None, description=METADATA_DOC)


@strawberry.input(
    description="Only the given fields change; the name and the content (artifacts, metadata) "
    "never do."
)
class UpdateModelVersionInput(UpdateInput):
    pass


@strawberry.input(description="Which model version to delete.")
class DeleteModelVersionInput:
    id: relay.GlobalID = strawberry.field(description="The version's global id.")


@strawberry.input(description="A model version's move to another stage.")
class TransitionModelVersionStageInput(TransitionInput):
    archive_others: bool = strawberry.field(
        default=False,
        description="On a move into PRODUCTION, move the model's other PRODUCTION versions to "
        "STAGING in the same transaction.",
    )


@payload
class ModelVersionPayload:
    model_version: ModelVersionRef | None = None


async def _promote_run(
    info: Info, input: Annotated[PromoteRunInput, strawberry.argument(description=INPUT_DOC)]
) -> ModelVersionPayload | None:
    project_id = decode_id(input.project_id, "Project", argument="projectId")
    run_id = decode_id(input.run_id, "Run", argument="runId")
    given = changes(input, leave_out=["project_id", "run_id", "artifacts"])
    return await mutate(
        info,
        ModelVersionPayload,
        lambda: registry.promote_run(
            info.context, project_id, run_id=run_id, artifact_names=input.artifacts, **given
        ),
    )


@strawberry.type
class RegistryMutation:
    # Annotated, every one: Strawberry orders fields as declared only among annotated ones.
    promote_run: ModelVersionPayload | None = strawberry.mutation(
        resolver=_promote_run,
        description="Promote a run of this project or of a promotion source.",
    )
    create_model_version: ModelVersionPayload | None = in_project(
        registry.create_model_version,
        CreateModelVersionInput,
        description="Register a version built elsewhere (no run here).",
    )
