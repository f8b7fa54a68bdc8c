"""GraphiQL from the package: the page a browser gets at GET /graphql and the files it loads,
all served by hubql itself (architecture.md: no CDN), so it works without internet."""

import hashlib
import os
from functools import cache
from pathlib import Path

from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

from app.settings import Settings

HERE = Path(__file__).with_name("graphiql")
STATIC = HERE / "static"
# Under the endpoint's own path: a proxy that forwards /graphql forwards GraphiQL's files too.
STATIC_PATH = "/graphql/static"
_VERSION_MARK = "__ASSETS_VERSION__"
# The page names every file with a digest of them all (`?v=`): a new build gets new URLs, so
# browsers may keep these for a year without asking again.
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
# Only this server's files run; the page talks to this server only (WebSockets included: CSP 3
# lets 'self' match ws: and wss: on the same host); no other site may frame it and catch the
# token typed into it.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # GraphiQL's components set inline styles.
        "style-src 'self' 'unsafe-inline'",
        # Fonts are data: URLs inside graphiql.min.css; the favicon is an empty data: URL.
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    )
)


def serves_graphiql(settings: Settings) -> bool:
    # Without introspection GraphiQL could load but never know the schema.
    return settings.graphiql and settings.introspection


class _Assets(StaticFiles):
    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = ASSET_CACHE_CONTROL
        return response


def assets() -> Mount:
    return Mount(STATIC_PATH, app=_Assets(directory=STATIC), name="graphiql")


@cache
def _page() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC).as_posix().encode())
            digest.update(path.read_bytes())
    page = (HERE / "page.html").read_text(encoding="utf-8")
    return page.replace(_VERSION_MARK, digest.hexdigest()[:16])


def page() -> HTMLResponse:
    return HTMLResponse(
        _page(),
        headers={
            "content-security-policy": CONTENT_SECURITY_POLICY,
            # The page is small and names the current build's files: always ask for it afresh.
            "cache-control": "no-cache",
            "x-content-type-options": "nosniff",
        },
    )
