from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, BigIntId, UTCDateTime, link_key, string_enum, utcnow
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

    organization_id: Mapped[int] = link_key("organizations.id")
    user_id: Mapped[int] = link_key("users.id")
    role: Mapped[OrganizationRole] = mapped_column(
        string_enum(OrganizationRole, "organization_role")
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="members", lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")
