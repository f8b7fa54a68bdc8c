"""GraphQL over HTTP (api.md, 2026-11-30): `Accept: application/graphql-response+json` gets that
media type and the spec's status codes; `application/json` (or `*/*`, or no Accept) keeps the
legacy 200. Then graphql-http's own audit, against a real `hubql serve`."""

import fcntl
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from app.graphql.view import negotiate
from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from tests.faults.processes import hubql_server, missing
from tests.helpers import error_codes

GRAPHQL_RESPONSE = "application/graphql-response+json"
GRAPHQL_RESPONSE_JSON = {"accept": GRAPHQL_RESPONSE}
ACCEPT_JSON = {"accept": "application/json"}

FAILED_BEFORE_EXECUTION: dict[str, dict[str, Any]] = {
    "parse": {"query": "{ viewer { username "},
    "validation": {"query": "{ viewer { nickname } }"},
    "variables": {
        "query": "query($name: String!) { user(username: $name) { id } }",
        "variables": {"name": 42},
    },
}
# `hub` is non-null: its error (a malformed cursor) nulls the whole `data`, after execution began.
FIELD_ERROR_NULL_DATA = {"query": '{ hub(first: 1, after: "not a cursor") { totalCount } }'}
FIELD_ERROR = {"query": '{ node(id: "not an id") { id } }'}


async def post(http: httpx.AsyncClient, body: object, headers: dict[str, str]) -> httpx.Response:
    return await http.post("/graphql", json=body, headers=headers)


