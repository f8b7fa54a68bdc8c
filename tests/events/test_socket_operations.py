"""The operations of one WebSocket share a viewer, never a session or a loader: one ending while
its read is in flight (a client's `complete`) leaves the others running."""

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.authn import Viewer
from app.authz.enforcer import Authorizer
from app.events.bus import Bus
from app.graphql.context import GraphQLContext
from app.graphql.schema import build_schema
from app.settings import Settings
from tests.events.test_subscriptions import TRANSITION, VERSION_EVENTS, World
from tests.helpers import Factory, GraphQLClient


async def test_a_subscription_ended_mid_read_leaves_its_sibling_running(
    factory: Factory,
    gql: GraphQLClient,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    world = await World(factory).build()
    schema = build_schema(settings)
    socket = GraphQLContext(
        session=sessions(),
        viewer=Viewer(world.reader.id, world.reader.username),
        authz=Authorizer(settings.policy_dir),
        settings=settings,
        events=Bus(),
        sessions=sessions,
    )
    variables = {"project": world.project}
    streams: list[Any] = [
        await schema.subscribe(VERSION_EVENTS, variable_values=variables, context_value=socket)
        for _ in range(2)
    ]
    ended, kept = (asyncio.create_task(anext(stream)) for stream in streams)
    # Both are inside their first read (the project's facts, asked of one loader at once)...
    for _ in range(5):
        await asyncio.sleep(0)
    # ... when the client completes one of them.
    ended.cancel()
    await asyncio.gather(ended, return_exceptions=True)
    await gql.data(TRANSITION, {"id": world.version, "stage": "STAGING"}, as_=world.admin)
    assert socket.events is not None
    socket.events.wake()
    result = await asyncio.wait_for(kept, 10)
    assert result.errors is None, result.errors
    assert result.data is not None
    assert result.data["modelVersionEvents"]["modelVersion"] == {"name": "v1", "stage": "STAGING"}
    await streams[1].aclose()
    await socket.close()
