from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, BigIntId, UTCDateTime, link_key, string_enum, utcnow
from app.organizations.models import Organization
from app.users.models import User


class TeamRole(StrEnum):
    MAINTAINER = "MAINTAINER"
    MEMBER = "MEMBER"


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("organization_id", "name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship(lazy="raise")
    members: Mapped[list["TeamMember"]] = relationship(
        back_populates="team", lazy="raise", passive_deletes=True
    )


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (Index("ix_team_members_user_id", "user_id"),)

    team_id: Mapped[int] = link_key("teams.id")
    user_id: Mapped[int] = link_key("users.id")
    role: Mapped[TeamRole] = mapped_column(string_enum(TeamRole, "team_role"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship(back_populates="members", lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")
