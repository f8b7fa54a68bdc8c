"""What model and component versions share in the graph: stages, their history, the interface."""

import asyncio
import dataclasses
import inspect
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.utils.str_converters import to_snake_case

from app.authz.access import Decides
from app.authz.enforcer import StageMove
from app.authz.roles import Action, Kind
from app.context import Context
from app.graphql.context import Info
from app.graphql.cost import ListSize
from app.graphql.kit import TAGS_DOC, Deleted, mutation, payload, related
from app.graphql.lookahead import loaded_or_load, prefetches, resolves_directly, views
from app.graphql.refs import ComponentVersionRef, ModelVersionRef, ProjectRef, UserRef
from app.hub.models import ComponentStageCondition as ComponentStageConditionRow
from app.hub.models import ComponentVersion
from app.names import ALIAS_RULE
from app.organizations.models import Organization
from app.projects.models import Project
from app.registry.models import ModelVersion
from app.registry.models import StageCondition as StageConditionRow
from app.users.models import User
from app.versions import service as versions
from app.versions.models import Stage
from app.versions.service import KINDS

VersionRow = ModelVersion | ComponentVersion


@views(StageConditionRow, ComponentStageConditionRow)
@strawberry.type(description="One move between stages: who, when, why.")
class StageCondition:
    stage: Stage = strawberry.field(description="The stage moved into.")
    reason: str | None = strawberry.field(
        description="A short why: the mover's, or hubql's own (`created`, `published`, "
        "`archived`); null when none was given."
    )
    message: str | None = strawberry.field(
        description="The mover's words, for people; null when none were given."
    )
    at: datetime = strawberry.field(description="When it moved.")
    actor: UserRef | None = related(
        User, "actor_id", description="Who moved it; null when that user is gone."
    )


async def _reference(version: strawberry.Parent[VersionRow], info: Info) -> str:
    loaders = info.context.loaders
    project = await loaders.rows(Project).load(version.project_id)
    assert project is not None
    organization = await loaders.rows(Organization).load(project.organization_id)
    assert organization is not None
    return f"{organization.name}/{project.name}:{version.name}"


@strawberry.type(
    description="What the viewer may do to this version; the same policy decides the mutations."
)
class VersionPermissions:
    update: bool = strawberry.field(description="Changing its description and tags.")
    delete: bool = strawberry.field(description="Deleting it (project admins).")
    set_alias: bool = strawberry.field(
        description="Giving it an alias: one no version holds, or one moved here from a version "
        "the viewer may take it off (`removeAlias` there). Onto a PRODUCTION version it takes "
        "project admins, as the policy says."
    )
    remove_alias: bool = strawberry.field(
        description="Taking an alias off it: deleting the alias, or moving it to a version the "
        "viewer may give it to. Off a PRODUCTION version it takes project admins."
    )
    _decides: strawberry.Private[Decides]
    _stage: strawberry.Private[Stage]

    @strawberry.field(
        description="Whether the viewer may move it to `to`, as the mutation would decide: a "
        "move into or out of PRODUCTION takes more than the others (project admins, as the "
        "policy says); the stage it is in is no move (false)."
    )
    def transition(
        self, to: Annotated[Stage, strawberry.argument(description="The stage to move it to.")]
    ) -> bool:
        if to is self._stage:
            return False  # INVALID_TRANSITION, whoever asks
        move = StageMove(from_stage=self._stage.value, to_stage=to.value)
        return self._decides(Action.TRANSITION, move)


async def _viewer_can(version: strawberry.Parent[VersionRow], info: Info) -> VersionPermissions:
    kind = Kind.MODEL_VERSION if isinstance(version, ModelVersion) else Kind.COMPONENT_VERSION
    decides = await info.context.access.decider(kind, version)
    # An alias move is decided on the stages of the version it leaves and the one it reaches:
    # each side on its own says what this version's stage allows.
    stage = version.stage.value
    return VersionPermissions(
        update=decides(Action.UPDATE),
        delete=decides(Action.DELETE),
        set_alias=decides(Action.SET_ALIAS, StageMove(to_stage=stage)),
        remove_alias=decides(Action.SET_ALIAS, StageMove(from_stage=stage)),
        _decides=decides,
        _stage=version.stage,
    )


async def _aliases_of(info: Info, versions: Sequence[VersionRow]) -> Iterable[Any]:
    """The aliases of many versions (of either kind), in one statement per kind."""
    by_model: dict[type[Any], list[int]] = defaultdict(list)
    for version in versions:
        by_model[type(version)].append(version.id)
    loaders = info.context.loaders
    await asyncio.gather(
        *(loaders.aliases(model).load_many(ids) for model, ids in by_model.items())
    )
    return []  # names: nothing below them to load


def _names(rows: Sequence[Any]) -> list[str]:
    return [row.alias for row in rows]


