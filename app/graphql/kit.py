"""What every domain's graph is built from: types that are views over rows, and lists and
mutations declared once.

- `RowNode`: a Relay node that *is* its ORM row (`is_type_of`, `resolve_id`, `resolve_nodes`
  through the access kernel). Fields read the row; resolvers return rows.
- `Listing` + `connection()`: a list declared by what it lists (model, parent, query language,
  filter and order inputs); the field extension adds the arguments, checks them, and pages
  through the batched loaders. A resolver only says which rows: `LISTING.under(parent.id)`.
- `mutate()`: one transaction per mutation field and its payload; `changes()` turns an input's
  given fields into keyword arguments for a service.
"""

import dataclasses
import inspect
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import partial
from typing import Annotated, Any, ClassVar, Generic, Optional, Protocol, TypeVar, cast

import strawberry
from sqlalchemy import ColumnElement, Select, select, true
from strawberry import relay
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.permission import BasePermission
from strawberry.schema_directive import Location, StrawberrySchemaDirective
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from app.authz.roles import Action, Kind
from app.context import Context
from app.errors import BadUserInput, UserError, UserErrorCode
from app.graphql.context import Info
from app.graphql.lookahead import (
    loaded_or_load,
    node_selections,
    prefetch,
    prefetches,
    resolves_directly,
    views,
)
from app.pagination import CountFn, Page, PageArgs, SortKey, count, paginate, sort_key
from app.pql import Condition, FieldSet, Op, compile_filters, parse_sort

T = TypeVar("T")
P = TypeVar("P")
E = TypeVar("E", bound=Enum)

# ---- nodes ------------------------------------------------------------------------------------


