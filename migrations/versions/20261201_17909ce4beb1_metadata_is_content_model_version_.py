"""metadata is content: model version digests cover metadata

A model version's `metadata` is fixed at creation now, so its digest covers it: every stored
digest is recomputed as sha256 of the canonical `{artifacts, metadata, run}` (the run's uuid),
as `app.registry.service.content` computes it for new versions. The function is copied here, not
imported: a migration must keep meaning what it meant when it was written.

Revision ID: 17909ce4beb1
Revises: d7ce719b64c5
Create Date: 2026-12-01 04:14:49.866652
"""

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "17909ce4beb1"
down_revision: str | None = "d7ce719b64c5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_versions = sa.table(
    "model_versions",
    sa.column("id", sa.BigInteger),
    sa.column("run_id", sa.BigInteger),
    sa.column("artifacts", _JSON),
    sa.column("metadata", _JSON),
    sa.column("digest", sa.String),
)
_runs = sa.table("runs", sa.column("id", sa.BigInteger), sa.column("uuid", sa.String))


def _digest(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _recompute(*, with_metadata: bool) -> None:
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(_versions.c.id, _versions.c.artifacts, _versions.c.metadata, _runs.c.uuid)
            .select_from(_versions.outerjoin(_runs, _runs.c.id == _versions.c.run_id))
            .where(_versions.c.id > last)
            .order_by(_versions.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        changes = []
        for row in rows:
            content: dict[str, Any] = {"artifacts": row.artifacts, "run": row.uuid}
            if with_metadata:
                content["metadata"] = row.metadata
            changes.append({"row_id": row.id, "new_digest": _digest(content)})
        connection.execute(
            sa.update(_versions)
            .where(_versions.c.id == sa.bindparam("row_id"))
            .values(digest=sa.bindparam("new_digest")),
            changes,
        )
        last = rows[-1].id


def upgrade() -> None:
    _recompute(with_metadata=True)


def downgrade() -> None:
    _recompute(with_metadata=False)
