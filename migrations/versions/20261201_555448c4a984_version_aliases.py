"""version aliases: a project's names for its model and component versions (`@champion`)

The key (project_id, alias) keeps one version per alias per project; an alias goes with its
version (ON DELETE CASCADE), and version_id is indexed for that and for `aliases` on a page.

Revision ID: 555448c4a984
Revises: 10af9c58e649
Create Date: 2026-12-01 06:50:36.007062
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "555448c4a984"
down_revision: str | None = "10af9c58e649"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "component_version_aliases",
        sa.Column(
            "version_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_component_version_aliases_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["component_versions.id"],
            name=op.f("fk_component_version_aliases_version_id_component_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "alias", name=op.f("pk_component_version_aliases")),
    )
    with op.batch_alter_table("component_version_aliases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_component_version_aliases_version_id", ["version_id"], unique=False
        )

    op.create_table(
        "model_version_aliases",
        sa.Column(
            "version_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_model_version_aliases_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_model_version_aliases_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "alias", name=op.f("pk_model_version_aliases")),
    )
    with op.batch_alter_table("model_version_aliases", schema=None) as batch_op:
        batch_op.create_index("ix_model_version_aliases_version_id", ["version_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("model_version_aliases", schema=None) as batch_op:
        batch_op.drop_index("ix_model_version_aliases_version_id")

    op.drop_table("model_version_aliases")
    with op.batch_alter_table("component_version_aliases", schema=None) as batch_op:
        batch_op.drop_index("ix_component_version_aliases_version_id")

    op.drop_table("component_version_aliases")
