from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, BigIntId, UTCDateTime, utcnow
from app.users.models import User


class OrganizationRole(StrEnum):
    """Polyaxon's organization roles, less BILLING. What each may do lives in policies/."""

    OWNER = "OWNER"
    MANAGER = "MANAGER"
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"
    VIEWER = "VIEWER"
    OUTSIDER = "OUTSIDER"


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are never reused

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    members: Mapped[list["OrganizationMember"]] = relationship(
        back_populates="organization", lazy="raise", passive_deletes=True
    )


class OrganizationMember(Base):
    __tablename__ = "organization_members"
    __table_args__ = (
        Index("ix_organization_members_user_id", "user_id"),
        Index("ix_organization_members_organization_id_role", "organization_id", "role"),
    )

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[OrganizationRole] = mapped_column(
        Enum(
            OrganizationRole,
            native_enum=False,
            length=16,
            create_constraint=True,
            name="organization_role",
            validate_strings=True,
        )
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="members", lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")
