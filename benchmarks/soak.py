"""Soak: a real `hubql serve` under mixed reads and writes, checked response by response.

    python -m benchmarks.soak [--seconds 60] [--concurrency 64] [--database sqlite|postgresql]

The soak owns everything it touches. It migrates a fresh database (a temporary SQLite file, or
with `--database postgresql` a database `hubql_soak_<hex>` created on `--postgres-url` and
dropped afterwards), creates four users with tokens through the services, starts `hubql serve`
on a free port, and seeds the rest through the API: an organization, a training project, a model
registry that promotes the training runs, a private project, runs with lineage, versions.

Then `--concurrency` clients (httpx, keep-alive) send a weighted mix for `--seconds`: viewer,
organization and project pages with nested connections, run lists with `query:` filters, run
lineage, createRun, updateRun, promoteRun, transitionModelVersionStage and setProjectAccess, plus
a few requests that must fail in a known way (FORBIDDEN, TAKEN, BAD_USER_INPUT). Every response
is checked: HTTP 200, JSON, no `errors` and no `userErrors` unless provoked, and the payload says
what was asked for. At the end it prints requests, requests/s, errors (count and the first
distinct ones), p50/p90/p99 latency per operation and overall, the CPU the server used (per
request, which the machine's load does not inflate as it does latency), and the server's RSS
after seeding, at each tenth of the run (the first is "warm") and at the end, with the growth in
%. It exits 1 on any error.
"""

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from rich.console import Console
from rich.table import Table

from app.db import create_engine, create_sessionmaker
from app.migrations import upgrade_to_head
from app.users import service as users

BIN = Path(sys.executable).parent
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
ORG = "soak"
FIRST_ERRORS = 5
console = Console(width=120)

# ---- the documents ---------------------------------------------------------------------------

VIEWER_PAGE = """
query {
  viewer {
    username organizations(first: 5) { totalCount edges { node { role organization { name } } } }
  }
  organizations(first: 5) { totalCount edges { node {
    name viewerRole viewerCan { createProject manageMembers }
    members(first: 20) { totalCount edges { node { role user { username } } } }
    teams(first: 5) { totalCount }
  } } }
}
"""
ORGANIZATION_PAGE = """
query($name: String!) {
  organization(name: $name) {
    name
    projects(first: 10) { totalCount edges { node {
      fullName visibility viewerRole
      runs(first: 5) { totalCount edges { node { uuid name status } } }
    } } }
    models(first: 5) { totalCount edges { node { name } } }
    activity(first: 20) { edges { node { verb at actor { username } } } }
  }
}
"""
MODELS_PAGE = """
query($owner: String!) {
  project(owner: $owner, name: "models") {
    fullName viewerCan { promote transitionStage } promotionSources { name }
    latestModelVersion(stage: STAGING) { name }
    modelVersions(first: 10) { totalCount edges { node {
      name stage reference run { uuid } stageConditions { stage at actor { username } }
    } } }
    runs(first: 5) { totalCount }
  }
}
"""
PRIVATE_PAGE = """
query($owner: String!) {
  project(owner: $owner, name: "secret") {
    fullName viewerRole runs(first: 10) { totalCount edges { node { uuid name } } }
  }
}
"""
RUN_LIST = """
query($owner: String!, $query: String, $sort: String, $after: String) {
  project(owner: $owner, name: "train") {
    runs(first: 20, after: $after, query: $query, sort: $sort) {
      totalCount pageInfo { endCursor hasNextPage }
      edges { node { uuid name status inputs outputs tags upstream { uuid } artifacts { name } } }
    }
  }
}
"""
RUN_DETAIL = """
query($owner: String!, $uuid: ID!) {
  project(owner: $owner, name: "train") {
    run(uuid: $uuid) {
      uuid name status createdBy { username }
      upstream { uuid name } downstream { uuid name } modelVersions { name stage }
    }
  }
}
"""
CREATE_RUN = """
mutation($input: CreateRunInput!) {
  createRun(input: $input) { run { id uuid status } userErrors { field code message } }
}
"""
UPDATE_RUN = """
mutation($input: UpdateRunInput!) {
  updateRun(input: $input) { run { uuid status outputs } userErrors { field code message } }
}
"""
PROMOTE_RUN = """
mutation($input: PromoteRunInput!) {
  promoteRun(input: $input) {
    modelVersion { id name stage run { uuid } } userErrors { field code message }
  }
}
"""
TRANSITION = """
mutation($input: TransitionModelVersionStageInput!) {
  transitionModelVersionStage(input: $input) {
    modelVersion { id stage } userErrors { field code message }
  }
}
"""
SET_ACCESS = """
mutation($input: SetProjectAccessInput!) {
  setProjectAccess(input: $input) {
    grant { role grantee { ... on User { username } } } userErrors { field code message }
  }
}
"""
CREATE_ORGANIZATION = """
mutation($name: String!) {
  createOrganization(input: {name: $name}) { organization { id } userErrors { code message } }
}
"""
ADD_MEMBER = """
mutation($input: OrganizationMemberInput!) {
  addOrganizationMember(input: $input) { member { role } userErrors { code message } }
}
"""
CREATE_PROJECT = """
mutation($input: CreateProjectInput!) {
  createProject(input: $input) { project { id } userErrors { code message } }
}
"""
SET_SOURCES = """
mutation($input: SetPromotionSourcesInput!) {
  setPromotionSources(input: $input) { project { id } userErrors { code message } }
}
"""

