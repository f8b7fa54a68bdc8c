from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigIntId, UTCDateTime, utcnow


class ServiceAccount(Base):
    """An organization's robot identity (Polyaxon's service accounts), for CI/CD.

    Its identity is a user row (`is_service_account`), so it holds an organization role, project
    grants and team places as a person does, signs in with tokens and is named in activity and
    `createdBy`. This row says whose it is: it belongs to one organization and goes with it."""

    __tablename__ = "service_accounts"
    __table_args__ = (
        Index("ix_service_accounts_organization_id", "organization_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    description: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
