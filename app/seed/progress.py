"""The phases of a seed as they pass: a rich progress bar on a terminal, nothing elsewhere."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

Advance = Callable[[int], None]


class Phases:
    """`with phases.phase("runs", total) as advance: … advance(batch)`: one bar per phase."""

    def __init__(self, bar: Progress | None = None) -> None:
        self._bar = bar

    @contextmanager
    def phase(self, description: str, total: int) -> Iterator[Advance]:
        bar = self._bar
        if bar is None:
            yield lambda _done: None
            return
        task = bar.add_task(description, total=total)
        yield lambda done: bar.advance(task, done)
        bar.update(task, completed=total)


QUIET = Phases()


@contextmanager
def progress_bar(console: Console) -> Iterator[Phases]:
    """Phases drawn on `console` while the block runs, if it is a terminal (a pipe or a log
    gets only the commands' own lines)."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, disable=not console.is_terminal) as bar:
        yield Phases(bar)