RUN_QUERIES = [
    None,
    "status:succeeded, metrics.accuracy:>0.5",
    "(status:succeeded | tags:golden), ~status:failed",
    "name:%soak-1%",
    "params.lr:<0.01, status:succeeded|failed|running",
    "created_at:>=2020-01-01, metrics.loss:<0.5",
    "tags:golden, metrics.accuracy:>=0.9",
]
RUN_SORTS = [None, "-created_at", "name", "-updated_at", "status, -created_at"]
WRITER_STAGES = ["TESTING", "STAGING", "DISABLED"]

# ---- the world the clients act on ------------------------------------------------------------


@dataclass
class Version:
    id: str
    name: str
    run_uuid: str
    stage: str = "TESTING"
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class World:
    tokens: dict[str, str]  # owner, writer, viewer, member
    train: str = ""
    models: str = ""
    secret: str = ""
    runs: list[tuple[str, str]] = field(default_factory=list)  # (global id, uuid) in train
    versions: list[Version] = field(default_factory=list)
    next_version: int = 0

    def version_name(self) -> str:
        self.next_version += 1
        return f"v{self.next_version}"


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    first_errors: list[str] = field(default_factory=list)
    provoked: Counter[str] = field(default_factory=Counter)

    def error(self, operation: str, what: str) -> None:
        key = f"{operation}: {what[:300]}"
        if key not in self.errors and len(self.first_errors) < FIRST_ERRORS:
            self.first_errors.append(key)
        self.errors[key] += 1


class Broken(Exception):
    """A response that is not what the operation expects (already counted)."""


