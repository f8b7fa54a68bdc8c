from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigIntId, JSONType, UTCDateTime, utcnow


class Activity(Base):
    """One successful mutation: who did what to which object, when. It is also the event that
    subscriptions and webhooks announce (an outbox: written in the mutation's transaction).

    `project_id` is a plain column, not a foreign key: the row outlives a deleted project, and
    with no project left to read, only those who see all of the organization's activity see it.

    `txid` is the writing transaction's id on PostgreSQL (null on SQLite, whose writers take
    turns): ids are drawn before commit, so a row with a smaller id can commit after a larger
    one; readers of the feed follow (txid, id) and read only rows of transactions older than
    every transaction still running (`app.events.outbox`), so none is skipped.
    """

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_organization_id_at", "organization_id", "at"),
        Index("ix_activities_project_id", "project_id"),
        Index("ix_activities_txid_id", "txid", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    project_id: Mapped[int | None] = mapped_column(BigIntId)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verb: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(BigIntId)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    txid: Mapped[int | None] = mapped_column(BigInteger)
