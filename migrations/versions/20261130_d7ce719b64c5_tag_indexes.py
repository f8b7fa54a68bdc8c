"""tag indexes: GIN on PostgreSQL for `tags:` filters (a plain index on SQLite)

Revision ID: d7ce719b64c5
Revises: ef7bc09d7ca7
Create Date: 2026-11-30 21:32:07.122213
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d7ce719b64c5"
down_revision: str | None = "ef7bc09d7ca7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("component_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_component_versions_tags", ["tags"], unique=False, postgresql_using="gin"
        )

    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_versions_tags", ["tags"], unique=False, postgresql_using="gin"
        )

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index("ix_projects_tags", ["tags"], unique=False, postgresql_using="gin")

    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index("ix_runs_tags", ["tags"], unique=False, postgresql_using="gin")


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_tags", postgresql_using="gin")

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index("ix_projects_tags", postgresql_using="gin")

    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_model_versions_tags", postgresql_using="gin")

    with op.batch_alter_table("component_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_component_versions_tags", postgresql_using="gin")
