"""activity txid: the outbox's order (see `app.activity.models.Activity`)

Revision ID: 5b4b3dd8fa97
Revises: 17909ce4beb1
Create Date: 2026-12-01 04:21:20.404949
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "5b4b3dd8fa97"
down_revision: str | None = "17909ce4beb1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("txid", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_activities_txid_id", ["txid", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Rows written before: older than any transaction to come, so first in the feed's order.
        op.execute("UPDATE activities SET txid = 0")


def downgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_txid_id")
        batch_op.drop_column("txid")
