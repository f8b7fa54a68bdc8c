"""Schema fuzzing: operations generated from the committed SDL, sent over HTTP as the anonymous
viewer and as a signed-in user, never make the server fail.

For every request (see `tests.fuzz.documents` for how they are made):

- no 5xx;
- no traceback text in the body;
- the body is strict, interoperable JSON (RFC 8259 without NaN or Infinity, and no lone
  surrogates in strings, as I-JSON, RFC 7493, requires), and a JSON object;
- every error has an `extensions.code`, and none is `INTERNAL_SERVER_ERROR`.

The world (users, an organization with a team, PUBLIC and PRIVATE projects with every feature,
runs with lineage, model and component versions) is seeded once per test, not per example, since
the database is emptied only after each test. Examples share it and must tolerate what earlier
examples changed: a mutation may delete the organization, and that is fine.

Hypothesis runs the async test body in the session's event loop (pytest-asyncio), so the app, the
engine and the seeded world are the suite's own.

`HUBQL_FUZZ_EXAMPLES=N` sets the examples per test (default 100) and makes the run random instead
of derandomized (`make fuzz` runs 10,000 per test); `HUBQL_FUZZ_SURVEY=path` records every failing
request to `path` (JSON lines) instead of failing, to list the failure classes of a long run.
"""

import functools
import json
import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from app.authn import hash_token, mint_token
from app.main import create_app
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from app.runs.models import Run, RunStatus
from app.settings import Settings
from app.teams.models import TeamRole
from app.users.models import AccessToken
from app.versions.models import Stage
from tests.fuzz.documents import Kind, Request, requests
from tests.fuzz.values import World, dumps, expand
from tests.helpers import Factory, GraphQLClient, Person, global_id

SDL = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"
SCHEMA = graphql.build_schema(SDL.read_text())

EXAMPLES = int(os.environ.get("HUBQL_FUZZ_EXAMPLES", "100"))
EXPLORING = "HUBQL_FUZZ_EXAMPLES" in os.environ
SURVEY = os.environ.get("HUBQL_FUZZ_SURVEY")

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # `http` and `world` are function-scoped on purpose: one app and one seeded world per test,
    # shared by its examples (which tolerate each other's changes), not one per example.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
if not EXPLORING:
    # The normal suite tests the same examples every run, so CI is reproducible; `make fuzz`
    # explores, and keeps what failed in Hypothesis' example database (.hypothesis/) to replay.
    FUZZ = settings(FUZZ, derandomize=True, database=None)

Viewer = Literal["anonymous", "signed-in"]


# ---- the app and the world ------------------------------------------------------------------


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine) -> Starlette:
    """The suite's app without the per-viewer rate limit: one viewer sends hundreds of operations
    a minute here, and answers that are all RATE_LIMITED would test nothing."""
    return create_app(settings.model_copy(update={"rate_limit_per_minute": 0}), engine=engine)


async def _spare_token(factory: Factory, person: Person) -> int:
    token = mint_token()
    async with factory.sessions() as session, session.begin():
        row = AccessToken(
            user_id=person.id, name="spare", token_hash=hash_token(token), prefix=token[:12]
        )
        session.add(row)
        await session.flush()
        return row.id


