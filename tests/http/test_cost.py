"""What an operation costs, checked before any SQL runs, and the viewer's budget per minute.

The estimate is GitHub's: connections multiply what is below them by their page size, and so do
lists of objects (`nodes(ids:)` by its ids, `upstream`, `downstream`, `stageConditions`, … by the
longest page), including inside fragments. Fragments are measured once each, so documents whose
fragments spread each other twice (2**n paths) validate in one walk per fragment.
"""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from app.main import create_app
from app.projects.models import ProjectVisibility
from app.ratelimit import RateLimiter
from app.runs.models import Run, RunEdge, RunStatus
from app.settings import Settings
from tests.helpers import Factory, GraphQLClient, StatementCounter, error_codes, global_id


def doubling(fragments: int, leaf: str = "name") -> str:
    """`fragments` fragments, each spreading the next one twice: 2**fragments paths."""
    definitions = [
        f"fragment F{i} on Organization {{ {leaf} ...F{i + 1} ...F{i + 1} }}"
        for i in range(fragments - 1)
    ]
    definitions.append(f"fragment F{fragments - 1} on Organization {{ {leaf} }}")
    return '{ organization(name: "acme") { ...F0 } }\n' + "\n".join(definitions)


async def cost_of(gql: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = await gql.post(query, variables)
    return response.json()


class TestFragments:
    @pytest.mark.parametrize("fragments", [20, 40, 64])
    async def test_a_doubling_document_is_answered(
        self, gql: GraphQLClient, factory: Factory, fragments: int
    ) -> None:
        # Walking every spread would take 2**64 steps: the test finishing is the proof.
        ada = await factory.user("ada")
        await factory.organization("acme", owner=ada)
        body = await cost_of(gql, doubling(fragments))
        assert body["data"] == {"organization": None}  # the anonymous viewer may not read acme
        assert body["extensions"]["cost"]["requestedNodes"] == 0

    async def test_aliases_are_counted_through_every_spread(
        self, gql: GraphQLClient, count_statements: StatementCounter
    ) -> None:
        count_statements.reset()
        body = await cost_of(gql, doubling(20, leaf="a: name"))
        assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
        assert body["errors"][0]["message"].startswith("1,048,575 aliases found")  # 2**20 - 1
        assert count_statements.count == 0

    async def test_connections_inside_fragments_count(self, gql: GraphQLClient) -> None:
        query = """{ hub(first: 100) { ...Page } }
        fragment Page on ComponentVersionConnection { edges { node { ...Version } } }
        fragment Version on ComponentVersion { project { runs(first: 100) { ...Runs } } }
        fragment Runs on RunConnection { edges { node { uuid } } }"""
        body = await cost_of(gql, query)
        assert "errors" not in body
        assert body["extensions"]["cost"] == {"requestedNodes": 10_100, "maxNodes": 50_000}

    async def test_over_the_budget_through_fragments(
        self, gql: GraphQLClient, count_statements: StatementCounter
    ) -> None:
        query = """{ hub(first: 100) { ...Page } }
        fragment Page on ComponentVersionConnection { edges { node { ...Version } } }
        fragment Version on ComponentVersion { project { runs(first: 100) { ...Runs } } }
        fragment Runs on RunConnection { edges { node { upstream { uuid } } } }"""
        count_statements.reset()
        body = await cost_of(gql, query)
        assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
        assert body["extensions"]["cost"]["requestedNodes"] == 100 * (1 + 100 * (1 + 5))
        assert count_statements.count == 0

    async def test_a_connection_without_first_counts_the_default_page(
        self, gql: GraphQLClient
    ) -> None:
        body = await cost_of(gql, "{ hub { ...Page } } fragment Page on ComponentVersionConnection"
                                  " { edges { node { name } } }")  # fmt: skip
        assert body["extensions"]["cost"]["requestedNodes"] == 20


class TestLists:
    """Lists of objects multiply like connections, by the length their `@listSize` declares
    (or their slicing argument's): four levels of lineage lists (5 each) under 100 ids are
    100 * 781 objects, not 100."""

    async def test_nested_lineage_lists_over_the_budget(
        self, gql: GraphQLClient, count_statements: StatementCounter
    ) -> None:
        ids = [global_id("Run", i) for i in range(1, 101)]
        query = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Run {
          upstream { downstream { upstream { downstream { name } } } } } } }"""
        count_statements.reset()
        body = await cost_of(gql, query, {"ids": ids})
        assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
        assert body["extensions"]["cost"]["requestedNodes"] == 100 * (1 + 5 * (1 + 5 * 31))
        assert count_statements.count == 0

    async def test_nodes_count_their_ids(self, gql: GraphQLClient) -> None:
        ids = [global_id("Run", i) for i in range(1, 4)]
        query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
        body = await cost_of(gql, query, {"ids": ids})
        assert body["extensions"]["cost"]["requestedNodes"] == 3

    async def test_stage_conditions_under_a_page_of_versions(self, gql: GraphQLClient) -> None:
        query = """{ hub(first: 50) { edges { node {
          stageConditions { actor { username } } } } } }"""
        body = await cost_of(gql, query)
        assert body["extensions"]["cost"]["requestedNodes"] == 50 + 50 * 5
        assert "errors" not in body

    async def test_introspection_costs_nothing(self, gql: GraphQLClient) -> None:
        query = "{ __schema { types { fields { args { type { ofType { name } } } } } } }"
        body = await cost_of(gql, query)
        assert "errors" not in body
        assert body["extensions"]["cost"]["requestedNodes"] == 0


class TestRowsLoaded:
    """The estimate assumes list lengths; the rows a request loads are bounded whatever the data
    holds (4 per node of the limit)."""

    async def test_a_list_longer_than_assumed_is_stopped(
        self, settings: Settings, engine: AsyncEngine, factory: Factory, sessions: Any
    ) -> None:
        ada = await factory.user("ada")
        acme = await factory.organization("acme", owner=ada)
        project = await factory.project(acme, "vision", visibility=ProjectVisibility.PUBLIC)
        run = await factory.run(project, "last")
        async with sessions() as session, session.begin():
            upstream = [
                Run(uuid=uuid.uuid4().hex, project_id=project, status=RunStatus.SUCCEEDED, tags=[])
                for _ in range(100)
            ]
            session.add_all(upstream)
            await session.flush()
            session.add_all(RunEdge(upstream_id=u.id, downstream_id=run) for u in upstream)
        small = create_app(settings.model_copy(update={"max_nodes": 20}), engine=engine)
        transport = httpx.ASGITransport(app=small)
        async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as client:
            query = "query($id: ID!) { node(id: $id) { ... on Run { name upstream { uuid } } } }"
            response = await GraphQLClient(client).post(query, {"id": global_id("Run", run)})
        body = response.json()
        assert body["extensions"]["cost"]["requestedNodes"] == 5  # under the limit of 20 ...
        assert error_codes(body) == ["QUERY_TOO_COMPLEX"]  # ... but 100 rows are over 4 * 20
        assert body["errors"][0]["path"] == ["node", "upstream"]


RATE_LIMITED_QUERY = "{ hub(first: 40) { totalCount } rateLimit { limit cost remaining resetAt } }"


@pytest.fixture
def limited_app(settings: Settings, engine: AsyncEngine) -> Starlette:
    return create_app(settings.model_copy(update={"rate_limit_per_minute": 100}), engine=engine)


@pytest.fixture
async def limited(limited_app: Starlette) -> Any:
    transport = httpx.ASGITransport(app=limited_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as client:
        yield GraphQLClient(client)


class TestRateLimit:
    """A budget of 100 estimated nodes per minute; each probe costs 40."""

    async def test_the_budget_is_spent_then_refused_with_retry_after(
        self, limited: GraphQLClient, factory: Factory, count_statements: StatementCounter
    ) -> None:
        ada = await factory.user("ada")
        first = (await limited.post(RATE_LIMITED_QUERY, as_=ada)).json()
        second = (await limited.post(RATE_LIMITED_QUERY, as_=ada)).json()
        assert first["data"]["rateLimit"]["remaining"] == 60
        assert first["data"]["rateLimit"]["limit"] == 100
        assert first["data"]["rateLimit"]["cost"] == 40
        assert second["data"]["rateLimit"]["remaining"] == 20
        assert second["extensions"]["rateLimit"]["remaining"] == 20
        count_statements.reset()
        third = (await limited.post(RATE_LIMITED_QUERY)).json()  # anonymous: another viewer
        assert "errors" not in third
        count_statements.reset()
        refused = await limited.post(RATE_LIMITED_QUERY, as_=ada)
        body = refused.json()
        assert body["data"] is None
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert 1 <= error["extensions"]["retryAfter"] <= 60
        # Refused before execution: only authenticating the token touched the database.
        authenticating = count_statements.count
        count_statements.reset()
        await limited.post("{ viewer { id } }", as_=ada)
        assert authenticating < count_statements.count

    async def test_a_refused_operation_spends_nothing(
        self, limited: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        expensive = "{ hub(first: 90) { totalCount } }"
        assert "errors" not in (await limited.post(expensive, as_=ada)).json()
        refused = (await limited.post(expensive, as_=ada)).json()
        assert error_codes(refused) == ["RATE_LIMITED"]
        cheap = (await limited.post("{ rateLimit { remaining } }", as_=ada)).json()
        assert cheap["data"]["rateLimit"]["remaining"] == 9

    async def test_over_the_node_limit_is_not_charged(
        self, limited: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        huge = "{ hub(first: 100) { edges { node { project { runs(first: 100) {"
        huge += " edges { node { upstream { uuid } } } } } } } } }"
        body = (await limited.post(huge, as_=ada)).json()
        assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
        cheap = (await limited.post("{ rateLimit { remaining } }", as_=ada)).json()
        assert cheap["data"]["rateLimit"]["remaining"] == 99

    async def test_no_limit_no_rate_limit(self, settings: Settings, engine: AsyncEngine) -> None:
        unlimited = create_app(
            settings.model_copy(update={"rate_limit_per_minute": 0}), engine=engine
        )
        transport = httpx.ASGITransport(app=unlimited)
        async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as client:
            body = (await GraphQLClient(client).post("{ rateLimit { limit } }")).json()
        assert body["data"] == {"rateLimit": None}
        assert "rateLimit" not in body["extensions"]


class TestRateLimiter:
    """The window itself, on a clock the test moves."""

    def test_the_window_resets_after_a_minute(self) -> None:
        now = [1000.0]
        limiter = RateLimiter(10, clock=lambda: now[0])
        assert limiter.charge("ada", 10).allowed
        refused = limiter.charge("ada", 1)
        assert not refused.allowed
        assert refused.remaining == 0
        now[0] += 60
        assert limiter.charge("ada", 10).allowed

    def test_viewers_have_their_own_windows(self) -> None:
        limiter = RateLimiter(10, clock=lambda: 0.0)
        assert limiter.charge("ada", 10).allowed
        assert limiter.charge("bob", 10).allowed
        assert not limiter.charge("ada", 1).allowed
