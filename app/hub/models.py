from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, JSONType, tags_index
from app.versions.models import AliasColumns, ConditionColumns, VersionColumns


class ComponentVersion(VersionColumns, Base):
    """A published, validated component spec; its digest pins what the name means."""

    __tablename__ = "component_versions"
    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        Index("ix_component_versions_project_id_updated_at", "project_id", "updated_at"),
        Index("ix_component_versions_project_id_created_at", "project_id", "created_at"),
        tags_index("component_versions"),
        {"sqlite_autoincrement": True},
    )

    spec: Mapped[dict[str, Any]] = mapped_column(JSONType)
    run_kind: Mapped[str] = mapped_column(String(32))
    inputs: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    outputs: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


class ComponentStageCondition(ConditionColumns, Base):
    """One move of a component version between stages."""

    __tablename__ = "component_stage_conditions"
    __table_args__ = (
        Index(
            "ix_component_stage_conditions_component_version_id_at", "component_version_id", "at"
        ),
        {"sqlite_autoincrement": True},
    )

    component_version_id: Mapped[int] = mapped_column(
        ForeignKey("component_versions.id", ondelete="CASCADE")
    )


class ComponentVersionAlias(AliasColumns, Base):
    """An alias of a component version (`acme/kaniko@stable`)."""

    __tablename__ = "component_version_aliases"
    __table_args__ = (Index("ix_component_version_aliases_version_id", "version_id"),)

    version_id: Mapped[int] = mapped_column(ForeignKey("component_versions.id", ondelete="CASCADE"))