class Client:
    def __init__(self, http: httpx.AsyncClient, world: World, stats: Stats) -> None:
        self.http = http
        self.world = world
        self.stats = stats

    async def gql(
        self,
        operation: str,
        who: str,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        expect: str | None = None,
    ) -> dict[str, Any]:
        """The response's data; raises Broken (counted) when it is not what was expected.

        With `expect`, the response must carry exactly that top-level error code (a provoked
        FORBIDDEN or BAD_USER_INPUT), and its data is returned as it is."""
        headers = {"Authorization": f"Bearer {self.world.tokens[who]}"}
        started = time.perf_counter()
        try:
            response = await self.http.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
            )
        except httpx.HTTPError as error:
            self.stats.error(operation, f"transport: {type(error).__name__}: {error}")
            raise Broken from error
        finally:
            elapsed = time.perf_counter() - started
            self.stats.latencies.setdefault(operation, []).append(elapsed)
        if response.status_code != 200:
            self.stats.error(operation, f"HTTP {response.status_code}: {response.text[:200]}")
            raise Broken
        try:
            body = response.json()
        except ValueError as error:
            self.stats.error(operation, f"not JSON: {response.text[:200]}")
            raise Broken from error
        errors = body.get("errors") or []
        codes = [(error.get("extensions") or {}).get("code") for error in errors]
        if expect is not None:
            if codes != [expect]:
                self.stats.error(operation, f"expected {expect}, got {codes or 'no error'}")
                raise Broken
            self.stats.provoked[f"{operation} {expect}"] += 1
        elif errors:
            messages = "; ".join(
                f"{c}: {e.get('message')}" for c, e in zip(codes, errors, strict=True)
            )
            self.stats.error(operation, f"errors: {messages}")
            raise Broken
        data: dict[str, Any] = body.get("data") or {}
        return data

    def check(self, operation: str, condition: bool, what: str) -> None:
        if not condition:
            self.stats.error(operation, what)
            raise Broken

    def payload(
        self, operation: str, data: dict[str, Any], name: str, user_error: str | None = None
    ) -> dict[str, Any]:
        """A mutation payload with no userErrors, or with exactly the provoked one."""
        payload: dict[str, Any] | None = data.get(name)
        self.check(operation, payload is not None, f"{name} is null")
        assert payload is not None
        codes = [error["code"] for error in payload["userErrors"]]
        if user_error is None:
            self.check(operation, codes == [], f"userErrors {payload['userErrors']}")
        else:
            self.check(operation, codes == [user_error], f"expected {user_error}, got {codes}")
            self.stats.provoked[f"{operation} {user_error}"] += 1
        return payload

    # ---- reads -------------------------------------------------------------------------------

    async def viewer_page(self, rng: random.Random) -> None:
        who = rng.choice(["owner", "writer", "viewer", "member"])
        data = await self.gql("viewer page", who, VIEWER_PAGE)
        organizations = data["organizations"]
        self.check("viewer page", data["viewer"] is not None, "viewer is null")
        self.check("viewer page", organizations["totalCount"] == 1, f"{organizations}")
        members = organizations["edges"][0]["node"]["members"]
        self.check("viewer page", members["totalCount"] == 4, f"members {members['totalCount']}")

    async def organization_page(self, rng: random.Random) -> None:
        who = rng.choice(["owner", "writer", "viewer"])
        data = await self.gql("organization page", who, ORGANIZATION_PAGE, {"name": ORG})
        organization = data["organization"]
        self.check("organization page", organization is not None, "organization is null")
        projects = organization["projects"]["totalCount"]
        expected = 3 if who == "owner" else 2  # the private project is the owner's (and pam's)
        self.check("organization page", projects == expected, f"{who} sees {projects} projects")

    async def models_page(self, rng: random.Random) -> None:
        who = rng.choice(["owner", "writer", "viewer"])
        data = await self.gql("models page", who, MODELS_PAGE, {"owner": ORG})
        project = data["project"]
        self.check("models page", project is not None, "project is null")
        versions = project["modelVersions"]
        self.check("models page", versions["totalCount"] > 0, "no versions")
        self.check("models page", len(versions["edges"]) == 10, "a short page")

    async def secret_page(self, rng: random.Random) -> None:
        who = rng.choice(["owner", "member"])
        data = await self.gql("secret page", who, PRIVATE_PAGE, {"owner": ORG})
        self.check("secret page", data["project"] is not None, f"{who} cannot see it")

    async def run_list(self, rng: random.Random) -> None:
        variables: dict[str, Any] = {
            "owner": ORG,
            "query": rng.choice(RUN_QUERIES),
            "sort": rng.choice(RUN_SORTS),
            "after": None,
        }
        who = rng.choice(["owner", "writer", "viewer"])
        data = await self.gql("run list", who, RUN_LIST, variables)
        self.check("run list", data["project"] is not None, "project is null")
        runs = data["project"]["runs"]
        self.check("run list", len(runs["edges"]) <= 20, "an overfull page")
        if runs["pageInfo"]["hasNextPage"] and rng.random() < 0.3:
            variables["after"] = runs["pageInfo"]["endCursor"]
            data = await self.gql("run list page 2", who, RUN_LIST, variables)
            self.check("run list page 2", data["project"] is not None, "project is null")

    async def run_detail(self, rng: random.Random) -> None:
        _, run_uuid = rng.choice(self.world.runs)
        data = await self.gql("run lineage", "viewer", RUN_DETAIL, {"owner": ORG, "uuid": run_uuid})
        run = (data["project"] or {}).get("run")
        self.check("run lineage", run is not None and run["uuid"] == run_uuid, f"{run_uuid}")

    async def bad_query(self, rng: random.Random) -> None:
        variables = {"owner": ORG, "query": "status:bogus", "sort": None, "after": None}
        await self.gql(
            "run list (bad query)", "writer", RUN_LIST, variables, expect="BAD_USER_INPUT"
        )

    # ---- writes ------------------------------------------------------------------------------

    def _run_input(self, rng: random.Random, project: str, name: str) -> dict[str, Any]:
        upstream = (
            [rng.choice(self.world.runs)[1]] if self.world.runs and rng.random() < 0.5 else []
        )
        return {
            "projectId": project,
            "name": name,
            "status": "RUNNING",
            "tags": ["soak", "golden"] if rng.random() < 0.2 else ["soak"],
            "inputs": {"lr": round(rng.uniform(0.0001, 0.05), 5), "batch": rng.choice([32, 64])},
            "outputs": {"accuracy": round(rng.random(), 4), "loss": round(rng.random(), 4)},
            "artifacts": [
                {"name": "model", "kind": "MODEL", "path": f"s3://soak/{uuid.uuid4().hex}.pt"}
            ],
            "upstream": upstream,
        }

    async def create_run(self, rng: random.Random) -> None:
        name = f"soak-{rng.randrange(10**6)}"
        variables = {"input": self._run_input(rng, self.world.train, name)}
        data = await self.gql("createRun", "writer", CREATE_RUN, variables)
        run = self.payload("createRun", data, "createRun")["run"]
        self.check("createRun", run is not None and run["status"] == "RUNNING", f"{run}")
        self.world.runs.append((run["id"], run["uuid"]))

    async def update_run(self, rng: random.Random) -> None:
        run_id, run_uuid = rng.choice(self.world.runs)
        status = rng.choice(["SUCCEEDED", "FAILED", "RUNNING"])
        outputs = {"accuracy": round(rng.random(), 4), "loss": round(rng.random(), 4)}
        variables = {"input": {"id": run_id, "status": status, "outputs": outputs}}
        data = await self.gql("updateRun", "writer", UPDATE_RUN, variables)
        run = self.payload("updateRun", data, "updateRun")["run"]
        self.check("updateRun", run is not None and run["uuid"] == run_uuid, f"{run}")

    async def promote_run(self, rng: random.Random) -> None:
        run_id, run_uuid = rng.choice(self.world.runs)
        name = self.world.version_name()
        variables = {
            "input": {
                "projectId": self.world.models,
                "runId": run_id,
                "name": name,
                "artifacts": ["model"],
                "tags": ["soak"],
            }
        }
        data = await self.gql("promoteRun", "writer", PROMOTE_RUN, variables)
        version = self.payload("promoteRun", data, "promoteRun")["modelVersion"]
        self.check(
            "promoteRun",
            version is not None and version["name"] == name and version["stage"] == "TESTING",
            f"{version}",
        )
        self.world.versions.append(Version(version["id"], name, run_uuid))

    async def promote_taken(self, rng: random.Random) -> None:
        taken = rng.choice(self.world.versions)
        run_id = next(i for i, u in self.world.runs if u != taken.run_uuid)
        variables = {
            "input": {
                "projectId": self.world.models,
                "runId": run_id,
                "name": taken.name,
                "artifacts": ["model"],
            }
        }
        data = await self.gql("promoteRun (taken name)", "writer", PROMOTE_RUN, variables)
        payload = self.payload("promoteRun (taken name)", data, "promoteRun", "TAKEN")
        self.check("promoteRun (taken name)", payload["modelVersion"] is None, f"{payload}")

    async def transition(self, rng: random.Random) -> None:
        version = rng.choice(self.world.versions)
        async with version.lock:  # the soak knows each version's stage: one move at a time
            if version.stage == "PRODUCTION":
                who, stage = "owner", "STAGING"
            elif rng.random() < 0.15:
                who, stage = "owner", "PRODUCTION"
            else:
                who = "writer"
                stage = rng.choice([s for s in WRITER_STAGES if s != version.stage])
            variables = {"input": {"id": version.id, "stage": stage, "reason": "soak"}}
            data = await self.gql("transitionStage", who, TRANSITION, variables)
            payload = self.payload("transitionStage", data, "transitionModelVersionStage")
            moved = payload["modelVersion"]
            self.check("transitionStage", moved is not None and moved["stage"] == stage, f"{moved}")
            version.stage = stage

    async def transition_forbidden(self, rng: random.Random) -> None:
        version = rng.choice(self.world.versions)
        variables = {"input": {"id": version.id, "stage": "PRODUCTION"}}
        await self.gql(
            "transitionStage (writer to PRODUCTION)", "writer", TRANSITION, variables,
            expect="FORBIDDEN",
        )  # fmt: skip

    async def create_forbidden(self, rng: random.Random) -> None:
        variables = {"input": self._run_input(rng, self.world.train, "not-allowed")}
        await self.gql("createRun (viewer)", "viewer", CREATE_RUN, variables, expect="FORBIDDEN")

    async def set_access(self, rng: random.Random) -> None:
        role = rng.choice(["VIEWER", "WRITER", "ADMIN"])
        variables = {"input": {"projectId": self.world.secret, "username": "pam", "role": role}}
        data = await self.gql("setProjectAccess", "owner", SET_ACCESS, variables)
        grant = self.payload("setProjectAccess", data, "setProjectAccess")["grant"]
        self.check("setProjectAccess", grant is not None and grant["role"] == role, f"{grant}")


