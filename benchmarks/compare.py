"""hubql side by side with PostGraphile 4 and a hand-written floor, on one PostgreSQL database.

    python -m benchmarks.compare [--before REF] [--seconds 4] [--repeats 2] [--output FILE]

Creates a database `hubql_bench_<hex>` (dropped at the end), migrates it, fills it with `hubql seed
--scale large` (`app/seed/large.py`), and starts on it: hubql from this tree ("after"), hubql from
`--before` (a git ref, checked out into a temporary worktree), PostGraphile 4 (installed by npm into
a temporary directory) and the floor (`benchmarks/floor.py`). Every server's W1 and W2 answers are
checked against each other first; then wrk drives W1, W2 (page 1 and after 90,000) and W3 (promote +
transition, hubql only) at concurrency 1, 8 and 32, servers interleaved, each run checking every
response (HTTP 200, no `errors`, no `userErrors`). Prints requests/s (median of the repeats), p50
and p99, SQL statements per request and each server's peak RSS, with the ratios to PostGraphile and
to the floor, and writes them to `--output` (RESULTS.md).
"""

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from rich.console import Console
from rich.table import Table

from app.seed import large
from benchmarks import floor

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = ROOT / "benchmarks" / "workloads"
CONCURRENCY = (1, 8, 32)
W3_RUNS = 4_000  # fresh training runs each W3 run may promote (its threads split them)
POSTGRAPHILE = ("postgraphile@4.14.1", "postgraphile-plugin-connection-filter@2.3.0")
console = Console()