def assert_graphql_response(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    body: dict[str, Any] = response.json()
    return body


class TestNegotiation:
    @pytest.mark.parametrize(
        ("accept", "media_type"),
        [
            (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
            (f"{GRAPHQL_RESPONSE}, application/json", GRAPHQL_RESPONSE),
            (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),  # a tie: the spec's type
            (f"application/json;q=0.9, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
            (f"{GRAPHQL_RESPONSE};charset=utf-8", GRAPHQL_RESPONSE),
            (f"{GRAPHQL_RESPONSE.upper()}", GRAPHQL_RESPONSE),
            (f"{GRAPHQL_RESPONSE};q=0.5, application/json", "application/json"),
            (f"{GRAPHQL_RESPONSE};q=0", "application/json"),
            ("application/json", "application/json"),
            ("*/*", "application/json"),
            (None, "application/json"),
            ("", "application/json"),
            ("text/html", "application/json"),
        ],
    )
    def test_the_response_media_type(self, accept: str | None, media_type: str) -> None:
        assert negotiate(accept) == media_type


class TestGraphQLResponseJSON:
    @pytest.mark.parametrize("body", FAILED_BEFORE_EXECUTION.values(), ids=FAILED_BEFORE_EXECUTION)
    async def test_failed_before_execution_is_400_without_data(
        self, http: httpx.AsyncClient, body: dict[str, Any]
    ) -> None:
        response = await post(http, body, GRAPHQL_RESPONSE_JSON)
        result = assert_graphql_response(response, 400)
        assert "data" not in result
        assert error_codes(result) == ["BAD_USER_INPUT"]
        assert response.headers["x-request-id"]

    async def test_over_a_limit_before_execution_is_400(self, http: httpx.AsyncClient) -> None:
        aliases = " ".join(f"a{n}: __typename" for n in range(100))
        response = await post(http, {"query": f"{{ {aliases} }}"}, GRAPHQL_RESPONSE_JSON)
        result = assert_graphql_response(response, 400)
        assert "data" not in result
        assert error_codes(result) == ["QUERY_TOO_COMPLEX"]

    async def test_a_field_error_with_data_null_is_200(self, http: httpx.AsyncClient) -> None:
        result = assert_graphql_response(
            await post(http, FIELD_ERROR_NULL_DATA, GRAPHQL_RESPONSE_JSON), 200
        )
        assert result["data"] is None
        assert error_codes(result) == ["BAD_USER_INPUT"]
        assert result["errors"][0]["path"] == ["hub"]

    async def test_a_field_error_is_200_with_data(self, http: httpx.AsyncClient) -> None:
        result = assert_graphql_response(await post(http, FIELD_ERROR, GRAPHQL_RESPONSE_JSON), 200)
        assert result["data"] == {"node": None}
        assert error_codes(result) == ["BAD_USER_INPUT"]

    async def test_success_is_200(self, http: httpx.AsyncClient) -> None:
        response = await post(http, {"query": "{ __typename }"}, GRAPHQL_RESPONSE_JSON)
        assert assert_graphql_response(response, 200)["data"] == {"__typename": "Query"}

    async def test_a_get_query_is_200(self, http: httpx.AsyncClient) -> None:
        response = await http.get(
            "/graphql", params={"query": "{ __typename }"}, headers=GRAPHQL_RESPONSE_JSON
        )
        assert assert_graphql_response(response, 200)["data"] == {"__typename": "Query"}

    async def test_a_get_mutation_is_still_405(self, http: httpx.AsyncClient) -> None:
        query = 'mutation { createAccessToken(input: {name: "x"}) { token } }'
        response = await http.get(
            "/graphql", params={"query": query}, headers=GRAPHQL_RESPONSE_JSON
        )
        result = assert_graphql_response(response, 405)
        assert response.headers["allow"] == "POST"
        assert error_codes(result) == ["BAD_USER_INPUT"]

    @pytest.mark.parametrize(
        "content",
        [b"{ not json", b'{"qeury": "{ __typename }"}', b"42"],
        ids=["not-json", "no-query", "not-an-object"],
    )
    async def test_a_malformed_request_is_400(
        self, http: httpx.AsyncClient, content: bytes
    ) -> None:
        headers = {**GRAPHQL_RESPONSE_JSON, "content-type": "application/json"}
        response = await http.post("/graphql", content=content, headers=headers)
        result = assert_graphql_response(response, 400)
        assert "data" not in result
        assert error_codes(result) == ["BAD_USER_INPUT"]

    async def test_a_bad_token_is_401(self, http: httpx.AsyncClient) -> None:
        headers = {**GRAPHQL_RESPONSE_JSON, "authorization": "Bearer nope"}
        result = assert_graphql_response(
            await post(http, {"query": "{ viewer { id } }"}, headers), 401
        )
        assert error_codes(result) == ["UNAUTHENTICATED"]


@pytest.fixture
def limited_app(settings: Settings, engine: AsyncEngine) -> Starlette:
    return create_app(settings.model_copy(update={"rate_limit_per_minute": 50}), engine=engine)


@pytest.fixture
async def limited(limited_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=limited_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as client:
        yield client


async def test_rate_limited_is_429_with_retry_after(limited: httpx.AsyncClient) -> None:
    expensive = {"query": "{ hub(first: 40) { totalCount } }"}
    assert (await post(limited, expensive, GRAPHQL_RESPONSE_JSON)).status_code == 200
    response = await post(limited, expensive, GRAPHQL_RESPONSE_JSON)
    result = assert_graphql_response(response, 429)
    assert "data" not in result
    assert error_codes(result) == ["RATE_LIMITED"]
    assert response.headers["retry-after"] == str(result["errors"][0]["extensions"]["retryAfter"])


class TestLegacyJSON:
    """What every client had before: 200 and `data: null` for the same requests."""

    @pytest.mark.parametrize(
        "accept", [ACCEPT_JSON, {"accept": "*/*"}, {}], ids=["json", "any", "none"]
    )
    @pytest.mark.parametrize("body", FAILED_BEFORE_EXECUTION.values(), ids=FAILED_BEFORE_EXECUTION)
    async def test_failed_before_execution_is_200(
        self, http: httpx.AsyncClient, body: dict[str, Any], accept: dict[str, str]
    ) -> None:
        response = await post(http, body, accept)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        result = response.json()
        assert result["data"] is None
        assert error_codes(result) == ["BAD_USER_INPUT"]

    async def test_a_malformed_request_is_400(self, http: httpx.AsyncClient) -> None:
        headers = {**ACCEPT_JSON, "content-type": "application/json"}
        response = await http.post("/graphql", content=b"{ not json", headers=headers)
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/json"


# ---- graphql-http's audit, against `hubql serve` ------------------------------------------------

GRAPHQL_HTTP = "graphql-http@1.23.1"
GRAPHQL = "graphql@16.15.0"  # graphql-http's peer dependency, pinned too
AUDIT_SCRIPT = Path(__file__).with_name("graphql_http_audit.cjs")
NODE_CACHE = PROJECT_ROOT / ".cache" / "node" / "graphql-http"


def _installed_version(prefix: Path) -> str | None:
    manifest = prefix / "node_modules" / "graphql-http" / "package.json"
    try:
        version: str = json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    return version


def graphql_http() -> Path:
    """The pinned graphql-http, installed with npm into the repository's .cache on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing("the graphql-http audit needs Node.js and npm")
    wanted = GRAPHQL_HTTP.rsplit("@", 1)[1]
    NODE_CACHE.mkdir(parents=True, exist_ok=True)
    # The SQLite and PostgreSQL legs run side by side: one installs while the other waits.
    with (NODE_CACHE.parent / "graphql-http.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_version(NODE_CACHE) != wanted:
            result = subprocess.run(
                [npm, "install", "--prefix", str(NODE_CACHE), "--no-audit", "--no-fund",
                 "--ignore-scripts", GRAPHQL_HTTP, GRAPHQL],
                capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
            if result.returncode != 0 or _installed_version(NODE_CACHE) != wanted:
                missing(f"npm could not install {GRAPHQL_HTTP}: {result.stderr[-2000:]}")
    return NODE_CACHE


def test_graphql_http_audit(database_url: str, tmp_path: Path) -> None:
    prefix = graphql_http()
    with hubql_server(database_url, tmp_path) as server:
        result = subprocess.run(
            ["node", str(AUDIT_SCRIPT), str(prefix), f"{server.base}/graphql"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"{result.stderr}\n{server.log_tail()}"
    audits = json.loads(result.stdout)
    by_status: dict[str, list[str]] = {}
    for audit in audits:
        by_status.setdefault(audit["status"], []).append(
            f"{audit['id']} {audit['name']}: {audit.get('reason')}"
        )
    assert by_status.get("error", []) == [], "MUST failures"
    assert by_status.get("warn", []) == [], "SHOULD warnings"
    assert len(by_status["ok"]) >= 60  # the audit ran whole (graphql-http 1.23.1 has 61 audits)
