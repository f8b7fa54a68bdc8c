"""Stage moves shared by model and component versions: the rules of api.md "Stages"."""

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Select

from app.authz.enforcer import StageMove
from app.authz.roles import Action, Kind
from app.context import Context
from app.db import utcnow
from app.errors import Invalid, InvalidTransition
from app.names import validate_text
from app.projects import service as projects
from app.projects.models import Project
from app.registry.models import Stage


class Version(Protocol):
    id: int
    name: str
    stage: Stage
    updated_at: Any


ConditionFactory = Callable[..., Any]


def move_of(version: Version, stage: Stage) -> StageMove:
    return StageMove(from_stage=version.stage.value, to_stage=stage.value)


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
        for other in (await ctx.session.scalars(others_in_production)).all():
            demotion = move_of(other, Stage.STAGING)
            projects.authorize(ctx, facts, Action.TRANSITION, kind, demotion)
            move(ctx, other, Stage.STAGING, condition, reason="archived",
                 message=f"replaced by {version.name}")  # fmt: skip
    await ctx.session.flush()