@dataclass
class Server:
    name: str
    port: int
    kind: str  # "hubql", "postgraphile" or "floor"
    process: subprocess.Popen[bytes]
    w2_after: str = ""
    statements: dict[str, int | str] = field(default_factory=dict)

    @property
    def spelling(self) -> str:
        """Which workload files it reads: PostGraphile's names, or hubql's (the floor's too)."""
        return "postgraphile" if self.kind == "postgraphile" else "hubql"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def peak_rss_mib(self) -> float:
        """The process's high-water mark of resident memory (VmHWM), whole run."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(match.group(1)) / 1024 if match else float("nan")


@dataclass
class Figure:
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    requests: int = 0
    errors: int = 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def workload(name: str) -> str:
    return (WORKLOADS / name).read_text().strip()


def sh(*command: str, **options: Any) -> str:
    done = subprocess.run(command, check=True, capture_output=True, text=True, **options)
    output: str = done.stdout
    return output


# ---- the database -------------------------------------------------------------------------------


@contextmanager
def database(base: str) -> Iterator[str]:
    """A fresh database on the server at `base` (postgresql://user@host:port), dropped after."""
    name = f"hubql_bench_{uuid.uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(f"{base}/postgres")
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def fill(url: str) -> str:
    """Migrate the empty database at `url` (postgresql://…) and seed it at the large scale, with
    this tree's `hubql`; the signed-in user's (ada's) bearer token."""
    env = {**os.environ, "HUBQL_DATABASE_URL": url.replace("://", "+asyncpg://", 1)}
    hubql = (sys.executable, "-c", "from app.cli import main; main()")
    sh(*hubql, "migrate", env=env, cwd=ROOT)
    seeded = sh(*hubql, "seed", "--scale", "large", env=env, cwd=ROOT)
    tokens = dict(line.split("\t") for line in seeded.splitlines() if "\t" in line)
    return tokens["ada"]


# ---- the servers --------------------------------------------------------------------------------


def wait_ready(server: Server, token: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}")
        with suppress(httpx.HTTPError):
            response = httpx.post(
                server.url,
                json={"query": "{ __typename }"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=5,
            )
            if response.status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{server.name} did not answer within {timeout:.0f} s")


def start_hubql(name: str, tree: Path, url: str, stack: ExitStack) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "HUBQL_DATABASE_URL": url.replace("postgresql://", "postgresql+asyncpg://"),
        "HUBQL_RATE_LIMIT_PER_MINUTE": "0",
        "HUBQL_LOG_LEVEL": "WARNING",
        "HUBQL_LOG_FORMAT": "json",
        # Only so the runner can walk to position 90,000 in 90 requests; the workloads ask for
        # 100 at most.
        "HUBQL_MAX_PAGE_SIZE": "1000",
    }
    command = [sys.executable, "-c", "from app.cli import main; main()", "serve", "--port"]
    process = subprocess.Popen(
        [*command, str(port)],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack.callback(stop, process)
    return Server(name, port, "hubql", process)


def start_postgraphile(url: str, directory: Path, stack: ExitStack) -> Server:
    port = free_port()
    cli = directory / "node_modules" / "postgraphile" / "cli.js"
    command = [
        "node", str(cli), "--connection", url, "--host", "127.0.0.1", "--port", str(port),
        "--simple-collections", "both", "--dynamic-json", "--disable-query-log",
        "--append-plugins", "postgraphile-plugin-connection-filter",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    stack.callback(stop, process)
    return Server("PostGraphile 4", port, "postgraphile", process)


def start_floor(url: str, stack: ExitStack) -> Server:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.floor", "--url", url, "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack.callback(stop, process)
    return Server("floor (Starlette + asyncpg)", port, "floor", process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def install_postgraphile(directory: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", *POSTGRAPHILE],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@contextmanager
def worktree(ref: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="hubql-before-"))
    sh("git", "worktree", "add", "--detach", "--force", str(path), ref, cwd=ROOT)
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)


# ---- checks before load -------------------------------------------------------------------------


def post(server: Server, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        server.url,
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
    )
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or "errors" in body:
        raise RuntimeError(f"{server.name}: {response.status_code} {response.text[:500]}")
    return body


def w1_shape(server: Server, body: dict[str, Any]) -> tuple[int, int, int, list[str]]:
    """Models, versions, stage conditions and the first model's version names of a W1 answer."""
    if server.spelling == "postgraphile":
        projects = body["data"]["organizationByName"]["projectsByOrganizationId"]["edges"]
        versions = [
            edge["node"]
            for project in projects
            for edge in project["node"]["modelVersionsByProjectId"]["edges"]
        ]
        conditions = sum(len(v["stageConditionsByModelVersionId"]["nodes"]) for v in versions)
        first = projects[0]["node"]["modelVersionsByProjectId"]["edges"]
    else:
        projects = body["data"]["organization"]["models"]["edges"]
        versions = [
            edge["node"]
            for project in projects
            for edge in project["node"]["modelVersions"]["edges"]
        ]
        conditions = sum(len(v["stageConditions"]) for v in versions)
        first = projects[0]["node"]["modelVersions"]["edges"]
    return len(projects), len(versions), conditions, [edge["node"]["name"] for edge in first]


def w2_names(server: Server, body: dict[str, Any]) -> tuple[int, list[str]]:
    if server.spelling == "postgraphile":
        [project] = body["data"]["organizationByName"]["projectsByOrganizationId"]["nodes"]
        page = project["modelVersionsByProjectId"]
    else:
        page = body["data"]["project"]["modelVersions"]
    return page["totalCount"], [edge["node"]["name"] for edge in page["edges"]]


def cursor_at_90000(server: Server, token: str, url: str) -> str:
    """The cursor of position 90,000 of `big`'s versions (newest first), in the server's format."""
    if server.spelling == "postgraphile":
        query = """{ organizationByName(name: "acme") { projectsByOrganizationId(condition:
          {name: "big"}) { nodes { modelVersionsByProjectId(first: 1, offset: 89999,
          orderBy: [UPDATED_AT_DESC, ID_DESC]) { edges { cursor } } } } } }"""
        body = post(server, token, query, {})
        [project] = body["data"]["organizationByName"]["projectsByOrganizationId"]["nodes"]
        cursor: str = project["modelVersionsByProjectId"]["edges"][0]["cursor"]
        return cursor
    if server.kind == "floor":

        async def position() -> str:
            connection = await asyncpg.connect(url)
            try:
                row = await connection.fetchrow(
                    "SELECT v.updated_at, v.id FROM model_versions v JOIN projects p"
                    " ON p.id = v.project_id WHERE p.name = 'big'"
                    " ORDER BY v.updated_at DESC, v.id DESC OFFSET 89999 LIMIT 1"
                )
            finally:
                await connection.close()
            assert row is not None
            return floor.encode_cursor(row["updated_at"], row["id"])

        return asyncio.run(position())
    walk = """query($after: String) { project(owner: "acme", name: "big") {
      modelVersions(first: 1000, after: $after) { pageInfo { endCursor } } } }"""
    after = None
    for _ in range(90):
        body = post(server, token, walk, {"after": after})
        after = body["data"]["project"]["modelVersions"]["pageInfo"]["endCursor"]
    assert isinstance(after, str)
    return after


def check_answers(servers: list[Server], token: str) -> list[str]:
    """Every server answers W1 and W2 (both pages) with the same data; lines for the report."""
    lines = []
    shapes = {}
    for server in servers:
        w1 = post(server, token, workload(f"w1.{server.spelling}.graphql"), {})
        query = workload(f"w2.{server.spelling}.graphql")
        first = w2_names(server, post(server, token, query, {"after": None}))
        deep = w2_names(server, post(server, token, query, {"after": server.w2_after}))
        shapes[server.name] = (w1_shape(server, w1), first, deep)
        models, versions, conditions, _ = shapes[server.name][0]
        lines.append(
            f"{server.name}: W1 {models} models, {versions} versions, {conditions} stage "
            f"conditions; W2 total {first[0]}, page 1 {len(first[1])} rows, after 90,000 "
            f"{len(deep[1])} rows"
        )
    reference = next(iter(shapes.values()))
    for name, shape in shapes.items():
        if shape != reference:
            raise RuntimeError(f"{name} answers differently: {shape} vs {reference}")
    return lines


# ---- load ---------------------------------------------------------------------------------------

LUA_CHECK = """
errors = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function check(status, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true)
     or (string.find(body, '"userErrors"', 1, true)
         and not string.find(body, '"userErrors":[]', 1, true)) then
    errors = errors + 1
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("errors") end
  io.write(string.format("CHECKED errors=%d\\n", total))
end
"""

LUA_READ = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.body = %(body)s
function response(status, headers, body) check(status, body) end
"""

# Promote a fresh run of `training` into model-0, then move that version to STAGING: each thread
# takes its own range of runs, and transitions the versions its promotions returned.
LUA_W3 = """
local b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
local function base64(data)
  return ((data:gsub('.', function(x)
    local r, b = '', x:byte()
    for i = 8, 1, -1 do r = r .. (b %% 2 ^ i - b %% 2 ^ (i - 1) > 0 and '1' or '0') end
    return r
  end) .. '0000'):gsub('%%d%%d%%d?%%d?%%d?%%d?', function(x)
    if #x < 6 then return '' end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
    return b64:sub(c + 1, c + 1)
  end) .. ({ '', '==', '=' })[#data %% 3 + 1])
end
local promote = %(promote)s
local transition = %(transition)s
next_run = 0  -- global: `setup` gives each thread its own range
local pending = {}
local threads_started = 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("next_run", %(first_run)d + threads_started * %(span)d)
  threads_started = threads_started + 1
end
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer %(token)s"
end
function request()
  local id = table.remove(pending)
  if id then
    return wrk.format(nil, nil, nil, string.format(
      '{"query":%%s,"variables":{"input":{"id":"%%s","stage":"STAGING"}}}', transition, id))
  end
  next_run = next_run + 1
  return wrk.format(nil, nil, nil, string.format(
    '{"query":%%s,"variables":{"input":{"projectId":"%(project)s","runId":"%%s","name":"w3-%%d"}}}',
    promote, base64("Run:" .. next_run), next_run))
end
function response(status, headers, body)
  check(status, body)
  local id = string.match(body, '"promoteRun":{"modelVersion":{"id":"([^"]+)"')
  if id then table.insert(pending, id) end
end
"""


def lua_string(text: str) -> str:
    return json.dumps(text)


def read_script(token: str, query: str, variables: dict[str, Any]) -> str:
    body = json.dumps({"query": query, "variables": variables})
    return LUA_CHECK + LUA_READ % {"token": token, "body": lua_string(body)}


def w3_script(token: str, first_run: int, span: int) -> str:
    return LUA_CHECK + LUA_W3 % {
        "token": token,
        "promote": lua_string(json.dumps(workload("w3promote.hubql.graphql"))),
        "transition": lua_string(json.dumps(workload("w3transition.hubql.graphql"))),
        "first_run": first_run,
        "span": span,
        "project": "UHJvamVjdDoy",  # Project:2, model-0
    }


def wrk(
    url: str, script: str, concurrency: int, seconds: float
) -> tuple[float, float, float, int, int]:
    """requests/s, p50 ms, p99 ms, requests, errors (failed checks, non-2xx, socket errors)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    threads = 1 if concurrency == 1 else 2
    output = sh(
        "wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds:g}s", "--timeout", "120s",
        "--latency", "-s", file.name, url,
    )  # fmt: skip
    os.unlink(file.name)
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    if requests == 0:  # none completed in time: no latency to read
        return 0.0, float("inf"), float("inf"), 0, 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    checked = int(re.search(r"CHECKED errors=(\d+)", output).group(1))  # type: ignore[union-attr]
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = checked + socket_errors + (int(non_2xx.group(1)) if non_2xx else 0)
    return rps, millis(output, "50%"), millis(output, "99%"), requests, errors


def millis(output: str, percentile: str) -> float:
    match = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)\b", output)
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


# ---- the run ------------------------------------------------------------------------------------


def wrk_version() -> str:
    # `wrk --version` prints its banner and exits 1.
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return done.stdout.splitlines()[0].split(" Copyright")[0] if done.stdout else "wrk"


def tree_commit() -> str:
    """The commit of the tree measured as "after", and whether it had changes beyond it."""
    commit = sh("git", "rev-parse", "--short", "HEAD", cwd=ROOT).strip()
    # The results files themselves are being written as this is asked.
    changed = sh(
        "git", "status", "--porcelain", "--untracked-files=no", "--", ".",
        ":!benchmarks/RESULTS.*", cwd=ROOT,
    ).strip()  # fmt: skip
    return f"commit {commit}" + (" with uncommitted changes" if changed else "")


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory / 1024 / 1024:.0f} GiB, Python "
        f"{platform.python_version()}, {sh('node', '--version').strip()}, "
        f"{sh('psql', '--version').strip()}, {wrk_version()}"
        if shutil.which("psql")
        else f"{os.cpu_count()} CPUs ({cpu})"
    )


WORKLOAD_NAMES = (
    ("W1 model page", "w1"),
    ("W2 page 1", "w2-1"),
    ("W2 after 90,000", "w2-90k"),
    ("W3 promote + transition", "w3"),
)


def load(
    servers: list[Server], token: str, arguments: argparse.Namespace
) -> dict[tuple[str, str, int], Figure]:
    """wrk over every workload, concurrency and server, servers interleaved, `repeats` times."""
    figures: dict[tuple[str, str, int], Figure] = {}
    next_run = large.VERSIONED_RUNS + 1
    for repeat in range(arguments.repeats):
        for label, key in WORKLOAD_NAMES:
            for concurrency in CONCURRENCY:
                for server in servers:
                    if key == "w3":
                        if server.kind != "hubql":
                            continue  # the write pair is hubql's alone
                        script = w3_script(token, next_run, span=W3_RUNS // 2)
                        next_run += W3_RUNS
                    else:
                        query = workload(f"{key[:2]}.{server.spelling}.graphql")
                        after = server.w2_after if key == "w2-90k" else None
                        variables = {"after": after} if key.startswith("w2") else {}
                        script = read_script(token, query, variables)
                    # At c=32 a slow server completes few requests: give it longer.
                    seconds = arguments.seconds * (3 if concurrency == 32 else 1)
                    rps, p50, p99, requests, errors = wrk(server.url, script, concurrency, seconds)
                    figure = figures.setdefault((label, server.name, concurrency), Figure())
                    figure.rps.append(rps)
                    figure.p50.append(p50)
                    figure.p99.append(p99)
                    figure.requests += requests
                    figure.errors += errors
                    console.print(
                        f"[{repeat + 1}/{arguments.repeats}] {label} c={concurrency} "
                        f"{server.name}: {rps:.1f} req/s, p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
                        f"{errors} errors"
                    )
    return figures


def run(arguments: argparse.Namespace) -> str:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench installs it)")
    with ExitStack() as stack:
        npm_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="postgraphile-")))
        installing = install_postgraphile(npm_dir)
        url = stack.enter_context(database(arguments.postgres))
        console.print(f"database {url.rsplit('/', 1)[1]}: migrating and filling")
        env = {**os.environ, "HUBQL_DATABASE_URL": url.replace("://", "+asyncpg://", 1)}
        started = time.monotonic()
        token = fill(url)
        console.print(f"migrated and filled in {time.monotonic() - started:.0f} s")
        trees = [("hubql (after)", ROOT)]
        if arguments.before:
            before = stack.enter_context(worktree(arguments.before))
            trees.insert(0, (f"hubql (before, {arguments.before})", before))
        servers = [start_hubql(name, tree, url, stack) for name, tree in trees]
        _, npm_errors = installing.communicate()
        if installing.returncode != 0:
            raise RuntimeError(f"npm install failed: {npm_errors.decode()[-2000:]}")
        servers.append(start_postgraphile(url, npm_dir, stack))
        servers.append(start_floor(url, stack))
        for server in servers:
            wait_ready(server, token)
        for server in servers:
            server.w2_after = cursor_at_90000(server, token, url)
        console.print(f"servers ready, cursors found: {time.monotonic() - started:.0f} s")
        checks = check_answers(servers, token)
        for line in checks:
            console.print(line)
        for (_, tree), server in zip(trees, servers, strict=False):
            counted = sh(
                sys.executable, str(ROOT / "benchmarks" / "statements.py"),
                env["HUBQL_DATABASE_URL"], token, server.w2_after,
                env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tree,
            )  # fmt: skip
            server.statements = json.loads(counted.strip().splitlines()[-1])
        servers[-2].statements = {"W1": 1, "W2 page 1": 1, "W2 after 90,000": 1}
        servers[-1].statements = {"W1": 2, "W2 page 1": 3, "W2 after 90,000": 3}
        figures = load(servers, token, arguments)
        raw = {
            f"{label} | {name} | c={c}": vars(figure)
            for (label, name, c), figure in figures.items()
        }
        arguments.output.with_suffix(".json").write_text(json.dumps(raw, indent=1) + "\n")
        rss = {server.name: server.peak_rss_mib() for server in servers}
        return render(arguments, servers, figures, rss, checks)


