"""What happens to a version of either kind after it exists: its description and tags change, it
moves between stages (the rules of api.md "Stages"), it is deleted; and how it is named: by its
name, or by an alias (`@champion`) that the project moves from version to version.

The registry (`app.registry.service`) and the hub (`app.hub.service`) only say how a version
comes to be; one row of `KINDS` says what differs between them here."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, select

from app import db
from app.activity import service as activity
from app.authz.enforcer import StageMove
from app.authz.roles import Action, Kind
from app.context import Context
from app.db import delete_now, locked, utcnow
from app.errors import (
    BadUserInput,
    Conflict,
    Forbidden,
    Invalid,
    InvalidTransition,
    NotFoundInInput,
    Taken,
)
from app.hub.models import ComponentStageCondition, ComponentVersion, ComponentVersionAlias
from app.names import normalize_alias, normalize_slug, validate_alias, validate_text
from app.projects.models import Project
from app.projects.service import validate_tags
from app.registry.models import ModelVersion, ModelVersionAlias, StageCondition
from app.unset import UNSET
from app.versions.models import Stage

Version = ModelVersion | ComponentVersion
VersionT = TypeVar("VersionT", ModelVersion, ComponentVersion)
SelectT = TypeVar("SelectT", bound=Select[Any])
Alias = ModelVersionAlias | ComponentVersionAlias
REFERENCE = re.compile(
    r"(?:(?P<owner>[^/:@\s]+)/)?(?P<name>[^/:@\s]+)"
    r"(?::(?P<version>[^/:@\s]+)|@(?P<alias>[^/:@\s]+))?"
)


@dataclass(frozen=True)
class VersionKind:
    """One kind of version: its rows, its stage timeline, its aliases, its name in activity and
    ids."""

    kind: Kind
    model: type[Version]
    condition: type[StageCondition | ComponentStageCondition]
    condition_key: str  # the condition's column naming its version
    alias: type[ModelVersionAlias | ComponentVersionAlias]
    type_name: str  # the GraphQL type, and the activity subject's
    verb: str  # the activity verbs' prefix

    def new_condition(self, version_id: int, **fields: Any) -> Any:
        return self.condition(**{self.condition_key: version_id}, **fields)


KINDS: dict[Kind, VersionKind] = {
    Kind.MODEL_VERSION: VersionKind(
        Kind.MODEL_VERSION, ModelVersion, StageCondition, "model_version_id",
        ModelVersionAlias, "ModelVersion", "model_version",
    ),
    Kind.COMPONENT_VERSION: VersionKind(
        Kind.COMPONENT_VERSION, ComponentVersion, ComponentStageCondition,
        "component_version_id", ComponentVersionAlias, "ComponentVersion", "component_version",
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
    """Delete a version; its aliases go with it, each recorded as deleted (whoever follows an
    alias's moves sees where it ended)."""
    version: Version = await ctx.access.get(kind, version_id, Action.DELETE)
    project = await ctx.access.project_of(version)
    alias = KINDS[kind].alias
    held = await ctx.session.scalars(
        select(alias.alias).where(alias.version_id == version.id).order_by(alias.alias)
    )
    for name in held.all():
        await record(
            ctx, kind, "alias_deleted", version, project, alias=name, **_moved(version, None)
        )
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
    ctx: Context,
    model: type[VersionT],
    project_id: int,
    name: str | None = None,
    *,
    alias: str | None = None,
) -> VersionT | None:
    """The version of the project with this name, or holding this alias. SQL finds (the
    project was readable, so its versions are)."""
    statement = select(model).where(model.project_id == project_id)
    return await ctx.session.scalar(named(statement, model, version=name, alias=alias))


def named(
    statement: SelectT, model: type[Any], *, version: str | None, alias: str | None
) -> SelectT:
    """`statement` (over `model`'s versions) narrowed to the version named `version`, or to the
    one holding `alias`; neither given: unchanged."""
    if alias is not None:
        held: Any = KINDS_BY_MODEL[model].alias
        return statement.join(held, held.version_id == model.id).where(
            held.alias == normalize_alias(alias)
        )
    if version is not None:
        return statement.where(model.name == normalize_slug(version))
    return statement


@dataclass(frozen=True)
class Reference:
    """`owner/name:version` (Polyaxon's form) or `owner/name@alias`; the owner, and the version
    or alias, may be left out."""

    owner: str | None
    name: str
    version: str | None = None
    alias: str | None = None


def parse_reference(reference: str) -> Reference:
    match = REFERENCE.fullmatch(reference.strip())
    if match is None:
        raise BadUserInput(
            f"{reference!r} is not a reference like 'owner/name:version' or 'owner/name@alias'."
        )
    return Reference(match["owner"], match["name"], match["version"], match["alias"])


