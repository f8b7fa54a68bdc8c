"""The model registry: how a model version comes to be, promoted from a run or registered.

What happens to it afterwards (stages, description, deletion) is `app.versions.service`."""

import hashlib
import json
from collections.abc import Sequence
from typing import Any, TypedDict, Unpack

from sqlalchemy import select

from app.authz.roles import Action, Kind
from app.context import Context
from app.errors import BadUserInput, Invalid, NotFoundInInput, PromotionSourceNotAllowed
from app.names import normalize_slug, validate_slug, validate_text
from app.organizations.models import Organization
from app.projects import service as projects
from app.projects.models import Project, ProjectFeature
from app.registry.models import ModelVersion
from app.runs import service as runs
from app.runs.models import Run, RunArtifact
from app.runs.service import ArtifactLike, validate_json
from app.versions import service as versions
from app.versions.models import Stage


class Described(TypedDict):
    """What a new model version says about itself, however it comes to be."""

    name: str
    description: str | None
    tags: Sequence[str]
    metadata: Any


def digest(content: Any) -> str:
    """sha256 of the canonical JSON: a published name never changes meaning."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def content(artifacts: list[dict[str, Any]], metadata: Any, run_uuid: str | None) -> dict[str, Any]:
    """What a model version's digest covers: its files, its metadata and the run it came from
    (the migration `metadata is content` recomputes old digests the same way)."""
    return {"artifacts": artifacts, "metadata": metadata, "run": run_uuid}


def _artifact_json(kind: str, name: str, path: str, summary: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "path": path, "summary": summary}


async def _registry(ctx: Context, project_id: int, action: Action, kind: Kind) -> Project:
    """The project to create a version in (locked, authorized), if it is a model registry."""
    project = await ctx.access.get(Kind.PROJECT, project_id, action, decide_as=kind)
    if ProjectFeature.MODEL not in project.features:
        raise Invalid("This project is not a model registry (it lacks the MODEL feature).")
    return project


async def _insert(
    ctx: Context,
    project: Project,
    verb: str,
    *,
    run: Run | None,
    artifacts: list[dict[str, Any]],
    **described: Unpack[Described],
) -> ModelVersion:
    """A new version of `artifacts` (promoted from `run`, or registered). Same name and same
    content: the existing version (idempotent); other content: TAKEN."""
    version = ModelVersion(
        project_id=project.id,
        name=validate_slug(described["name"], field="name"),
        description=validate_text(described["description"], field="description", max_length=2000),
        tags=projects.validate_tags(described["tags"]),
        stage=Stage.TESTING,
        run_id=None if run is None else run.id,
        artifacts=artifacts,
        meta=(metadata := validate_json(described["metadata"], field="metadata")),
        digest=digest(content(artifacts, metadata, None if run is None else run.uuid)),
        created_by_id=ctx.viewer.user_id,
    )
    found, created = await versions.insert_or_existing(
        ctx, version, taken="already exists with other content"
    )
    if created:
        await versions.start(ctx, Kind.MODEL_VERSION, found, project, verb, reason="created")
    return found


async def promote_run(
    ctx: Context,
    project_id: int,
    *,
    run_id: int,
    artifact_names: Sequence[str],
    **described: Unpack[Described],
) -> ModelVersion:
    project = await _registry(ctx, project_id, Action.PROMOTE, Kind.PROJECT)
    run = await ctx.access.readable_one(Kind.RUN, await ctx.session.get(Run, run_id))
    source = None if run is None else await ctx.session.get(Project, run.project_id)
    if run is None or source is None or source.organization_id != project.organization_id:
        raise NotFoundInInput("No such run.", field="runId")
    if not await projects.accepts_runs_from(ctx, project, source.id):
        raise PromotionSourceNotAllowed(
            f"Runs of {source.name!r} may not be promoted here; add it to the promotion sources.",
            field="runId",
        )
    available = {
        artifact.name: artifact
        for artifact in await ctx.session.scalars(
            select(RunArtifact).where(RunArtifact.run_id == run.id)
        )
    }
    chosen: list[dict[str, Any]] = []
    for index, artifact_name in enumerate(dict.fromkeys(artifact_names)):
        artifact = available.get(artifact_name)
        if artifact is None:
            raise Invalid(
                f"The run has no artifact named {artifact_name!r}.", field=f"artifacts[{index}]"
            )
        chosen.append(
            _artifact_json(artifact.kind.value, artifact.name, artifact.path, artifact.summary)
        )
    return await _insert(ctx, project, "promoted", run=run, artifacts=chosen, **described)


async def create_model_version(
    ctx: Context,
    project_id: int,
    *,
    artifacts: Sequence[ArtifactLike],
    **described: Unpack[Described],
) -> ModelVersion:
    project = await _registry(ctx, project_id, Action.CREATE, Kind.MODEL_VERSION)
    rows = runs.validate_artifacts(artifacts)
    content = [_artifact_json(r.kind.value, r.name, r.path, r.summary) for r in rows]
    return await _insert(ctx, project, "created", run=None, artifacts=content, **described)


async def find_by_reference(ctx: Context, reference: str) -> ModelVersion | None:
    """`owner/model:version`, or `owner/model@alias` for the version holding the alias."""
    found = versions.parse_reference(reference)
    if found.owner is None or (found.version is None and found.alias is None):
        raise BadUserInput(
            "A model version reference is 'owner/model:version' or 'owner/model@alias'."
        )
    statement = (
        select(ModelVersion)
        .join(Project, Project.id == ModelVersion.project_id)
        .join(Organization, Organization.id == Project.organization_id)
        .where(
            Organization.name == normalize_slug(found.owner),
            Project.name == normalize_slug(found.name),
        )
    )
    statement = versions.named(statement, ModelVersion, version=found.version, alias=found.alias)
    return await ctx.access.readable_one(Kind.MODEL_VERSION, await ctx.session.scalar(statement))
