"""The model registry: promote runs to versions, register versions, move them through stages."""

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select

from app.activity import service as activity
from app.authz.roles import Action, Kind
from app.context import Context
from app.db import insert_or_existing, utcnow
from app.errors import (
    BadUserInput,
    Invalid,
    NotFoundInInput,
    PromotionSourceNotAllowed,
    Taken,
)
from app.names import normalize_slug, validate_slug, validate_text
from app.organizations.models import Organization
from app.projects import service as projects
from app.projects.models import Project, ProjectFeature
from app.registry import stages
from app.registry.models import ModelVersion, Stage, StageCondition
from app.runs import service as runs
from app.runs.models import RunArtifact
from app.runs.service import ArtifactSpec, validate_json

UNSET: Any = object()
REFERENCE = re.compile(r"(?:(?P<owner>[^/:\s]+)/)?(?P<name>[^/:\s]+)(?::(?P<version>[^/:\s]+))?")


def digest(content: Any) -> str:
    """sha256 of the canonical JSON: a published name never changes meaning."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _content(artifacts: list[dict[str, Any]], run_uuid: str | None) -> dict[str, Any]:
    return {"artifacts": artifacts, "run": run_uuid}


def _artifact_json(kind: str, name: str, path: str, summary: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "path": path, "summary": summary}


async def _model_project(ctx: Context, project_id: int, action: Action, kind: Kind) -> Project:
    project = await projects.get_for(ctx, project_id, action, kind)
    if ProjectFeature.MODEL not in project.features:
        raise Invalid("This project is not a model registry (it lacks the MODEL feature).")
    return project


async def _insert_or_existing(ctx: Context, version: ModelVersion) -> tuple[ModelVersion, bool]:
    """Same name and same content: the existing version (idempotent); other content: TAKEN."""

    async def existing() -> ModelVersion | None:
        return await find_in_project(ctx, version.project_id, version.name)

    found, created = await insert_or_existing(ctx.session, version, existing)
    if not created and found.digest != version.digest:
        raise Taken(f"Version {version.name!r} already exists with other content.", field="name")
    return found, created


def new_condition(version_id: int, **fields: Any) -> StageCondition:
    return StageCondition(model_version_id=version_id, **fields)


async def _start(ctx: Context, version: ModelVersion, project: Project, verb: str) -> None:
    ctx.session.add(
        new_condition(
            version.id, stage=version.stage, reason="created", actor_id=ctx.viewer.user_id
        )
    )
    await ctx.session.flush()
    await _record(ctx, verb, version, project)


async def _record(
    ctx: Context, verb: str, version: ModelVersion, project: Project, **details: Any
) -> None:
    await activity.record(
        ctx,
        verb,
        ("ModelVersion", version.id),
        organization_id=project.organization_id,
        project_id=project.id,
        details={"name": version.name, **details},
    )


async def promote_run(
    ctx: Context,
    project_id: int,
    *,
    run_id: int,
    name: str,
    artifact_names: Sequence[str],
    description: str | None,
    tags: Sequence[str],
    metadata: Any,
) -> ModelVersion:
    project = await projects.get_for(ctx, project_id, Action.PROMOTE)
    if ProjectFeature.MODEL not in project.features:
        raise Invalid("This project is not a model registry (it lacks the MODEL feature).")
    run = await runs.get_readable(ctx, run_id)
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
    version = ModelVersion(
        project_id=project.id,
        name=validate_slug(name, field="name"),
        description=validate_text(description, field="description", max_length=2000),
        tags=projects.validate_tags(tags),
        stage=Stage.TESTING,
        run_id=run.id,
        artifacts=chosen,
        meta=validate_json(metadata, field="metadata"),
        digest=digest(_content(chosen, run.uuid)),
        created_by_id=ctx.viewer.user_id,
    )
    version, created = await _insert_or_existing(ctx, version)
    if created:
        await _start(ctx, version, project, "model_version.promoted")
    return version


async def create_model_version(
    ctx: Context,
    project_id: int,
    *,
    name: str,
    artifacts: Sequence[ArtifactSpec],
    description: str | None,
    tags: Sequence[str],
    metadata: Any,
) -> ModelVersion:
    project = await _model_project(ctx, project_id, Action.CREATE, Kind.MODEL_VERSION)
    rows = runs.validate_artifacts(artifacts)
    content = [_artifact_json(r.kind.value, r.name, r.path, r.summary) for r in rows]
    version = ModelVersion(
        project_id=project.id,
        name=validate_slug(name, field="name"),
        description=validate_text(description, field="description", max_length=2000),
        tags=projects.validate_tags(tags),
        stage=Stage.TESTING,
        artifacts=content,
        meta=validate_json(metadata, field="metadata"),
        digest=digest(_content(content, None)),
        created_by_id=ctx.viewer.user_id,
    )
    version, created = await _insert_or_existing(ctx, version)
    if created:
        await _start(ctx, version, project, "model_version.created")
    return version


async def get_for(
    ctx: Context,
    version_id: int,
    action: Action,
    *,
    to_stage: Stage | None = None,
    whole_project: bool = False,
) -> tuple[ModelVersion, Project]:
    return await stages.get_for(
        ctx,
        ModelVersion,
        version_id,
        action,
        Kind.MODEL_VERSION,
        missing="No such model version.",
        to_stage=to_stage,
        whole_project=whole_project,
    )


async def update_model_version(
    ctx: Context,
    version_id: int,
    *,
    description: str | None = UNSET,
    tags: Sequence[str] | None = UNSET,
    metadata: Any = UNSET,
) -> ModelVersion:
    version, project = await get_for(ctx, version_id, Action.UPDATE)
    if description is not UNSET:
        version.description = validate_text(description, field="description", max_length=2000)
    if tags is not UNSET:
        version.tags = projects.validate_tags(tags or [])
    if metadata is not UNSET:
        version.meta = validate_json(metadata, field="metadata")
    version.updated_at = utcnow()
    await ctx.session.flush()
    await _record(ctx, "model_version.updated", version, project)
    return version


async def delete_model_version(ctx: Context, version_id: int) -> int:
    version, project = await get_for(ctx, version_id, Action.DELETE)
    await _record(ctx, "model_version.deleted", version, project)
    await ctx.session.delete(version)
    await ctx.session.flush()
    return version_id


async def transition_stage(
    ctx: Context,
    version_id: int,
    *,
    stage: Stage,
    reason: str | None,
    message: str | None,
    archive_others: bool,
) -> ModelVersion:
    version, project = await get_for(
        ctx, version_id, Action.TRANSITION, to_stage=stage, whole_project=archive_others
    )
    others = select(ModelVersion).where(
        ModelVersion.project_id == project.id,
        ModelVersion.stage == Stage.PRODUCTION,
        ModelVersion.id != version.id,
    )
    await stages.transition(
        ctx,
        version,
        project,
        Kind.MODEL_VERSION,
        new_condition,
        others,
        stage=stage,
        reason=reason,
        message=message,
        archive_others=archive_others,
    )
    await _record(
        ctx, "model_version.stage_changed", version, project, stage=stage.value, reason=reason
    )
    return version


async def get_readable(ctx: Context, version_id: int) -> ModelVersion | None:
    version = await ctx.session.get(ModelVersion, version_id)
    if version is None:
        return None
    project = await projects.get_readable(ctx, version.project_id)
    return None if project is None else version


def parse_reference(reference: str) -> tuple[str | None, str, str | None]:
    match = REFERENCE.fullmatch(reference.strip())
    if match is None:
        raise BadUserInput(f"{reference!r} is not a reference like 'owner/name:version'.")
    return match["owner"], match["name"], match["version"]


async def find_by_reference(ctx: Context, reference: str) -> ModelVersion | None:
    owner, name, version_name = parse_reference(reference)
    if owner is None or version_name is None:
        raise BadUserInput("A model version reference is 'owner/model:version'.")
    statement = (
        select(ModelVersion)
        .join(Project, Project.id == ModelVersion.project_id)
        .join(Organization, Organization.id == Project.organization_id)
        .where(
            Organization.name == normalize_slug(owner),
            Project.name == normalize_slug(name),
            ModelVersion.name == normalize_slug(version_name),
        )
    )
    version = await ctx.session.scalar(statement)
    return None if version is None else await get_readable(ctx, version.id)


async def find_in_project(ctx: Context, project_id: int, name: str) -> ModelVersion | None:
    return await ctx.session.scalar(
        select(ModelVersion).where(
            ModelVersion.project_id == project_id, ModelVersion.name == normalize_slug(name)
        )
    )


def versions_statement() -> Select[ModelVersion]:
    return select(ModelVersion)
