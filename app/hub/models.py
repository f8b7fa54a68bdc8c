from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigIntId, JSONType, UTCDateTime, utcnow
from app.registry.models import Stage, stage_enum


class ComponentVersion(Base):
    """A published, validated component spec; its digest pins what the name means."""

    __tablename__ = "component_versions"
    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        Index("ix_component_versions_project_id_updated_at", "project_id", "updated_at"),
        Index("ix_component_versions_project_id_created_at", "project_id", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    stage: Mapped[Stage] = mapped_column(stage_enum(), default=Stage.TESTING)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType)
    run_kind: Mapped[str] = mapped_column(String(32))
    inputs: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    outputs: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    digest: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ComponentStageCondition(Base):
    __tablename__ = "component_stage_conditions"
    __table_args__ = (
        Index(
            "ix_component_stage_conditions_component_version_id_at", "component_version_id", "at"
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    component_version_id: Mapped[int] = mapped_column(
        ForeignKey("component_versions.id", ondelete="CASCADE")
    )
    stage: Mapped[Stage] = mapped_column(stage_enum())
    reason: Mapped[str | None] = mapped_column(String(128))
    message: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