class RowNode(relay.Node):
    """A GraphQL type that is a view over one ORM model: resolvers return rows, fields read
    them. `kind` is what the access kernel knows it as (who may read it)."""

    model: ClassVar[type[Any]]
    kind: ClassVar[Kind]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "model" in vars(cls):
            views(cls.model)(cls)

    @classmethod
    def is_type_of(cls, obj: object, _info: Any) -> bool:
        return isinstance(obj, cls.model)

    @classmethod
    def resolve_id(cls, root: Any, *, info: Info) -> str:
        return str(root.id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ctx = info.context
        rows = await ctx.loaders.rows(cls.model).load_many([int(i) for i in node_ids])
        return await ctx.access.readable(cls.kind, rows)


async def _rows_named(info: Info, model: type[Any], key: str, parents: Sequence[Any]) -> list[Any]:
    """The `model` rows the parents' `key` names, in one batch."""
    keys = {row_id for parent in parents if (row_id := getattr(parent, key)) is not None}
    rows = await info.context.loaders.rows(model).load_many(list(keys))
    return [row for row in rows if row is not None]


def related(model: type[Any], key: str, *, description: str | None = None) -> Any:
    """A to-one relation, declared where the SDL puts it (`owner: UserRef = related(User,
    "owner_id")`): the `model` row the parent's `key` names, through the request's row loader;
    null when the key is. Its type is the annotation."""

    async def load_many(info: Info, parents: Sequence[Any]) -> Iterable[Any]:
        return await _rows_named(info, model, key, parents)

    @prefetches(load_many)
    @resolves_directly
    def resolve(parent: strawberry.Parent[Any], info: Info) -> Any:
        row_id = getattr(parent, key)
        return None if row_id is None else loaded_or_load(info.context.loaders.rows(model), row_id)

    # The resolver returns the row when look-ahead loaded it, else an awaitable: Strawberry
    # passes either to graphql-core, which awaits only the latter.
    return strawberry.field(resolver=resolve, description=description)


def readable_related(
    model: type[Any], kind: Kind, key: str, *, description: str | None = None
) -> Any:
    """`related`, for a row the viewer may not be allowed to read (a version's run lives in a
    project of its own): null then, as when the key is. Look-ahead loads the rows and the facts
    that decide them for the whole page, so each object is answered synchronously."""

    async def load_many(info: Info, parents: Sequence[Any]) -> Iterable[Any]:
        rows = await info.context.access.readable(
            kind, await _rows_named(info, model, key, parents)
        )
        return [row for row in rows if row is not None]

    async def later(info: Info, row: Awaitable[Any]) -> Any:
        return await info.context.access.readable_one(kind, await row)

    @prefetches(load_many)
    @resolves_directly
    def resolve(parent: strawberry.Parent[Any], info: Info) -> Any:
        row_id = getattr(parent, key)
        if row_id is None:
            return None
        row = loaded_or_load(info.context.loaders.rows(model), row_id)
        if inspect.isawaitable(row):
            return later(info, row)
        return None if row is None else info.context.access.readable_now(kind, row)

    return strawberry.field(resolver=resolve, description=description)


async def viewer_permissions(
    info: Info, kind: Kind, row: Any, view: Callable[..., P], **renamed: Action
) -> P:
    """A `viewerCan` object: each of `view`'s fields says whether the viewer may do the action
    of its name (or the one `renamed` gives it) on the row, as the mutations will decide."""
    names = [field.name for field in dataclasses.fields(view)]  # type: ignore[arg-type]
    actions = {name: renamed.get(name) or Action(name) for name in names}
    allowed = await info.context.access.allowed(kind, row, actions.values())
    return view(**{name: action in allowed for name, action in actions.items()})


PermissionT = TypeVar("PermissionT", bound=type[BasePermission])


def described_permission(description: str) -> Callable[[PermissionT], PermissionT]:
    """A permission class whose schema directive (`@canReadEmail` on the fields it guards, as
    Strawberry names it) says what it allows, in the SDL."""

    def describe(cls: PermissionT) -> PermissionT:
        class Directive:
            __strawberry_directive__ = StrawberrySchemaDirective(
                cls.__name__, cls.__name__, [Location.FIELD_DEFINITION], [], description
            )

        Directive.__name__, Directive.__qualname__ = cls.__name__, cls.__qualname__
        Directive.__module__ = cls.__module__
        cls._schema_directive = Directive()
        return cls

    return describe


# ---- connections ------------------------------------------------------------------------------


def _edge_cursor(edge: strawberry.Parent["Edge[Any]"]) -> str:
    return edge._page.cursor(edge._index)


@strawberry.type(description="One item of a page, with the cursor that points at it.")
class Edge(Generic[T]):
    # Encoded when selected: a frontend's page of nested lists rarely asks for every cursor.
    cursor: str = strawberry.field(
        resolver=_edge_cursor, description="Pass as `after` (or `before`) to page on."
    )
    node: T = strawberry.field(description="The item.")
    _page: strawberry.Private[Page[Any]]
    _index: strawberry.Private[int]


@strawberry.type(
    description="A page of a list, in the list's order, and how to get the next or previous one."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's items, in order.")
    page_info: relay.PageInfo = strawberry.field(
        description="Whether there are more pages, and the cursors to reach them."
    )
    _total: strawberry.Private[CountFn]

    @strawberry.field(description="How many items the whole list holds for this viewer.")
    async def total_count(self) -> int:
        return await self._total()


def build_connection(page: Page[Any], total: CountFn) -> Connection[Any]:
    """A page of rows as a connection; `totalCount` is counted only when asked for."""
    edges = [Edge(node=item, _page=page, _index=index) for index, item in enumerate(page.items)]
    last = len(page.items) - 1
    return Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursor(0) if page.items else None,
            end_cursor=page.cursor(last) if page.items else None,
        ),
        _total=total,
    )


async def _zero() -> int:
    return 0


def described_enum(
    cls: type[E], *, description: str, values: Mapping[str, str], name: str | None = None
) -> type[E]:
    """`strawberry.enum(cls)` with a description for the type and for each of its values (by
    member name): an enum kept in a model stays a plain Python enum. An input declared before
    this ran may have made the enum a GraphQL type already (Strawberry does, on resolving an
    annotation): that definition is the one described, so the schema has one."""
    definition = getattr(cls, "__strawberry_definition__", None)
    if definition is None:
        strawberry.enum(cls, name=name, description=description)
        definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    else:
        definition.name, definition.description = name or definition.name, description
    members = {member.name for member in cls}
    if set(values) != members:
        raise ValueError(f"describe every value of {cls.__name__}: {sorted(members ^ set(values))}")
    for value in definition.values:
        value.description = values[value.name]
    return cls


