"""The bootstrap commands: `hubql users create` and `hubql tokens create`."""

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import app, parse_duration
from app.db import create_engine, create_sessionmaker
from app.settings import get_settings
from app.users.models import AccessToken


@pytest.fixture
def cli_database(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    monkeypatch.setenv("HUBQL_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.usefixtures("cli_database")
class TestUsersAndTokensCommands:
    def test_create_user_then_token(self, database_url: str) -> None:
        code, _, err = _invoke("users", "create", "--username", "Ada", "--email", "ada@example.org")
        assert code == 0, err
        assert "created user ada" in err
        code, out, err = _invoke("tokens", "create", "ada", "--name", "laptop", "--expires", "30d")
        assert code == 0, err
        token = out.strip()
        assert token.startswith("hubql_")

        async def stored() -> list[AccessToken]:
            # Its own engine: this test runs outside the suite's event loop, as the CLI does.
            engine = create_engine(database_url)
            try:
                async with create_sessionmaker(engine)() as session:
                    return list((await session.scalars(select(AccessToken))).all())
            finally:
                await engine.dispose()

        tokens = asyncio.run(stored())
        assert [t.name for t in tokens] == ["laptop"]
        assert tokens[0].expires_at is not None
        assert tokens[0].token_hash != token

    def test_duplicate_and_invalid_users_are_refused(self) -> None:
        assert _invoke("users", "create", "--username", "ada", "--email", "ada@example.org")[0] == 0
        code, _, err = _invoke("users", "create", "--username", "ADA", "--email", "b@example.org")
        assert code == 1
        assert "already taken" in err
        code, _, err = _invoke("users", "create", "--username", "-x", "--email", "c@example.org")
        assert code == 1
        assert "not a valid name" in err
        code, _, err = _invoke("users", "create", "--username", "cy", "--email", "not-an-email")
        assert code == 1
        assert "not an email address" in err

    def test_token_for_unknown_user_fails(self) -> None:
        code, out, err = _invoke("tokens", "create", "nobody")
        assert code == 1
        assert out == ""
        assert "No user named" in err


@pytest.mark.parametrize(
    ("text", "hours"), [("30d", 720), ("12h", 12), ("90m", 1.5)], ids=["days", "hours", "minutes"]
)
def test_durations(text: str, hours: float) -> None:
    assert parse_duration(text).total_seconds() == hours * 3600
