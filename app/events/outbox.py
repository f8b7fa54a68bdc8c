"""The activity log read as a feed of events: what has committed since a subscriber's cursor,
in an order in which no row can appear behind the cursor later.

On PostgreSQL ids are drawn before commit, so a row with a smaller id may commit after a larger
one. Rows carry their transaction's id (`Activity.txid`); the feed follows (txid, id) and reads
only rows of transactions older than every transaction still running
(`pg_snapshot_xmin(pg_current_snapshot())`): once such a row is readable, no row before it in
that order can still appear. SQLite's writers take turns, so there the id alone is the order.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, ColumnElement, Text, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.activity.models import Activity

NOTIFY_CHANNEL = "hubql_activity"


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in the feed: after the row (txid, id); txid is 0 on SQLite."""

    txid: int = 0
    id: int = 0


def this_transaction_id() -> ColumnElement[int]:
    """The writing transaction's id as a BIGINT (PostgreSQL's xid8 has no cast to it)."""
    return func.pg_current_xact_id().cast(Text).cast(BigInteger)


def _settled() -> ColumnElement[int]:
    """Transactions older than this have all ended: their rows are final."""
    return func.pg_snapshot_xmin(func.pg_current_snapshot()).cast(Text).cast(BigInteger)


def _on_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True)
class Read:
    rows: Sequence[Activity]
    # Committed rows past the cursor wait for an older transaction still running (one that
    # may never announce itself: it may roll back, or write no activity): read again soon.
    pending: bool = False


async def read(
    session: AsyncSession, after: Cursor, where: ColumnElement[bool], limit: int
) -> Read:
    """Up to `limit` settled rows after the cursor that `where` admits, in feed order."""
    statement = select(Activity).where(where)
    if not _on_postgresql(session):
        statement = statement.where(Activity.id > after.id).order_by(Activity.id)
        return Read((await session.scalars(statement.limit(limit))).all())
    # Every settled row comes before every unsettled one in (txid, id) order: read both and
    # keep the settled prefix.
    settled = (Activity.txid < _settled()).label("settled")
    found = (
        await session.execute(
            statement.add_columns(settled)
            .where(tuple_(Activity.txid, Activity.id) > tuple_(after.txid, after.id))
            .order_by(Activity.txid, Activity.id)
            .limit(limit)
        )
    ).all()
    rows = [row for row, is_settled in found if is_settled]
    return Read(rows, pending=len(rows) < len(found))


async def head(session: AsyncSession) -> Cursor:
    """The cursor after every settled row: where a new subscriber starts (a row still being
    written comes after it in feed order, so it will be read)."""
    if _on_postgresql(session):
        last = (
            await session.execute(
                select(Activity.txid, Activity.id)
                .where(Activity.txid < _settled())
                .order_by(Activity.txid.desc(), Activity.id.desc())
                .limit(1)
            )
        ).first()
        return Cursor(last.txid or 0, last.id) if last else Cursor()
    return Cursor(0, await session.scalar(select(func.max(Activity.id))) or 0)


async def append(session: AsyncSession, activity: Activity) -> None:
    """Write an event in the current transaction: in the feed's order, and with a wake for every
    process's subscribers that PostgreSQL delivers only if the transaction commits."""
    if _on_postgresql(session):
        activity.txid = this_transaction_id()
        await session.execute(select(func.pg_notify(NOTIFY_CHANNEL, "")))
    session.add(activity)
    await session.flush()


def cursor_of(row: Activity) -> Cursor:
    return Cursor(row.txid or 0, row.id)
