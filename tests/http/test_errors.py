"""Unexpected errors: masked for the client, in full in the server log, tied by one request id.
And secrets: a personal access token never reaches any log line."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from app.authn import mint_token
from app.graphql import view as view_module
from app.organizations import service as organizations_service
from app.settings import Settings
from app.teams import service as teams_service
from app.users import service as users_service
from tests.helpers import Factory, Person, global_id, without_cost
from tests.logs import ServerLog, capture_server_log

ORGANIZATION = 'query { organization(name: "acme") { name } }'
CREATE_ORGANIZATION = """
mutation($name: String!) {
  createOrganization(input: {name: $name}) { organization { name } userErrors { code } }
}"""
CREATE_TEAM = """
mutation($id: ID!) {
  createTeam(input: {organizationId: $id, name: "core"}) { team { name } userErrors { code } }
}"""
CREATE_ACCESS_TOKEN = """
mutation { createAccessToken(input: {name: "ci"}) { token userErrors { code } } }"""


@pytest.fixture
async def ada(factory: Factory) -> Person:
    return await factory.user("ada")


@pytest.fixture
async def acme(factory: Factory, ada: Person) -> int:
    return await factory.organization("acme", owner=ada)


def explode(message: str) -> Callable[..., Awaitable[Any]]:
    async def raise_(*_: Any, **__: Any) -> Any:
        raise RuntimeError(message)

    return raise_


def assert_no_traceback(response: httpx.Response) -> None:
    assert "Traceback" not in response.text, response.text
    assert 'File "' not in response.text, response.text


async def post(
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    request_id: str | None = None,
) -> httpx.Response:
    headers = {}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    if request_id is not None:
        headers["x-request-id"] = request_id
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    response = await http.post("/graphql", json=payload, headers=headers)
    assert_no_traceback(response)
    return response


class TestUnexpectedErrors:
    @pytest.fixture(autouse=True)
    def broken_lookup(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(organizations_service, "find_by_name", explode("secret detail"))

    async def test_the_client_sees_a_code_and_a_request_id_only(
        self, http: httpx.AsyncClient, ada: Person, acme: int, server_log: ServerLog
    ) -> None:
        response = await post(http, ORGANIZATION, token=ada.token)
        assert response.status_code == 200, response.text
        assert "secret detail" not in response.text
        assert "RuntimeError" not in response.text
        body = response.json()
        assert body["data"] == {"organization": None}
        [error] = body["errors"]
        assert error["message"] == "Internal server error."
        assert error["path"] == ["organization"]
        assert set(error["extensions"]) == {"code", "requestId"}
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        assert error["extensions"]["requestId"]

    async def test_the_log_has_the_traceback_under_the_same_request_id(
        self, http: httpx.AsyncClient, ada: Person, acme: int, server_log: ServerLog
    ) -> None:
        response = await post(http, ORGANIZATION, token=ada.token)
        request_id = response.json()["errors"][0]["extensions"]["requestId"]
        assert response.headers["x-request-id"] == request_id
        [record] = server_log.unexpected_errors()
        assert record["level"] == "error"
        assert record["request_id"] == request_id
        assert record["path"] == ["organization"]
        # A structured traceback: the exception and its frames, no locals.
        [exception] = record["exception"]
        assert (exception["exc_type"], exception["exc_value"]) == ("RuntimeError", "secret detail")
        assert exception["frames"]
        assert all("locals" not in frame for frame in exception["frames"])

    async def test_every_request_gets_its_own_id(
        self, http: httpx.AsyncClient, ada: Person, acme: int, server_log: ServerLog
    ) -> None:
        first = await post(http, ORGANIZATION, token=ada.token)
        second = await post(http, ORGANIZATION, token=ada.token)
        ids = [r.json()["errors"][0]["extensions"]["requestId"] for r in (first, second)]
        assert ids[0] != ids[1]
        assert [r["request_id"] for r in server_log.unexpected_errors()] == ids

    @pytest.mark.parametrize(
        "supplied", ["req-123", "a.B_c-9", "x" * 64], ids=["simple", "punctuation", "64-chars"]
    )
    async def test_a_client_request_id_is_echoed_and_used(
        self,
        http: httpx.AsyncClient,
        ada: Person,
        acme: int,
        server_log: ServerLog,
        supplied: str,
    ) -> None:
        response = await post(http, ORGANIZATION, token=ada.token, request_id=supplied)
        assert response.headers["x-request-id"] == supplied
        assert response.json()["errors"][0]["extensions"]["requestId"] == supplied
        [record] = server_log.unexpected_errors()
        assert record["request_id"] == supplied

    @pytest.mark.parametrize(
        "supplied",
        ["has space", "x" * 65, '"quoted"', "a;b", "\u00e9t\u00e9"],
        ids=["space", "65-chars", "quotes", "semicolon", "non-ascii"],
    )
    async def test_an_unsafe_client_request_id_is_replaced(
        self,
        http: httpx.AsyncClient,
        ada: Person,
        acme: int,
        server_log: ServerLog,
        supplied: str,
    ) -> None:
        headers = {
            b"authorization": f"Bearer {ada.token}".encode(),
            b"x-request-id": supplied.encode(),
        }
        response = await http.post("/graphql", json={"query": ORGANIZATION}, headers=headers)
        request_id = response.headers["x-request-id"]
        assert request_id != supplied
        assert response.json()["errors"][0]["extensions"]["requestId"] == request_id
        [record] = server_log.unexpected_errors()
        assert record["request_id"] == request_id
        assert supplied not in server_log.text

    async def test_a_request_id_is_echoed_without_an_error_too(
        self, http: httpx.AsyncClient, ada: Person
    ) -> None:
        response = await post(http, "{ viewer { username } }", token=ada.token, request_id="ok-1")
        assert without_cost(response.json()) == {"data": {"viewer": {"username": "ada"}}}
        assert response.headers["x-request-id"] == "ok-1"

    async def test_expected_errors_are_not_logged(
        self, http: httpx.AsyncClient, ada: Person, server_log: ServerLog
    ) -> None:
        response = await post(
            http, "{ organizations(first: 1000) { totalCount } }", token=ada.token
        )
        assert response.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
        assert server_log.unexpected_errors() == []


class TestUnexpectedErrorsInMutations:
    async def test_a_failure_after_writing_rolls_back(
        self,
        http: httpx.AsyncClient,
        factory: Factory,
        ada: Person,
        acme: int,
        server_log: ServerLog,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        async def fail_after_the_team_is_written(*args: Any, **kwargs: Any) -> Any:
            # `create_team` records its activity after flushing the team: the row exists in the
            # transaction when this fails.
            raise RuntimeError("secret detail")

        monkeypatch.setattr(teams_service, "_record", fail_after_the_team_is_written)
        before = await factory.row_counts()
        response = await post(
            http, CREATE_TEAM, {"id": global_id("Organization", acme)}, token=ada.token
        )
        assert "secret detail" not in response.text
        body = response.json()
        assert body["data"] == {"createTeam": None}
        [error] = body["errors"]
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        assert await factory.row_counts() == before
        [record] = server_log.unexpected_errors()
        assert record["request_id"] == error["extensions"]["requestId"]
        assert raised(record) == "RuntimeError: secret detail"


def raised(record: dict[str, Any]) -> str:
    """`Type: message` of the exception a structured log record carries."""
    [exception] = record["exception"]
    return f"{exception['exc_type']}: {exception['exc_value']}"


class TestSecretsStayOutOfLogs:
    async def test_no_token_appears_in_any_log_line(
        self,
        http: httpx.AsyncClient,
        factory: Factory,
        ada: Person,
        acme: int,
        server_log: ServerLog,
        caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        caplog.set_level(logging.DEBUG)  # everything, SQL statements and their parameters too
        bad_token = "hubql_" + "Q" * 43
        # A good token.
        viewer = await post(http, "{ viewer { username } }", token=ada.token)
        assert without_cost(viewer.json()) == {"data": {"viewer": {"username": "ada"}}}
        # A bad one.
        refused = await post(http, "{ viewer { username } }", token=bad_token)
        assert refused.status_code == 401
        # A new one, shown once in the response, then used.
        created = await post(http, CREATE_ACCESS_TOKEN, token=ada.token)
        new_token = created.json()["data"]["createAccessToken"]["token"]
        assert new_token.startswith("hubql_")
        used = await post(http, "{ viewer { username } }", token=new_token)
        assert without_cost(used.json()) == {"data": {"viewer": {"username": "ada"}}}
        # A mutation with a token in its input, and an unexpected error while signed in, so the
        # log certainly holds a traceback of a request that carried a token.
        await post(http, CREATE_ORGANIZATION, {"name": new_token}, token=new_token)
        monkeypatch.setattr(organizations_service, "find_by_name", explode("lookup failed"))
        failed = await post(http, ORGANIZATION, token=new_token)
        assert failed.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"

        server_text = server_log.read()
        assert "lookup failed" in server_text  # the capture works: the error is there
        assert caplog.records  # and so does this one (httpx, SQLAlchemy)
        logged = [
            server_text,
            caplog.text,
            *(record.getMessage() for record in caplog.records),
            *(repr(record.args) for record in caplog.records),
        ]
        for token in (ada.token, bad_token, new_token):
            for text in logged:
                assert token not in text

    @pytest.mark.parametrize("log_format", ["json", "console"])
    async def test_a_token_being_minted_when_a_mutation_fails(
        self,
        http: httpx.AsyncClient,
        factory: Factory,
        ada: Person,
        settings: Settings,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
        app: Starlette,
        log_format: str,
    ) -> None:
        # The secret is a local of the failing frames: a traceback must not print locals.
        log = capture_server_log(
            capsys, settings.model_copy(update={"log_format": log_format}), monkeypatch
        )
        minted: list[str] = []

        def mint() -> str:
            minted.append(mint_token())
            return minted[-1]

        def fail_to_hash(token: str) -> str:
            raise RuntimeError("hashing failed")

        monkeypatch.setattr(users_service, "mint_token", mint)
        monkeypatch.setattr(users_service, "hash_token", fail_to_hash)
        before = await factory.row_counts()
        response = await post(http, CREATE_ACCESS_TOKEN, token=ada.token)
        assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        assert await factory.row_counts() == before
        text = log.read()
        assert "hashing failed" in text
        [secret] = minted
        assert secret not in response.text
        assert secret not in text
        assert ada.token not in text


class TestFailuresOutsideExecution:
    async def test_a_failing_authentication_is_masked_with_a_request_id(
        self,
        http: httpx.AsyncClient,
        ada: Person,
        server_log: ServerLog,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(view_module, "authenticate", explode("database is down"))
        response = await post(http, ORGANIZATION, token=ada.token, request_id="outage-1")
        assert response.status_code == 500
        assert "database is down" not in response.text
        assert without_cost(response.json()) == {
            "errors": [
                {
                    "message": "Internal server error.",
                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "outage-1"},
                }
            ]
        }
        [record] = server_log.unexpected_errors()
        assert record["request_id"] == "outage-1"
        assert raised(record) == "RuntimeError: database is down"

    @pytest.mark.parametrize(
        ("method", "path", "status", "code"),
        [
            ("PUT", "/graphql", 405, "BAD_USER_INPUT"),
            ("DELETE", "/graphql", 405, "BAD_USER_INPUT"),
            ("GET", "/nowhere", 404, "NOT_FOUND"),
        ],
        ids=["put", "delete", "unknown-path"],
    )
    async def test_routing_errors_are_json_with_a_code(
        self, http: httpx.AsyncClient, method: str, path: str, status: int, code: str
    ) -> None:
        response = await http.request(method, path)
        assert response.status_code == status
        assert response.json()["errors"][0]["extensions"]["code"] == code
