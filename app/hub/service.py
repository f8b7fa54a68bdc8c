"""The component hub: publish validated specs as versions, find them by reference."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from app.activity import service as activity
from app.authz import filters
from app.authz.roles import Action, Kind
from app.context import Context
from app.db import insert_or_existing, utcnow
from app.errors import BadUserInput, Invalid, Taken
from app.hub import spec as specs
from app.hub.models import ComponentStageCondition, ComponentVersion
from app.names import normalize_slug, validate_slug, validate_text
from app.organizations.models import Organization
from app.projects import service as projects
from app.projects.models import Project, ProjectFeature
from app.registry import stages
from app.registry.models import Stage
from app.registry.service import parse_reference

UNSET: Any = object()


def new_condition(version_id: int, **fields: Any) -> ComponentStageCondition:
    return ComponentStageCondition(component_version_id=version_id, **fields)


async def _record(
    ctx: Context, verb: str, version: ComponentVersion, project: Project, **details: Any
) -> None:
    await activity.record(
        ctx,
        verb,
        ("ComponentVersion", version.id),
        organization_id=project.organization_id,
        project_id=project.id,
        details={"name": version.name, **details},
    )


async def find_in_project(ctx: Context, project_id: int, name: str) -> ComponentVersion | None:
    return await ctx.session.scalar(
        select(ComponentVersion).where(
            ComponentVersion.project_id == project_id,
            ComponentVersion.name == normalize_slug(name),
        )
    )


async def publish(
    ctx: Context,
    project_id: int,
    *,
    name: str,
    spec: str,
    description: str | None,
    tags: Sequence[str],
) -> ComponentVersion:
    """Validate and publish; the identical spec again is the existing version (idempotent)."""
    project = await projects.get_for(ctx, project_id, Action.PUBLISH_COMPONENT)
    if ProjectFeature.COMPONENT not in project.features:
        raise Invalid("This project is not in the hub (it lacks the COMPONENT feature).")
    version_name = validate_slug(name, field="name")
    parsed, model = specs.validate(spec)
    inputs, outputs = specs.io_rows(model)
    version = ComponentVersion(
        project_id=project.id,
        name=version_name,
        description=validate_text(description, field="description", max_length=2000),
        tags=projects.validate_tags(tags),
        stage=Stage.TESTING,
        spec=parsed,
        run_kind=model.run.kind,
        inputs=inputs,
        outputs=outputs,
        digest=specs.digest(parsed),
        created_by_id=ctx.viewer.user_id,
    )

    async def existing() -> ComponentVersion | None:
        return await find_in_project(ctx, project.id, version_name)

    found, created = await insert_or_existing(ctx.session, version, existing)
    if not created:
        if found.digest != version.digest:
            raise Taken(
                f"Version {version_name!r} is published with another spec; publish a new name.",
                field="name",
            )
        return found
    ctx.session.add(
        new_condition(found.id, stage=found.stage, reason="published", actor_id=ctx.viewer.user_id)
    )
    await ctx.session.flush()
    await _record(ctx, "component_version.published", found, project)
    return found


async def get_for(
    ctx: Context,
    version_id: int,
    action: Action,
    *,
    to_stage: Stage | None = None,
    whole_project: bool = False,
) -> tuple[ComponentVersion, Project]:
    return await stages.get_for(
        ctx,
        ComponentVersion,
        version_id,
        action,
        Kind.COMPONENT_VERSION,
        missing="No such component version.",
        to_stage=to_stage,
        whole_project=whole_project,
    )


async def update(
    ctx: Context,
    version_id: int,
    *,
    description: str | None = UNSET,
    tags: Sequence[str] | None = UNSET,
) -> ComponentVersion:
    version, project = await get_for(ctx, version_id, Action.UPDATE)
    if description is not UNSET:
        version.description = validate_text(description, field="description", max_length=2000)
    if tags is not UNSET:
        version.tags = projects.validate_tags(tags or [])
    version.updated_at = utcnow()
    await ctx.session.flush()
    await _record(ctx, "component_version.updated", version, project)
    return version


async def delete(ctx: Context, version_id: int) -> int:
    version, project = await get_for(ctx, version_id, Action.DELETE)
    await _record(ctx, "component_version.deleted", version, project)
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
) -> ComponentVersion:
    version, project = await get_for(
        ctx, version_id, Action.TRANSITION, to_stage=stage, whole_project=archive_others
    )
    others = select(ComponentVersion).where(
        ComponentVersion.project_id == project.id,
        ComponentVersion.stage == Stage.PRODUCTION,
        ComponentVersion.id != version.id,
    )
    await stages.transition(
        ctx,
        version,
        project,
        Kind.COMPONENT_VERSION,
        new_condition,
        others,
        stage=stage,
        reason=reason,
        message=message,
        archive_others=archive_others,
    )
    await _record(
        ctx, "component_version.stage_changed", version, project, stage=stage.value, reason=reason
    )
    return version


def readable_versions(ctx: Context) -> Select[ComponentVersion]:
    """Every component version the viewer may use: the hub."""
    return (
        select(ComponentVersion)
        .join(Project, Project.id == ComponentVersion.project_id)
        .where(filters.readable_projects(ctx))
    )


def versions_statement() -> Select[ComponentVersion]:
    return select(ComponentVersion)


async def find_by_reference(ctx: Context, reference: str) -> ComponentVersion | None:
    """`owner/component:v1`; without a tag, the latest published version; without an owner,
    the one readable component of that name (ambiguity is BAD_USER_INPUT)."""
    owner, name, version_name = parse_reference(reference)
    candidates = (
        select(Project.id, Organization.name)
        .join(Organization, Organization.id == Project.organization_id)
        .where(
            Project.name == normalize_slug(name),
            Project.component_enabled.is_(True),
            filters.readable_projects(ctx),
        )
    )
    if owner is not None:
        candidates = candidates.where(Organization.name == normalize_slug(owner))
    found = (await ctx.session.execute(candidates)).all()
    if not found:
        return None
    if len(found) > 1:
        owners = ", ".join(sorted(f"{org}/{name}" for _, org in found))
        raise BadUserInput(f"{name!r} names several components ({owners}); add the owner.")
    project_id = found[0][0]
    where: list[ColumnElement[bool]] = [ComponentVersion.project_id == project_id]
    if version_name is not None:
        where.append(ComponentVersion.name == normalize_slug(version_name))
    return await ctx.session.scalar(
        select(ComponentVersion)
        .where(*where)
        .order_by(ComponentVersion.created_at.desc(), ComponentVersion.id.desc())
        .limit(1)
    )