async def _names_once_loaded(rows: Awaitable[Sequence[Any]]) -> list[str]:
    return _names(await rows)


@prefetches(_aliases_of)
@resolves_directly
def _aliases(version: strawberry.Parent[VersionRow], info: Info) -> Any:
    rows = loaded_or_load(info.context.loaders.aliases(type(version)), version.id)
    return _names_once_loaded(rows) if inspect.isawaitable(rows) else _names(rows)


@strawberry.interface(
    description="What model and component versions share. A version's name and content never "
    "change; its description, tags and stage do."
)
class ProjectVersion:
    name: str = strawberry.field(
        description="A slug, unique in the project, e.g. `v3`: the `version` in references."
    )
    description: str | None = strawberry.field(description="What it is; null when unset.")
    tags: list[str] = strawberry.field(description=TAGS_DOC)
    stage: Stage = strawberry.field(description="Where it is in its life.")
    digest: str = strawberry.field(
        description="sha256 of the canonical content (hex): a published name never changes meaning."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(
        description="When it last changed: an update or a stage move."
    )

    reference: str = strawberry.field(resolver=_reference, description="`owner/project:version`.")
    aliases: list[str] = strawberry.field(
        resolver=_aliases,
        graphql_type=list[str],
        description="The project's names for this version (MLflow's `@champion`), in "
        "alphabetical order: each names one version of the project at a time, and references "
        "`owner/project@alias` find it.",
    )
    project: ProjectRef = related(Project, "project_id", description="The project it is in.")
    created_by: UserRef | None = related(
        User, "created_by_id", description="Who created it; null when that user is gone."
    )
    viewer_can: VersionPermissions = strawberry.field(
        resolver=_viewer_can, description="What the viewer may do to it."
    )


async def _conditions_of(info: Info, versions: Sequence[VersionRow]) -> Iterable[Any]:
    """The stage histories of many versions (of either kind), as one list of conditions."""
    by_model: dict[type[Any], list[int]] = defaultdict(list)
    for version in versions:
        by_model[type(version)].append(version.id)
    loaders = info.context.loaders
    histories = await asyncio.gather(
        *(loaders.conditions(model).load_many(ids) for model, ids in by_model.items())
    )
    return [condition for kind in histories for history in kind for condition in history]


@prefetches(_conditions_of)
@resolves_directly
def _stage_conditions(version: strawberry.Parent[VersionRow], info: Info) -> Any:
    return loaded_or_load(info.context.loaders.conditions(type(version)), version.id)


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

    id: relay.GlobalID = strawberry.field(description="The version's global id.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 2,000 characters; null clears it."
    )
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description=f"Replacing the old; null clears them. {TAGS_DOC}"
    )


@strawberry.input
class TransitionInput:
    """What a stage move says (each kind's input adds `archiveOthers`)."""

    id: relay.GlobalID = strawberry.field(description="The version's global id.")
    stage: Stage = strawberry.field(
        description="The stage to move to; not the one it is in (INVALID_TRANSITION)."
    )
    reason: str | None = strawberry.field(
        default=None, description="A short why, up to 128 characters, e.g. `approved`."
    )
    message: str | None = strawberry.field(
        default=None, description="Why, for people, up to 2,000 characters."
    )


# What `update…`, `transition…Stage` and `delete…` do, for either kind (`update…` says what its
# input may change).
SHARED_MUTATIONS: dict[str, tuple[Callable[..., Awaitable[Any]], str]] = {
    "update": (versions.update, "Change a version's {changes}."),
    "transition": (versions.transition, "Move a version to another stage (PRODUCTION: admins)."),
    "delete": (versions.delete, "Delete a version (project admins)."),
}


def version_mutations(kind: Kind, payload_type: type, **inputs: type) -> type:
    """The mutations every kind of version has, for `kind`: `update`, `transition` and `delete`
    with their inputs, in the order given (its SDL's), then setting and deleting aliases: a type
    to merge into `Mutation`. `payload_type` holds the version, and `Delete{Kind}Payload` the
    deleted one's id."""
    of = KINDS[kind]
    name = to_snake_case(of.type_name)
    field_names = {
        "update": f"update_{name}",
        "transition": f"transition_{name}_stage",
        "delete": f"delete_{name}",
    }
    deleted_payload = payload(type(f"Delete{of.type_name}Payload", (Deleted,), {}))
    annotations: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    for action, input_type in inputs.items():
        field = field_names[action]
        annotations[field] = (deleted_payload if action == "delete" else payload_type) | None
        operation, description = _of_kind(*SHARED_MUTATIONS[action], kind)
        if action == "update":
            description = description.format(changes=_changeable(input_type))
        fields[field] = mutation(
            operation,
            input_type,
            target=of.type_name,
            deletes=action == "delete",
            description=description,
        )
    _alias_mutations(kind, annotations, fields)
    namespace = {"__annotations__": annotations, **fields}
    return strawberry.type(type(f"{of.type_name}Mutation", (), namespace))


