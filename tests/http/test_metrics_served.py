"""/metrics of a real `hubql serve`: open subscriptions on a gauge."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from tests.events.client import subscriber
from tests.faults.processes import hubql_server
from tests.helpers import Factory
from tests.scrapes import Scrape

ACTIVITY = "subscription($organization: String!) { activity(organization: $organization) { verb } }"
SUBSCRIPTIONS = "hubql_graphql_subscriptions_active"


async def scrape(http: httpx.AsyncClient) -> Scrape:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    return Scrape(response.text)


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"not within {within} s"
        await asyncio.sleep(0.1)


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
