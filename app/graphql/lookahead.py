"""Look-ahead: before a page's rows are completed, load what its selection will ask of them.

A relation field whose resolver is marked with `prefetches(load)` says how to load that relation
for many parent rows at once. When a connection has its page, `prefetch` walks the selection under
`edges { node }` (and `nodes`), loads every marked relation for the whole page in one batch per
relation and depth, and goes on into what those relations return. The relation's resolver then
finds its value in the loader's cache and answers synchronously (`loaded_or_load`): one awaitable
per page and relation instead of one per object, which is where graphql-core's time went.
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

import strawberry
from aiodataloader import DataLoader
from graphql import GraphQLObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection
from strawberry.utils.str_converters import to_camel_case

from app.graphql.context import Info
from app.loaders import NOT_LOADED, peek

F = TypeVar("F", bound=Callable[..., Any])
K = TypeVar("K", bound=Hashable)

# Loads one relation for many parent rows; returns the rows it found (for the next level).
Prefetch = Callable[[Info, Sequence[Any]], Awaitable[Iterable[Any]]]

DEFINITION_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF

# ORM model -> the GraphQL type that views its rows (RowNode types register themselves).
VIEWS: dict[type[Any], type[Any]] = {}


def views(*models: type[Any]) -> Callable[[type[Any]], type[Any]]:
    """Register a GraphQL type as the view of `models`' rows (for types that are not nodes)."""

    def register(view: type[Any]) -> type[Any]:
        for model in models:
            VIEWS[model] = view
        return view

    return register


def prefetches(load: Prefetch) -> Callable[[F], F]:
    """Mark a relation's resolver with how to load the relation for many parents at once."""

    def mark(resolver: F) -> F:
        resolver.__prefetch__ = load  # type: ignore[attr-defined]
        return resolver

    return mark


def resolves_directly(resolver: F) -> F:
    """Mark a relation's resolver as one graphql-core may call itself: it takes the parent and
    the info, uses only `info.context`, and its field has no arguments, extensions or permission
    classes. See `install_direct_resolvers`."""
    resolver.__resolves_directly__ = True  # type: ignore[attr-defined]
    return resolver


def install_direct_resolvers(schema: strawberry.Schema) -> None:
    """Let graphql-core call the marked resolvers without Strawberry's per-call wrapper.

    The wrapper builds a Strawberry `Info`, converts arguments and runs field extensions on every
    call: for a relation with none of those it is pure cost, paid per object (W1 resolves about
    2,400 relations a request). Strawberry has no switch for it, so the built schema's field is
    pointed at the resolver itself; graphql-core's info has the same `context`."""
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for name, graphql_field in graphql_type.fields.items():
            field = (graphql_field.extensions or {}).get(DEFINITION_BACKREF)
            if not isinstance(field, StrawberryField) or field.base_resolver is None:
                continue
            function = field.base_resolver.wrapped_func
            if not getattr(function, "__resolves_directly__", False):
                continue
            if field.arguments or field.extensions or field.permission_classes:
                raise TypeError(f"{graphql_type.name}.{name} cannot resolve directly")
            graphql_field.resolve = function


def loaded_or_load(loader: DataLoader[K, Any], key: K) -> Any:
    """The loader's value for `key` when it has it already (the resolver answers synchronously),
    else the awaitable that loads it."""
    value = peek(loader, key)
    return loader.load(key) if value is NOT_LOADED else value


_PREFETCHERS: dict[type[Any], dict[str, Prefetch]] = {}


def _prefetchers(view: type[Any]) -> dict[str, Prefetch]:
    """The marked relations of a GraphQL type, by field name as a query spells it."""
    if view in _PREFETCHERS:
        return _PREFETCHERS[view]
    definition = get_object_definition(view, strict=True)
    found = _PREFETCHERS[view] = {}
    for field in definition.fields:
        resolver = field.base_resolver
        load = getattr(resolver.wrapped_func, "__prefetch__", None) if resolver else None
        if load is not None:
            found[field.graphql_name or to_camel_case(field.python_name)] = load
    return found


def _fields(selections: Iterable[Selection]) -> Iterable[SelectedField]:
    """Fields selected here, fragments opened (whatever their type condition: an extra load is
    harmless, a missed one only costs an await)."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def node_selections(info: Info) -> list[Selection]:
    """What the current connection field selects of its nodes (`edges { node }` and `nodes`)."""
    found: list[Selection] = []
    for connection in _fields(info.selected_fields):
        for part in _fields(connection.selections):
            if part.name == "edges":
                found += [s for edge in _fields(part.selections) if edge.name == "node"
                          for s in edge.selections]  # fmt: skip
            elif part.name == "nodes":
                found += part.selections
    return found


async def prefetch(info: Info, selections: Sequence[Selection], rows: Sequence[Any]) -> None:
    """Load, for all `rows` at once, every marked relation `selections` ask of them, and so on
    down the selection."""
    if not rows or not selections:
        return
    by_model: dict[type[Any], list[Any]] = defaultdict(list)
    for row in rows:
        by_model[type(row)].append(row)
    work: list[tuple[Awaitable[Iterable[Any]], list[Selection]]] = []
    for model, group in by_model.items():
        view = VIEWS.get(model)
        if view is None:
            continue
        loads = _prefetchers(view)
        for field in _fields(selections):
            load = loads.get(field.name)
            if load is not None:
                work.append((load(info, group), field.selections))
    if not work:
        return
    found = await asyncio.gather(*(load for load, _ in work))
    await asyncio.gather(
        *(
            prefetch(info, deeper, list(children))
            for (_, deeper), children in zip(work, found, strict=True)
        )
    )