ALIAS_DOC = f"The alias without `@`, e.g. `champion` (case-insensitive): {ALIAS_RULE}."


def _alias_mutations(kind: Kind, annotations: dict[str, Any], fields: dict[str, Any]) -> None:
    """`set{Kind}Alias` and `delete{Kind}Alias`, their inputs and payloads, added to a kind's
    mutation type's `annotations` and `fields`."""
    of = KINDS[kind]
    kind_name, words = to_snake_case(of.type_name), of.verb.replace("_", " ")
    version_field, previous_field = kind_name, f"previous_{kind_name}"
    node = NODES[kind]
    set_input = _input(
        f"Set{of.type_name}AliasInput",
        f"An alias to give a {words}: moved from the version of its project holding it.",
        version_id=(relay.GlobalID, f"The {words}'s global id."),
        alias=(str, ALIAS_DOC),
    )
    delete_input = _input(
        f"Delete{of.type_name}AliasInput",
        f"An alias to take off whichever {words} of the project holds it.",
        project_id=(relay.GlobalID, "The project's global id (aliases are the project's)."),
        alias=(str, ALIAS_DOC),
    )
    set_payload = payload(
        _payload_type(
            f"Set{of.type_name}AliasPayload",
            node,
            {
                version_field: "The version holding the alias now; null when `userErrors` says "
                "why not.",
                previous_field: "The version that held the alias before: null when none did (or "
                "when `userErrors` says why not); the same version when it held it already (then "
                "nothing changed, and nothing is recorded).",
            },
        )
    )
    delete_payload = payload(
        _payload_type(
            f"Delete{of.type_name}AliasPayload",
            node,
            {
                version_field: "The version that held the alias; null when `userErrors` says "
                "why not."
            },
        )
    )

    async def set_alias(ctx: Context, version_id: int, *, alias: str) -> dict[str, Any]:
        moved = await versions.set_alias(ctx, kind, version_id, alias=alias)
        return {version_field: moved.version, previous_field: moved.previous}

    async def delete_alias(ctx: Context, project_id: int, *, alias: str) -> Any:
        return await versions.delete_alias(ctx, kind, project_id, alias=alias)

    annotations[f"set_{kind_name}_alias"] = set_payload | None
    fields[f"set_{kind_name}_alias"] = mutation(
        set_alias,
        set_input,
        target=of.type_name,
        target_field="version_id",
        description=f"Give a {words} an alias, moving it in one step from the version of the "
        "project that holds it (onto or off PRODUCTION versions: admins).",
    )
    annotations[f"delete_{kind_name}_alias"] = delete_payload | None
    fields[f"delete_{kind_name}_alias"] = mutation(
        delete_alias,
        delete_input,
        target="Project",
        target_field="project_id",
        description=f"Take an alias off the {words} holding it (a PRODUCTION version: admins).",
    )


# Each kind's node, as the graph names it (lazily: `app.graphql.refs`).
NODES: dict[Kind, Any] = {
    Kind.MODEL_VERSION: ModelVersionRef,
    Kind.COMPONENT_VERSION: ComponentVersionRef,
}


def _input(name: str, description: str, **fields: tuple[Any, str]) -> type:
    """An input type named `name` with `fields`: name -> (annotation, description)."""
    namespace: dict[str, Any] = {
        "__annotations__": {key: annotation for key, (annotation, _) in fields.items()},
        **{key: strawberry.field(description=text) for key, (_, text) in fields.items()},
    }
    return strawberry.input(type(name, (), namespace), description=description)


def _payload_type(name: str, node: Any, fields: dict[str, str]) -> type:
    """A class for `payload`: each of `fields` (name -> description) a nullable `node`."""
    namespace: dict[str, Any] = {
        "__annotations__": dict.fromkeys(fields, node | None),
        **{key: strawberry.field(default=None, description=text) for key, text in fields.items()},
    }
    return type(name, (), namespace)


def _changeable(input_type: type) -> str:
    """What an update input may change, in words: `description, tags or metadata`."""
    *others, last = [field.name for field in dataclasses.fields(input_type) if field.name != "id"]
    return f"{', '.join(others)} or {last}" if others else last


def _of_kind(
    operation: Callable[..., Awaitable[Any]], description: str, kind: Kind
) -> tuple[Callable[..., Awaitable[Any]], str]:
    """A `versions` operation (`operation(ctx, kind, version_id, …)`) as a mutation calls it."""

    async def of_kind(ctx: Context, version_id: int, **given: Any) -> Any:
        return await operation(ctx, kind, version_id, **given)

    return of_kind, description
