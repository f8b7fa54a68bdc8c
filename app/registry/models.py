from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigIntId, JSONType, UTCDateTime, utcnow


class Stage(StrEnum):
    """Polyaxon's stages; new versions start in TESTING."""

    TESTING = "TESTING"
    STAGING = "STAGING"
    PRODUCTION = "PRODUCTION"
    DISABLED = "DISABLED"


def stage_enum() -> Enum:
    return Enum(
        Stage, native_enum=False, length=16, create_constraint=True, name="stage",
        validate_strings=True,
    )  # fmt: skip


class ModelVersion(Base):
    """A named, immutable version of a model project, promoted from a run or registered."""

    __tablename__ = "model_versions"
    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        Index("ix_model_versions_project_id_updated_at", "project_id", "updated_at"),
        Index("ix_model_versions_project_id_stage_created_at", "project_id", "stage", "created_at"),
        Index("ix_model_versions_run_id", "run_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    stage: Mapped[Stage] = mapped_column(stage_enum(), default=Stage.TESTING)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    artifacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType)
    digest: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StageCondition(Base):
    """One move of a version between stages: an append-only timeline."""

    __tablename__ = "stage_conditions"
    __table_args__ = (
        Index("ix_stage_conditions_model_version_id_at", "model_version_id", "at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    model_version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE")
    )
    stage: Mapped[Stage] = mapped_column(stage_enum())
    reason: Mapped[str | None] = mapped_column(String(128))
    message: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
