"""What model versions (the registry) and component versions (the hub) share: a name in a
project, content pinned by a digest, a stage, a timeline of stage moves, and aliases."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.db import BigIntId, JSONType, UTCDateTime, string_enum, utcnow


class Stage(StrEnum):
    """Polyaxon's stages; new versions start in TESTING."""

    TESTING = "TESTING"
    STAGING = "STAGING"
    PRODUCTION = "PRODUCTION"
    DISABLED = "DISABLED"


class VersionColumns:
    """The columns of a version, whatever it versions (mixed into each kind's model)."""

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    digest: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @declared_attr
    def stage(cls) -> Mapped[Stage]:
        # A schema type per table: each gets its own CHECK constraint.
        return mapped_column(string_enum(Stage, "stage"), default=Stage.TESTING)


class ConditionColumns:
    """One move of a version between stages: an append-only timeline."""

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    reason: Mapped[str | None] = mapped_column(String(128))
    message: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def stage(cls) -> Mapped[Stage]:
        return mapped_column(string_enum(Stage, "stage"))


class AliasColumns:
    """A name a project gives one of its versions at a time (MLflow's `@champion`). The key is
    (project, alias): one version per alias per project, whoever writes concurrently. Each kind's
    model adds `version_id`, the version holding it (the alias goes with it)."""

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    alias: Mapped[str] = mapped_column(String(64), primary_key=True)