Operation = Callable[[Client, random.Random], Awaitable[None]]

MIX: list[tuple[Operation, int]] = [
    (Client.viewer_page, 10),
    (Client.organization_page, 10),
    (Client.models_page, 9),
    (Client.secret_page, 3),
    (Client.run_list, 15),
    (Client.run_detail, 7),
    (Client.create_run, 12),
    (Client.update_run, 10),
    (Client.promote_run, 6),
    (Client.transition, 7),
    (Client.set_access, 3),
    (Client.create_forbidden, 2),
    (Client.transition_forbidden, 2),
    (Client.promote_taken, 2),
    (Client.bad_query, 2),
]

# ---- the server and its database -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def rss_kib(pid: int) -> int | None:
    """The process's resident set (VmRSS) in KiB, from /proc; None where there is no /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time the process has used, from /proc; None where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_server(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def start_server(url: str, directory: Path) -> tuple["subprocess.Popen[bytes]", str, Path]:
    port = free_port()
    env = {
        **os.environ,
        "HUBQL_DATABASE_URL": url,
        "HUBQL_PORT": str(port),
        "HUBQL_LOG_FORMAT": "json",
        # Many clients share a few users: exactly the load the per-viewer budget exists to
        # stop. This measures the server under that load, so the budget is off.
        "HUBQL_RATE_LIMIT_PER_MINUTE": "0",
        "HUBQL_LOG_LEVEL": "WARNING",  # no access log: the soak measures the API, not logging
    }
    log = directory / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [BIN / "hubql", "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"hubql serve exited: {log.read_text()[-2000:]}")
        with suppress(httpx.TransportError):
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return process, base, log
        time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"hubql serve was not ready within 60 s: {log.read_text()[-2000:]}")


async def create_users(url: str) -> dict[str, str]:
    """The soak's people, with tokens, through the services (as `hubql users create` does)."""
    engine = create_engine(url)
    tokens: dict[str, str] = {}
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            for role, username in [
                ("owner", "olga"),
                ("writer", "wes"),
                ("viewer", "vic"),
                ("member", "pam"),
            ]:
                user = await users.create_user(
                    session, username=username, email=f"{username}@example.org", display_name=None
                )
                _, tokens[role] = await users.issue_token(
                    session, user, name="soak", expires_at=None
                )
    finally:
        await engine.dispose()
    return tokens


