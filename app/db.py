"""Engine, sessions and the declarative base: the only place that knows which database it is."""

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Select,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from app import clock

RowT = TypeVar("RowT")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def string_enum(enum: type[StrEnum], name: str) -> Enum:
    """An enum column stored as its value, checked by a named constraint: the same on both
    databases (no native PostgreSQL type to migrate when a member is added)."""
    return Enum(
        enum, native_enum=False, length=16, create_constraint=True, name=name, validate_strings=True
    )


def tags_index(table: str) -> Index:
    """The index `tags:` filters use on PostgreSQL (GIN: `tags ?| …`), e.g. W2's `tags:golden`
    counting 5,000 of 100,000 versions in 12 ms instead of a 32 ms scan."""
    return Index(f"ix_{table}_tags", "tags", postgresql_using="gin")


def link_key(target: str) -> Mapped[int]:
    """Half of a link table's key: the linked row's id, the link gone with it."""
    return mapped_column(ForeignKey(target, ondelete="CASCADE"), primary_key=True)


async def delete_now(session: AsyncSession, row: Any) -> int:
    """Delete `row` and flush at once, so what the database refuses fails the mutation here; its
    id, for the payload's `deletedId`."""
    row_id: int = row.id
    await session.delete(row)
    await session.flush()
    return row_id


def utcnow() -> datetime:
    return clock.utcnow()


# A session asks for a write transaction with this execution option: on SQLite it begins
# IMMEDIATE (the database's one write lock, taken at BEGIN, so every decision the transaction
# makes is on data no other writer can change before it commits); PostgreSQL locks rows instead.
WRITE_TRANSACTION = {"hubql_write_transaction": True}


# SQLite has one writer at a time. Writers of this process queue here, on the event loop, rather
# than in SQLite's busy handler: 64 of them waiting there each hold a connection and a thread, and
# past `busy_timeout` they fail with "database is locked". (Other processes still wait in the
# busy handler.)
_SQLITE_WRITERS: "WeakKeyDictionary[Engine, asyncio.Lock]" = WeakKeyDictionary()


@asynccontextmanager
async def write_transaction(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """A transaction that will write: begun IMMEDIATE on SQLite (see WRITE_TRANSACTION), so it
    never has to upgrade a read snapshot into a write, which SQLite refuses once another writer
    committed in between (SQLITE_BUSY_SNAPSHOT, without waiting). Begun, committed and rolled
    back through the session's own operations, so a gated session gates them too."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    queue = (
        _SQLITE_WRITERS.setdefault(engine, asyncio.Lock())
        if engine.dialect.name == "sqlite"
        else contextlib.nullcontext()
    )
    async with queue:
        if session.in_transaction():
            # Close the read-only transaction earlier statements opened; nothing is expired.
            await session.commit()
        await session.connection(execution_options=WRITE_TRANSACTION)
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # The driver's own transaction handling begins only before DML, so reads ran outside any
    # transaction and a SAVEPOINT before the first write committed on its own: SQLAlchemy emits
    # BEGIN itself instead (its documented recipe for sqlite3 and aiosqlite).
    dbapi_connection.isolation_level = None


def _begin_sqlite(connection: Connection) -> None:
    writing = connection.get_execution_options().get("hubql_write_transaction", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


# asyncpg prepares every statement, and after five runs PostgreSQL may keep a generic plan, made
# without the parameters' values. hubql's data is skewed (one model with 100,000 versions beside
# models with 12; a tag on 10 % of them), so one plan cannot suit every value: W2's page fell
# from a 0.4 ms index walk to a 10 ms bitmap scan and sort once the generic plan set in.
# Planning each statement afresh costs a few hundredths of a millisecond.
CUSTOM_PLANS = {"plan_cache_mode": "force_custom_plan"}


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # Bind parameters (token hashes, emails, names) stay out of logged errors and of echo.
    # orjson reads JSON columns (tags, artifacts, metadata): a page of 500 versions decodes
    # 1,500 of them.
    if url.startswith("postgresql"):
        kwargs.setdefault("connect_args", {}).setdefault("server_settings", {}).update(CUSTOM_PLANS)
    engine = create_async_engine(
        url, hide_parameters=True, json_deserializer=orjson.loads, **kwargs
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        event.listen(engine.sync_engine, "begin", _begin_sqlite)
    return engine


async def refresh_statistics(engine: AsyncEngine) -> None:
    """After a bulk load: the planner's statistics brought up to date (and, on PostgreSQL, the
    visibility map, so index-only scans need not wait for autovacuum)."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM ANALYZE")
    else:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("ANALYZE")


