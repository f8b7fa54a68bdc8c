"""Stage moves shared by model and component versions: the rules of api.md "Stages"."""

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Select, select

from app.authz.enforcer import NO_ATTRIBUTES, StageMove
from app.authz.roles import Action, Kind
from app.context import Context
from app.db import locked, utcnow
from app.errors import Invalid, InvalidTransition, NotFound
from app.names import validate_text
from app.projects import service as projects
from app.projects.models import Project
from app.registry.models import Stage


class Version(Protocol):
    id: int
    name: str
    stage: Stage
    project_id: int
    updated_at: Any


VersionT = TypeVar("VersionT", bound=Version)
ConditionFactory = Callable[..., Any]


def move_of(version: Version, stage: Stage) -> StageMove:
    return StageMove(from_stage=version.stage.value, to_stage=stage.value)


async def get_for(
    ctx: Context,
    model: type[VersionT],
    version_id: int,
    action: Action,
    kind: Kind,
    *,
    missing: str,
    to_stage: Stage | None = None,
    whole_project: bool = False,
) -> tuple[VersionT, Project]:
    """The version and its project, locked in that order (the project shared, or alone when
    `whole_project`, as `archiveOthers` needs), if the viewer may do `action`. A stage move is
    authorized on the stage the locked row holds, never on one read before the lock."""
    found = await ctx.session.get(model, version_id)
    if found is None:
        raise NotFound(missing)
    project = await projects.lock(ctx, found.project_id, exclusive=whole_project)
    row_id = cast("Any", model).id
    version = await ctx.session.scalar(locked(select(model).where(row_id == version_id)))
    if version is None:
        raise NotFound(missing)  # deleted while this request waited for the lock
    facts = await projects.facts_for(ctx, project)
    if not projects.may(ctx, facts, Action.READ, kind):
        raise NotFound(missing)
    move = NO_ATTRIBUTES if to_stage is None else move_of(version, to_stage)
    projects.authorize(ctx, facts, action, kind, move)
    return version, project


def move(
    ctx: Context,
    version: Version,
    stage: Stage,
    condition: ConditionFactory,
    *,
    reason: str | None,
    message: str | None = None,
) -> None:
    """Change the stage and append the condition that records who moved it, when and why."""
    version.stage = stage
    version.updated_at = utcnow()
    ctx.session.add(
        condition(
            version_id=version.id,
            stage=stage,
            reason=reason,
            message=message,
            actor_id=ctx.viewer.user_id,
        )
    )


async def transition(
    ctx: Context,
    version: Version,
    project: Project,
    kind: Kind,
    condition: ConditionFactory,
    others_in_production: Select[Any],
    *,
    stage: Stage,
    reason: str | None,
    message: str | None,
    archive_others: bool,
) -> None:
    """Authorization of the move itself happened already (the caller's get_for with the move)."""
    if version.stage is stage:
        raise InvalidTransition(f"The version is already in {stage.value}.", field="stage")
    reason = validate_text(reason, field="reason", max_length=128)
    message = validate_text(message, field="message", max_length=2000)
    if archive_others and stage is not Stage.PRODUCTION:
        raise Invalid(
            "`archiveOthers` applies only to a move into PRODUCTION.", field="archiveOthers"
        )
    move(ctx, version, stage, condition, reason=reason, message=message)
    if archive_others:
        facts = await projects.facts_for(ctx, project)
        for other in (await ctx.session.scalars(locked(others_in_production))).all():
            demotion = move_of(other, Stage.STAGING)
            projects.authorize(ctx, facts, Action.TRANSITION, kind, demotion)
            move(ctx, other, Stage.STAGING, condition, reason="archived",
                 message=f"replaced by {version.name}")  # fmt: skip
    await ctx.session.flush()
