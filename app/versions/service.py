"""What happens to a version of either kind after it exists: its description and tags change, it
moves between stages (the rules of api.md "Stages"), it is deleted; and how it is named.

The registry (`app.registry.service`) and the hub (`app.hub.service`) only say how a version
comes to be; one row of `KINDS` says what differs between them here."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select

from app import db
from app.activity import service as activity
from app.authz.enforcer import StageMove
from app.authz.roles import Action, Kind
from app.context import Context
from app.db import delete_now, locked, utcnow
from app.errors import BadUserInput, Forbidden, Invalid, InvalidTransition, Taken
from app.hub.models import ComponentStageCondition, ComponentVersion
from app.names import normalize_slug, validate_text
from app.projects.models import Project
from app.projects.service import validate_tags
from app.registry.models import ModelVersion, StageCondition
from app.unset import UNSET
from app.versions.models import Stage

Version = ModelVersion | ComponentVersion
VersionT = TypeVar("VersionT", ModelVersion, ComponentVersion)
REFERENCE = re.compile(r"(?:(?P<owner>[^/:\s]+)/)?(?P<name>[^/:\s]+)(?::(?P<version>[^/:\s]+))?")


@dataclass(frozen=True)
class VersionKind:
    """One kind of version: its rows, its stage timeline, its name in activity and ids."""

    kind: Kind
    model: type[Version]
    condition: type[StageCondition | ComponentStageCondition]
    condition_key: str  # the condition's column naming its version
    type_name: str  # the GraphQL type, and the activity subject's
    verb: str  # the activity verbs' prefix

    def new_condition(self, version_id: int, **fields: Any) -> Any:
        return self.condition(**{self.condition_key: version_id}, **fields)


KINDS: dict[Kind, VersionKind] = {
    Kind.MODEL_VERSION: VersionKind(
        Kind.MODEL_VERSION, ModelVersion, StageCondition, "model_version_id",
        "ModelVersion", "model_version",
    ),
    Kind.COMPONENT_VERSION: VersionKind(
        Kind.COMPONENT_VERSION, ComponentVersion, ComponentStageCondition,
        "component_version_id", "ComponentVersion", "component_version",
    ),
}  # fmt: skip
KINDS_BY_MODEL: dict[type[Any], VersionKind] = {of.model: of for of in KINDS.values()}


def move_of(version: Version, stage: Stage) -> StageMove:
    return StageMove(from_stage=version.stage.value, to_stage=stage.value)


async def record(
    ctx: Context, kind: Kind, verb: str, version: Version, project: Project, **details: Any
) -> None:
    """One activity row for the version, in the mutation's transaction (`model_version.<verb>`)."""
    of = KINDS[kind]
    await activity.record(
        ctx,
        f"{of.verb}.{verb}",
        (of.type_name, version.id),
        organization_id=project.organization_id,
        project_id=project.id,
        details={"name": version.name, **details},
    )


async def start(
    ctx: Context, kind: Kind, version: Version, project: Project, verb: str, reason: str
) -> None:
    """A new version's first condition (its initial stage) and its activity."""
    ctx.session.add(
        KINDS[kind].new_condition(
            version.id, stage=version.stage, reason=reason, actor_id=ctx.viewer.user_id
        )
    )
    await ctx.session.flush()
    await record(ctx, kind, verb, version, project)


async def insert_or_existing(
    ctx: Context, version: VersionT, *, taken: str
) -> tuple[VersionT, bool]:
    """Insert a new version, or find the one already under its name: the same content is that
    version (idempotent clients, retried requests); other content is TAKEN (`taken` says how).
    A unique constraint decides between concurrent requests (`app.db.insert_or_existing`)."""

    async def existing() -> VersionT | None:
        return await find_in_project(ctx, type(version), version.project_id, version.name)

    found, created = await db.insert_or_existing(ctx.session, version, existing)
    if not created and found.digest != version.digest:
        raise Taken(f"Version {version.name!r} {taken}.", field="name")
    return found, created