@pytest.fixture
async def world(factory: Factory, gql: GraphQLClient) -> World:
    # Tokens 1-3 belong to mallory, so a forged `AccessToken:1` never revokes the fuzzer's own.
    mallory = await factory.user("mallory")
    mallory_tokens = [await _spare_token(factory, mallory) for _ in range(2)]
    fuzzer = await factory.user("fuzzer")
    spare = await _spare_token(factory, fuzzer)
    grace = await factory.user("grace")

    acme = await factory.organization("acme", owner=fuzzer)
    await factory.member(acme, grace, OrganizationRole.VIEWER)
    core = await factory.team(acme, "core")
    await factory.team_member(core, fuzzer, TeamRole.MAINTAINER)
    await factory.team_member(core, grace, TeamRole.MEMBER)
    umbrella = await factory.organization("umbrella", owner=mallory)

    every_feature = frozenset(ProjectFeature)
    vision = await factory.project(
        acme,
        "vision",
        visibility=ProjectVisibility.PUBLIC,
        features=every_feature,
        tags=["golden"],
    )
    secret = await factory.project(
        acme, "secret", visibility=ProjectVisibility.PRIVATE, features=every_feature
    )
    hidden = await factory.project(
        umbrella, "hidden", visibility=ProjectVisibility.PRIVATE, features=every_feature
    )
    await factory.grant(secret, ProjectRole.VIEWER, person=grace)
    await factory.grant(vision, ProjectRole.WRITER, team_id=core)

    runs = [
        await factory.run(
            vision,
            "train",
            tags=["golden"],
            outputs={"accuracy": 0.93, "loss": 0.1},
            created_by=fuzzer,
        ),
        await factory.run(vision, None, status=RunStatus.FAILED, created_by=fuzzer),
        await factory.run(vision, "running", status=RunStatus.RUNNING),
        await factory.run(secret, "secret-run", outputs={"accuracy": 0.5}),
        await factory.run(hidden, "hidden-run"),
    ]
    version = await factory.model_version(vision, "v1", stage=Stage.STAGING, run_id=runs[0])
    secret_version = await factory.model_version(secret, "v2", run_id=runs[3])
    component = await factory.component_version(vision, "1.0", stage=Stage.PRODUCTION)
    secret_component = await factory.component_version(secret, "0.1")

    async with factory.sessions() as session:
        uuids = list(await session.scalars(select(Run.uuid).order_by(Run.id)))

    # Through the API too: a run with params, metrics, an artifact and lineage, then a promotion.
    created = await gql.data(
        """mutation($input: CreateRunInput!) {
             createRun(input: $input) { run { id } userErrors { code } } }""",
        {
            "input": {
                "projectId": global_id("Project", vision),
                "name": "evaluate",
                "status": "SUCCEEDED",
                "inputs": {"lr": 0.01, "layers": [1, 2]},
                "outputs": {"accuracy": 0.95},
                "artifacts": [{"name": "model", "kind": "MODEL", "path": "s3://m/1"}],
                "upstream": [global_id("Run", runs[0])],
            }
        },
        as_=fuzzer,
    )
    assert created["createRun"]["run"] is not None, created
    evaluate = created["createRun"]["run"]["id"]
    promoted = await gql.data(
        """mutation($input: PromoteRunInput!) {
             promoteRun(input: $input) { modelVersion { id } userErrors { code } } }""",
        {"input": {"projectId": global_id("Project", vision), "runId": evaluate, "name": "v3"}},
        as_=fuzzer,
    )
    promoted_version = promoted["promoteRun"]["modelVersion"]["id"]

    async with factory.sessions() as session:
        token_ids = list(await session.scalars(select(AccessToken.id)))
    fuzzer_token = max(set(token_ids) - {spare, *mallory_tokens})  # the one Factory.user minted
    assert fuzzer_token > 3

    return World(
        token=fuzzer.token,
        usernames=("fuzzer", "grace", "mallory", "nobody"),
        organizations=("acme", "umbrella", "nowhere"),
        teams=("core", "nope"),
        projects=("vision", "secret", "hidden", "missing"),
        versions=("v1", "v2", "v3", "1.0", "0.1"),
        references=(
            "acme/vision:v1",
            "acme/vision:v3",
            "acme/secret:v2",
            "umbrella/hidden:v1",
            "acme/vision:1.0",
            "acme/vision",
            "vision:1.0",
            "vision",
            "secret:0.1",
            "ACME/Vision:V1",
            " acme/vision:v1 ",
        ),
        ids=(
            global_id("User", fuzzer.id),
            global_id("User", grace.id),
            global_id("User", mallory.id),
            global_id("AccessToken", spare),
            global_id("AccessToken", mallory_tokens[0]),
            global_id("Organization", acme),
            global_id("Organization", umbrella),
            global_id("Team", core),
            global_id("Project", vision),
            global_id("Project", secret),
            global_id("Project", hidden),
            *(global_id("Run", run) for run in runs),
            evaluate,
            global_id("ModelVersion", version),
            global_id("ModelVersion", secret_version),
            promoted_version,
            global_id("ComponentVersion", component),
            global_id("ComponentVersion", secret_component),
        ),
        run_uuids=(*uuids, "0" * 32, "not-a-uuid"),
    )


