"""``tradecore bench``: the shared workloads, one JSON line each (a progress bar on stderr)."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum

import typer

from tradecore.cli.progress import Step, bar


class Workload(StrEnum):
    W1 = "W1"
    W2 = "W2"
    W2_DIRECT = "W2-direct"  # one venue, no router: NautilusTrader's W2 one to one
    W3 = "W3"
    W4 = "W4"
    RECOVERY = "recovery"
    MEMORY = "memory"
    SCALE = "scale"  # shards on NATS (tradecore.cluster.bench); not part of ``all``
    ALL = "all"


#: what `all` runs, each in a fresh process (memory is long: on its own only)
ALL = (Workload.W1, Workload.W2, Workload.W2_DIRECT, Workload.W3, Workload.W4, Workload.RECOVERY)


def _steps(workload: Workload, scale: float, step: Step) -> list[Callable[[], str]]:
    """The result lines of one workload, as thunks (one bar step each)."""
    from tradecore.bench import workloads as w
    from tradecore.bench.w2direct import w2_direct

    def n(x: int) -> int:
        return max(int(x * scale), 10)

    def w3(**kw: object) -> Callable[[], str]:
        return lambda: w.w3(n(20_000), **kw)  # type: ignore[arg-type]

    def memory() -> str:  # the bar moves at each RSS sample, every 10% of the events
        every = max(n(1_000_000), 10)
        return w.memory(n(10_000_000), every, on_sample=lambda: step(every))

    table: dict[Workload, list[Callable[[], str]]] = {
        Workload.W1: [lambda: w.w1(n(1_000_000)), lambda: w.w1(n(1_000_000), risk=False)],
        Workload.W2: [lambda: w.w2(n(1_000_000))],
        Workload.W2_DIRECT: [lambda: w2_direct(n(1_000_000))],
        Workload.W3: [
            w3(smart=False, risk=False, journal="none"),
            w3(smart=False, risk=True, journal="none"),
            w3(smart=False, risk=True, journal="group"),
            w3(smart=False, risk=True, journal="batch"),
            w3(smart=True, risk=True, journal="group"),
            w3(smart=True, risk=True, journal="group", split=True),
            lambda: w.w3_positions(n(20_000)),
        ],
        Workload.W4: [lambda: w.w4(n(100_000))],
        Workload.RECOVERY: [lambda: w.recovery(n(1_000_000))],
        Workload.MEMORY: [memory],
    }
    return table[workload]


def _run_all(scale: float) -> None:
    import subprocess
    import sys

    with bar("bench all", len(ALL)) as step:
        for i, one in enumerate(ALL, 1):
            step(0, label=f"bench all: {one.value} ({i}/{len(ALL)}, fresh process)")
            cmd = [sys.executable, "-m", "tradecore", "bench", one.value, "--scale", str(scale)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                typer.echo(done.stderr, err=True)
                raise typer.Exit(done.returncode)
            typer.echo(done.stdout, nl=False)
            step()


def register(app: typer.Typer) -> None:
    @app.command(no_args_is_help=True)
    def bench(
        workload: Workload = typer.Argument(
            ...,
            metavar="WORKLOAD",
            help="W1, W2, W2-direct, W3, W4, recovery, memory (about 2.5 min), "
            "scale (shards on NATS) or all (about 90 s, without memory and scale)",
        ),
        scale: float = typer.Option(
            1.0, "--scale", min=0.001, max=10, metavar="FACTOR", help="multiply every size"
        ),
    ) -> None:
        """Run benchmark workloads (docs/performance.md); prints one JSON line per result.

        `all` runs each workload in a fresh process, so none inherits another's heap.
        A progress bar is drawn on stderr when it is a terminal."""
        if workload is Workload.ALL:
            _run_all(scale)
            return
        if workload is Workload.SCALE:
            from tradecore.cluster.bench import run_scale

            with bar("bench scale: 1, 2 and 3 shards on a private nats-server", None):
                for line in run_scale(orders=max(int(2000 * scale), 10)):
                    typer.echo(json.dumps(line))
            return
        if workload is Workload.MEMORY:  # one long result: the bar counts events
            total = max(int(10_000_000 * scale), 10)
            with bar(f"bench memory ({total} events)", total) as step:
                for thunk in _steps(workload, scale, step):
                    typer.echo(thunk())
            return
        with bar(f"bench {workload.value}", None) as step:
            thunks = _steps(workload, scale, step)
            step(0, label=f"bench {workload.value} ({len(thunks)} results)")
            for thunk in thunks:
                typer.echo(thunk())
                step()