async def seed(client: Client, rng: random.Random, runs: int) -> None:
    """An organization, three projects, runs with lineage and a few versions, via the API."""
    world = client.world
    data = await client.gql("seed", "owner", CREATE_ORGANIZATION, {"name": ORG})
    organization = client.payload("seed", data, "createOrganization")["organization"]["id"]
    for username, role in [("wes", "MEMBER"), ("vic", "VIEWER"), ("pam", "MEMBER")]:
        member = {"organizationId": organization, "username": username, "role": role}
        data = await client.gql("seed", "owner", ADD_MEMBER, {"input": member})
        client.payload("seed", data, "addOrganizationMember")
    for name, visibility, features in [
        ("train", "INTERNAL", ["RUNTIME"]),
        ("models", "INTERNAL", ["RUNTIME", "MODEL"]),
        ("secret", "PRIVATE", ["RUNTIME"]),
    ]:
        project = {
            "organizationId": organization,
            "name": name,
            "visibility": visibility,
            "features": features,
        }
        data = await client.gql("seed", "owner", CREATE_PROJECT, {"input": project})
        setattr(world, name, client.payload("seed", data, "createProject")["project"]["id"])
    sources = {"projectId": world.models, "sourceIds": [world.train]}
    data = await client.gql("seed", "owner", SET_SOURCES, {"input": sources})
    client.payload("seed", data, "setPromotionSources")
    access = {"projectId": world.secret, "username": "pam", "role": "VIEWER"}
    data = await client.gql("seed", "owner", SET_ACCESS, {"input": access})
    client.payload("seed", data, "setProjectAccess")
    for index in range(10):
        variables = {"input": client._run_input(rng, world.secret, f"secret-{index}")}
        data = await client.gql("seed", "owner", CREATE_RUN, variables)
        client.payload("seed", data, "createRun")
    for batch in range(0, runs, 16):
        await asyncio.gather(*(client.create_run(rng) for _ in range(min(16, runs - batch))))
    for _ in range(12):
        await client.promote_run(rng)


