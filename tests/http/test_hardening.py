"""What a hostile or careless client cannot do to the server, its logs or its other clients.

Introspection off hides the schema (no suggestions, no GraphiQL); metric labels come from fixed
sets; logs carry neither query strings nor bind parameters; a client that leaves is no error; a
field more private than its parent is refused alone; names are slugs before they are folded.
"""

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.applications import Starlette
from starlette.types import Message

from app.db import create_engine
from app.main import create_app
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectVisibility
from app.settings import Settings
from tests.helpers import Factory, GraphQLClient, error_codes, global_id
from tests.logs import ServerLog


@pytest.fixture
def closed_app(settings: Settings, engine: AsyncEngine) -> Starlette:
    return create_app(settings.model_copy(update={"introspection": False}), engine=engine)


@pytest.fixture
async def closed(closed_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=closed_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as client:
        yield client


class TestIntrospectionOff:
    async def test_errors_suggest_no_names(self, closed: httpx.AsyncClient) -> None:
        queries = [
            '{ organizaton(name: "acme") { name } }',  # a field
            "{ hub(orderBy: [{field: CREATED, direction: DESC}]) { totalCount } }",  # an enum
            '{ project(owner: "a", name: "b") { modelVersion(nam: "v1") { id } } }',  # an argument
        ]
        for query in queries:
            body = (await closed.post("/graphql", json={"query": query})).json()
            assert set(error_codes(body)) == {"BAD_USER_INPUT"}, body
            for error in body["errors"]:
                assert "Did you mean" not in error["message"], error

    async def test_with_introspection_on_errors_do_suggest(self, gql: GraphQLClient) -> None:
        body = await gql('{ organizaton(name: "acme") { name } }')
        assert "Did you mean 'organization'" in body["errors"][0]["message"]

    async def test_no_graphiql(self, closed: httpx.AsyncClient, http: httpx.AsyncClient) -> None:
        browser = {"accept": "text/html"}
        assert "graphiql" in (await http.get("/graphql", headers=browser)).text.lower()
        closed_page = await closed.get("/graphql", headers=browser)
        assert closed_page.status_code < 500
        assert "graphiql" not in closed_page.text.lower()

    async def test_no_schema(self, closed: httpx.AsyncClient) -> None:
        body = await closed.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert body.json()["data"] is None
        assert set(error_codes(body.json())) == {"BAD_USER_INPUT"}


class TestMetrics:
    async def test_an_invented_method_adds_no_series(self, http: httpx.AsyncClient) -> None:
        await http.request("BREW", "/graphql")
        await http.request("PROPFIND", "/healthz")
        metrics = (await http.get("/metrics")).text
        assert "BREW" not in metrics
        assert "PROPFIND" not in metrics
        assert 'method="other"' in metrics

    async def test_an_invented_path_adds_no_series(self, http: httpx.AsyncClient) -> None:
        await http.get("/wp-admin/setup.php")
        metrics = (await http.get("/metrics")).text
        assert "wp-admin" not in metrics
        assert 'path="other"' in metrics


class TestLogs:
    async def test_query_strings_never_reach_the_log(
        self, http: httpx.AsyncClient, server_log: ServerLog
    ) -> None:
        secret = "hubql_" + "S" * 43
        params = {"access_token": secret, "query": "{ viewer { username } }"}
        response = await http.get("/graphql", params=params)
        assert response.status_code == 200
        [access] = [r for r in server_log.records() if r.get("event") == "request"]
        assert access["path"] == "/graphql"
        assert access["status"] == 200
        assert access["request_id"] == response.headers["x-request-id"]
        assert access["pid"] == os.getpid()  # which worker of several served it
        assert secret not in server_log.text
        assert "username" not in server_log.text  # nor the query string's document

    async def test_a_request_line_names_the_operation_viewer_statements_and_codes(
        self, gql: GraphQLClient, factory: Factory, server_log: ServerLog
    ) -> None:
        alice = await factory.user("alice")
        await factory.organization("acme", owner=alice)
        secret_name = "bind-parameter-never-logged"
        response = await gql.post(
            "query Lookup($name: String!) { organization(name: $name) { name }"
            ' other: organization(name: "acme") { name } }',
            {"name": secret_name},
            as_=alice,
        )
        assert response.status_code == 200
        refused = await gql.post(
            'mutation Gone { deleteOrganization(input: {id: "T3JnYW5pemF0aW9uOjk5", '
            'confirmName: "x"}) { deletedId } }',
            as_=alice,
        )
        assert refused.status_code == 200
        lookup, gone = [r for r in server_log.records() if r.get("event") == "request"]
        assert lookup["operation"] == "Lookup"
        assert lookup["operation_type"] == "query"
        assert lookup["viewer_id"] == alice.id
        assert lookup["error_codes"] == []
        assert lookup["statements"] >= 2  # the token, the organizations
        assert gone["operation"] == "Gone"
        assert gone["operation_type"] == "mutation"
        assert gone["error_codes"] == ["NOT_FOUND"]
        assert alice.token not in server_log.text
        assert secret_name not in server_log.text

    def test_the_engine_never_renders_bind_parameters(self, settings: Settings) -> None:
        engine = create_engine(settings.database_url)
        assert engine.sync_engine.hide_parameters


class TestClientDisconnect:
    async def test_a_client_that_leaves_is_no_error(
        self, app: Starlette, server_log: ServerLog
    ) -> None:
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"content-type", b"application/json"), (b"host", b"hubql.test")],
            "client": ("127.0.0.1", 5000),
            "server": ("hubql.test", 80),
        }
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        await app(scope, receive, send)
        assert server_log.unexpected_errors() == []
        events = [record.get("event") for record in server_log.records()]
        assert "client disconnected" in events


