"""``tradecore demo``: the embedded main job on simulated venues."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from tradecore.cli._common import order_counts, user_errors


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        seconds: int | None = typer.Option(
            None,
            "--seconds",
            min=1,
            metavar="SECONDS",
            help="simulated seconds (default from config: 300)",
        ),
        seed: int | None = typer.Option(
            None, "--seed", metavar="N", help="random seed of market and order flow (default 7)"
        ),
        config: Path | None = typer.Option(
            None, "--config", metavar="FILE", help="TOML config (defaults: 3 sim venues)"
        ),
    ) -> None:
        """Run 3 simulated venues, stream quotes, route a demo order flow, print a summary."""
        from tradecore.bootstrap import build_system
        from tradecore.config import load_config
        from tradecore.demo import DemoReport, run_demo

        overrides = {"engine": {"seed": seed}} if seed is not None else None
        with user_errors():
            cfg = load_config(config, overrides)
        console = Console()
        tty = sys.stdout.isatty()
        live = Live(console=console, refresh_per_second=8, transient=True) if tty else None
        marks: set[int] = set()

        def line(pct: int, simulated: int, r: DemoReport) -> str:
            fills, denials = sum(r.fills_by_venue.values()), sum(r.denials.values())
            return (
                f"[{pct:3d}%] simulated {simulated}s  orders {r.orders}  fills {fills}  "
                f"denials {denials}"
            )

        def progress(step: int, steps: int, r: object) -> None:
            assert isinstance(r, DemoReport)
            pct = step * 100 // steps
            text = line(pct, step * cfg.marketdata.step_ms // 1000, r)
            if live is not None:
                live.update(text)
            elif pct // 25 not in marks and pct % 25 == 0 and pct < 100:
                marks.add(pct // 25)
                console.print(text)

        if live is not None:
            live.start()
        system = build_system(cfg)
        try:
            report = run_demo(cfg, seconds=seconds, system=system, progress=progress)
        finally:
            if live is not None:
                live.stop()
        # the 100% line once the run has ended: the same counts as the summary below
        console.print(line(100, report.seconds, report))
        _summary(console, report, order_counts(system.engine.orders)[1])


def _summary(console: Console, r: object, child_orders: int) -> None:
    from tradecore.bench.harness import Latencies
    from tradecore.demo import DemoReport

    assert isinstance(r, DemoReport)

    def say(text: str) -> None:  # a text line never wraps: its width varies with the figures
        console.print(text, soft_wrap=True)

    console.rule("[bold]tradecore demo summary")
    say(
        f"simulated {r.seconds}s, seed {r.seed}: {r.updates} market updates, "
        f"{r.events} engine events, wall time {r.wall_s:.1f}s"
    )
    t = Table(title="orders")
    t.add_column("submitted", justify="right")
    for s in sorted(r.status):
        t.add_column(s.lower(), justify="right")
    t.add_column("split across venues", justify="right")
    avg_venues = sum(r.venues_per_split) / len(r.venues_per_split) if r.venues_per_split else 0
    t.add_row(
        str(r.orders),
        *[str(r.status[s]) for s in sorted(r.status)],
        f"{r.split_orders} (avg {avg_venues:.1f} venues)",
    )
    console.print(t)
    say(f"child orders sent to venues by the smart router: {child_orders}")
    fv = Table(title="fills per venue (count, then quantity per instrument)")
    fv.add_column("venue")
    fv.add_column("fills", justify="right")
    symbols = sorted({s for _, s in r.qty_by_venue})
    for sym in symbols:
        fv.add_column(sym, justify="right")
    for v in sorted(r.fills_by_venue):
        qtys = [str(r.qty_by_venue.get((v, sym), Decimal(0))) for sym in symbols]
        fv.add_row(v, str(r.fills_by_venue[v]), *qtys)
    console.print(fv)
    pt = Table(title="positions (average cost, marked at mid)")
    for col in ("instrument", "quantity", "avg price", "realized", "unrealized", "ccy", "fees"):
        pt.add_column(col, justify="left" if col in ("instrument", "ccy") else "right")
    for p in r.positions:
        fees = ", ".join(f"{_short(v)} {k}" for k, v in p["fees"].items())
        pt.add_row(
            p["instrument"],
            p["quantity"],
            _short(p["avg_price"]),
            _short(p["realized_pnl"]),
            _short(p["unrealized_pnl"]),
            p["currency"],
            fees,
        )
    console.print(pt)
    pf = r.portfolio
    parts = [
        f"equity {_short(pf.get('equity'))}",
        f"realized {_short(pf.get('realized_pnl'))}",
        f"unrealized {_short(pf.get('unrealized_pnl'))}",
        f"fees {_short(pf.get('fees'))}",
        f"gross {_short(pf.get('gross_exposure'))}",
        f"net {_short(pf.get('net_exposure'))}",
        f"leverage {pf.get('leverage')}",
    ]
    if pf.get("missing_fx"):
        parts.append(f"missing FX: {', '.join(pf['missing_fx'])}")
    say(f"portfolio ({pf.get('base_currency')}): " + "  ".join(parts))
    if r.denials:
        say(
            "risk and routing denials: "
            + ", ".join(f"{k} {v}" for k, v in sorted(r.denials.items()))
        )
    else:
        say("risk and routing denials: none")
    say(
        f"self-trade: {r.denials.get('SELF_TRADE', 0)} denials, {r.stp_router} routing plans cut "
        f"before our own orders, {r.stp_venue} prevented at venues, {r.self_matches} self-matches"
    )
    lat: Latencies = r.submit_latency
    ls: dict[str, float] = lat.summary_us() if lat.count else {}
    fl = sorted(r.fill_latency_us)

    def pct(xs: list[int], q: float) -> int:
        return xs[min(int(len(xs) * q), len(xs) - 1)] if xs else 0

    # two lines: the wall figures vary in width, so one line would wrap at varying places
    say(f"latency: engine submit (wall) p50 {ls.get('p50_us', 0)} us, p99 {ls.get('p99_us', 0)} us")
    say(
        f"latency: IOC submit to first fill (simulated) p50 {pct(fl, 0.5)} us, "
        f"p99 {pct(fl, 0.99)} us"
    )
    say(f"state digest {r.state_digest[:16]}")


def _short(v: object) -> str:
    """Display rounding only (the JSON and the journal stay exact)."""
    if v is None:
        return "-"
    d = Decimal(str(v))
    return f"{d:.2f}" if abs(d) >= 1 else f"{d:.6f}".rstrip("0").rstrip(".") or "0"
