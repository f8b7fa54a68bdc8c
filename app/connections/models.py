"""Connections (Polyaxon's): an organization's catalogue of named buckets, volumes, registries and
repositories, and which of them each project may use. A connection holds settings, never a secret:
credentials stay where they live (a Kubernetes secret), and the settings name them."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigIntId, JSONType, UTCDateTime, link_key, string_enum, utcnow


class ConnectionKind(StrEnum):
    """The kinds of Polyaxon's `V1ConnectionKind` a project's runs mount or reach, and CUSTOM."""

    S3 = "S3"
    GCS = "GCS"
    WASB = "WASB"
    VOLUME_CLAIM = "VOLUME_CLAIM"
    HOST_PATH = "HOST_PATH"
    GIT = "GIT"
    REGISTRY = "REGISTRY"
    CUSTOM = "CUSTOM"


class Connection(Base):
    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("organization_id", "name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[ConnectionKind] = mapped_column(string_enum(ConnectionKind, "connection_kind"))
    description: Mapped[str | None] = mapped_column(Text)
    # Validated per kind (app.connections.settings): known keys, bounded values, no secrets.
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProjectConnection(Base):
    """The project may use the connection. Both go with either: deleting a connection takes it
    from every project (the service records which, before the cascade)."""

    __tablename__ = "project_connections"
    __table_args__ = (Index("ix_project_connections_connection_id", "connection_id"),)

    project_id: Mapped[int] = link_key("projects.id")
    connection_id: Mapped[int] = link_key("connections.id")