# ---- driving and reporting -------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list, in milliseconds."""
    index = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index] * 1000


async def drive(
    client: Client, seconds: float, concurrency: int, seed_value: int, pid: int
) -> tuple[float, list[int]]:
    """Run the mix until the deadline; returns the elapsed time and the server's RSS (KiB) at
    the end of each tenth of it."""
    operations = [operation for operation, _ in MIX]
    weights = [weight for _, weight in MIX]
    deadline = time.monotonic() + seconds
    samples: list[int] = []

    async def worker(number: int) -> None:
        rng = random.Random(seed_value * 1000 + number)
        while time.monotonic() < deadline:
            operation = rng.choices(operations, weights)[0]
            with suppress(Broken):
                await operation(client, rng)

    async def sample_rss() -> None:
        for _ in range(9):
            await asyncio.sleep(seconds / 10)
            rss = rss_kib(pid)
            if rss is not None:
                samples.append(rss)

    started = time.monotonic()
    sampler = asyncio.create_task(sample_rss())
    await asyncio.gather(*(worker(number) for number in range(concurrency)))
    elapsed = time.monotonic() - started
    await sampler
    return elapsed, samples


def report(
    stats: Stats,
    elapsed: float,
    database: str,
    concurrency: int,
    rss: tuple[int | None, list[int], int | None],
    cpu: tuple[float | None, float],
    server_errors: list[str],
) -> None:
    table = Table(title=f"hubql soak: {elapsed:.0f} s, concurrency {concurrency}, {database}")
    for column in ("operation", "requests", "errors", "p50 ms", "p90 ms", "p99 ms"):
        table.add_column(column, justify="left" if column == "operation" else "right")
    errors_by_operation: Counter[str] = Counter()
    for key, count in stats.errors.items():
        errors_by_operation[key.split(": ", 1)[0]] += count
    everything: list[float] = []
    for operation in sorted(stats.latencies, key=lambda o: -len(stats.latencies[o])):
        values = sorted(stats.latencies[operation])
        everything.extend(values)
        table.add_row(
            operation,
            f"{len(values):,}",
            str(errors_by_operation[operation]),
            *(f"{percentile(values, q):.1f}" for q in (50, 90, 99)),
        )
    everything.sort()
    total_errors = sum(stats.errors.values())
    if everything:
        table.add_row(
            "[bold]all[/bold]",
            f"{len(everything):,}",
            str(total_errors),
            *(f"{percentile(everything, q):.1f}" for q in (50, 90, 99)),
        )
    console.print(table)
    console.print(
        f"requests: {len(everything):,} in {elapsed:.1f} s = {len(everything) / elapsed:,.1f}/s; "
        f"errors: {total_errors}; provoked and seen as expected: {sum(stats.provoked.values())} "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(stats.provoked.items()))})"
    )
    server_cpu, client_cpu = cpu
    if server_cpu is not None and everything:
        console.print(
            f"CPU: the server used {server_cpu:.1f} s ({server_cpu / elapsed:.2f} of a core, "
            f"{server_cpu / len(everything) * 1000:.1f} ms per request), the soak's clients "
            f"{client_cpu:.1f} s; the machine has {os.cpu_count()} cores, load average "
            f"{os.getloadavg()[0]:.1f}"
        )
    start, tenths, end = rss
    if start and end:
        growth = (end - start) / start * 100
        warm = tenths[0] if tenths else None
        since_warm = f", {(end - warm) / warm * 100:+.1f}% since warm" if warm else ""
        console.print(
            f"server RSS: {start / 1024:.1f} MiB after seeding, "
            f"{(warm or 0) / 1024:.1f} MiB after the first tenth (warm), {end / 1024:.1f} MiB at "
            f"the end ({growth:+.1f}% since seeding{since_warm}); by tenths: "
            f"{', '.join(f'{kib / 1024:.0f}' for kib in [*tenths, end])} MiB"
        )
    else:
        console.print("server RSS: unknown (no /proc)")
    for key in stats.first_errors:
        console.print(f"[red]error[/red] x{stats.errors[key]}: {key}")
    if server_errors:
        console.print(
            f"server log: {len(server_errors)} error lines; the first: {server_errors[0]}"
        )


