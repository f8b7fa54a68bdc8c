from typing import Any

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, JSONType, tags_index
from app.versions.models import AliasColumns, ConditionColumns, Stage, VersionColumns

__all__ = ["ModelVersion", "ModelVersionAlias", "Stage", "StageCondition"]


class ModelVersion(VersionColumns, Base):
    """A named, immutable version of a model project, promoted from a run or registered."""

    __tablename__ = "model_versions"
    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        Index("ix_model_versions_project_id_updated_at", "project_id", "updated_at"),
        Index("ix_model_versions_project_id_stage_created_at", "project_id", "stage", "created_at"),
        Index("ix_model_versions_run_id", "run_id"),
        tags_index("model_versions"),
        {"sqlite_autoincrement": True},
    )

    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    artifacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType)


class StageCondition(ConditionColumns, Base):
    """One move of a model version between stages."""

    __tablename__ = "stage_conditions"
    __table_args__ = (
        Index("ix_stage_conditions_model_version_id_at", "model_version_id", "at"),
        {"sqlite_autoincrement": True},
    )

    model_version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE")
    )


class ModelVersionAlias(AliasColumns, Base):
    """An alias of a model version (`acme/fraud@champion`)."""

    __tablename__ = "model_version_aliases"
    __table_args__ = (Index("ix_model_version_aliases_version_id", "version_id"),)

    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id", ondelete="CASCADE"))
