"""Exit 0 when the test PostgreSQL server answers, 1 otherwise (used by `make test`)."""

import asyncio
import sys

import asyncpg

from tests.databases import postgres_admin_dsn


async def _answers() -> bool:
    try:
        connection = await asyncpg.connect(postgres_admin_dsn(), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.close()
    return True


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(_answers()) else 1)
