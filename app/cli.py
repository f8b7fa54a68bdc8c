"""`hubql`: serve, migrate, manage users and tokens, export the schema."""

import asyncio
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
import uvicorn
from rich.console import Console
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)
from strawberry.printer import print_schema

from app.db import create_engine, create_sessionmaker, utcnow, write_transaction
from app.errors import DomainError
from app.migrations import upgrade_to_head
from app.multiprocess import metrics_directory
from app.seed import DEFAULT_SEED, Scale
from app.seed.progress import Phases, progress_bar
from app.settings import PROJECT_ROOT, get_settings
from app.users import service as users

if TYPE_CHECKING:
    from app.seed.world import Seeded

app = typer.Typer(help="hubql: a GraphQL API for ML teams.", no_args_is_help=True)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage personal access tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
console = Console(stderr=True)

SCHEMA_PATH = PROJECT_ROOT / "schema" / "schema.graphql"
_DURATION = re.compile(r"(\d+)([dhm])")


def _failed(message: str) -> NoReturn:
    console.print(f"[red]{message}[/red]", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@contextmanager
def clear_errors() -> Iterator[None]:
    """What goes wrong in a command, as one line and exit status 1, never a traceback: a refused
    input (the service's message), a database not migrated yet, one that cannot be reached, a
    URL that names no database."""
    try:
        yield
    except DomainError as error:
        _failed(error.message)
    except (ArgumentError, NoSuchModuleError) as error:
        _failed(f"HUBQL_DATABASE_URL is not a database URL SQLAlchemy knows: {error}")
    except DBAPIError as error:
        text = str(error.orig).lower()
        if "no such table" in text or ("relation" in text and "does not exist" in text):
            _failed("The database is not migrated yet: run `hubql migrate` first.")
        if isinstance(error, (OperationalError, InterfaceError)):
            _failed(f"Cannot reach the database: {_reason(error)}")
        raise
    except OSError as error:
        _failed(f"Cannot reach the database: {_reason(error)}")


def _reason(error: BaseException) -> str:
    """The first line of what failed, without SQLAlchemy's statement and parameters."""
    cause = getattr(error, "orig", None) or error
    return str(cause).strip().splitlines()[0][:300] if str(cause).strip() else type(cause).__name__


def parse_duration(value: str) -> timedelta:
    match = _DURATION.fullmatch(value.strip())
    if match is None:
        raise typer.BadParameter("use a number and a unit: 30d, 12h or 45m")
    amount, unit = int(match[1]), match[2]
    return {
        "d": timedelta(days=amount),
        "h": timedelta(hours=amount),
        "m": timedelta(minutes=amount),
    }[unit]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (HUBQL_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (HUBQL_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the API; GraphiQL at /graphql in a browser."""
    settings = get_settings()
    with metrics_directory(settings.metrics_dir, workers):
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            log_level=settings.log_level.lower(),
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            # The app logs each request itself, without query strings (app/http.py AccessLog).
            access_log=False,
        )


@app.command()
def migrate() -> None:
    """Bring the database to the latest schema (alembic upgrade head)."""
    with clear_errors():
        upgrade_to_head(get_settings().database_url)
    console.print("[green]database is at the latest migration[/green]")


@app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = SCHEMA_PATH,
) -> None:
    """Write the GraphQL schema (SDL) that clients generate code from."""
    from app.graphql.schema import build_schema  # noqa: PLC0415  (heavy; only this command needs it)

    output.write_text(print_schema(build_schema(get_settings())) + "\n")
    console.print(f"wrote {output}")


async def _create_user(username: str, email: str, display_name: str | None) -> str:
    engine = create_engine(get_settings().database_url)
    try:
        async with create_sessionmaker(engine)() as session, write_transaction(session):
            user = await users.create_user(
                session, username=username, email=email, display_name=display_name
            )
            return user.username
    finally:
        await engine.dispose()


@users_app.command("create")
def create_user(
    username: Annotated[str, typer.Option(help="A slug: lowercase letters, digits, . _ -")],
    email: Annotated[str, typer.Option()],
    display_name: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a user."""
    with clear_errors():
        created = asyncio.run(_create_user(username, email, display_name))
    console.print(f"created user [bold]{created}[/bold]")


async def _create_token(username: str, name: str, expires: timedelta | None) -> str:
    engine = create_engine(get_settings().database_url)
    try:
        async with create_sessionmaker(engine)() as session, write_transaction(session):
            user = await users.user_by_username(session, username)
            _, secret = await users.issue_token(
                session, user, name=name, expires_at=None if expires is None else utcnow() + expires
            )
            return secret
    finally:
        await engine.dispose()


@tokens_app.command("create")
def create_token(
    username: Annotated[str, typer.Argument(help="Whose token it is.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    expires: Annotated[
        str | None, typer.Option(help="Lifetime such as 30d, 12h or 45m; never expires if omitted.")
    ] = None,
) -> None:
    """Create a personal access token and print it (it is shown only once)."""
    lifetime = None if expires is None else parse_duration(expires)
    with clear_errors():
        secret = asyncio.run(_create_token(username, name, lifetime))
    print(secret)  # stdout, so scripts can capture it


async def _seed(scale: Scale, random_seed: int, phases: Phases) -> "Seeded":
    from app.seed.world import seed  # noqa: PLC0415  (only this command needs the generators)

    settings = get_settings()
    engine = create_engine(settings.database_url)
    try:
        return await seed(engine, settings, scale, random_seed=random_seed, phases=phases)
    finally:
        await engine.dispose()


# What the summary line counts, in its order.
SEEDED_TABLES = {
    "organizations": "organizations",
    "users": "users",
    "teams": "teams",
    "projects": "projects",
    "runs": "runs",
    "model_versions": "model versions",
    "stage_conditions": "stage conditions",
    "component_versions": "component versions",
}


@app.command("seed")
def seed_command(
    scale: Annotated[
        Scale,
        typer.Option(help="small: the demo; medium: ~10 organizations; large: the benchmarks'."),
    ] = Scale.SMALL,
    random_seed: Annotated[
        int, typer.Option("--seed", help="What medium's generated world is drawn from.")
    ] = DEFAULT_SEED,
) -> None:
    """Fill an empty, migrated database with a world to try hubql on (prints the tokens of its
    demo users: ada and bob; large has only ada)."""
    started = time.monotonic()
    with clear_errors(), progress_bar(console) as phases:
        seeded = asyncio.run(_seed(scale, random_seed, phases))
    counts = ", ".join(f"{label} {seeded.rows[table]:,}" for table, label in SEEDED_TABLES.items())
    drawn = f" (seed {random_seed})" if scale is Scale.MEDIUM else ""
    console.print(
        f"seeded {scale.value}{drawn} in {time.monotonic() - started:.1f} s: {counts}; tokens:",
        highlight=False,
        soft_wrap=True,
    )
    for username, token in seeded.tokens.items():
        print(f"{username}\t{token}")


def main() -> None:
    app()
