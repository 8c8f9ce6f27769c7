"""``tradecore bench``: the shared workloads, one JSON line each."""

from __future__ import annotations

import json
from enum import StrEnum

import typer


class Workload(StrEnum):
    W1 = "W1"
    W2 = "W2"
    W3 = "W3"
    W4 = "W4"
    RECOVERY = "recovery"
    MEMORY = "memory"
    SCALE = "scale"  # shards on NATS (tradecore.cluster.bench); not part of ``all``
    ALL = "all"


def register(app: typer.Typer) -> None:
    @app.command()
    def bench(
        workload: Workload = typer.Argument(Workload.ALL, help="W1, W2, W3, W4, recovery or all"),
        scale: float = typer.Option(1.0, "--scale", min=0.001, max=10, help="multiply every size"),
    ) -> None:
        """Run benchmark workloads (docs/performance.md); prints one JSON line per workload.

        ``all`` runs each workload in a fresh process, so none inherits another's heap."""
        if workload is Workload.ALL:
            import subprocess
            import sys

            for one in (Workload.W1, Workload.W2, Workload.W3, Workload.W4, Workload.RECOVERY):
                cmd = [sys.executable, "-m", "tradecore", "bench", one.value, "--scale", str(scale)]
                done = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    typer.echo(done.stderr, err=True)
                    raise typer.Exit(done.returncode)
                typer.echo(done.stdout, nl=False)
            return
        if workload is Workload.SCALE:
            from tradecore.cluster.bench import run_scale

            for line in run_scale(orders=max(int(2000 * scale), 10)):
                typer.echo(json.dumps(line))
            return
        from tradecore.bench import workloads as w

        def n(x: int) -> int:
            return max(int(x * scale), 10)

        run = workload
        if run in (Workload.W1, Workload.ALL):
            typer.echo(w.w1(n(1_000_000)))
            typer.echo(w.w1(n(1_000_000), risk=False))
        if run in (Workload.W2, Workload.ALL):
            typer.echo(w.w2(n(1_000_000)))
        if run in (Workload.W3, Workload.ALL):
            typer.echo(w.w3(n(20_000), smart=False, risk=False, journal="none"))
            typer.echo(w.w3(n(20_000), smart=False, risk=True, journal="none"))
            typer.echo(w.w3(n(20_000), smart=False, risk=True, journal="group"))
            typer.echo(w.w3(n(20_000), smart=False, risk=True, journal="batch"))
            typer.echo(w.w3(n(20_000), smart=True, risk=True, journal="group"))
            typer.echo(w.w3(n(20_000), smart=True, risk=True, journal="group", split=True))
            typer.echo(w.w3_positions(n(20_000)))
        if run in (Workload.W4, Workload.ALL):
            typer.echo(w.w4(n(100_000)))
        if run in (Workload.RECOVERY, Workload.ALL):
            typer.echo(w.recovery(n(1_000_000)))
        if run is Workload.MEMORY:  # long (10M events): not part of `all`
            typer.echo(w.memory(n(10_000_000), max(n(1_000_000), 10)))
