from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, BigIntId, UTCDateTime, link_key, utcnow


class User(Base):
    __tablename__ = "users"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are never reused

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A service account's identity (app/service_accounts): signs in with tokens its managers
    # issue, and is named in activity like a person.
    is_service_account: Mapped[bool] = mapped_column(Boolean, server_default=false())

    access_tokens: Mapped[list["AccessToken"]] = relationship(
        back_populates="user", lazy="raise", passive_deletes=True
    )


class AccessToken(Base):
    """A personal access token. Only the sha256 of the secret is stored."""

    __tablename__ = "access_tokens"
    __table_args__ = (
        Index("ix_access_tokens_user_id_created_at", "user_id", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Scopes narrow what the token may do below its owner's rights (the policy says how): a
    # read-only token writes nothing; a project-scoped one sees only its AccessTokenProjects.
    read_only: Mapped[bool] = mapped_column(Boolean, server_default=false())
    project_scoped: Mapped[bool] = mapped_column(Boolean, server_default=false())

    user: Mapped[User] = relationship(back_populates="access_tokens", lazy="raise")


class AccessTokenProject(Base):
    """A project a project-scoped token may reach (gone with the project or the token)."""

    __tablename__ = "access_token_projects"
    __table_args__ = (Index("ix_access_token_projects_project_id", "project_id"),)

    access_token_id: Mapped[int] = link_key("access_tokens.id")
    project_id: Mapped[int] = link_key("projects.id")
