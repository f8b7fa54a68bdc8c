"""Keyset pagination: cursors over the sort key plus a unique tiebreaker, for top-level lists and
for the same connection under many parents in one statement."""

import base64
import binascii
import json
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Enum,
    Float,
    Integer,
    Label,
    Select,
    SQLColumnExpression,
    String,
    Subquery,
    and_,
    bindparam,
    false,
    func,
    label,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.types import TypeDecorator

from app.errors import BadUserInput
from app.values import text_problem, utc_instant

T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class PageArgs:
    """Relay arguments, already checked against the limits."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @classmethod
    def parse(
        cls,
        *,
        first: int | None,
        after: str | None,
        last: int | None,
        before: str | None,
        default_size: int,
        max_size: int,
    ) -> "PageArgs":
        for name, value in (("first", first), ("last", last)):
            if value is not None and not 0 <= value <= max_size:
                raise BadUserInput(f"`{name}` must be between 0 and {max_size}; got {value}.")
        if first is not None and last is not None:
            raise BadUserInput("Pass `first` or `last`, not both.")
        if last is None and first is None:
            first = default_size if before is None else None
            last = default_size if before is not None else None
        return cls(first=first, after=after, last=last, before=before)

    @property
    def backwards(self) -> bool:
        return self.last is not None

    @property
    def size(self) -> int:
        size = self.last if self.backwards else self.first
        assert size is not None
        return size


@dataclass(frozen=True, slots=True)
class SortKey:
    """An ordering: named expressions, the last of which must be unique within the list."""

    name: str
    columns: tuple[tuple[SQLColumnExpression[Any], bool], ...]  # (expression, descending)

    @property
    def identity(self) -> str:
        """What a cursor is a cursor of: the ordering and the table of its tiebreaker (the
        list's rows), so a cursor of one list is refused by another sorted alike."""
        table = getattr(self.columns[-1][0], "table", None) if self.columns else None
        return f"{getattr(table, 'name', '')}:{self.name}"


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    keys: Sequence[Sequence[Any]]  # each item's sort values: its cursor, encoded when asked
    sort: SortKey | None
    has_next_page: bool
    has_previous_page: bool

    @classmethod
    def empty(cls) -> "Page[T]":
        return cls([], [], None, has_next_page=False, has_previous_page=False)

    def cursor(self, index: int) -> str:
        assert self.sort is not None  # an empty page has no index
        return encode_cursor(self.sort, self.keys[index])

    @property
    def cursors(self) -> list[str]:
        return [self.cursor(index) for index in range(len(self.items))]


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


# A real cursor is a few sort values and an id: anything much longer is not one of ours.
MAX_CURSOR_LENGTH = 2048


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"dt"} and isinstance(value["dt"], str):
        return datetime.fromisoformat(value["dt"])
    if isinstance(value, dict | list):
        raise TypeError("a cursor value is a scalar")
    return value


