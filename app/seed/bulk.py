"""Rows written in batches with SQLAlchemy Core (executemany), for the sizes that the services,
one object and one activity row at a time, would take minutes over."""

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import Base
from app.seed.progress import Advance

BATCH = 5_000

Row = dict[str, Any]


def _batches(rows: Iterable[Row]) -> Iterator[list[Row]]:
    """Python 3.11 has no itertools.batched; rows may be a generator (the large scale's)."""
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


async def insert_rows(
    connection: AsyncConnection, model: type[Base], rows: Iterable[Row], advance: Advance
) -> None:
    statement = insert(_table(model))
    for batch in _batches(rows):
        await connection.execute(statement, batch)
        advance(len(batch))


async def insert_keyed(
    connection: AsyncConnection,
    model: type[Base],
    rows: Sequence[Row],
    key: tuple[str, ...],
    advance: Advance,
) -> list[int]:
    """Insert, then the new rows' ids in the order of `rows`, found by a unique `key` (RETURNING
    over executemany, which would say them at once, is several times slower on SQLite)."""
    await insert_rows(connection, model, rows, advance)
    table = _table(model)
    found = {
        tuple(found[:-1]): found[-1]
        for found in await connection.execute(select(*(table.c[k] for k in key), table.c.id))
    }
    return [found[tuple(row[k] for k in key)] for row in rows]
