"""`node` and `nodes`: any object by its global id, through its own type's `resolve_nodes` (so
through the access kernel). Types are found in the built schema by name: nothing here imports a
domain, and a new node type needs no entry."""

from collections.abc import Awaitable
from typing import Annotated, cast

import strawberry
from strawberry import relay
from strawberry.relay import GlobalIDValueError
from strawberry.types.base import StrawberryObjectDefinition

from app.errors import BadUserInput
from app.graphql.context import Info
from app.graphql.cost import ListSize
from app.graphql.kit import row_id


def _node_type(info: Info, type_name: str) -> type[relay.Node] | None:
    definition = info.schema.get_type_by_name(type_name)
    if not isinstance(definition, StrawberryObjectDefinition) or definition.is_interface:
        return None
    origin = definition.origin
    return origin if isinstance(origin, type) and issubclass(origin, relay.Node) else None


async def resolve_global_ids(info: Info, ids: list[relay.GlobalID]) -> list[relay.Node | None]:
    """Resolve ids of any type, in order; unknown, missing or unreadable ones are null."""
    by_type: dict[str, tuple[type[relay.Node], list[str]]] = {}
    for global_id in ids:
        node_type = _node_type(info, global_id.type_name)
        if node_type is not None and row_id(global_id.node_id) is not None:
            by_type.setdefault(global_id.type_name, (node_type, []))[1].append(global_id.node_id)
    resolved: dict[tuple[str, str], relay.Node | None] = {}
    for type_name, (node_type, node_ids) in by_type.items():
        nodes = await cast(
            "Awaitable[list[relay.Node | None]]",
            node_type.resolve_nodes(info=info, node_ids=node_ids),
        )
        resolved.update(
            {(type_name, node_id): node for node_id, node in zip(node_ids, nodes, strict=True)}
        )
    return [resolved.get((global_id.type_name, global_id.node_id)) for global_id in ids]


def _parse_global_id(raw: str) -> relay.GlobalID | None:
    try:
        return relay.GlobalID.from_id(raw)
    except GlobalIDValueError:
        return None


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object by its global id; null when the viewer may not read it."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="A global id.")],
    ) -> relay.Node | None:
        return (await resolve_global_ids(info, [id]))[0]

    @strawberry.field(
        description=(
            "Objects by global id, in order; null in place of each id that is malformed, names "
            "nothing, or names what the viewer may not read."
        ),
        directives=[ListSize(slicing_arguments=["ids"])],
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description="Global ids, at most 100 (the page size limit)."),
        ],
    ) -> list[relay.Node | None]:
        # Plain IDs, parsed here: one malformed id among many answers null in its place (api.md,
        # 2026-11-30) where the GlobalID scalar refused the whole request.
        if len(ids) > info.context.settings.max_page_size:
            raise BadUserInput(
                f"Ask for at most {info.context.settings.max_page_size} ids at once."
            )
        parsed = [_parse_global_id(raw) for raw in ids]
        found = iter(await resolve_global_ids(info, [gid for gid in parsed if gid is not None]))
        return [None if gid is None else next(found) for gid in parsed]
