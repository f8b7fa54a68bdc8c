"""Latency and statement counts for organization queries on a seeded database.

    python -m benchmarks.organizations [--members 10000] [--rounds 30]

Uses HUBQL_DATABASE_URL when set (it must be an empty, migrated database); otherwise a temporary
SQLite file. Requests go through the whole ASGI app in process (no network), so the figures are
the server's own cost.
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import event, insert

from app.authn import hash_token, mint_token
from app.db import create_engine, create_sessionmaker
from app.main import create_app
from app.migrations import upgrade_to_head
from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.settings import Settings, get_settings
from app.teams.models import Team, TeamMember, TeamRole
from app.users.models import AccessToken, User

NESTED = """
query($n: Int!) { organizations { edges { node {
  members(first: $n) { totalCount edges { node { role user { username } } } }
  teams(first: $n) {
    totalCount edges { node { members { edges { node { user { username } } } } } }
  }
} } } }
"""
MEMBERS_PAGE = """
query($after: String) { organization(name: "org0") {
  members(first: 50, after: $after) { pageInfo { endCursor } edges { node { user { username } } } }
} }
"""


async def seed(url: str, members: int) -> str:
    engine = create_engine(url)
    token = mint_token()
    async with create_sessionmaker(engine)() as session, session.begin():
        await session.execute(
            insert(User),
            [{"username": f"u{i:06d}", "email": f"u{i}@example.org"} for i in range(members)],
        )
        await session.execute(
            insert(AccessToken),
            [{"user_id": 1, "name": "bench", "token_hash": hash_token(token), "prefix": "x"}],
        )
        for index in range(5):
            await session.execute(insert(Organization), [{"name": f"org{index}"}])
            await session.execute(
                insert(OrganizationMember),
                [
                    {
                        "organization_id": index + 1,
                        "user_id": user,
                        "role": OrganizationRole.OWNER if user == 1 else OrganizationRole.MEMBER,
                    }
                    for user in range(1, members + 1)
                ],
            )
            await session.execute(
                insert(Team), [{"organization_id": index + 1, "name": f"t{t}"} for t in range(100)]
            )
        await session.execute(
            insert(TeamMember),
            [
                {"team_id": team, "user_id": user, "role": TeamRole.MEMBER}
                for team in range(1, 501)
                for user in range(1, 6)
            ],
        )
    await engine.dispose()
    return token


async def measure(url: str, token: str, rounds: int) -> list[tuple[str, float, float, int]]:
    engine = create_engine(url)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    settings = Settings(database_url=url, log_format="json", log_level="ERROR")
    app = create_app(settings, engine=engine)
    headers = {"Authorization": f"Bearer {token}"}
    rows = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:

        async def run(label: str, query: str, variables: dict[str, Any]) -> None:
            nonlocal statements
            timings = []
            for _ in range(rounds):
                statements = 0
                started = time.perf_counter()
                response = await client.post(
                    "/graphql", json={"query": query, "variables": variables}, headers=headers
                )
                timings.append((time.perf_counter() - started) * 1000)
                assert "errors" not in response.json(), response.text
            p95 = statistics.quantiles(timings, n=20)[-1]
            rows.append((label, statistics.median(timings), p95, statements))

        for n in (1, 20, 100):
            await run(f"nested, first: {n}", NESTED, {"n": n})
        cursor = None
        for _ in range(150):  # walk to page 150 of organization members
            response = await client.post(
                "/graphql",
                json={"query": MEMBERS_PAGE, "variables": {"after": cursor}},
                headers=headers,
            )
            page = response.json()["data"]["organization"]["members"]
            cursor = page["pageInfo"]["endCursor"]
        await run("members page 1 (50 rows)", MEMBERS_PAGE, {"after": None})
        await run("members page 150 (50 rows)", MEMBERS_PAGE, {"after": cursor})
    await engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = get_settings().database_url
        if "HUBQL_DATABASE_URL" not in os.environ:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
            upgrade_to_head(url)
        token = asyncio.run(seed(url, args.members))
        rows = asyncio.run(measure(url, token, args.rounds))
    table = Table(
        title=f"hubql organizations ({args.members:,} members x 5 orgs, {url.split(':')[0]})"
    )
    for column in ("query", "median ms", "p95 ms", "statements"):
        table.add_column(column)
    for label, median, p95, statements in rows:
        table.add_row(label, f"{median:.1f}", f"{p95:.1f}", str(statements))
    Console().print(table)


if __name__ == "__main__":
    main()