class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


described_enum(
    OrderDirection,
    description="Which way a sort key sorts.",
    values={"ASC": "Smallest, earliest or A first.", "DESC": "Largest, latest or Z first."},
)


class OrderInput(Protocol):
    """Every `XOrder` input: a field of the list's order enum and a direction."""

    @property
    def field(self) -> Enum: ...

    @property
    def direction(self) -> OrderDirection: ...


_WHERE = "hubql.where"
_NODE = "hubql.where.node"


_WHERE_DESCRIPTIONS = {
    Op.EQ: "Only those whose `{name}` equals this.",
    Op.IN: "Only those whose `{name}` is any of these.",
    Op.LIKE: "Only those whose `{name}` contains this, ignoring case.",
    Op.GT: "Only those whose `{name}` is after this.",
    Op.LT: "Only those whose `{name}` is before this.",
    Op.ROW: "Only those whose `{name}` is the one with this id.",
}


def where(
    name: str, op: Op = Op.EQ, *, description: str | None = None, node: str | None = None
) -> Any:
    """A field of a typed filter, and what it says in the query language: `name` `op` the
    value (a list: any of its values). Fields given null or `[]` say nothing. Without a
    `description`, the field says that much (`name` as the query language spells it). With
    `node`, the values are global ids of that type and the condition names their rows
    (`Op.ROW`)."""
    if description is None:
        description = _WHERE_DESCRIPTIONS[op].format(name=name)
    metadata = {_WHERE: (name, Op.ROW if node else op), _NODE: node}
    return strawberry.field(default=None, description=description, metadata=metadata)


class FilterInput:
    """Every `XFilter` input (`@strawberry.input class XFilter(FilterInput)` with `where()`
    fields): its conditions are the query language's, so `filter:` and `query:` compile alike."""

    def conditions(self) -> list[Condition]:
        found = []
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            name, op = field.metadata[_WHERE]
            value = getattr(self, field.name)
            if value is None or value == []:
                continue
            values = value if isinstance(value, list) else [value]
            if node := field.metadata[_NODE]:
                argument = to_camel_case(field.name)
                values = [decode_id(item, node, argument=argument) for item in values]
            texts = tuple(_as_text(item) for item in values)
            found.append(Condition(name, op, (f"%{texts[0]}%",) if op is Op.LIKE else texts))
        return found


def _as_text(value: object) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    return value.isoformat() if isinstance(value, datetime) else str(value)


def order_input(name: str, sortable: Mapping[str, Any]) -> type:
    """The `XOrder` input (`field`, `direction`) of a list sorted by `sortable`, and its
    `XOrderField` enum: the sortable names, in capitals."""
    fields: type[Enum] = Enum(f"{name}Field", [(key.upper(), key.upper()) for key in sortable])  # type: ignore[misc]
    described_enum(
        fields,
        description="What the list can be sorted by.",
        values={key.upper(): f'By `{key}` (`sort: "{key}"`).' for key in sortable},
    )
    namespace = {
        "__annotations__": {"field": fields, "direction": OrderDirection},
        "field": strawberry.field(description="What to sort by."),
        "direction": strawberry.field(default=OrderDirection.ASC, description="ASC unless given."),
    }
    return strawberry.input(
        type(name, (), namespace),
        description="One sort key; ties are broken by id, so pages never overlap.",
    )


