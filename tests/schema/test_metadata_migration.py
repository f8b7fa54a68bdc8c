"""The migration that makes metadata content: every stored digest is recomputed to cover it,
as new versions' digests do (and back again on downgrade)."""

import asyncio
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import create_engine, create_sessionmaker
from app.migrations import alembic_config
from app.projects.models import ProjectFeature
from app.registry.models import ModelVersion
from app.registry.service import content, digest
from app.runs.models import Run
from tests import databases
from tests.helpers import Factory

BEFORE = "d7ce719b64c5"  # the revision before `metadata is content`


@pytest.fixture
def old_database(tmp_path: Path) -> Iterator[str]:
    """A database at head, empty: the test fills it through today's models, then takes it back
    to the revision before (the models need today's columns)."""
    with databases.migrated_database(tmp_path) as url:
        yield url


def _old_digest(artifacts: Any, run_uuid: str | None) -> str:
    canonical = json.dumps(
        {"artifacts": artifacts, "run": run_uuid},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _digests(engine: AsyncEngine) -> dict[str, tuple[str, str]]:
    """Each version's stored digest, and the one the application computes for its content."""
    async with create_sessionmaker(engine)() as session:
        rows = (
            await session.execute(
                select(ModelVersion, Run.uuid).outerjoin(Run, Run.id == ModelVersion.run_id)
            )
        ).all()
        return {
            version.name: (
                version.digest,
                digest(content(version.artifacts, version.meta, run_uuid)),
            )
            for version, run_uuid in rows
        }


async def test_digests_cover_metadata_after_the_migration(old_database: str) -> None:
    engine = create_engine(old_database)
    try:
        factory = Factory(create_sessionmaker(engine))
        owner = await factory.user("owner")
        acme = await factory.organization("acme", owner=owner)
        project = await factory.project(
            acme, "vision", features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL})
        )
        run = await factory.run(project, "train")
        artifacts = [{"name": "model", "kind": "MODEL", "path": "s3://m/1", "summary": {"f1": 0.9}}]
        metadata = {"framework": "pytorch", "signature": {"inputs": ["x"]}, "ünïcode": 1.5}
        for name, run_id, meta in (("promoted", run, metadata), ("registered", None, None)):
            version_id = await factory.model_version(project, name, run_id=run_id)
            async with factory.sessions() as session, session.begin():
                run_uuid = await session.scalar(select(Run.uuid).where(Run.id == run_id))
                await session.execute(
                    update(ModelVersion)
                    .where(ModelVersion.id == version_id)
                    .values(
                        artifacts=artifacts,
                        meta=meta,
                        digest=_old_digest(artifacts, run_uuid if run_id else None),
                    )
                )
        await asyncio.to_thread(command.downgrade, alembic_config(old_database), BEFORE)
        async with factory.sessions() as session, session.begin():
            # The downgrade recomputed them the old way; as the old code stored them:
            for version in await session.scalars(select(ModelVersion)):
                run_uuid = await session.scalar(select(Run.uuid).where(Run.id == version.run_id))
                version.digest = _old_digest(version.artifacts, run_uuid)
        before = await _digests(engine)
        assert before["promoted"][0] != before["promoted"][1]  # metadata was not covered

        await asyncio.to_thread(command.upgrade, alembic_config(old_database), "head")
        after = await _digests(engine)
        assert all(stored == computed for stored, computed in after.values()), after
        assert after["promoted"][0] != before["promoted"][0]

        await asyncio.to_thread(command.downgrade, alembic_config(old_database), BEFORE)
        assert {name: pair[0] for name, pair in (await _digests(engine)).items()} == {
            name: pair[0] for name, pair in before.items()
        }
    finally:
        await engine.dispose()
