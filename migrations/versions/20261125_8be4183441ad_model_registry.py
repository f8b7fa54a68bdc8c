"""model registry

Revision ID: 8be4183441ad
Revises: 13debdae6c2e
Create Date: 2026-11-25 08:02:27.886564
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db
from sqlalchemy.dialects import postgresql

revision: str = "8be4183441ad"
down_revision: str | None = "13debdae6c2e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "stage",
            sa.Enum(
                "TESTING",
                "STAGING",
                "PRODUCTION",
                "DISABLED",
                name="stage",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "artifacts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_model_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_model_versions_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_model_versions_run_id_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_model_versions_project_id_name")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_versions_project_id_stage_created_at",
            ["project_id", "stage", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_model_versions_project_id_updated_at", ["project_id", "updated_at"], unique=False
        )
        batch_op.create_index("ix_model_versions_run_id", ["run_id"], unique=False)

    op.create_table(
        "stage_conditions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "model_version_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "stage",
            sa.Enum(
                "TESTING",
                "STAGING",
                "PRODUCTION",
                "DISABLED",
                name="stage",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=128), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_stage_conditions_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["model_version_id"],
            ["model_versions.id"],
            name=op.f("fk_stage_conditions_model_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_conditions")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("stage_conditions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stage_conditions_model_version_id_at", ["model_version_id", "at"], unique=False
        )



def downgrade() -> None:
    with op.batch_alter_table("stage_conditions", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_conditions_model_version_id_at")

    op.drop_table("stage_conditions")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_model_versions_run_id")
        batch_op.drop_index("ix_model_versions_project_id_updated_at")
        batch_op.drop_index("ix_model_versions_project_id_stage_created_at")

    op.drop_table("model_versions")