@dataclass(frozen=True, eq=False)
class Listing:
    """One kind of list the graph pages: which rows, under which parent, and what clients may
    say about them (`query:`, `filter:`, `orderBy:`/`sort:`). Declared once per list, in the
    listed domain; any number of fields page it (`connection(LISTING)`).

    `rows` is the statement the list starts from when it is more than the model's table (joins,
    and the rule for what this viewer may see: written once, here). `parent` is the column that
    ties rows to the object the field is on (the same page under many parents is one statement,
    a row_number window); None for top-level lists. Without `sortable` the list has one fixed
    `order`."""

    model: type[Any]
    node: Any
    rows: Callable[[Context], Select[Any]] | None = None
    parent: Any = None
    order: SortKey | None = None
    sortable: Mapping[str, Any] | None = None
    default_sort: str = "-updated_at"
    fields: FieldSet | None = None
    queryable: bool = False
    query_description: str | None = None
    filter: type | None = None
    order_input: type | None = None

    def arguments(self) -> list[StrawberryArgument]:
        """The list's own arguments, after `first/after/last/before` and the field's own."""
        arguments = []
        if self.filter is not None:
            arguments.append(
                _argument(
                    "filter",
                    _optional(self.filter),
                    "Typed conditions, all of which must hold (and `query` too, when given).",
                )
            )
        if self.queryable:
            arguments.append(_argument("query", _optional(str), self._query_description()))
        if self.order_input is not None:
            arguments.append(
                _argument(
                    "order_by",
                    _optional(_list(self.order_input)),
                    f"Sort keys, the first deciding most; `{self.default_sort}` when neither "
                    "this nor `sort` is given.",
                )
            )
            arguments.append(
                _argument(
                    "sort",
                    _optional(str),
                    "`orderBy` as the CLI writes it: `-created_at, name` (`-` sorts "
                    "descending). Pass one or the other.",
                )
            )
        return arguments

    def _query_description(self) -> str:
        """What `query:` may say about this list: the syntax, its fields, an example."""
        assert self.fields is not None
        names = [*self.fields.fields, *(f"{prefix}.*" for prefix in self.fields.json_prefixes)]
        example = f" {self.query_description}" if self.query_description else ""
        return (
            "Conditions in Polyaxon's query language (`field:value`, `field:>v`, `field:%x%`, "
            "`field:a|b`, `~` negates; `,` is and, ` | ` is or), on "
            f"{', '.join(f'`{name}`' for name in names)}; blank filters nothing.{example}"
        )

    def where(
        self, filter: FilterInput | None = None, query: str | None = None
    ) -> tuple[ColumnElement[bool], Hashable]:
        """The predicate of `query` and `filter` (one SQL form for both), and a key that tells
        equal ones apart so equal connections share loaders."""
        if self.fields is None:
            return true(), None
        conditions = tuple(filter.conditions()) if filter is not None else ()
        return compile_filters(query, conditions, self.fields), (conditions, query)

    def sort_key(
        self, order_by: Sequence[OrderInput] | None = None, sort: str | None = None
    ) -> SortKey:
        if self.sortable is None:
            assert self.order is not None
            return self.order
        keys = ordering(order_by, sort, self.sortable, self.default_sort)
        return sort_key(keys, self.sortable, self.model.id)

    def statement(self, ctx: Context) -> Select[Any]:
        """Every row the list may hold for this viewer, before any parent, query or filter."""
        return self.rows(ctx) if self.rows else select(self.model)

    def under(
        self, parent: Hashable, *, where: Sequence[ColumnElement[bool]] = (), key: Hashable = None
    ) -> "Slice":
        """The rows under one parent; `where` (told apart by `key`) is what this field adds."""
        return Slice(parent, tuple(where), key)

    def everything(self) -> "Slice":
        """A top-level list: every row the listing's `rows` select."""
        return Slice(None)

    def nothing(self) -> "Slice":
        """What a list the viewer may not read holds for them: nothing, honestly counted."""
        return Slice(None, empty=True)


@dataclass(frozen=True)
class Slice:
    """What a connection resolver returns: which rows; the `connection` extension pages them."""

    parent: Hashable | None
    where: tuple[ColumnElement[bool], ...] = ()
    key: Hashable = None
    empty: bool = False

    async def page(
        self,
        ctx: Context,
        listing: Listing,
        args: PageArgs,
        predicate: ColumnElement[bool],
        predicate_key: Hashable,
        order: SortKey,
    ) -> Connection[Any]:
        if self.empty:
            return build_connection(Page.empty(), _zero)
        where = (predicate, *self.where)

        def statement() -> Select[Any]:
            return listing.statement(ctx).where(*where)

        if self.parent is None:
            page = await paginate(ctx.session, statement(), order, args)
            return build_connection(page, lambda: count(ctx.session, statement()))
        loaders = ctx.loaders.connections(listing)
        pages, counts = loaders.get((predicate_key, self.key), statement, order)
        page = await pages.load((self.parent, args))
        parent = self.parent
        return build_connection(page, lambda: counts.load(parent))


