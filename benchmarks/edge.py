"""What hostile documents and internal errors cost the event loop, in milliseconds.

    python -m benchmarks.edge [--rounds 20]

1. Validation of documents whose fragments each spread the next one twice (2**n paths), with
   hubql's rules (one walk per fragment) and, for comparison, Strawberry's depth limiter alone
   (which walks every spread again) up to where it is still bearable.
2. Logging one unexpected error with a 40-frame traceback, as the server does it (console and
   JSON), against the rich console traceback the server used before.
"""

import argparse
import contextlib
import io
import statistics
import time
from collections.abc import Callable
from typing import Any

import structlog
from graphql import parse, validate
from rich.console import Console
from rich.table import Table
from strawberry.extensions.query_depth_limiter import create_validator

from app.graphql.cost import OperationCost, Sizes
from app.graphql.schema import build_schema
from app.logging import configure_logging
from app.settings import Settings


def doubling(fragments: int) -> str:
    definitions = [
        f"fragment F{i} on Organization {{ name ...F{i + 1} ...F{i + 1} }}"
        for i in range(fragments - 1)
    ]
    definitions.append(f"fragment F{fragments - 1} on Organization {{ name }}")
    return '{ organization(name: "acme") { ...F0 } }\n' + "\n".join(definitions)


def median_ms(work: Callable[[], Any], rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def validation(rounds: int) -> Table:
    settings = Settings()
    schema = build_schema(settings)._schema
    sizes = Sizes(default_page=settings.default_page_size, longest_list=settings.max_page_size)
    table = Table(title="Validating a doubling document (median ms)")
    for column in ("fragments", "bytes", "graphql-core rules + hubql cost", "Strawberry depth"):
        table.add_column(column, justify="right")
    for fragments in (10, 16, 20, 40, 64):
        text = doubling(fragments)
        document = parse(text)

        def ours(document: Any = document) -> None:
            validate(schema, document)
            operation, *fragment_definitions = document.definitions
            named = {d.name.value: d for d in fragment_definitions}
            OperationCost(schema, named, operation, {}, sizes).measure()

        limiter = create_validator(settings.max_depth, None)

        def strawberry_depth(document: Any = document, limiter: Any = limiter) -> None:
            validate(schema, document, [limiter])

        # Beyond 20 fragments Strawberry's limiter takes seconds to minutes: not measured.
        theirs = f"{median_ms(strawberry_depth, 3):,.1f}" if fragments <= 20 else "-"
        table.add_row(str(fragments), str(len(text)), f"{median_ms(ours, rounds):.1f}", theirs)
    return table


def _fail(levels: int) -> None:
    if levels == 0:
        raise RuntimeError("an internal error")
    _fail(levels - 1)


def logging_cost(rounds: int) -> Table:
    try:
        _fail(40)
    except RuntimeError as error:
        raised = error
    exc_info = (type(raised), raised, raised.__traceback__)
    table = Table(title="Logging one unexpected error, 40 frames (median ms of event loop)")
    table.add_column("renderer")
    table.add_column("ms", justify="right")
    renderers: dict[str, Callable[[], None]] = {
        "console (plain traceback)": lambda: configure_logging(Settings(log_format="console")),
        "json (structured traceback)": lambda: configure_logging(Settings(log_format="json")),
        "console with rich (before)": lambda: structlog.configure(
            processors=[
                structlog.dev.ConsoleRenderer(
                    exception_formatter=structlog.dev.RichTracebackFormatter(show_locals=False)
                )
            ],
        ),
    }
    for name, configure in renderers.items():
        configure()
        sink = io.StringIO()
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(sink))
        logger = structlog.get_logger("benchmark")

        def log_one(logger: Any = logger) -> None:
            logger.error("unexpected error", exc_info=exc_info)

        with contextlib.redirect_stderr(sink):
            cost = median_ms(log_one, rounds)
        table.add_row(name, f"{cost:.2f}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    console = Console()
    console.print(validation(rounds))
    console.print(logging_cost(rounds))


if __name__ == "__main__":
    main()
