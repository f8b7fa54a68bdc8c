"""projects runs activity

Revision ID: 13debdae6c2e
Revises: 9933fb1dad1d
Create Date: 2026-11-25 07:49:33.470892
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db
from sqlalchemy.dialects import postgresql

revision: str = "13debdae6c2e"
down_revision: str | None = "9933fb1dad1d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "organization_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("verb", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column(
            "subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_activities_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_activities_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activities_organization_id_at", ["organization_id", "at"], unique=False
        )
        batch_op.create_index("ix_activities_project_id", ["project_id"], unique=False)

    op.create_table(
        "projects",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "organization_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("readme", sa.Text(), nullable=True),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "visibility",
            sa.Enum(
                "PUBLIC",
                "INTERNAL",
                "PRIVATE",
                name="project_visibility",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("runtime_enabled", sa.Boolean(), nullable=False),
        sa.Column("model_enabled", sa.Boolean(), nullable=False),
        sa.Column("component_enabled", sa.Boolean(), nullable=False),
        sa.Column("archived_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_projects_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_projects_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint(
            "organization_id", "name", name=op.f("uq_projects_organization_id_name")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index(
            "ix_projects_organization_id_updated_at",
            ["organization_id", "updated_at"],
            unique=False,
        )
        batch_op.create_index("ix_projects_visibility", ["visibility"], unique=False)

    op.create_table(
        "project_grants",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("team_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "ADMIN",
                "WRITER",
                "VIEWER",
                name="project_role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("granted_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (team_id IS NULL)", name=op.f("ck_project_grants_one_grantee")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_grants_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_project_grants_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_project_grants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_grants")),
        sa.UniqueConstraint(
            "project_id", "team_id", name=op.f("uq_project_grants_project_id_team_id")
        ),
        sa.UniqueConstraint(
            "project_id", "user_id", name=op.f("uq_project_grants_project_id_user_id")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("project_grants", schema=None) as batch_op:
        batch_op.create_index("ix_project_grants_team_id", ["team_id"], unique=False)
        batch_op.create_index("ix_project_grants_user_id", ["user_id"], unique=False)

    op.create_table(
        "promotion_sources",
        sa.Column(
            "project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "source_project_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_promotion_sources_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_project_id"],
            ["projects.id"],
            name=op.f("fk_promotion_sources_source_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "project_id", "source_project_id", name=op.f("pk_promotion_sources")
        ),
    )
    with op.batch_alter_table("promotion_sources", schema=None) as batch_op:
        batch_op.create_index(
            "ix_promotion_sources_source_project_id", ["source_project_id"], unique=False
        )

    op.create_table(
        "runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column(
            "project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=128), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "CREATED",
                "RUNNING",
                "SUCCEEDED",
                "FAILED",
                "STOPPED",
                name="run_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "inputs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "outputs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_runs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_runs_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint("uuid", name=op.f("uq_runs_uuid")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_runs_project_id_created_at", ["project_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_runs_project_id_updated_at", ["project_id", "updated_at"], unique=False
        )

    op.create_table(
        "run_artifacts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "MODEL",
                "DATASET",
                "CODE",
                "METRICS",
                "FILE",
                "DIR",
                "IMAGE",
                "TENSORBOARD",
                "ENV",
                "OTHER",
                name="artifact_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column(
            "summary",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_artifacts_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_artifacts")),
        sa.UniqueConstraint("run_id", "name", name=op.f("uq_run_artifacts_run_id_name")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "run_edges",
        sa.Column(
            "upstream_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "downstream_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["downstream_id"],
            ["runs.id"],
            name=op.f("fk_run_edges_downstream_id_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["upstream_id"],
            ["runs.id"],
            name=op.f("fk_run_edges_upstream_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("upstream_id", "downstream_id", name=op.f("pk_run_edges")),
    )
    with op.batch_alter_table("run_edges", schema=None) as batch_op:
        batch_op.create_index("ix_run_edges_downstream_id", ["downstream_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("run_edges", schema=None) as batch_op:
        batch_op.drop_index("ix_run_edges_downstream_id")

    op.drop_table("run_edges")
    op.drop_table("run_artifacts")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_project_id_updated_at")
        batch_op.drop_index("ix_runs_project_id_created_at")

    op.drop_table("runs")
    with op.batch_alter_table("promotion_sources", schema=None) as batch_op:
        batch_op.drop_index("ix_promotion_sources_source_project_id")

    op.drop_table("promotion_sources")
    with op.batch_alter_table("project_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_project_grants_user_id")
        batch_op.drop_index("ix_project_grants_team_id")

    op.drop_table("project_grants")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index("ix_projects_visibility")
        batch_op.drop_index("ix_projects_organization_id_updated_at")

    op.drop_table("projects")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_project_id")
        batch_op.drop_index("ix_activities_organization_id_at")

    op.drop_table("activities")