def _optional(annotation: Any) -> Any:
    return cast("Any", Optional)[annotation]


def _list(annotation: Any) -> Any:
    return cast("Any", list)[annotation]


def _argument(name: str, annotation: Any, description: str | None = None) -> StrawberryArgument:
    return StrawberryArgument(
        python_name=name,
        graphql_name=None,
        type_annotation=StrawberryAnnotation(annotation),
        description=description,
        default=None,
    )


_PAGE_ARGUMENTS = (
    ("first", _optional(int)),
    ("after", _optional(str)),
    ("last", _optional(int)),
    ("before", _optional(str)),
)
_PAGE_ARGUMENT_DESCRIPTIONS = {
    "first": (
        "How many items from the start, or after `after`: 0 to the server's limit (100 by "
        "default). The default page size (20) when neither `first` nor `last` is given."
    ),
    "after": "An `endCursor` (or an edge's `cursor`): the page starts after that item.",
    "last": "How many items from the end, or before `before`; not with `first`.",
    "before": "A `startCursor` (or an edge's `cursor`): the page ends before that item.",
}


class ListingExtension(FieldExtension):
    """`first/after/last/before` and the listing's arguments on a connection field, checked
    before the resolver runs; the resolver's `Slice` paged through the request's loaders."""

    def __init__(self, listing: Listing) -> None:
        self.listing = listing
        self.listed = [argument.python_name for argument in listing.arguments()]

    def apply(self, field: StrawberryField) -> None:
        field.arguments = [
            *(
                _argument(name, annotation, _PAGE_ARGUMENT_DESCRIPTIONS[name])
                for name, annotation in _PAGE_ARGUMENTS
            ),
            *field.arguments,
            *self.listing.arguments(),
        ]

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        settings = info.context.settings
        args = PageArgs.parse(
            **{name: kwargs.pop(name, None) for name, _ in _PAGE_ARGUMENTS},
            default_size=settings.default_page_size,
            max_size=settings.max_page_size,
        )
        listed = {name: kwargs.pop(name, None) for name in self.listed}
        query = (listed.get("query") or "").strip() or None  # blank: no filter
        predicate, predicate_key = self.listing.where(listed.get("filter"), query)
        order = self.listing.sort_key(listed.get("order_by"), listed.get("sort"))
        chosen: Slice = await next_(source, info, **kwargs)
        page = await chosen.page(info.context, self.listing, args, predicate, predicate_key, order)
        await prefetch(info, node_selections(info), [edge.node for edge in page.edges])
        return page


def connection(
    listing: Listing, *, description: str | None = None, nullable: bool = False, **options: Any
) -> Any:
    """A connection field over `listing`: `@connection(RUNS, description=…)` on a resolver that
    returns a `Slice`. `nullable` when a permission may refuse the field: refusing a list more
    private than its parent must not null the parent."""
    graphql_type = cast("Any", Connection)[listing.node]
    return strawberry.field(
        description=description,
        graphql_type=_optional(graphql_type) if nullable else graphql_type,
        extensions=[*options.pop("extensions", ()), ListingExtension(listing)],
        **options,
    )


def ordering(
    order_by: Sequence[OrderInput] | None,
    sort: str | None,
    sortable: Mapping[str, Any],
    default: str = "-updated_at",
) -> list[tuple[str, bool]]:
    """(field, descending) pairs from the typed `orderBy` or the CLI-style `sort` string."""
    if order_by and sort:
        raise BadUserInput("Pass `orderBy` or `sort`, not both.")
    if order_by:
        keys = [(str(o.field.value).lower(), o.direction is OrderDirection.DESC) for o in order_by]
        if len({field for field, _ in keys}) != len(keys):
            raise BadUserInput("`orderBy` names a field twice.")
        return keys
    return parse_sort(sort or default, sortable)


# ---- ids --------------------------------------------------------------------------------------

