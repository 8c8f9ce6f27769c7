"""``tradecore analytics``: risk and performance statistics of a return series."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from tradecore.cli._common import print_json, user_errors
from tradecore.positions.csvio import read_returns


def register(app: typer.Typer) -> None:
    @app.command()
    def analytics(
        returns: Path = typer.Option(
            ..., "--returns", metavar="FILE", help="returns CSV: date,return"
        ),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
        confidence: float = typer.Option(
            0.95, "--confidence", min=0.5, max=0.999, metavar="LEVEL", help="VaR/ES confidence"
        ),
        simulations: int = typer.Option(
            100_000, "--simulations", min=1000, metavar="N", help="Monte Carlo VaR paths"
        ),
        seed: int = typer.Option(42, "--seed", metavar="N", help="Monte Carlo seed"),
        plot: Path | None = typer.Option(
            None, "--plot", metavar="PNG", help="write equity and drawdown PNG"
        ),
    ) -> None:
        """Volatility, Sharpe, Sortino, max drawdown, CAGR, VaR and expected shortfall."""
        from tradecore.portfolio.analytics import summary

        with user_errors():
            dates, rets = read_returns(returns)
            if plot is not None and not plot.parent.is_dir():
                raise typer.BadParameter(f"{plot.parent} is not a directory", param_hint="--plot")
        stats = summary(rets, confidence=confidence, simulations=simulations, seed=seed)
        if plot is not None:
            _plot(plot, dates, rets)
        if as_json:
            print_json({k: (v if math.isfinite(v) else None) for k, v in stats.items()})
            return
        table = Table(title=f"analytics ({len(rets)} periods)")
        table.add_column("metric")
        table.add_column("value", justify="right")
        for k, v in stats.items():
            table.add_row(k, f"{v:.6g}")
        Console().print(table)
        if plot is not None:
            Console().print(f"plot written to {plot}")


def _plot(path: Path, dates: list[str], rets: list[Decimal]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tradecore.portfolio.analytics import drawdown, equity_curve

    eq = equity_curve(rets)
    dd = drawdown(rets)
    x = ["start", *dates]
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(10, 6), sharex=True, height_ratios=[3, 1])
    a1.plot(range(len(eq)), eq, color="#1f6feb")
    a1.set_ylabel("equity (start = 1.0)")
    a1.grid(alpha=0.3)
    a2.fill_between(range(len(dd)), dd, 0, color="#d1242f", alpha=0.5)
    a2.set_ylabel("drawdown")
    a2.grid(alpha=0.3)
    step = max(len(x) // 8, 1)
    a2.set_xticks(range(0, len(x), step), [x[i] for i in range(0, len(x), step)], rotation=30)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
