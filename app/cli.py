"""`hubql`: serve, migrate, manage users and tokens, export the schema."""

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from strawberry.printer import print_schema

from app.db import create_engine, create_sessionmaker, utcnow, write_transaction
from app.errors import DomainError
from app.migrations import upgrade_to_head
from app.settings import PROJECT_ROOT, get_settings
from app.users import service as users

app = typer.Typer(help="hubql: a GraphQL API for ML teams.", no_args_is_help=True)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage personal access tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
console = Console(stderr=True)

SCHEMA_PATH = PROJECT_ROOT / "schema" / "schema.graphql"
_DURATION = re.compile(r"(\d+)([dhm])")


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
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
        # The app logs each request itself, without query strings (app/http.py AccessLog).
        access_log=False,
    )


@app.command()
def migrate() -> None:
    """Bring the database to the latest schema (alembic upgrade head)."""
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
    try:
        created = asyncio.run(_create_user(username, email, display_name))
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
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
    try:
        secret = asyncio.run(_create_token(username, name, lifetime))
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
    print(secret)  # stdout, so scripts can capture it


async def _seed() -> None:
    from app.seed import seed  # noqa: PLC0415  (only this command needs the demo)

    settings = get_settings()
    engine = create_engine(settings.database_url)
    try:
        seeded = await seed(engine, settings)
    finally:
        await engine.dispose()
    console.print(
        f"seeded acme: {seeded.components} hub components, {seeded.versions} versions; tokens:"
    )
    for username, token in seeded.tokens.items():
        print(f"{username}\t{token}")


@app.command("seed")
def seed_command() -> None:
    """Fill an empty, migrated database with a demo world (prints the demo users' tokens)."""
    try:
        asyncio.run(_seed())
    except DomainError as error:
        console.print(f"[red]{error.message}[/red] (seed an empty database)")
        raise typer.Exit(1) from error


def main() -> None:
    app()