SelectT = TypeVar("SelectT", bound=Select[Any])


def locked(statement: SelectT, *, shared: bool = False) -> SelectT:
    """The selected rows, locked until the transaction ends, and read afresh into the session
    (an identity map may hold them as an earlier statement saw them).

    `shared` (FOR SHARE): writes into the row's children hold it so that a change to the row
    itself waits for them and they wait for it. Otherwise FOR NO KEY UPDATE: one transaction at
    a time, without blocking inserts that merely reference the row. SQLite ignores both: its
    write transactions begin IMMEDIATE, one at a time (WRITE_TRANSACTION).
    """
    return statement.with_for_update(read=shared, key_share=not shared).execution_options(
        populate_existing=True
    )


def pool_options(url: str, size: int, overflow: int) -> dict[str, Any]:
    """Pool sizing for servers; SQLite's pool is its own (one file, one writer)."""
    if url.startswith("sqlite"):
        return {}
    return {"pool_size": size, "max_overflow": overflow, "pool_pre_ping": True}


class RequestFinished(Exception):
    """The request's response is gone; late work on its session is dropped."""


class GatedSession(AsyncSession):
    """A session any number of coroutines of one request may share. An AsyncSession allows one
    operation at a time while GraphQL resolves sibling fields concurrently: every operation here
    holds the session's gate for itself (and only for itself), so services, loaders and resolvers
    all simply use it. Once the request is finished, later work (a resolver GraphQL abandoned
    when a sibling's error nulled their parent) is refused instead of opening a transaction."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = asyncio.Lock()
        self.finished = False

    async def finish(self) -> None:
        """End the session once no operation is running on it. A connection the database
        dropped under the request (a restart) cannot roll back: it is invalidated, so the pool
        forgets it, and the answer already made still goes out."""
        async with self.gate:
            self.finished = True
            try:
                await AsyncSession.close(self)
            except (DBAPIError, OSError):
                await AsyncSession.invalidate(self)


def _gated(name: str) -> Callable[..., Awaitable[Any]]:
    operation = getattr(AsyncSession, name)

    @functools.wraps(operation)
    async def gated(self: GatedSession, *args: Any, **kwargs: Any) -> Any:
        async with self.gate:
            if self.finished:
                raise RequestFinished
            return await operation(self, *args, **kwargs)

    return gated


# Every AsyncSession operation that reaches the connection, but those implemented by another of
# them (`scalars` runs `execute`, `stream_scalars` runs `stream`, `aclose` runs `close`): the gate
# is not re-entrant. Typing is AsyncSession's own.
for _operation in (
    "execute", "scalar", "get", "get_one", "stream", "refresh", "delete", "delete_all", "merge",
    "merge_all", "flush", "connection", "commit", "rollback", "close", "invalidate", "reset",
    "run_sync",
):  # fmt: skip
    setattr(GatedSession, _operation, _gated(_operation))


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=GatedSession, expire_on_commit=False, autoflush=False)


# JSON on both databases; JSONB on PostgreSQL so containment and key operators are indexable.
JSONType = JSON().with_variant(JSONB(), "postgresql")


async def insert_unless_present(session: AsyncSession, model: type[Any], **values: Any) -> bool:
    """Insert a row of `model` unless its primary key is taken: whether it was inserted. A
    concurrent insert of the same key waits for this transaction and then inserts nothing, so
    the first writer's row is the one every later one finds (ON CONFLICT DO NOTHING, which both
    databases spell alike but SQLAlchemy builds per dialect)."""
    dialect = session.get_bind().dialect.name
    build = postgresql_insert if dialect == "postgresql" else sqlite_insert
    keys = [column.name for column in model.__table__.primary_key]
    statement = build(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    inserted = await session.execute(statement.returning(*model.__table__.primary_key))
    return inserted.first() is not None


async def insert_or_existing(
    session: AsyncSession, row: RowT, existing: Callable[[], Awaitable[RowT | None]]
) -> tuple[RowT, bool]:
    """Insert `row`, or return the row a unique constraint says is already there.

    The insert runs in a savepoint so the transaction survives the conflict and can look the
    winner up: concurrent writers are decided by the constraint, never by check-then-insert.
    The savepoint is one operation of the session (`run_sync`), so a gated session holds its
    gate from SAVEPOINT to RELEASE.
    """

    def insert(sync_session: Session) -> None:
        with sync_session.begin_nested():
            sync_session.add(row)
            sync_session.flush()

    try:
        await session.run_sync(insert)
    except IntegrityError:
        found = await existing()
        if found is None:
            raise
        return found, False
    return row, True
