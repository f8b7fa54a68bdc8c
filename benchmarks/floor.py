"""The hand-written floor: Starlette + asyncpg + orjson answering W1 and W2 with a few SQL
statements each, as a team would write them without a GraphQL server.

    python -m benchmarks.floor --url postgresql://… --port 8103

POST /graphql with hubql's spelling of W1 or W2 (`../shared/bench`); the operation is recognised,
not parsed. The bearer token is looked up (one indexed statement) and the viewer must be a member
of the organization, so the floor does the least a real API must. PostgreSQL builds the JSON.
W2's cursor is the floor's own: base64 of `updated_at|id` (`encode_cursor`).
"""

import argparse
import base64
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

VIEWER = """
SELECT m.user_id FROM access_tokens t
JOIN organization_members m ON m.user_id = t.user_id
JOIN organizations o ON o.id = m.organization_id AND o.name = 'acme'
WHERE t.token_hash = $1 AND t.revoked_at IS NULL
"""

W1 = """
SELECT json_build_object('data', json_build_object('organization', json_build_object('models',
  json_build_object('edges', coalesce((
    SELECT json_agg(json_build_object('node', json_build_object('name', p.name,
      'modelVersions', json_build_object('edges', coalesce((
        SELECT json_agg(json_build_object('node', json_build_object(
          'name', v.name, 'stage', v.stage,
          'run', (SELECT json_build_object('createdBy', (
                    SELECT json_build_object('username', u.username)
                    FROM users u WHERE u.id = r.created_by_id))
                  FROM runs r WHERE r.id = v.run_id),
          'stageConditions', coalesce((
            SELECT json_agg(json_build_object('stage', c.stage, 'actor', (
                     SELECT json_build_object('username', a.username)
                     FROM users a WHERE a.id = c.actor_id)) ORDER BY c.at, c.id)
            FROM stage_conditions c WHERE c.model_version_id = v.id), '[]'))
        ) ORDER BY v.updated_at DESC, v.id DESC)
        FROM (SELECT * FROM model_versions WHERE project_id = p.id
              ORDER BY updated_at DESC, id DESC LIMIT 10) v), '[]'))
    )) ORDER BY p.updated_at DESC, p.id DESC)
    FROM (SELECT * FROM projects WHERE organization_id = o.id AND model_enabled
          ORDER BY updated_at DESC, id DESC LIMIT 50) p), '[]')))))::text
FROM organizations o WHERE o.name = 'acme'
"""

W2_FILTER = """
FROM model_versions v
WHERE v.project_id = (SELECT p.id FROM projects p JOIN organizations o ON o.id = p.organization_id
                      WHERE o.name = 'acme' AND p.name = 'big')
  AND v.stage IN ('PRODUCTION', 'STAGING') AND v.tags ? 'golden'
"""
W2_PAGE = f"""
SELECT coalesce(json_agg(json_build_object('node', json_build_object(
         'name', name, 'stage', stage, 'tags', tags))), '[]')::text
FROM (SELECT v.name, v.stage, v.tags {W2_FILTER}
        AND ($1::timestamptz IS NULL OR (v.updated_at, v.id) < ($1::timestamptz, $2::bigint))
      ORDER BY v.updated_at DESC, v.id DESC LIMIT 100) page
"""
W2_COUNT = f"SELECT count(*) {W2_FILTER}"


def encode_cursor(updated_at: datetime, row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{updated_at.isoformat()}|{row_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    stamp, row_id = base64.urlsafe_b64decode(cursor).decode().split("|")
    return datetime.fromisoformat(stamp), int(row_id)


def create_app(url: str) -> Starlette:
    pool: asyncpg.Pool | None = None

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        pool = await asyncpg.create_pool(url, min_size=4, max_size=10)
        yield
        await pool.close()

    async def graphql(request: Request) -> Response:
        assert pool is not None
        body = orjson.loads(await request.body())
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        async with pool.acquire() as connection:
            viewer = await connection.fetchval(VIEWER, hashlib.sha256(token.encode()).hexdigest())
            if viewer is None:
                return JSONResponse({"errors": [{"message": "FORBIDDEN"}]})
            query: str = body["query"]
            if "query W2" in query:
                after = (body.get("variables") or {}).get("after")
                stamp, row_id = decode_cursor(after) if after else (None, None)
                async with connection.transaction(readonly=True):
                    edges = await connection.fetchval(W2_PAGE, stamp, row_id)
                    total = await connection.fetchval(W2_COUNT)
                page = f'{{"totalCount":{total},"edges":{edges}}}'
                text = f'{{"data":{{"project":{{"modelVersions":{page}}}}}}}'
            else:
                text = await connection.fetchval(W1)
        return Response(text, media_type="application/json")

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])], lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="postgresql://… (asyncpg form)")
    parser.add_argument("--port", type=int, default=8103)
    arguments = parser.parse_args()
    options: dict[str, Any] = {"log_level": "warning", "access_log": False}
    uvicorn.run(create_app(arguments.url), host="127.0.0.1", port=arguments.port, **options)


if __name__ == "__main__":
    main()
