"""/metrics as an operator reads it: GraphQL operations by name, type and outcome, errors by code,
latency and statements per operation, connections in use; and labels no client can multiply.
(Subscriptions and several workers: tests/http/test_metrics_served.py.)"""

import os
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from app.main import create_app
from app.metrics import AppMetrics
from app.multiprocess import MULTIPROCESS_DIRECTORY, metrics_directory
from app.request_facts import RequestFacts
from app.settings import Settings
from tests.helpers import Factory, GraphQLClient, error_codes
from tests.logs import ServerLog
from tests.scrapes import Scrape

OPERATIONS = "hubql_graphql_operations_total"
ERRORS = "hubql_graphql_errors_total"
GONE = (
    'mutation Gone { deleteOrganization(input: {id: "T3JnYW5pemF0aW9uOjk5", confirmName: "x"})'
    " { deletedId } }"
)


async def scrape(http: httpx.AsyncClient) -> Scrape:
    response = await http.get("/metrics")
    assert response.status_code == 200
    return Scrape(response.text)


class TestOperations:
    async def test_a_query_counts_as_ok_with_its_latency_and_statements(
        self, gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory, server_log: ServerLog
    ) -> None:
        alice = await factory.user("alice")
        body = await gql("query Me { viewer { username } }", as_=alice)
        assert body["data"] == {"viewer": {"username": "alice"}}
        metrics = await scrape(http)
        me = {"operation": "Me", "type": "query"}
        assert metrics.value(OPERATIONS, **me, outcome="ok") == 1
        assert metrics.value(OPERATIONS, **me, outcome="error") == 0
        assert metrics.value("hubql_graphql_operation_seconds_count", **me) == 1
        assert 0 < metrics.value("hubql_graphql_operation_seconds_sum", **me) < 10
        # The same statements the request's log line reports (one source: its facts).
        [line] = [r for r in server_log.records() if r.get("path") == "/graphql"]
        assert line["statements"] >= 1  # at least the token's lookup
        assert metrics.value("hubql_graphql_operation_statements_count", **me) == 1
        assert metrics.value("hubql_graphql_operation_statements_sum", **me) == line["statements"]
        assert metrics.total(ERRORS) == 0

    async def test_an_error_counts_under_its_code_and_as_an_error_outcome(
        self, gql: GraphQLClient, http: httpx.AsyncClient, factory: Factory
    ) -> None:
        alice = await factory.user("alice")
        response = await gql.post(GONE, as_=alice)
        assert response.status_code == 200  # only the body says it failed
        assert error_codes(response.json()) == ["NOT_FOUND"]
        metrics = await scrape(http)
        assert metrics.value(OPERATIONS, operation="Gone", type="mutation", outcome="error") == 1
        assert metrics.value(OPERATIONS, operation="Gone", type="mutation", outcome="ok") == 0
        assert metrics.value(ERRORS, code="NOT_FOUND") == 1
        assert metrics.total(ERRORS) == 1

    async def test_a_document_that_does_not_parse_counts_its_code_and_no_operation(
        self, gql: GraphQLClient, http: httpx.AsyncClient
    ) -> None:
        response = await gql.post("query Broken {")
        assert error_codes(response.json()) == ["BAD_USER_INPUT"]
        metrics = await scrape(http)
        assert metrics.value(ERRORS, code="BAD_USER_INPUT") == 1
        assert metrics.samples(OPERATIONS) == []

    async def test_a_refused_token_counts_as_unauthenticated(
        self, gql: GraphQLClient, http: httpx.AsyncClient
    ) -> None:
        response = await gql.post("query Me { viewer { username } }", token="hubql_" + "x" * 43)
        assert response.status_code == 401
        metrics = await scrape(http)
        assert metrics.value(ERRORS, code="UNAUTHENTICATED") == 1

    async def test_an_operation_without_a_name_is_anonymous(
        self, gql: GraphQLClient, http: httpx.AsyncClient
    ) -> None:
        await gql("{ __typename }")
        await gql("mutation { __typename }")
        metrics = await scrape(http)
        assert metrics.value(OPERATIONS, operation="anonymous", type="query", outcome="ok") == 1
        assert metrics.value(OPERATIONS, operation="anonymous", type="mutation", outcome="ok") == 1


