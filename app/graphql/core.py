"""Building blocks every domain's types use: connections, page arguments, ids, mutations."""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

import strawberry
from strawberry import relay

from app.errors import BadUserInput, UserError, UserErrorCode
from app.graphql.context import Info
from app.pagination import CountFn, Page, PageArgs
from app.pql import parse_sort

T = TypeVar("T")
R = TypeVar("R")

UserErrorCodeType = strawberry.enum(UserErrorCode, name="UserErrorCode")


@strawberry.type
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Pass as `after` (or `before`) to page on.")
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: relay.PageInfo
    _total: strawberry.Private[CountFn]

    @strawberry.field(description="How many items the whole list holds for this viewer.")
    async def total_count(self) -> int:
        return await self._total()


def build_connection(page: Page[R], wrap: Callable[[R], T], total: CountFn) -> Connection[T]:
    edges = [
        Edge(cursor=cursor, node=wrap(item))
        for item, cursor in zip(page.items, page.cursors, strict=True)
    ]
    return Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        _total=total,
    )


async def _zero() -> int:
    return 0


def empty_connection() -> Connection[Any]:
    """What a list the viewer may not read holds for them: nothing, honestly counted."""
    return build_connection(Page.empty(), lambda item: item, _zero)


def page_args(
    info: Info, first: int | None, after: str | None, last: int | None, before: str | None
) -> PageArgs:
    settings = info.context.settings
    return PageArgs.parse(
        first=first,
        after=after,
        last=last,
        before=before,
        default_size=settings.default_page_size,
        max_size=settings.max_page_size,
    )


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


@strawberry.type(name="UserError")
class UserErrorType:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str
    code: UserErrorCodeType  # type: ignore[valid-type]

    @classmethod
    def from_error(cls, error: UserError) -> "UserErrorType":
        return cls(field=error.field, message=error.message, code=error.code)


async def run_mutation(
    info: Info, operation: Callable[[], Awaitable[R]]
) -> tuple[R | None, list[UserErrorType]]:
    """One transaction for one mutation field. A userError rolls everything back."""
    ctx = info.context
    try:
        async with ctx.writing():
            result = await operation()
    except UserError as error:
        return None, [UserErrorType.from_error(error)]
    finally:
        ctx.reset_loaders()
    return result, []


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


class OrderInput(Protocol):
    """Every `XOrder` input: a field of the list's order enum and a direction."""

    @property
    def field(self) -> Enum: ...

    @property
    def direction(self) -> OrderDirection: ...


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


def filter_key(*parts: object) -> str:
    """A stable key for a filter's arguments, to share loaders between equal connections."""
    return repr(parts)
