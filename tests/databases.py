"""Test databases: a temporary SQLite file, or a fresh PostgreSQL database dropped afterwards."""

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
