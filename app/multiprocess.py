"""The directory where the workers of `hubql serve --workers N` keep their metrics, so that
whichever worker answers /metrics reports all of them (prometheus-client's multiprocess mode).

Nothing here imports prometheus-client: it chooses multiprocess mode when first imported, so the
directory is set before that happens in any worker.
"""

import os
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"

# The files multiprocess mode writes: `counter_<pid>.db`, `gauge_livesum_<pid>.db`, … Only these
# are removed from a directory the operator names.
_METRICS_FILE = re.compile(r"(counter|histogram|summary|gauge_[a-z]+)_\d+\.db")


def shared_directory() -> Path | None:
    """The directory this process's metrics go to, if they are shared with other workers."""
    value = os.environ.get(MULTIPROCESS_DIRECTORY)
    return Path(value) if value else None


@contextmanager
def metrics_directory(configured: Path | None, workers: int) -> Iterator[Path | None]:
    """Where the workers about to start write their metrics, set in PROMETHEUS_MULTIPROC_DIR for
    them (and restored afterwards): `configured` (HUBQL_METRICS_DIR), else the variable's own
    value, else, for several workers, a temporary directory removed when they stop. A directory
    that was there before is emptied of metric files, so counts start from zero. One worker and
    nothing configured: none, and the metrics stay in the process's memory."""
    previous = os.environ.get(MULTIPROCESS_DIRECTORY)
    directory = configured or (Path(previous) if previous else None)
    with ExitStack() as cleanup:
        if directory is None and workers > 1:
            directory = Path(cleanup.enter_context(TemporaryDirectory(prefix="hubql-metrics-")))
        elif directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            for stale in directory.iterdir():
                if _METRICS_FILE.fullmatch(stale.name):
                    stale.unlink()
        if directory is None:
            yield None
            return
        os.environ[MULTIPROCESS_DIRECTORY] = str(directory)
        try:
            yield directory
        finally:
            if previous is None:
                os.environ.pop(MULTIPROCESS_DIRECTORY, None)
            else:
                os.environ[MULTIPROCESS_DIRECTORY] = previous