_MAX_ROW_ID = 2**63 - 1  # BIGINT


def row_id(node_id: str) -> int | None:
    """The row id a global id's node part names, or None when it cannot name a row (not ASCII
    digits, e.g. '²', or beyond BIGINT: both would fail in `int()` or in the database)."""
    if not (0 < len(node_id) <= 19 and node_id.isascii() and node_id.isdigit()):
        return None
    value = int(node_id)
    return value if value <= _MAX_ROW_ID else None


def decode_id(global_id: relay.GlobalID, expected: str, *, argument: str = "id") -> int:
    """The row id inside a global id of the expected type; anything else is bad input."""
    value = row_id(global_id.node_id) if global_id.type_name == expected else None
    if value is None:
        raise BadUserInput(f"`{argument}` must be the id of a {expected}.")
    return value


def decode_ids(
    given: relay.GlobalID | list[relay.GlobalID], expected: str, *, argument: str
) -> int | list[int]:
    """`decode_id` over one global id or a list of them."""
    if isinstance(given, list):
        return [decode_id(each, expected, argument=argument) for each in given]
    return decode_id(given, expected, argument=argument)


# ---- mutations --------------------------------------------------------------------------------

UserErrorCodeType = described_enum(
    UserErrorCode,
    name="UserErrorCode",
    description="Why a mutation refused its input (a business rule or a validation).",
    values={
        "INVALID": "A value breaks a rule: its form, a limit, or an archived project.",
        "TAKEN": "The name is in use already (names are case-insensitive).",
        "NOT_FOUND": "Something the input names (a user, a run, a source project) does not "
        "exist, or the viewer may not read it.",
        "LAST_OWNER": "An organization must keep at least one OWNER.",
        "INVALID_TRANSITION": "The version is already in that stage.",
        "PROMOTION_SOURCE_NOT_ALLOWED": "The run's project is neither the target project nor "
        "one of its promotion sources.",
        "INVALID_SPEC": "The component spec is not valid YAML or JSON, or not a valid spec.",
        "CONFLICT": "A concurrent change got there first; trying again may succeed.",
    },
)


@strawberry.type(
    name="UserError",
    description="Why a mutation changed nothing: a business rule or a validation refused it.",
)
class UserErrorType:
    field: str | None = strawberry.field(
        description="The input field at fault (its GraphQL name, e.g. `username`), if one is."
    )
    message: str = strawberry.field(description="What went wrong, in English, for people.")
    code: UserErrorCodeType = strawberry.field(  # type: ignore[valid-type]
        description="What went wrong, for code."
    )

    @classmethod
    def from_error(cls, error: UserError) -> "UserErrorType":
        return cls(field=error.field, message=error.message, code=error.code)


async def mutate(
    info: Info, payload: Callable[..., P], operation: Callable[[], Awaitable[Any]]
) -> P:
    """One transaction for one mutation field, in its payload. The operation's result fills the
    payload's object field (its first), or, as a mapping, the fields it names. A userError rolls
    everything back and is the payload's `userErrors`."""
    ctx = info.context
    try:
        async with ctx.writing():
            result = await operation()
    except UserError as error:
        return payload(user_errors=[UserErrorType.from_error(error)])
    finally:
        ctx.reset_loaders()
    if isinstance(result, Mapping):
        return payload(**result)
    first = dataclasses.fields(payload)[0].name  # type: ignore[arg-type]
    return payload(**{first: result})


def deleted(type_name: str, row_id: int) -> dict[str, relay.GlobalID]:
    """A delete payload's contents: the global id of what is gone."""
    return {"deleted_id": relay.GlobalID(type_name, str(row_id))}


C = TypeVar("C", bound=type)

PAYLOAD_DOC = (
    "What a mutation answers: what it changed, or `userErrors` saying why it changed nothing."
)
INPUT_DOC = "Everything the mutation takes, as one object."
TAGS_DOC = (
    "Lowercase labels: at most 20, each 1 to 64 characters without spaces, commas, pipes or "
    "parentheses."
)