def encode_cursor(sort: SortKey, values: Sequence[Any]) -> str:
    payload = json.dumps([sort.identity, [_encode_value(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(sort: SortKey, cursor: str, argument: str) -> list[Any]:
    """The sort values inside a cursor of this list and order, each of which binds to its
    column on every database; anything else (forged, foreign, truncated) is BAD_USER_INPUT."""
    not_ours = BadUserInput(f"`{argument}` is not a cursor from this list.")
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise not_ours
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, values = json.loads(raw, parse_constant=_not_json)
    except (binascii.Error, ValueError, TypeError, RecursionError) as error:
        raise not_ours from error
    if name != sort.identity or not isinstance(values, list) or len(values) != len(sort.columns):
        raise BadUserInput(f"`{argument}` is not a cursor from this list in this order.")
    try:
        decoded = [_decode_value(v) for v in values]
    except (ValueError, TypeError) as error:
        raise not_ours from error
    if not all(
        _fits(column, value) for (column, _), value in zip(sort.columns, decoded, strict=True)
    ):
        # A forged cursor: its values would fail in the database, not merely match nothing.
        raise not_ours
    return decoded


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _fits(column: SQLColumnExpression[Any], value: Any) -> bool:
    """Whether a cursor value binds to the column's type on every database."""
    sql_type = cast("ColumnElement[Any]", column).type
    if isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    if isinstance(value, str) and text_problem(value) is not None:
        return False
    if isinstance(sql_type, Enum):
        # An unknown member is a LookupError while binding (a 500), not an empty page.
        return isinstance(value, str) and value in sql_type.enums
    if isinstance(sql_type, Integer):
        return type(value) is int and -(2**63) <= value < 2**63
    if isinstance(sql_type, String):
        return isinstance(value, str)
    if isinstance(sql_type, DateTime):
        return isinstance(value, datetime) and _is_utc_instant(value)
    if isinstance(sql_type, Float):
        return type(value) in {int, float} and math.isfinite(value)
    return value is None or isinstance(value, bool | int | str)


def _is_utc_instant(value: datetime) -> bool:
    try:
        utc_instant(value, "a cursor")
    except BadUserInput:
        return False
    return True


def _after(sort: SortKey, values: Sequence[Any], *, reverse: bool) -> ColumnElement[bool]:
    """Rows strictly after `values` in the sort order (before it when `reverse`)."""
    clauses: list[ColumnElement[bool]] = []
    for index, (column, descending) in enumerate(sort.columns):
        forward = descending == reverse
        step = column > values[index] if forward else column < values[index]
        equal_prefix = [sort.columns[i][0] == values[i] for i in range(index)]
        clauses.append(and_(*equal_prefix, step))
    if not clauses:
        return false()
    # The same condition, plus a bound on the first column alone that an index can start its
    # scan at: without it PostgreSQL walked the 90,000 rows before W2's cursor to find it.
    first, descending = sort.columns[0]
    if values[0] is None:
        return or_(*clauses)
    bound = first >= values[0] if descending == reverse else first <= values[0]
    return and_(bound, or_(*clauses))


def _order_by(sort: SortKey, *, reverse: bool) -> list[ColumnElement[Any]]:
    return [
        column.desc() if descending != reverse else column.asc()
        for column, descending in sort.columns
    ]


def _window_filter(sort: SortKey, args: PageArgs) -> list[ColumnElement[bool]]:
    clauses = []
    if args.after is not None:
        clauses.append(_after(sort, decode_cursor(sort, args.after, "after"), reverse=False))
    if args.before is not None:
        clauses.append(_after(sort, decode_cursor(sort, args.before, "before"), reverse=True))
    return clauses


def _sort_labels(sort: SortKey) -> list[Label[Any]]:
    return [label(f"_sort_{i}", column) for i, (column, _) in enumerate(sort.columns)]


def _build_page(rows: list[tuple[T, list[Any]]], sort: SortKey, args: PageArgs) -> Page[T]:
    has_more = len(rows) > args.size
    rows = rows[: args.size]
    if args.backwards:
        rows.reverse()
    items = [item for item, _ in rows]
    keys = [values for _, values in rows]
    if args.backwards:
        return Page(
            items, keys, sort, has_next_page=args.before is not None, has_previous_page=has_more
        )
    return Page(items, keys, sort, has_next_page=has_more, has_previous_page=args.after is not None)


async def paginate(
    session: AsyncSession, statement: Select[T], sort: SortKey, args: PageArgs
) -> Page[T]:
    """One page of a top-level list; `statement` selects one entity, already filtered."""
    labels = _sort_labels(sort)
    query = (
        statement.add_columns(*labels)
        .where(*_window_filter(sort, args))
        .order_by(*_order_by(sort, reverse=args.backwards))
        .limit(args.size + 1)
    )
    if args.size == 0:
        return Page.empty()
    result = await session.execute(query)
    rows = [(row[0], list(row[1:])) for row in result.all()]
    return _build_page(rows, sort, args)


# Counts select from the list's own statement, not from it as a subquery: its rows are never
# joined or made distinct, so counting them in place is the same number, and a subquery's column
# collection was a tenth of W2's time in Python.


async def count(session: AsyncSession, statement: Select[Any]) -> int:
    counting = statement.with_only_columns(func.count(), maintain_column_froms=True)
    total = await session.scalar(counting.order_by(None))
    return int(total or 0)


async def paginate_partitioned(
    session: AsyncSession,
    statement: Select[Any],
    entity: type[T],
    partition: SQLColumnExpression[K],
    parents: Sequence[K],
    sort: SortKey,
    args: PageArgs,
) -> dict[K, Page[T]]:
    """The same page of a connection under many parents, in one statement.

    `statement` selects `entity` (and whatever joins the sort key needs); `partition` is the
    parent's key column on it.
    """
    pages: dict[K, Page[T]] = {parent: Page.empty() for parent in parents}
    if args.size == 0 or not parents:
        return pages
    if len(parents) == 1:
        # One parent (`project { modelVersions }`): a keyset scan of its index, which stops at
        # the page's end.
        [parent] = parents
        return {parent: await paginate(session, statement.where(partition == parent), sort, args)}
    labels = _sort_labels(sort)
    inner = _pages(statement.add_columns(partition.label("_partition"), *labels), partition,
                   parents, sort, args,
                   page_shape(session.get_bind().dialect.name, len(parents)))  # fmt: skip
    within_page = [inner.c._row_number <= args.size + 1] if "_row_number" in inner.c else []
    row_entity = aliased(entity, inner)
    sort_columns = [inner.c[f"_sort_{i}"] for i in range(len(labels))]
    query = (
        select(row_entity, inner.c._partition, *sort_columns)
        .where(*within_page)
        .order_by(
            inner.c._partition,
            *(
                column.desc() if descending != args.backwards else column.asc()
                for column, (_, descending) in zip(sort_columns, sort.columns, strict=True)
            ),
        )
    )
    grouped: dict[K, list[tuple[T, list[Any]]]] = {parent: [] for parent in parents}
    for row in (await session.execute(query)).all():
        grouped[row[1]].append((row[0], list(row[2:])))
    for parent, rows in grouped.items():
        pages[parent] = _build_page(rows, sort, args)
    return pages


# SQLite: up to this many parents, a page under each is its own LIMITed index scan, the scans
# joined by UNION ALL (W1: 50 models' versions in 4 ms where numbering every version of a
# 100,000-version model took 160). Beyond it, one row_number window keeps the statement small.
UNION_PARENTS = 100

PageShape = Literal["lateral", "union", "window"]


def page_shape(dialect: str, parents: int) -> PageShape:
    """How the pages under several parents are found on this database."""
    if dialect == "postgresql":
        return "lateral"
    return "union" if parents <= UNION_PARENTS else "window"


def _pages(
    labelled: Select[Any],
    partition: SQLColumnExpression[K],
    parents: Sequence[K],
    sort: SortKey,
    args: PageArgs,
    shape: PageShape,
) -> Subquery:
    """Every parent's page candidates (`labelled` carries `_partition` and the sort labels)."""
    order = _order_by(sort, reverse=args.backwards)
    if shape == "lateral":
        # PostgreSQL: the same LIMITed index scan per parent, by a LATERAL join over the parents
        # bound as one array. Its shape does not depend on how many parents there are, so it is
        # built from few objects and compiled once (50 UNION branches cost W1 50 ms a request).
        keys = bindparam(
            None, list(parents), type_=postgresql.ARRAY(cast("ColumnElement[K]", partition).type)
        )
        each = func.unnest(keys).table_valued("parent").render_derived("parents")
        scan = (
            labelled.where(partition == each.c.parent, *_window_filter(sort, args))
            .order_by(*order)
            .limit(args.size + 1)
            .lateral("candidates")
        )
        return select(scan).select_from(each).join(scan, true()).subquery()
    if shape == "window":
        row_number = func.row_number().over(partition_by=partition, order_by=order)
        return (
            labelled.add_columns(row_number.label("_row_number"))
            .where(partition.in_(parents), *_window_filter(sort, args))
            .subquery()
        )
    # SQLite allows ORDER BY and LIMIT only in a compound's subqueries, not in its members.
    branches = [
        select(
            labelled.where(partition == parent, *_window_filter(sort, args))
            .order_by(*order)
            .limit(args.size + 1)
            .subquery()
        )
        for parent in parents
    ]
    return union_all(*branches).subquery()


async def count_partitioned(
    session: AsyncSession,
    statement: Select[Any],
    partition: SQLColumnExpression[K],
    parents: Sequence[K],
) -> dict[K, int]:
    query = (
        statement.with_only_columns(partition, func.count(), maintain_column_froms=True)
        .where(partition.in_(parents))
        .group_by(partition)
        .order_by(None)
    )
    counts: dict[K, int] = dict.fromkeys(parents, 0)
    for parent, total in (await session.execute(query)).all():
        counts[parent] = int(total)
    return counts


CountFn = Callable[[], Awaitable[int]]


def sort_key(
    keys: Sequence[tuple[str, bool]],
    sortable: Mapping[str, SQLColumnExpression[Any]],
    tiebreaker: SQLColumnExpression[Any],
) -> SortKey:
    """An ordering from (field, descending) pairs, made total by a unique tiebreaker."""
    name = ",".join(f"{'-' if descending else ''}{field}" for field, descending in keys)
    columns = tuple((sortable[field], descending) for field, descending in keys)
    last_descending = keys[-1][1] if keys else False
    return SortKey(name, (*columns, (tiebreaker, last_descending)))
