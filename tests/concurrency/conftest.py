"""The racing app: its own engine on PostgreSQL, with a pool wide enough for every request."""

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import create_engine
from app.main import create_app
from app.settings import Settings
from tests.concurrency.racing import POOL_SIZE
from tests.helpers import GraphQLClient


@pytest.fixture
async def racing_gql(settings: Settings, engine: AsyncEngine) -> AsyncIterator[GraphQLClient]:
    """The app over HTTP with a pool wide enough for every racing request (PostgreSQL)."""
    wide = (
        create_engine(settings.database_url, pool_size=POOL_SIZE, max_overflow=0)
        if engine.dialect.name == "postgresql"
        else engine
    )
    try:
        transport = httpx.ASGITransport(app=create_app(settings, engine=wide))
        async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as client:
            yield GraphQLClient(client)
    finally:
        if wide is not engine:
            await wide.dispose()
