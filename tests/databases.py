"""Test databases: a temporary SQLite file, or a fresh PostgreSQL database dropped afterwards."""

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def backend() -> str:
    return os.environ.get("HUBQL_TEST_DATABASE", "sqlite")


def postgres_admin_dsn() -> str:
    """Where test databases are created from; never itself written to."""
    return os.environ.get("HUBQL_TEST_POSTGRES_URL", DEFAULT_POSTGRES)


async def create_postgres_database() -> tuple[str, str]:
    name = f"hubql_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_admin_dsn())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = postgres_admin_dsn().rsplit("/", 1)[0]
    return name, f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"


async def drop_postgres_database(name: str) -> None:
    admin = await asyncpg.connect(postgres_admin_dsn())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    path = directory / "hubql-test.db"
    yield f"sqlite+aiosqlite:///{path}"


@contextmanager
def migrated_database(directory: Path, revision: str = "head") -> Iterator[str]:
    """A fresh database of this leg's kind (a SQLite file in `directory`, or a new PostgreSQL
    database dropped afterwards), migrated to `revision`."""
    # Imported here: `app.migrations` reads settings, which the probe and the admin helpers above
    # do not need.
    from alembic import command  # noqa: PLC0415

    from app.migrations import alembic_config  # noqa: PLC0415

    if backend() == "postgresql":
        name, url = asyncio.run(create_postgres_database())
        try:
            command.upgrade(alembic_config(url), revision)
            yield url
        finally:
            asyncio.run(drop_postgres_database(name))
    else:
        with sqlite_database(directory) as url:
            command.upgrade(alembic_config(url), revision)
            yield url