def payload(cls: C) -> C:
    """A mutation's payload type: the fields it declares (each null on failure), then
    `userErrors` (empty on success). A field declared without a description gets one that says
    it is the object as the mutation left it."""
    for name, default in [(name, vars(cls).get(name)) for name in cls.__annotations__]:
        if not isinstance(default, StrawberryField):
            what = name.replace("_", " ")
            description = (
                f"The {what} as the mutation left it; null when `userErrors` says why not."
            )
            setattr(cls, name, strawberry.field(default=default, description=description))
    cls.__annotations__["user_errors"] = list[UserErrorType]
    setattr(  # noqa: B010
        cls,
        "user_errors",
        strawberry.field(
            default_factory=list,
            description="Why the mutation changed nothing; empty when it succeeded.",
        ),
    )
    return strawberry.type(cls, description=PAYLOAD_DOC)


@dataclass
class Deleted:
    """What a delete payload holds (`@payload class DeleteXPayload(Deleted): ...`)."""

    # A StrawberryField is a dataclass field: the subclass's `strawberry.type` reads it.
    deleted_id: relay.GlobalID | None = strawberry.field(  # noqa: RUF009
        default=None,
        description="The global id of what is gone; null when `userErrors` says why not.",
    )


def mutation(
    operation: Callable[..., Awaitable[Any]],
    input_type: type,
    *,
    description: str,
    target: str | None = None,
    target_field: str = "id",
    id_fields: Mapping[str, str] | None = None,
    deletes: bool = False,
    **fixed: Any,
) -> Any:
    """A mutation field declared by what it does (`createX: XPayload = mutation(…)`):
    `operation(ctx, [row id], **given)` in one transaction, its result in the payload the field
    is annotated with. `target` is the GraphQL type whose global id the input's `target_field`
    holds: its row id is the operation's second argument. The input's other given fields, and
    `fixed`, are keyword arguments. With `deletes`, the operation returns the deleted row's id,
    and the payload says `deletedId`. `id_fields` names the input fields that hold global ids
    (one or a list) and the type each names: the operation gets their row ids."""
    if deletes and target is None:
        raise ValueError("a deletion names what it deletes: pass `target`")
    argument = to_camel_case(target_field)

    async def resolve(info: Info, input: Any) -> Any:
        ids = (
            []
            if target is None
            else [decode_id(getattr(input, target_field), target, argument=argument)]
        )
        given = changes(input, leave_out=[target_field])
        for name, node in (id_fields or {}).items():
            if given.get(name) is not None:
                given[name] = decode_ids(given[name], node, argument=to_camel_case(name))

        async def operate() -> Any:
            result = await operation(info.context, *ids, **given, **fixed)
            return deleted(target, result) if deletes and target else result

        # Payloads are nullable (a refused mutation must not null its siblings' results): the
        # payload class is what the optional wraps.
        return await mutate(info, info.return_type.of_type, operate)  # type: ignore[union-attr]

    resolve.__annotations__ = {
        "info": Info,
        "input": Annotated[input_type, strawberry.argument(description=INPUT_DOC)],
    }
    return strawberry.mutation(resolver=resolve, description=description)


# Mutations that create something in an organization or a project name it by `organizationId`
# or `projectId`.
in_organization = partial(mutation, target="Organization", target_field="organization_id")
in_project = partial(mutation, target="Project", target_field="project_id")


def changes(given: object, *, leave_out: Iterable[str] = ("id",)) -> dict[str, Any]:
    """An input's fields the client gave (not `strawberry.UNSET`), as keyword arguments."""
    left_out = set(leave_out)
    return {
        name: value
        for name, value in vars(given).items()
        if name not in left_out and value is not strawberry.UNSET
    }


__all__ = [
    "INPUT_DOC",
    "TAGS_DOC",
    "Connection",
    "Deleted",
    "Edge",
    "FilterInput",
    "Listing",
    "OrderDirection",
    "RowNode",
    "Slice",
    "UserErrorType",
    "changes",
    "connection",
    "decode_id",
    "deleted",
    "described_enum",
    "described_permission",
    "in_organization",
    "in_project",
    "mutate",
    "mutation",
    "order_input",
    "payload",
    "related",
    "row_id",
    "viewer_permissions",
    "where",
]
