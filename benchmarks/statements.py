"""SQL statements per request of the comparison's workloads, counted in process.

    PYTHONPATH=<tree> python benchmarks/statements.py URL TOKEN W2_AFTER

Run as a script with `PYTHONPATH` naming the tree to measure, so the runner counts the old tree
and the new one alike. Prints one JSON object: workload -> statements.
"""

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from app.db import create_engine
from app.main import create_app
from app.settings import Settings

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "workloads"


async def count(url: str, token: str, w2_after: str) -> dict[str, int]:
    engine = create_engine(url)
    statements = 0

    def counted(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", counted)
    settings = Settings(database_url=url, log_level="ERROR", rate_limit_per_minute=0)
    app = create_app(settings, engine=engine)
    headers = {"Authorization": f"Bearer {token}"}
    w1 = (BENCH / "w1.hubql.graphql").read_text()
    w2 = (BENCH / "w2.hubql.graphql").read_text()
    found: dict[str, int] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for name, query, variables in (
            ("W1", w1, {}),
            ("W2 page 1", w2, {"after": None}),
            ("W2 after 90,000", w2, {"after": w2_after}),
        ):
            for _ in range(2):  # the second request: caches warm, as under load
                statements = 0
                response = await client.post(
                    "/graphql", json={"query": query, "variables": variables}, headers=headers
                )
                assert "errors" not in response.json(), response.text
            found[name] = statements
    await engine.dispose()
    return found


if __name__ == "__main__":
    print(json.dumps(asyncio.run(count(*sys.argv[1:4]))))
