"""Generic per-request loaders: rows by key, connection pages and counts under many parents.

Loaders know nothing of authorization: whatever reaches them was authorized already. They hold
the request's session lock while they run a statement.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from aiodataloader import DataLoader
from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute

from app.pagination import Page, PageArgs, SortKey, count_partitioned, paginate_partitioned

if TYPE_CHECKING:  # the context holds the access kernel, which peeks into these loaders
    from app.context import Context

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


# What `peek` answers for a key the loader has not loaded (yet).
NOT_LOADED: Any = object()


def peek(loader: DataLoader[K, Any], key: K) -> Any:
    """The loader's value for `key` if it has loaded it already, else `NOT_LOADED`; never starts
    a load."""
    # aiodataloader keeps its futures in `_cache` (the `cache_map` it was given); it has no
    # public "is it loaded" call, and `load` always answers with an awaitable.
    future = loader._cache.get(loader.get_cache_key(key))
    if future is None or not future.done() or future.cancelled() or future.exception():
        return NOT_LOADED
    return future.result()


class RowsByKeyLoader(DataLoader[K, T | None], Generic[K, T]):
    """One row per key (`None` when missing), in one `IN` query per batch."""

    def __init__(self, ctx: "Context", entity: type[T], key: InstrumentedAttribute[K]) -> None:
        super().__init__()
        self._ctx = ctx
        self._entity = entity
        self._key = key

    async def batch_load_fn(self, keys: list[K]) -> list[T | None]:
        session = self._ctx.session
        rows = (await session.scalars(select(self._entity).where(self._key.in_(keys)))).all()
        self._ctx.take_rows(len(rows))
        by_key = {getattr(row, self._key.key): row for row in rows}
        return [by_key.get(key) for key in keys]


class GroupedRowsLoader(DataLoader[K, list[T]], Generic[K, T]):
    """Every row whose `key` column equals the loader key (a small, unpaginated relation)."""

    def __init__(self, ctx: "Context", statement: Select[T], key: InstrumentedAttribute[K]) -> None:
        super().__init__()
        self._ctx = ctx
        self._statement = statement
        self._key = key

    async def batch_load_fn(self, keys: list[K]) -> list[list[T]]:
        session = self._ctx.session
        rows = (await session.scalars(self._statement.where(self._key.in_(keys)))).all()
        self._ctx.take_rows(len(rows))
        grouped: dict[K, list[T]] = defaultdict(list)
        for row in rows:
            grouped[getattr(row, self._key.key)].append(row)
        return [grouped.get(key, []) for key in keys]


class PageLoader(DataLoader[tuple[K, PageArgs], Page[T]], Generic[K, T]):
    """A connection's page under many parents: one window-function statement per distinct
    page arguments (usually one for the whole response)."""

    def __init__(
        self,
        ctx: "Context",
        statement: Callable[[], Select[Any]],
        entity: type[T],
        partition: InstrumentedAttribute[K],
        sort: SortKey,
    ) -> None:
        super().__init__()
        self._ctx = ctx
        self._statement = statement
        self._entity = entity
        self._partition = partition
        self._sort = sort

    async def batch_load_fn(self, keys: list[tuple[K, PageArgs]]) -> list[Page[T]]:
        by_args: dict[PageArgs, list[K]] = defaultdict(list)
        for parent, args in keys:
            by_args[args].append(parent)
        pages: dict[tuple[K, PageArgs], Page[T]] = {}
        session = self._ctx.session
        for args, parents in by_args.items():
            found = await paginate_partitioned(
                session,
                self._statement(),
                self._entity,
                self._partition,
                parents,
                self._sort,
                args,
            )
            pages.update({(parent, args): page for parent, page in found.items()})
            self._ctx.take_rows(sum(len(page.items) for page in found.values()))
        return [pages[key] for key in keys]


class CountLoader(DataLoader[K, int], Generic[K]):
    """`totalCount` of a connection under many parents, one grouped statement."""

    def __init__(
        self,
        ctx: "Context",
        statement: Callable[[], Select[Any]],
        partition: InstrumentedAttribute[K],
    ) -> None:
        super().__init__()
        self._ctx = ctx
        self._statement = statement
        self._partition = partition

    async def batch_load_fn(self, keys: list[K]) -> list[int]:
        session = self._ctx.session
        counts = await count_partitioned(session, self._statement(), self._partition, keys)
        return [counts[key] for key in keys]


class ConnectionLoaders(Generic[K, T]):
    """The page and count loaders of one connection under many parents, one pair per distinct
    filter and order (a response usually asks for one)."""

    def __init__(
        self, ctx: "Context", entity: type[T], partition: InstrumentedAttribute[K]
    ) -> None:
        self._ctx = ctx
        self._entity = entity
        self._partition = partition
        self._pairs: dict[Hashable, tuple[PageLoader[K, T], CountLoader[K]]] = {}

    def get(
        self, key: Hashable, statement: Callable[[], Select[Any]], sort: SortKey
    ) -> tuple[PageLoader[K, T], CountLoader[K]]:
        full_key = (key, sort.name)
        if full_key not in self._pairs:
            self._pairs[full_key] = (
                PageLoader(self._ctx, statement, self._entity, self._partition, sort),
                CountLoader(self._ctx, statement, self._partition),
            )
        return self._pairs[full_key]


class RelatedRowsLoader(DataLoader[K, list[T]], Generic[K, T]):
    """Rows related to each key through a link: `statement` selects (row, key) pairs."""

    def __init__(self, ctx: "Context", statement: Callable[[list[K]], Select[Any, Any]]) -> None:
        super().__init__()
        self._ctx = ctx
        self._statement = statement

    async def batch_load_fn(self, keys: list[K]) -> list[list[T]]:
        grouped: dict[K, list[T]] = defaultdict(list)
        session = self._ctx.session
        rows = (await session.execute(self._statement(keys))).all()
        self._ctx.take_rows(len(rows))
        for row, key in rows:
            grouped[key].append(row)
        return [grouped.get(key, []) for key in keys]
