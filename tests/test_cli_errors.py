"""Every `hubql` command answers what goes wrong around it with one clear line and a non-zero
exit, never a traceback: a database not migrated, one that cannot be reached, a URL that names
no database, a user that does not exist."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.migrations import upgrade_to_head

HUBQL = Path(sys.executable).parent / "hubql"


def _run(database_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUBQL_DATABASE_URL": database_url, "COLUMNS": "80"}
    return subprocess.run(
        [str(HUBQL), *arguments], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


@pytest.mark.parametrize(
    "arguments",
    [("seed",), ("seed", "--scale", "large"), ("tokens", "create", "ada"),
     ("users", "create", "--username", "ada", "--email", "ada@example.org")],
    ids=["seed", "seed-large", "tokens-create", "users-create"],
)  # fmt: skip
def test_an_unmigrated_database_is_one_line(tmp_path: Path, arguments: tuple[str, ...]) -> None:
    line = _one_line(_run(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", *arguments))
    assert "hubql migrate" in line


@pytest.mark.parametrize("command", ["migrate", "seed"])
def test_an_unreachable_database_is_one_line(command: str) -> None:
    # Port 9 (discard) on loopback: nothing listens there.
    line = _one_line(_run("postgresql+asyncpg://postgres@127.0.0.1:9/nothing", command))
    assert line.startswith("Cannot reach the database")


def test_a_url_that_names_no_database_is_one_line() -> None:
    line = _one_line(_run("nosuchdb://somewhere", "migrate"))
    assert "HUBQL_DATABASE_URL" in line


def test_seeding_a_database_that_holds_data_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'used.db'}"
    upgrade_to_head(url)
    created = _run(url, "users", "create", "--username", "grace", "--email", "grace@example.org")
    assert created.returncode == 0, created.stderr
    line = _one_line(_run(url, "seed", "--scale", "medium"))
    assert "already holds data" in line


def test_a_missing_user_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
    upgrade_to_head(url)
    line = _one_line(_run(url, "tokens", "create", "nobody"))
    assert "nobody" in line
