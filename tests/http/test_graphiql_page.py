"""GraphiQL from the package: the page loads only this server's files, which browsers may cache
for good; HUBQL_GRAPHIQL=false (or introspection off) serves neither. A real browser drives it in
tests/browser/test_graphiql.py."""

import re
from collections.abc import AsyncIterator
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.main import create_app
from app.settings import Settings

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PAGE_URL = "http://hubql.test/graphql"


def references(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


async def page_assets(http: httpx.AsyncClient) -> list[str]:
    page = await http.get("/graphql", headers=BROWSER)
    return [urljoin(PAGE_URL, url) for url in references(page.text) if not url.startswith("data:")]


class TestPage:
    async def test_loads_nothing_from_elsewhere(self, http: httpx.AsyncClient) -> None:
        page = await http.get("/graphql", headers=BROWSER)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        found = references(page.text)
        assert len(found) >= 9  # GraphiQL, React, ReactDOM, the explorer, hubql's own start-up
        for url in found:
            absolute = urlsplit(urljoin(PAGE_URL, url))
            assert url.startswith("data:") or absolute.netloc == "hubql.test", url
        # And the browser holds it to that.
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self';" in policy
        assert "connect-src 'self'" in policy

    async def test_every_file_it_names_is_served_for_keeps(self, http: httpx.AsyncClient) -> None:
        for url in await page_assets(http):
            asset = await http.get(url)
            assert asset.status_code == 200, url
            assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
            kind = asset.headers["content-type"]
            assert kind.startswith(("text/javascript", "text/css")), (url, kind)
            assert len(asset.content) > 100, url

    async def test_file_urls_carry_a_version(self, http: httpx.AsyncClient) -> None:
        versions = {urlsplit(url).query for url in await page_assets(http)}
        assert len(versions) == 1
        assert re.fullmatch(r"v=[0-9a-f]{16}", versions.pop())

    async def test_the_page_itself_is_asked_for_afresh(self, http: httpx.AsyncClient) -> None:
        page = await http.get("/graphql", headers=BROWSER)
        assert page.headers["cache-control"] == "no-cache"

    async def test_queries_by_get_still_answer_json(self, http: httpx.AsyncClient) -> None:
        answer = await http.get(
            "/graphql", params={"query": "{ viewer { username } }"}, headers=BROWSER
        )
        assert answer.json()["data"] == {"viewer": None}


@pytest.fixture(params=[{"graphiql": False}, {"introspection": False}], ids=["off", "closed"])
async def without_graphiql(
    request: pytest.FixtureRequest, settings: Settings, engine: AsyncEngine
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update=request.param), engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as client:
        yield client


class TestSwitchedOff:
    async def test_no_page_and_no_files(
        self, without_graphiql: httpx.AsyncClient, http: httpx.AsyncClient
    ) -> None:
        assets = await page_assets(http)  # what the page would load, from an app that serves it
        page = await without_graphiql.get("/graphql", headers=BROWSER)
        assert page.status_code == 404
        assert not page.headers["content-type"].startswith("text/html")
        for url in assets:
            assert (await without_graphiql.get(url)).status_code == 404, url

    async def test_the_api_still_answers(self, without_graphiql: httpx.AsyncClient) -> None:
        answer = await without_graphiql.post("/graphql", json={"query": "{ viewer { username } }"})
        assert answer.json()["data"] == {"viewer": None}

    def test_hubql_graphiql_false_turns_it_off(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("HUBQL_GRAPHIQL", "false")
        assert Settings().graphiql is False
        monkeypatch.delenv("HUBQL_GRAPHIQL")
        assert Settings().graphiql is True