@functools.cache
def _requests(world: World, kind: Kind) -> st.SearchStrategy[Request]:
    return requests(SCHEMA, world, kind)


# ---- the property -----------------------------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _lone_surrogates(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= character <= "\udfff" for character in value)
    if isinstance(value, dict):
        return any(_lone_surrogates(k) or _lone_surrogates(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_lone_surrogates(item) for item in value)
    return False


def problems(response: httpx.Response) -> list[str]:
    """What is wrong with a response, by the properties above (empty: nothing)."""
    found = []
    if response.status_code >= 500:
        found.append(f"HTTP {response.status_code}")
    if "Traceback" in response.text or 'File "' in response.text:
        found.append("traceback text in the body")
    try:
        body = json.loads(response.content.decode("utf-8"), parse_constant=_refuse_constant)
    except ValueError as error:
        return [*found, f"the body is not strict JSON ({error})"]
    if _lone_surrogates(body):
        found.append("a lone surrogate in the body (not interoperable JSON)")
    if not isinstance(body, dict):
        return [*found, "the body is not a JSON object"]
    errors = body.get("errors")
    if "data" not in body and not errors:
        found.append("neither data nor errors")
    for item in errors if isinstance(errors, list) else []:
        extensions = item.get("extensions") if isinstance(item, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if code is None:
            found.append(f"an error without extensions.code: {item!r:.300}")
        elif code == "INTERNAL_SERVER_ERROR":
            found.append("INTERNAL_SERVER_ERROR")
    return found


async def send(http: httpx.AsyncClient, request: Request, token: str | None) -> httpx.Response:
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if request.method == "GET":
        params = {"query": expand(request.document)}
        if request.variables is not None:
            params["variables"] = dumps(request.variables)
        if request.operation_name is not None:
            params["operationName"] = request.operation_name
        # Percent-encoded by hand: lone surrogates travel as the bytes a careless client sends.
        query = urlencode(params, encoding="utf-8", errors="surrogatepass")
        return await http.get(f"/graphql?{query}", headers=headers)
    payload: dict[str, Any] = {"query": expand(request.document)}
    if request.variables is not None:
        payload["variables"] = request.variables
    if request.operation_name is not None:
        payload["operationName"] = request.operation_name
    headers["Content-Type"] = "application/json"
    return await http.post("/graphql", content=dumps(payload).encode(), headers=headers)


def _record(test: str, request: Request, response: httpx.Response, found: list[str]) -> None:
    assert SURVEY is not None
    record = {
        "test": test,
        "problems": found,
        "method": request.method,
        "document": request.document,
        "variables": dumps(request.variables),
        "operationName": request.operation_name,
        "status": response.status_code,
        "response": response.text[:4000],
    }
    with Path(SURVEY).open("a", encoding="utf-8") as log:
        log.write(json.dumps(record) + "\n")


# ---- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["query", "mutation"])
@pytest.mark.parametrize("viewer", ["anonymous", "signed-in"])
@FUZZ
@given(data=st.data())
async def test_generated_operations_never_fail_the_server(
    http: httpx.AsyncClient, world: World, kind: Kind, viewer: Viewer, data: st.DataObject
) -> None:
    request = data.draw(_requests(world, kind), label="request")
    note(request.describe())
    response = await send(http, request, world.token if viewer == "signed-in" else None)
    found = problems(response)
    if found and SURVEY is not None:
        _record(f"{kind}/{viewer}", request, response, found)
        return
    assert not found, (
        f"{'; '.join(found)}\n{request.describe()}\n"
        f"response: HTTP {response.status_code}\n{response.text[:4000]}"
    )
