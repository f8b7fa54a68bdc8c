"""A browser for the tests: Debian's Chromium, driven by playwright-core from npm (Playwright's own
browser download cannot reach its servers here; the Debian package and the npm registry can).

The tests install both on first use: Chromium with apt-get when it is missing and we are root,
playwright-core with `npm ci` from tests/browser/package.json and its lock into .cache/browser
(gitignored), reused while the lock is unchanged. The SQLite and PostgreSQL legs run side by side,
so each install holds a file lock. Where they cannot be installed the tests skip, except under
CI=true, where they fail.
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.settings import PROJECT_ROOT
from tests.faults.processes import missing

HERE = Path(__file__).parent
CACHE = PROJECT_ROOT / ".cache" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
INSTALL_TIMEOUT = 900


@contextmanager
def _locked(name: str) -> Iterator[None]:
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run(command: list[str], *, cwd: Path | None = None) -> "subprocess.CompletedProcess[str]":
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        return subprocess.run(
            command,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        missing(f"`{' '.join(command)}` took over {INSTALL_TIMEOUT} s")


def chromium() -> Path:
    """/usr/bin/chromium, installed from Debian's packages if it is missing."""
    with _locked("chromium"):
        if CHROMIUM.is_file():
            return CHROMIUM
        apt_get = shutil.which("apt-get")
        if apt_get is None or os.geteuid() != 0:
            missing(f"the browser tests need {CHROMIUM} (`apt-get install chromium` as root)")
        # Another apt (unattended upgrades, a neighbour's install) may hold dpkg's lock: wait.
        apt = [apt_get, "-o", "DPkg::Lock::Timeout=300", "-qq"]
        install = [*apt, "install", "-y", "chromium"]
        result = _run(install)
        if result.returncode != 0:  # a machine whose package lists are stale or absent
            _run([*apt, "update"])
            result = _run(install)
        if result.returncode != 0 or not CHROMIUM.is_file():
            missing(f"apt-get could not install chromium: {result.stderr[-2000:]}")
        return CHROMIUM


def playwright() -> Path:
    """A prefix whose node_modules holds the pinned playwright-core (`npm ci`)."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        missing("the browser tests need Node.js and npm on PATH")
    home = CACHE / "node"
    manifests = [(HERE / name).read_bytes() for name in ("package.json", "package-lock.json")]
    wanted = hashlib.sha256(b"".join(manifests)).hexdigest()
    stamp = home / ".installed"
    with _locked("node"):
        if not (stamp.is_file() and stamp.read_text() == wanted):
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(parents=True)
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(HERE / name, home / name)
            # --ignore-scripts: nothing may try to download a browser of its own.
            result = _run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                cwd=home,
            )
            if result.returncode != 0:
                missing(f"npm could not install playwright-core: {result.stderr[-2000:]}")
            stamp.write_text(wanted)
    return home