class TestConnectionLostUnderARequest:
    async def test_the_answer_still_goes_out(
        self, gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch, server_log: ServerLog
    ) -> None:
        # A database restart terminates the request's connection: closing the session fails.
        async def terminated(_: AsyncSession) -> None:
            raise DBAPIError("ROLLBACK", None, ConnectionError("connection was closed"))

        monkeypatch.setattr(AsyncSession, "close", terminated)
        response = await gql.post("{ viewer { username } }")
        assert response.status_code == 200
        assert response.json()["data"] == {"viewer": None}
        assert server_log.unexpected_errors() == []


class TestMorePrivateThanTheParent:
    """A refused field is null with its own error; its parent and siblings stay."""

    async def test_a_viewer_asking_for_project_access(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        bob = await factory.user("bob")
        acme = await factory.organization("acme", owner=ada)
        await factory.member(acme, bob, OrganizationRole.VIEWER)
        await factory.project(acme, "vision", visibility=ProjectVisibility.INTERNAL)
        body = await gql(
            '{ project(owner: "acme", name: "vision") { name access { totalCount } } }', as_=bob
        )
        assert body["data"] == {"project": {"name": "vision", "access": None}}
        assert error_codes(body) == ["FORBIDDEN"]
        assert body["errors"][0]["path"] == ["project", "access"]

    async def test_someone_elses_access_tokens(self, gql: GraphQLClient, factory: Factory) -> None:
        ada = await factory.user("ada")
        bob = await factory.user("bob")
        body = await gql(
            '{ user(username: "ada") { username accessTokens { totalCount } } }', as_=bob
        )
        assert body["data"] == {"user": {"username": "ada", "accessTokens": None}}
        assert error_codes(body) == ["FORBIDDEN"]
        mine = await gql.data("{ viewer { accessTokens { totalCount } } }", as_=ada)
        assert mine["viewer"]["accessTokens"]["totalCount"] == 1


CREATE_ORGANIZATION = """mutation($name: String!) {
  createOrganization(input: {name: $name}) { organization { name } userErrors { field code } }
}"""


class TestSlugsBeforeFolding:
    """KELVIN SIGN (U+212A) lowercases to an ASCII "k": checked first, it is no slug."""

    async def test_a_name_that_folds_into_ascii_is_refused(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        body = await gql(CREATE_ORGANIZATION, {"name": "\u212acme"}, as_=ada)
        payload = body["data"]["createOrganization"]
        assert payload == {
            "organization": None,
            "userErrors": [{"field": "name", "code": "INVALID"}],
        }

    async def test_it_names_nothing(self, gql: GraphQLClient, factory: Factory) -> None:
        ada = await factory.user("ada")
        kcme = await factory.organization("kcme", owner=ada)
        data = await gql.data(
            'query($id: ID!) { organization(name: "\u212acme") { name } node(id: $id) { id } }',
            {"id": global_id("Organization", kcme)},
            as_=ada,
        )
        assert data["organization"] is None
        assert data["node"] is not None

    async def test_uppercase_ascii_still_folds(self, gql: GraphQLClient, factory: Factory) -> None:
        ada = await factory.user("ada")
        await factory.organization("acme", owner=ada)
        data = await gql.data('{ organization(name: "ACME") { name } }', as_=ada)
        assert data["organization"] == {"name": "acme"}


class TestCors:
    @pytest.fixture
    async def browser(
        self, settings: Settings, engine: AsyncEngine
    ) -> AsyncIterator[httpx.AsyncClient]:
        allowed = settings.model_copy(update={"cors_origins": ["https://portal.example.com"]})
        transport = httpx.ASGITransport(app=create_app(allowed, engine=engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as client:
            yield client

    async def test_an_allowed_origin_may_call_the_api_with_a_token(
        self, browser: httpx.AsyncClient
    ) -> None:
        preflight = await browser.options(
            "/graphql",
            headers={
                "Origin": "https://portal.example.com",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://portal.example.com"
        assert preflight.headers["access-control-allow-credentials"] == "true"
        allowed = preflight.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed
        assert "content-type" in allowed
        answer = await browser.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Origin": "https://portal.example.com"},
        )
        assert answer.json()["data"] == {"__typename": "Query"}
        assert answer.headers["access-control-allow-origin"] == "https://portal.example.com"
        assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()

    async def test_another_origin_is_not_allowed(self, browser: httpx.AsyncClient) -> None:
        preflight = await browser.options(
            "/graphql",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 400
        assert "access-control-allow-origin" not in preflight.headers

    async def test_no_origin_is_allowed_by_default(self, http: httpx.AsyncClient) -> None:
        preflight = await http.options(
            "/graphql",
            headers={
                "Origin": "https://portal.example.com",
                "Access-Control-Request-Method": "POST",
            },
        )
        assert "access-control-allow-origin" not in preflight.headers
