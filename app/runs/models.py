from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigIntId, JSONType, UTCDateTime, link_key, string_enum, tags_index, utcnow


class RunStatus(StrEnum):
    CREATED = "CREATED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"


class ArtifactKind(StrEnum):
    """Polyaxon's lineage kinds."""

    MODEL = "MODEL"
    DATASET = "DATASET"
    CODE = "CODE"
    METRICS = "METRICS"
    FILE = "FILE"
    DIR = "DIR"
    IMAGE = "IMAGE"
    TENSORBOARD = "TENSORBOARD"
    ENV = "ENV"
    OTHER = "OTHER"


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_project_id_updated_at", "project_id", "updated_at"),
        Index("ix_runs_project_id_created_at", "project_id", "created_at"),
        tags_index("runs"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[RunStatus] = mapped_column(string_enum(RunStatus, "run_status"))
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    outputs: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RunArtifact(Base):
    __tablename__ = "run_artifacts"
    __table_args__ = (UniqueConstraint("run_id", "name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[ArtifactKind] = mapped_column(string_enum(ArtifactKind, "artifact_kind"))
    path: Mapped[str] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class RunEdge(Base):
    """`downstream` consumed what `upstream` produced: the lineage graph."""

    __tablename__ = "run_edges"
    __table_args__ = (Index("ix_run_edges_downstream_id", "downstream_id"),)

    upstream_id: Mapped[int] = link_key("runs.id")
    downstream_id: Mapped[int] = link_key("runs.id")
