"""One hubql worker's memory under W1 at concurrency 32, over a long run.

    python -m benchmarks.memory [--minutes 10] [--output benchmarks/MEMORY.md]

Fills a temporary database as `benchmarks.compare` does, starts `hubql serve` from this tree,
drives W1 with wrk at c=32 (every response checked) and samples the worker's resident memory every
10 s. Prints and writes the peak, the RSS after the first minute (warm) and at the end, and the
growth between them; exits 1 if any response failed.
"""

import argparse
import re
import subprocess
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.compare import (
    ROOT,
    database,
    fill,
    machine,
    read_script,
    start_hubql,
    wait_ready,
    workload,
)


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def peak_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def run(minutes: float, postgres: str) -> tuple[str, bool]:
    with ExitStack() as stack:
        url = stack.enter_context(database(postgres))
        token = fill(url)
        server = start_hubql("hubql", ROOT, url, stack)
        wait_ready(server, token)
        pid = server.process.pid
        samples: list[tuple[float, float]] = []
        done = threading.Event()

        def sample() -> None:
            started = time.monotonic()
            while not done.wait(10):
                samples.append((time.monotonic() - started, rss_mib(pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
            file.write(read_script(token, workload("w1.hubql.graphql"), {}))
        sampler.start()
        output = subprocess.run(
            ["wrk", "-t2", "-c32", f"-d{int(minutes * 60)}s", "--timeout", "120s", "--latency",
             "-s", file.name, server.url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        done.set()
        sampler.join()
        peak = peak_mib(pid)
    checked = int(re.search(r"CHECKED errors=(\d+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    warm = next((rss for at, rss in samples if at >= 60), samples[0][1])
    end = samples[-1][1]
    growth = (end - warm) / warm * 100
    lines = [
        "# One hubql worker's memory under W1 at c=32",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {machine()}",
        f"- command: `python -m benchmarks.memory --minutes {minutes:g}`",
        f"- {requests:,} requests in {minutes:g} minutes, {checked} failed checks",
        f"- peak RSS (VmHWM): {peak:.0f} MiB",
        f"- RSS after the first minute: {warm:.0f} MiB; at the end: {end:.0f} MiB; growth "
        f"{growth:+.1f} %",
        "",
        "RSS every 10 s (MiB): " + ", ".join(f"{rss:.0f}" for _, rss in samples),
    ]
    return "\n".join(lines) + "\n", checked == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "MEMORY.md")
    arguments = parser.parse_args()
    report, clean = run(arguments.minutes, arguments.postgres)
    arguments.output.write_text(report)
    print(report)
    raise SystemExit(0 if clean else 1)


if __name__ == "__main__":
    main()
