"""The component hub: publish validated specs as versions, find them by reference."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select

from app.authz import filters
from app.authz.roles import Action, Kind
from app.connections import service as connections
from app.context import Context
from app.errors import BadUserInput, Invalid, InvalidSpec
from app.hub import spec as specs
from app.hub.models import ComponentVersion
from app.names import normalize_slug, validate_slug, validate_text
from app.organizations.models import Organization
from app.projects import service as projects
from app.projects.models import Project, ProjectFeature
from app.versions import service as versions
from app.versions.models import Stage


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
    project = await ctx.access.get(Kind.PROJECT, project_id, Action.PUBLISH_COMPONENT)
    if ProjectFeature.COMPONENT not in project.features:
        raise Invalid("This project is not in the hub (it lacks the COMPONENT feature).")
    version_name = validate_slug(name, field="name")
    parsed, model = specs.validate(spec)
    await _check_connections(ctx, project, parsed)
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
    found, created = await versions.insert_or_existing(
        ctx,
        version,
        taken="is published with another spec; publish a new name",
    )
    if created:
        await versions.start(
            ctx, Kind.COMPONENT_VERSION, found, project, "published", reason="published"
        )
    return found


async def _check_connections(ctx: Context, project: Project, spec: dict[str, Any]) -> None:
    """Every connection the spec names literally is one the project may use. A templated name
    (`{{ params.destination.connection }}`) is resolved when a run uses the component, and
    checked then, not here."""
    named = specs.literal_connections(spec)
    if not named:
        return
    refused = set(await connections.not_allowed(ctx, project.id, [name for _, name in named]))
    if refused:
        places = ", ".join(f'{place} "{name}"' for place, name in named if name in refused)
        these = "this connection" if len(refused) == 1 else "these connections"
        raise InvalidSpec(
            f"{places}: the project may not use {these}; its ADMINs allow connections with "
            "`setProjectConnections`.",
            field="spec",
        )


def readable_versions(ctx: Context) -> Select[ComponentVersion]:
    """Every component version the viewer may use: the hub."""
    return (
        select(ComponentVersion)
        .join(Project, Project.id == ComponentVersion.project_id)
        .where(filters.readable_projects(ctx))
    )


async def find_by_reference(ctx: Context, reference: str) -> ComponentVersion | None:
    """`owner/component:v1`, or `owner/component@stable` for the version holding the alias;
    without either, the latest published version; without an owner, the one readable component
    of that name (ambiguity is BAD_USER_INPUT)."""
    wanted = versions.parse_reference(reference)
    name = wanted.name
    candidates = (
        select(Project.id, Organization.name)
        .join(Organization, Organization.id == Project.organization_id)
        .where(
            Project.name == normalize_slug(name),
            Project.component_enabled.is_(True),
            filters.readable_projects(ctx),
        )
    )
    if wanted.owner is not None:
        candidates = candidates.where(Organization.name == normalize_slug(wanted.owner))
    found = (await ctx.session.execute(candidates)).all()
    if not found:
        return None
    if len(found) > 1:
        owners = ", ".join(sorted(f"{org}/{name}" for _, org in found))
        raise BadUserInput(f"{name!r} names several components ({owners}); add the owner.")
    statement = select(ComponentVersion).where(ComponentVersion.project_id == found[0][0])
    statement = versions.named(
        statement, ComponentVersion, version=wanted.version, alias=wanted.alias
    )
    return await ctx.session.scalar(
        statement.order_by(ComponentVersion.created_at.desc(), ComponentVersion.id.desc()).limit(1)
    )
