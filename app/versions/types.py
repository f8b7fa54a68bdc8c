"""What model and component versions share in the graph: stages, their history, the interface."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any

import strawberry
from strawberry import relay

from app.authz.roles import Kind
from app.graphql.context import Info
from app.graphql.cost import ListSize
from app.graphql.kit import changes, decode_id, deleted, mutate
from app.graphql.refs import ProjectRef, UserRef
from app.hub.models import ComponentVersion
from app.organizations.models import Organization
from app.projects.models import Project
from app.registry.models import ModelVersion
from app.users.models import User
from app.versions import service as versions
from app.versions.models import Stage
from app.versions.service import KINDS

VersionRow = ModelVersion | ComponentVersion


@strawberry.type(description="One move between stages: who, when, why.")
class StageCondition:
    stage: Stage
    reason: str | None
    message: str | None
    at: datetime

    @strawberry.field
    async def actor(self, condition: strawberry.Parent[Any], info: Info) -> UserRef | None:
        if condition.actor_id is None:
            return None
        return await info.context.loaders.rows(User).load(condition.actor_id)


@strawberry.interface(description="What model and component versions share.")
class ProjectVersion:
    name: str
    description: str | None
    tags: list[str]
    stage: Stage
    digest: str = strawberry.field(description="sha256 of the canonical content.")
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="`owner/project:version`.")
    async def reference(self, version: strawberry.Parent[VersionRow], info: Info) -> str:
        loaders = info.context.loaders
        project = await loaders.rows(Project).load(version.project_id)
        assert project is not None
        organization = await loaders.rows(Organization).load(project.organization_id)
        assert organization is not None
        return f"{organization.name}/{project.name}:{version.name}"

    @strawberry.field
    async def project(self, version: strawberry.Parent[VersionRow], info: Info) -> ProjectRef:
        row = await info.context.loaders.rows(Project).load(version.project_id)
        assert row is not None
        return row

    @strawberry.field
    async def created_by(
        self, version: strawberry.Parent[VersionRow], info: Info
    ) -> UserRef | None:
        if version.created_by_id is None:
            return None
        return await info.context.loaders.rows(User).load(version.created_by_id)


async def _stage_conditions(version: strawberry.Parent[VersionRow], info: Info) -> list[Any]:
    conditions: list[Any] = await info.context.loaders.conditions(type(version)).load(version.id)
    return conditions


def stage_conditions() -> Any:
    """The `stageConditions` field each version type declares where its SDL puts it."""
    return strawberry.field(
        resolver=_stage_conditions,
        description="Oldest first: the whole stage history.",
        graphql_type=list[StageCondition],
        directives=[ListSize(assumed_size=5)],
    )


# ---- mutations both kinds have: one resolver each, named and typed per kind -------------------


@strawberry.input
class UpdateInput:
    """What may change about a version (each kind's input may add to it)."""

    id: relay.GlobalID
    description: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET


@strawberry.input
class TransitionInput:
    """What a stage move says (each kind's input adds `archiveOthers`)."""

    id: relay.GlobalID
    stage: Stage
    reason: str | None = None
    message: str | None = None


def _mutation(
    resolve: Callable[..., Awaitable[Any]], input_type: type, payload: type, **options: Any
) -> Any:
    resolve.__annotations__ = {"info": Info, "input": input_type, "return": payload}
    return strawberry.mutation(resolver=resolve, **options)


def update_mutation(
    kind: Kind,
    input_type: type,
    payload: type,
    update: Callable[..., Awaitable[Any]] | None = None,
    **options: Any,
) -> Any:
    """`updateXVersion`: the given fields through `update` when a kind has more to change than
    description and tags, else through `versions.update`."""
    change = update or partial(versions.update, kind=kind)

    async def resolve(info: Info, input: Any) -> Any:
        version_id = decode_id(input.id, KINDS[kind].type_name)
        given = changes(input)
        return await mutate(
            info, payload, lambda: change(info.context, version_id=version_id, **given)
        )

    return _mutation(resolve, input_type, payload, **options)


def transition_mutation(kind: Kind, input_type: type, payload: type, **options: Any) -> Any:
    """`transitionXVersionStage`."""

    async def resolve(info: Info, input: Any) -> Any:
        version_id = decode_id(input.id, KINDS[kind].type_name)
        given = changes(input)
        return await mutate(
            info, payload, lambda: versions.transition(info.context, kind, version_id, **given)
        )

    return _mutation(resolve, input_type, payload, **options)


def delete_mutation(kind: Kind, input_type: type, payload: type, **options: Any) -> Any:
    """`deleteXVersion` (project admins)."""

    async def resolve(info: Info, input: Any) -> Any:
        type_name = KINDS[kind].type_name
        version_id = decode_id(input.id, type_name)

        async def delete() -> dict[str, relay.GlobalID]:
            return deleted(type_name, await versions.delete(info.context, kind, version_id))

        return await mutate(info, payload, delete)

    return _mutation(resolve, input_type, payload, **options)
