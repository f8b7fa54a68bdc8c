"""/metrics of a real `hubql serve`: open subscriptions on a gauge, and with `--workers 2` every
scrape, whichever worker answers it, reporting the requests of both."""

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from tests.events.client import subscriber
from tests.faults.processes import Server, hubql_server
from tests.helpers import Factory
from tests.scrapes import Scrape

ACTIVITY = "subscription($organization: String!) { activity(organization: $organization) { verb } }"
COUNT_ME = "query CountMe { __typename }"
OPERATIONS = "hubql_graphql_operations_total"
SUBSCRIPTIONS = "hubql_graphql_subscriptions_active"
# Every request on a new TCP connection, so the kernel may hand each to either worker.
FRESH_CONNECTIONS = httpx.Limits(max_keepalive_connections=0)
SCRAPES = 200


async def scrape(http: httpx.AsyncClient) -> Scrape:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    return Scrape(response.text)


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"not within {within} s"
        await asyncio.sleep(0.1)


def served_by(server: Server, path: str) -> list[int]:
    """The pid of the worker that served each request to `path`, in order (the access log)."""
    pids = []
    for line in server.log.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        with contextlib.suppress(json.JSONDecodeError):  # a line still being written
            record: dict[str, Any] = json.loads(line)
            if record.get("event") == "request" and record.get("path") == path:
                pids.append(record["pid"])
    return pids


async def test_the_subscription_gauge_follows_open_subscriptions(
    factory: Factory, database_url: str, tmp_path: Path
) -> None:
    admin = await factory.user("admin")
    await factory.organization("acme", owner=admin)
    with hubql_server(database_url, tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:

            def open_subscriptions(count: int) -> Callable[[], Awaitable[bool]]:
                async def check() -> bool:
                    return (await scrape(http)).value(SUBSCRIPTIONS) == count

                return check

            assert (await scrape(http)).samples(SUBSCRIPTIONS)[0].value == 0
            async with (
                subscriber(server.base, admin.token) as completing,
                subscriber(server.base, admin.token) as leaving,
            ):
                await completing.subscribe("one", ACTIVITY, {"organization": "acme"})
                await leaving.subscribe("two", ACTIVITY, {"organization": "acme"})
                await eventually(open_subscriptions(2))
                # The client completes its subscription; its socket stays open.
                await completing.socket.send(json.dumps({"id": "one", "type": "complete"}))
                await eventually(open_subscriptions(1))
                await leaving.close()  # a socket closed with its subscription open
                await eventually(open_subscriptions(0))


def leave_counts_of_an_earlier_run(directory: Path) -> None:
    """What a server that used `directory` before left there: 1,000 requests of CountMe."""
    script = (
        "from app.metrics import AppMetrics\n"
        "from app.request_facts import RequestFacts\n"
        "metrics = AppMetrics(operation_names=1)\n"
        "facts = RequestFacts(operation_name='CountMe', operation_type='query')\n"
        "for _ in range(1000):\n"
        "    metrics.request_done('/graphql', 'POST', 200, 0.01, facts)\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
    assert list(directory.glob("counter_*.db"))


async def test_every_scrape_adds_up_the_workers(
    factory: Factory, database_url: str, tmp_path: Path
) -> None:
    admin = await factory.user("admin")
    await factory.organization("acme", owner=admin)
    directory = tmp_path / "metrics"
    directory.mkdir()
    leave_counts_of_an_earlier_run(directory)
    env = {"HUBQL_METRICS_DIR": str(directory), "HUBQL_LOG_LEVEL": "INFO"}
    with hubql_server(database_url, tmp_path, env, workers=2) as server:
        async with httpx.AsyncClient(
            base_url=server.base, limits=FRESH_CONNECTIONS, timeout=10
        ) as http:
            # Requests until the access log shows both workers served some.
            sent = 0
            while len(set(served_by(server, "/graphql"))) < 2:
                assert sent < 800, f"one worker served all {sent} requests"
                answers = await asyncio.gather(
                    *(http.post("/graphql", json={"query": COUNT_ME}) for _ in range(8))
                )
                assert [a.status_code for a in answers] == [200] * 8
                sent += 8
            workers = set(served_by(server, "/graphql"))

            async def adds_up(metrics: Scrape, subscriptions: int) -> None:
                assert metrics.total("hubql_http_requests_total", path="/graphql") == sent
                assert (
                    metrics.value(OPERATIONS, operation="CountMe", type="query", outcome="ok")
                    == sent
                )
                # Gauges are one sum over the workers, not a series per pid.
                assert [s.value for s in metrics.samples(SUBSCRIPTIONS)] == [subscriptions]
                assert len(metrics.samples("hubql_db_connections_in_use")) == 1

            async def every_worker_scraped(subscriptions: int) -> None:
                """Scrapes until each worker has answered one, each adding up both."""
                already = len(served_by(server, "/metrics"))
                # The kernel hands connections to whichever worker accepts first: on a busy
                # machine one worker may take a long run of them.
                for _ in range(SCRAPES):
                    await adds_up(await scrape(http), subscriptions)
                    if set(served_by(server, "/metrics")[already:]) == workers:
                        return
                raise AssertionError(f"{SCRAPES} scrapes, all answered by the same worker")

            await every_worker_scraped(subscriptions=0)

            # A subscription lives in one worker; both report it.
            async with subscriber(server.base, admin.token) as client:
                await client.subscribe("activity", ACTIVITY, {"organization": "acme"})

                async def subscribed() -> bool:
                    return (await scrape(http)).value(SUBSCRIPTIONS) == 1

                await eventually(subscribed)
                await every_worker_scraped(subscriptions=1)

                # Both workers killed, the subscription's with them: uvicorn starts two more.
                for pid in workers:
                    os.kill(pid, signal.SIGKILL)

            async def recovered() -> bool:
                """Answered again (by a new worker: the old ones are dead) without the
                subscription the dead one held."""
                try:
                    return (await scrape(http)).value(SUBSCRIPTIONS) == 0
                except httpx.TransportError:
                    return False

            await eventually(recovered, within=60)
            # The dead workers' counts stay in the totals; their gauges left the sums.
            await adds_up(await scrape(http), subscriptions=0)