async def update(
    ctx: Context,
    kind: Kind,
    version_id: int,
    *,
    description: str | None = UNSET,
    tags: Sequence[str] | None = UNSET,
) -> Any:
    """Description and tags: all that may change about a version (its content, which for a model
    version includes its metadata, never does: `digest` pins it)."""
    version: Version = await ctx.access.get(kind, version_id, Action.UPDATE)
    project = await ctx.access.project_of(version)
    if description is not UNSET:
        version.description = validate_text(description, field="description", max_length=2000)
    if tags is not UNSET:
        version.tags = validate_tags(tags or [])
    version.updated_at = utcnow()
    await ctx.session.flush()
    await record(ctx, kind, "updated", version, project)
    return version


async def delete(ctx: Context, kind: Kind, version_id: int) -> int:
    version: Version = await ctx.access.get(kind, version_id, Action.DELETE)
    project = await ctx.access.project_of(version)
    await record(ctx, kind, "deleted", version, project)
    return await delete_now(ctx.session, version)


async def transition(
    ctx: Context,
    kind: Kind,
    version_id: int,
    *,
    stage: Stage,
    reason: str | None,
    message: str | None,
    archive_others: bool,
) -> Any:
    """Move a version to another stage. Whether the viewer may make this move (into or out of
    PRODUCTION: project admins) is decided on the locked row's stage."""
    # The whole project is held for `archiveOthers`: no version enters PRODUCTION meanwhile.
    version: Version = await ctx.access.get_to_move(
        kind, version_id, stage, whole_project=archive_others
    )
    project = await ctx.access.project_of(version)
    if version.stage is stage:
        raise InvalidTransition(f"The version is already in {stage.value}.", field="stage")
    reason = validate_text(reason, field="reason", max_length=128)
    message = validate_text(message, field="message", max_length=2000)
    if archive_others and stage is not Stage.PRODUCTION:
        raise Invalid(
            "`archiveOthers` applies only to a move into PRODUCTION.", field="archiveOthers"
        )
    _move(ctx, kind, version, stage, reason=reason, message=message)
    if archive_others:
        model: Any = KINDS[kind].model
        others = select(model).where(
            model.project_id == project.id, model.stage == Stage.PRODUCTION, model.id != version.id
        )
        other: Version
        for other in (await ctx.session.scalars(locked(others))).all():
            demotion = move_of(other, Stage.STAGING)
            if not await ctx.access.may(kind, other, Action.TRANSITION, demotion):
                raise Forbidden("You may not move the other versions out of PRODUCTION.")
            _move(ctx, kind, other, Stage.STAGING, reason="archived",
                  message=f"replaced by {version.name}")  # fmt: skip
    await ctx.session.flush()
    await record(ctx, kind, "stage_changed", version, project, stage=stage.value, reason=reason)
    return version


def _move(
    ctx: Context,
    kind: Kind,
    version: Version,
    stage: Stage,
    *,
    reason: str | None,
    message: str | None = None,
) -> None:
    """Change the stage and append the condition that records who moved it, when and why."""
    version.stage = stage
    version.updated_at = utcnow()
    ctx.session.add(
        KINDS[kind].new_condition(
            version.id, stage=stage, reason=reason, message=message, actor_id=ctx.viewer.user_id
        )
    )


async def find_in_project(
    ctx: Context, model: type[VersionT], project_id: int, name: str
) -> VersionT | None:
    """SQL finds (the project was readable, so its versions are)."""
    return await ctx.session.scalar(
        select(model).where(model.project_id == project_id, model.name == normalize_slug(name))
    )


def parse_reference(reference: str) -> tuple[str | None, str, str | None]:
    """`owner/name:version` (Polyaxon's form); the owner and the version may be left out."""
    match = REFERENCE.fullmatch(reference.strip())
    if match is None:
        raise BadUserInput(f"{reference!r} is not a reference like 'owner/name:version'.")
    return match["owner"], match["name"], match["version"]
