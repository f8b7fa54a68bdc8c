"""What a request leaves behind once answered: nothing of its rows for the garbage collector, and
its document in the validation cache. Under load, either one kept thousands of rows per request
alive long after the response (W1 at 32 connections peaked at 926 MiB)."""

import gc
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.state import InstanceState
from strawberry.extensions.validation_cache import _get_validate_cache

from app.models import Base
from tests.helpers import Factory, GraphQLClient
from tests.registry.test_statement_counts import REGISTRY, seed_registry


@pytest.fixture
def collector_paused() -> Iterator[list[object]]:
    """The collector off, and what it would have found unreachable kept for inspection."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


async def test_a_page_of_rows_is_freed_as_the_response_leaves(
    gql: GraphQLClient,
    factory: Factory,
    sessions: async_sessionmaker[AsyncSession],
    collector_paused: list[object],
) -> None:
    viewer = await factory.user("viewer")
    await seed_registry(sessions, viewer)
    data = await gql.data(REGISTRY, {"n": 10}, as_=viewer)
    assert len(data["organization"]["models"]["edges"]) == 10
    gc.collect()
    left = [
        type(found).__name__
        for found in collector_paused
        if isinstance(found, InstanceState | Base)
    ]
    # Reference counting freed every row (10 x 10 versions, their runs, users, conditions...):
    # none waits for the collector.
    assert Counter(left) == {}


async def test_a_repeated_document_is_validated_once(gql: GraphQLClient, factory: Factory) -> None:
    viewer = await factory.user("viewer")
    cache: Any = _get_validate_cache(256)  # functools.lru_cache: it has cache_info()
    query = (
        "query Footprint($n: Int!) { viewer { username } organizations(first: $n) { totalCount } }"
    )
    for n in (1, 2):  # other variables, same document: its validation is reused
        await gql.data(query, {"n": n}, as_=viewer)
    before = cache.cache_info()
    await gql.data(query, {"n": 3}, as_=viewer)
    after = cache.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (1, 0)
