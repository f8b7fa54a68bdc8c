"""hubql from a browser with no network but hubql itself (issue 14).

Debian's Chromium, driven by playwright-core (drive.cjs), against a live `hubql serve`; every
request to another host is refused and recorded. GraphiQL renders from the package's own files;
a query run from its editor answers as the user whose token is in its headers editor; a page on
an allowed origin calls the API with a bearer token through CORS, and a page on another origin
is refused.
"""

import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser.tooling import chromium, playwright
from tests.faults.processes import hubql_server
from tests.helpers import Factory, Person, global_id

DRIVER = Path(__file__).with_name("drive.cjs")
# Where Strawberry's own GraphiQL page loads GraphiQL from: the driver asks for it once to show
# that the fence refuses it (and so would refuse a page that still needed it).
CANARY = "https://unpkg.com/graphiql@3.8.3/graphiql.min.js"


class _Portal(BaseHTTPRequestHandler):
    """An empty page on any path: the origin a web app's scripts would run from."""

    def do_GET(self) -> None:
        body = b"<!doctype html><title>portal</title>"
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows stderr on failure, and these lines would only bury the report."""


@contextmanager
def origin() -> Iterator[str]:
    """A second web origin: an HTTP server on a free loopback port, in a thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Portal)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
async def ada(factory: Factory) -> tuple[Person, str]:
    """A user, and the global id of the organization `acme` that she owns."""
    ada = await factory.user("ada")
    return ada, global_id("Organization", await factory.organization("acme", owner=ada))


def no_trouble(page: dict[str, Any]) -> None:
    assert "error" not in page, page.get("error")
    assert page["pageErrors"] == []
    assert page["consoleErrors"] == []
    assert page["failedRequests"] == []


def test_graphiql_offline_token_and_cors(
    database_url: str, tmp_path: Path, ada: tuple[Person, str]
) -> None:
    user, organization_id = ada
    browser, node_prefix = chromium(), playwright()
    with (
        origin() as allowed,
        origin() as refused,
        hubql_server(
            database_url, tmp_path, env={"HUBQL_CORS_ORIGINS": json.dumps([allowed])}
        ) as server,
    ):
        config = {
            "chromium": str(browser),
            "api": f"{server.base}/graphql",
            "token": user.token,
            "organizationId": organization_id,
            "allowedOrigin": allowed,
            "refusedOrigin": refused,
            "canary": CANARY,
        }
        driven = subprocess.run(
            ["node", str(DRIVER), str(node_prefix), json.dumps(config)],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert driven.returncode == 0, f"{driven.stderr}\n{server.log_tail()}"
    report = json.loads(driven.stdout)

    # Nothing but the canary tried to leave the machine, and the canary did not get out.
    assert report["offsite"] == [CANARY]
    assert report["canary"]["reached"] is False

    graphiql = report["graphiql"]
    no_trouble(graphiql)
    assert graphiql["status"] == 200
    assert "script-src 'self'" in graphiql["contentSecurityPolicy"]
    assert graphiql["anonymous"]["data"] == {"viewer": None}, graphiql["anonymous"]
    assert graphiql["withToken"]["data"] == {"viewer": {"username": "ada"}}, graphiql["withToken"]
    assert graphiql["event"]["data"] == {"activity": {"verb": "team.created"}}, graphiql["event"]

    cors = report["allowed"]
    no_trouble(cors)
    assert cors["status"] == 200
    assert cors["body"]["data"] == {"viewer": {"username": "ada"}}, cors["body"]

    elsewhere = report["refused"]
    assert elsewhere["fetchError"] == "TypeError: Failed to fetch", elsewhere
    assert any("blocked by CORS policy" in line for line in elsewhere["consoleErrors"])
