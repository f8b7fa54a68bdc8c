from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, BigIntId, JSONType, UTCDateTime, link_key, string_enum, tags_index, utcnow
from app.organizations.models import Organization


class ProjectVisibility(StrEnum):
    PUBLIC = "PUBLIC"
    INTERNAL = "INTERNAL"
    PRIVATE = "PRIVATE"


class ProjectRole(StrEnum):
    """Project roles, strongest first. What each may do lives in policies/."""

    ADMIN = "ADMIN"
    WRITER = "WRITER"
    VIEWER = "VIEWER"


class ProjectFeature(StrEnum):
    """Which version kinds a project accepts (Polyaxon: a registry or hub is a project with the
    other features turned off)."""

    RUNTIME = "RUNTIME"
    MODEL = "MODEL"
    COMPONENT = "COMPONENT"


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        Index("ix_projects_organization_id_updated_at", "organization_id", "updated_at"),
        Index("ix_projects_visibility", "visibility"),
        tags_index("projects"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    readme: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    visibility: Mapped[ProjectVisibility] = mapped_column(
        string_enum(ProjectVisibility, "project_visibility")
    )
    runtime_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    model_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    component_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organization: Mapped[Organization] = relationship(lazy="raise")

    @property
    def features(self) -> list[ProjectFeature]:
        flags = (
            (ProjectFeature.RUNTIME, self.runtime_enabled),
            (ProjectFeature.MODEL, self.model_enabled),
            (ProjectFeature.COMPONENT, self.component_enabled),
        )
        return [feature for feature, enabled in flags if enabled]

    def set_features(self, features: set[ProjectFeature]) -> None:
        self.runtime_enabled = ProjectFeature.RUNTIME in features
        self.model_enabled = ProjectFeature.MODEL in features
        self.component_enabled = ProjectFeature.COMPONENT in features


FEATURE_COLUMNS: dict[ProjectFeature, Any] = {
    ProjectFeature.RUNTIME: Project.runtime_enabled,
    ProjectFeature.MODEL: Project.model_enabled,
    ProjectFeature.COMPONENT: Project.component_enabled,
}


class ProjectGrant(Base):
    """A project role granted to one user or to one team (and so to its members)."""

    __tablename__ = "project_grants"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (team_id IS NULL)", name="one_grantee"),
        UniqueConstraint("project_id", "user_id"),
        UniqueConstraint("project_id", "team_id"),
        Index("ix_project_grants_user_id", "user_id"),
        Index("ix_project_grants_team_id", "team_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    role: Mapped[ProjectRole] = mapped_column(string_enum(ProjectRole, "project_role"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PromotionSource(Base):
    """Runs of `source_project_id` may be promoted into `project_id` (same organization)."""

    __tablename__ = "promotion_sources"
    __table_args__ = (Index("ix_promotion_sources_source_project_id", "source_project_id"),)

    project_id: Mapped[int] = link_key("projects.id")
    source_project_id: Mapped[int] = link_key("projects.id")