# ---- aliases: a project's names for its versions, each on one version at a time -------------

# Tries at taking an alias that concurrent requests keep creating and deleting.
_ALIAS_ATTEMPTS = 3


@dataclass(frozen=True)
class AliasMove:
    """What setting an alias did: the version holding it now, and the one that held it before
    (None when the alias is new; the version itself when it held it already: nothing changed)."""

    version: Version
    previous: Version | None


def _moved(left: Version | None, reached: Version | None) -> dict[str, str | None]:
    """An alias move in the activity's details: from which version's name to which."""
    return {
        "from": None if left is None else left.name,
        "to": None if reached is None else reached.name,
    }


def _alias_move(left: Version | None, reached: Version | None) -> StageMove:
    """The stages the policy decides an alias move on (see `StageMove`)."""
    return StageMove(
        from_stage="" if left is None else left.stage.value,
        to_stage="" if reached is None else reached.stage.value,
    )


async def set_alias(ctx: Context, kind: Kind, version_id: int, *, alias: str) -> AliasMove:
    """Give the version the alias, moving it from the version of the project that holds it.

    Decided on locked rows, always taken in this order: the project (shared, as every write
    into it), the alias, then the versions it leaves and reaches (shared: a stage move waits,
    so neither enters or leaves PRODUCTION between the decision and the commit). Concurrent
    moves of one alias queue on its row, so each starts from where the last one left it."""
    of = KINDS[kind]
    project = await ctx.access.hold_project(kind, version_id, Action.SET_ALIAS)
    name = validate_alias(alias, field="alias")
    row = await _take_alias(ctx, of, project.id, name, version_id)
    held = await _lock_versions(
        ctx, of, {version_id} if row is None else {version_id, row.version_id}
    )
    version = held[version_id]
    previous = None if row is None else held[row.version_id]
    await ctx.access.authorize(kind, version, Action.SET_ALIAS, _alias_move(previous, version))
    if previous is version:
        return AliasMove(version, previous)
    if row is not None:
        row.version_id = version.id
        await ctx.session.flush()
    await record(ctx, kind, "alias_set", version, project, alias=name, **_moved(previous, version))
    return AliasMove(version, previous)


async def delete_alias(ctx: Context, kind: Kind, project_id: int, *, alias: str) -> Version:
    """Take the alias off the version of the project that holds it (that version, as left),
    decided on locked rows as `set_alias` is."""
    of = KINDS[kind]
    project = await ctx.access.hold_project(
        Kind.PROJECT, project_id, Action.SET_ALIAS, decide_as=kind
    )
    name = validate_alias(alias, field="alias")
    row = await _locked_alias(ctx, of, project.id, name)
    if row is None:
        raise NotFoundInInput(f"No version of this project holds @{name}.", field="alias")
    holder = (await _lock_versions(ctx, of, {row.version_id}))[row.version_id]
    await ctx.access.authorize(kind, holder, Action.SET_ALIAS, _alias_move(holder, None))
    await ctx.session.delete(row)
    await ctx.session.flush()
    await record(ctx, kind, "alias_deleted", holder, project, alias=name, **_moved(holder, None))
    return holder


async def _take_alias(
    ctx: Context, of: VersionKind, project_id: int, alias: str, version_id: int
) -> Alias | None:
    """The alias's row, locked; None when the project had no such alias and now has it, on
    `version_id` (an insert that a concurrent one of the same alias waits for, then finds)."""
    for _ in range(_ALIAS_ATTEMPTS):
        if await db.insert_unless_present(
            ctx.session, of.alias, project_id=project_id, alias=alias, version_id=version_id
        ):
            return None
        row = await _locked_alias(ctx, of, project_id, alias)
        if row is not None:
            return row  # else deleted between the two statements: try again
    raise Conflict("The alias kept changing while it was being set; try again.", field="alias")


async def _locked_alias(ctx: Context, of: VersionKind, project_id: int, alias: str) -> Alias | None:
    model: Any = of.alias
    return await ctx.session.scalar(
        locked(select(model).where(model.project_id == project_id, model.alias == alias))
    )


async def _lock_versions(ctx: Context, of: VersionKind, ids: set[int]) -> dict[int, Version]:
    """The versions, locked shared in id order (the same order in every request)."""
    model: Any = of.model
    statement = select(model).where(model.id.in_(ids)).order_by(model.id)
    rows = await ctx.session.scalars(locked(statement, shared=True))
    return {row.id: row for row in rows.all()}
