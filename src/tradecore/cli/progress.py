"""Progress bars for the CLI's long jobs (bench, run, replay, serve's recovery).

A bar is drawn on **stderr** and only when stderr is a terminal (``TTY_COMPATIBLE=1``
forces it), so stdout stays exactly what the command prints (JSON lines, summaries) and
piped or tested output never contains bar frames. The bar is transient: it disappears when
the job ends; the result lines stay.
"""

from __future__ import annotations

import sys
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

#: ``step(advance=1, label=None)``: move the bar on (and rename the current step).
Step = Callable[..., None]


@contextmanager
def bar(label: str, total: int | None) -> Iterator[Step]:
    """A bar of ``total`` steps (``None``: a spinner with elapsed time only)."""
    console = Console(stderr=True)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
        # stdout lines printed meanwhile go above the bar only when stdout is the terminal
        # too; a piped stdout is left alone (no bar frames, no moved lines)
        redirect_stdout=sys.stdout.isatty(),
        redirect_stderr=False,
    )
    task = progress.add_task(label, total=total)

    def step(advance: int = 1, label: str | None = None) -> None:
        if label is not None:
            progress.update(task, description=label)
        progress.advance(task, advance)

    with progress:
        yield step
