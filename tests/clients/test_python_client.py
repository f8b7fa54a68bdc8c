"""The typed Python client ariadne-codegen generates from schema/schema.graphql and
schema/operations drives a live `hubql serve` through the README's quick start and the registry
story (clients/python/story.py, run in the ariadne-codegen venv; it exits non-zero on a failed
assertion). The server's database is this leg's kind (SQLite or PostgreSQL), fresh per test."""

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import databases
from tests.clients.toolchains import (
    CLIENTS,
    OPERATIONS,
    SCHEMA,
    ariadne_venv,
    codegen_leg,
    output,
    run,
)
from tests.faults.processes import Server, hubql_server

HUBQL = Path(sys.executable).parent / "hubql"
STORY = CLIENTS / "python" / "story.py"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the ariadne venv's bin, a directory holding the generated `hubql_client` package)."""
    bin_ = ariadne_venv()
    target = tmp_path_factory.mktemp("ariadne-client")
    config = target / "ariadne-codegen.toml"
    config.write_text(
        (CLIENTS / "python" / "ariadne-codegen.toml").read_text()
        + f"schema_path = {json.dumps(str(SCHEMA))}\n"
        + f"queries_path = {json.dumps(str(OPERATIONS))}\n"
        + f"target_package_path = {json.dumps(str(target))}\n"
    )
    result = run([str(bin_ / "ariadne-codegen"), "--config", str(config)], cwd=target)
    assert result.returncode == 0, output(result)
    assert (target / "hubql_client" / "client.py").is_file(), output(result)
    return bin_, target


@pytest.fixture
def live_database(tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of this leg's kind."""
    with databases.migrated_database(tmp_path) as url:
        yield url


@pytest.fixture
def server(live_database: str, tmp_path: Path) -> Iterator[Server]:
    with hubql_server(live_database, tmp_path) as server:
        yield server


def _tell(generated: tuple[Path, Path], server: Server, database: str, story: str) -> None:
    bin_, package = generated
    result = run(
        [str(bin_ / "python"), str(STORY), story, "--url", f"{server.base}/graphql",
         "--hubql", str(HUBQL)],
        cwd=package,
        env={"PYTHONPATH": str(package), "HUBQL_DATABASE_URL": database,
             "HUBQL_LOG_LEVEL": "WARNING"},
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, f"{output(result)}\nserver log:\n{server.log_tail()}"
    assert f"{story}: the story completed" in result.stdout


def test_the_story_type_checks_against_the_generated_client(
    generated: tuple[Path, Path],
) -> None:
    """mypy --strict on story.py with the generated package: a contract change that makes a
    field the story reads nullable fails here first, before any request."""
    codegen_leg()
    bin_, package = generated
    result = run(
        [str(bin_ / "mypy"), "--config-file", str(CLIENTS / "python" / "mypy.ini"),
         "--cache-dir", str(package / ".mypy_cache"), str(STORY)],
        cwd=package,
        env={"MYPYPATH": str(package), "PYTHONPATH": ""},
    )  # fmt: skip
    assert result.returncode == 0, output(result)


def test_the_quick_start_through_the_generated_client(
    generated: tuple[Path, Path], server: Server, live_database: str
) -> None:
    _tell(generated, server, live_database, "quickstart")


def test_the_registry_story_through_the_generated_client(
    generated: tuple[Path, Path], server: Server, live_database: str
) -> None:
    _tell(generated, server, live_database, "registry")
