"""Fixtures: one migrated database per test session (SQLite or PostgreSQL), emptied after each
test; the app over HTTP (httpx + ASGI); domain helpers; a statement counter."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from app.db import create_engine, create_sessionmaker
from app.main import create_app
from app.models import Base
from app.settings import Settings
from tests import databases
from tests.helpers import Factory, GraphQLClient, StatementCounter
from tests.logs import ServerLog, capture_server_log


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with databases.migrated_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, log_format="json", secret_key="tests-only-key")


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture(autouse=True)
async def _empty_database(engine: AsyncEngine) -> AsyncIterator[None]:
    yield
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine) -> Starlette:
    return create_app(settings, engine=engine)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as client:
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
def factory(sessions: async_sessionmaker[AsyncSession]) -> Factory:
    return Factory(sessions)


@pytest.fixture
def count_statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()

    def before_cursor_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # SQLite's BEGIN is a statement SQLAlchemy sends (app/db.py); PostgreSQL's is the
        # driver's own. Counting queries alike on both, neither is counted.
        if not statement.startswith("BEGIN"):
            counter.count += 1

    event.listen(engine.sync_engine, "before_cursor_execute", before_cursor_execute)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", before_cursor_execute)


@pytest.fixture
def server_log(
    capsys: pytest.CaptureFixture[str],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    app: Starlette,  # created first: creating it configures logging
) -> ServerLog:
    """The server's log (JSON lines, as the tests configure it), captured."""
    return capture_server_log(capsys, settings, monkeypatch)