def ratio(numerator: float, denominator: float) -> str:
    """`numerator / denominator`, or why there is none (a server completed no request)."""
    return f"{numerator / denominator:.2f}x" if denominator else "n/a (none completed)"


def render(
    arguments: argparse.Namespace,
    servers: list[Server],
    figures: dict[tuple[str, str, int], Figure],
    rss: dict[str, float],
    checks: list[str],
) -> str:
    names = [server.name for server in servers]
    table = Table(title="requests/s (median of repeats) · p50 / p99 ms · errors")
    table.add_column("workload")
    for name in names:
        table.add_column(name, justify="right")
    lines = [
        "# hubql side by side: PostGraphile 4 and a hand-written floor",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `{' '.join(['python -m benchmarks.compare', *sys.argv[1:]])}`",
        f"- after: {tree_commit()}",
        f"- machine: {machine()}",
        f"- load: wrk, {arguments.seconds:g} s per run ({arguments.seconds * 3:g} s at c=32), "
        f"{arguments.repeats} repeats, servers "
        "interleaved; every response checked (HTTP 200, no `errors`, empty `userErrors`)",
        "- data: 50 organizations, 2,000 users, 200,000 runs, 100,720 model versions (100,000 in "
        "`acme/big`), 176,260 stage conditions (`hubql seed --scale large`)",
        "",
        "## Answers checked before the load",
        "",
        *[f"- {line}" for line in checks],
        "",
        "## Requests/s (median of repeats), p50 / p99 latency in ms, errors",
        "",
        "| workload | c | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for label, _ in WORKLOAD_NAMES:
        for concurrency in CONCURRENCY:
            cells = []
            for name in names:
                figure = figures.get((label, name, concurrency))
                cells.append(
                    "—"
                    if figure is None
                    else f"{statistics.median(figure.rps):.1f} "
                    f"({statistics.median(figure.p50):.0f} / {statistics.median(figure.p99):.0f})"
                    + (f" **{figure.errors} errors**" if figure.errors else "")
                )
            table.add_row(f"{label} c={concurrency}", *cells)
            lines.append(f"| {label} | {concurrency} | " + " | ".join(cells) + " |")
    after = next(name for name in names if name == "hubql (after)")
    before = names[0] if names[0] != after else None
    lines += ["", "## Ratios (requests/s)", "", "| workload | c | after/PostGraphile | after/floor"
              + (" | after/before |" if before else " |"),
              "|---|---|---|---|" + ("---|" if before else "")]  # fmt: skip
    for label, key in WORKLOAD_NAMES:
        if key == "w3":
            continue
        for concurrency in CONCURRENCY:

            def rps(name: str, label: str = label, concurrency: int = concurrency) -> float:
                return statistics.median(figures[(label, name, concurrency)].rps)

            row = [ratio(rps(after), rps(names[-2])), ratio(rps(after), rps(names[-1]))]
            if before:
                row.append(ratio(rps(after), rps(before)))
            lines.append(f"| {label} | {concurrency} | " + " | ".join(row) + " |")
    lines += [
        "",
        "## SQL statements per request, peak RSS",
        "",
        "| server | W1 | W2 page 1 | W2 after 90,000 | peak RSS (whole run) |",
        "|---|---|---|---|---|",
    ]
    for server in servers:
        counts = [
            str(server.statements.get(key, "?")) for key in ("W1", "W2 page 1", "W2 after 90,000")
        ]
        lines.append(
            f"| {server.name} | " + " | ".join(counts) + f" | {rss[server.name]:.0f} MiB |"
        )
    lines += [
        "",
        "hubql's statements are counted in process (`benchmarks/statements.py`, second request);",
        "PostGraphile compiles each GraphQL query into one SQL statement; the floor runs the token",
        "look-up, then one statement for W1 and a page and a count for W2.",
    ]
    console.print(table)
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--before", help="a git ref to measure beside this tree")
    parser.add_argument("--seconds", type=float, default=4, help="per run (x3 at c=32)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    arguments = parser.parse_args()
    report = run(arguments)
    arguments.output.write_text(report)
    console.print(f"wrote {arguments.output}")


if __name__ == "__main__":
    main()