class TestBoundedLabels:
    @pytest.fixture
    def limited(self, settings: Settings, engine: AsyncEngine) -> Starlette:
        return create_app(
            settings.model_copy(update={"metrics_operation_names": 10}), engine=engine
        )

    async def test_many_operation_names_add_a_bounded_number_of_series(
        self, limited: Starlette
    ) -> None:
        transport = httpx.ASGITransport(app=limited)
        async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as http:
            gql = GraphQLClient(http)
            # Ten names have their own series, the eleventh is the first "other"; /metrics has
            # counted itself once scraped.
            for number in range(11):
                await gql(f"query Name{number} {{ __typename }}")
            await scrape(http)
            series_at_the_limit = len((await scrape(http)).text.splitlines())
            for number in range(11, 100):
                await gql(f"query Name{number} {{ __typename }}")
            await gql(f"query {'Long' * 17} {{ __typename }}")  # 68 characters
            metrics = await scrape(http)
        assert len(metrics.text.splitlines()) == series_at_the_limit
        expected = {f"Name{number}" for number in range(10)} | {"other"}
        for name in (
            OPERATIONS,
            "hubql_graphql_operation_seconds_count",
            "hubql_graphql_operation_statements_count",
        ):
            assert metrics.label_values(name, "operation") == expected
        assert metrics.value(OPERATIONS, operation="Name0", type="query", outcome="ok") == 1
        assert metrics.value(OPERATIONS, operation="other", type="query", outcome="ok") == 91

    def test_an_error_code_outside_the_table_is_other(self) -> None:
        metrics = AppMetrics(operation_names=10)
        facts = RequestFacts(operation_name="Q", operation_type="query")
        facts.answered("SOMETHING_NEW")
        facts.answered("FORBIDDEN")
        metrics.request_done("/graphql", "POST", 200, 0.01, facts)
        scraped = Scrape(metrics.scrape().decode())
        assert scraped.label_values(ERRORS, "code") == {"other", "FORBIDDEN"}


class TestConnectionsInUse:
    async def test_the_gauge_shows_connections_checked_out_of_the_pool(
        self, http: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        gauge = "hubql_db_connections_in_use"
        assert (await scrape(http)).samples(gauge)[0].value == 0
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            assert (await scrape(http)).value(gauge) == 1
        assert (await scrape(http)).value(gauge) == 0


class TestMetricsDirectory:
    """Where `hubql serve` has its workers write their metrics (app/multiprocess.py)."""

    @pytest.fixture(autouse=True)
    def _unset(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv(MULTIPROCESS_DIRECTORY, raising=False)

    def test_one_worker_keeps_its_metrics_in_memory(self) -> None:
        with metrics_directory(None, workers=1) as directory:
            assert directory is None
            assert MULTIPROCESS_DIRECTORY not in os.environ

    def test_several_workers_share_a_temporary_directory_removed_afterwards(self) -> None:
        with metrics_directory(None, workers=2) as directory:
            assert directory is not None
            assert directory.is_dir()
            assert os.environ[MULTIPROCESS_DIRECTORY] == str(directory)
        assert not directory.exists()
        assert MULTIPROCESS_DIRECTORY not in os.environ

    def test_a_named_directory_loses_an_earlier_runs_metrics_and_nothing_else(
        self, tmp_path: Path
    ) -> None:
        stale = ["counter_12.db", "histogram_12.db", "gauge_livesum_12.db", "gauge_all_7.db"]
        kept = ["hubql.db", "counter_notes.db", "notes.txt"]
        for name in stale + kept:
            (tmp_path / name).write_text("x")
        with metrics_directory(tmp_path, workers=1) as directory:
            assert directory == tmp_path
            assert os.environ[MULTIPROCESS_DIRECTORY] == str(tmp_path)
            assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)
        assert tmp_path.is_dir()

    def test_prometheus_multiproc_dir_set_by_the_operator_is_used(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(MULTIPROCESS_DIRECTORY, str(tmp_path))
        (tmp_path / "counter_12.db").write_text("x")
        with metrics_directory(None, workers=4) as directory:
            assert directory == tmp_path
            assert list(tmp_path.iterdir()) == []
        assert os.environ[MULTIPROCESS_DIRECTORY] == str(tmp_path)