async def soak(args: argparse.Namespace, url: str, directory: Path) -> int:
    tokens = await create_users(url)
    process, base, log = await asyncio.to_thread(start_server, url, directory)
    try:
        world = World(tokens)
        stats = Stats()
        limits = httpx.Limits(
            max_connections=args.concurrency, max_keepalive_connections=args.concurrency
        )
        async with httpx.AsyncClient(base_url=base, timeout=60.0, limits=limits) as http:
            client = Client(http, world, stats)
            rng = random.Random(args.seed)
            try:
                await seed(client, rng, args.runs)
            except (Broken, KeyError, TypeError) as error:
                console.print(f"[red]seeding failed[/red]: {stats.first_errors or error}")
                return 2
            stats.latencies.clear()
            stats.provoked.clear()
            start_rss = rss_kib(process.pid)
            start_cpu = cpu_seconds(process.pid)
            start_client_cpu = time.process_time()
            console.print(
                f"seeded {len(world.runs)} runs and {len(world.versions)} versions; driving "
                f"{args.concurrency} clients for {args.seconds:.0f} s against {base} ..."
            )
            elapsed, rss_tenths = await drive(
                client, args.seconds, args.concurrency, args.seed, process.pid
            )
        end_rss = rss_kib(process.pid)
        end_cpu = cpu_seconds(process.pid)
        server_cpu = None if start_cpu is None or end_cpu is None else end_cpu - start_cpu
        client_cpu = time.process_time() - start_client_cpu
        alive = process.poll() is None
        if not alive:
            stats.error("server", f"hubql serve exited with {process.returncode}")
        server_errors = [
            line for line in log.read_text(errors="replace").splitlines() if '"error"' in line
        ]
        report(
            stats,
            elapsed,
            args.database,
            args.concurrency,
            (start_rss, rss_tenths, end_rss),
            (server_cpu, client_cpu),
            server_errors,
        )
        return 1 if stats.errors else 0
    finally:
        stop_server(process)


async def create_postgres_database(admin_dsn: str) -> tuple[str, str]:
    name = f"hubql_soak_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return name, f"{base}/{name}"


async def drop_postgres_database(admin_dsn: str, name: str) -> None:
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to drive the mix")
    parser.add_argument("--concurrency", type=int, default=64, help="clients at once")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("HUBQL_SOAK_POSTGRES_URL", DEFAULT_POSTGRES),
        help="where the temporary database is created from (HUBQL_SOAK_POSTGRES_URL)",
    )
    parser.add_argument("--runs", type=int, default=200, help="runs seeded before the soak")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the mix")
    args = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="hubql-soak-"))
    database: str | None = None
    try:
        if args.database == "postgresql":
            database, url = asyncio.run(create_postgres_database(args.postgres_url))
        else:
            url = f"sqlite+aiosqlite:///{directory / 'soak.db'}"
        upgrade_to_head(url)
        status = asyncio.run(soak(args, url, directory))
    finally:
        if database is not None:
            asyncio.run(drop_postgres_database(args.postgres_url, database))
        shutil.rmtree(directory, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
