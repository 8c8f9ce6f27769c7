"""``tradecore backtest FILE``: backtest a strategy file; ``tradecore run --strategy FILE``:
run it live on the simulated venues through the serve runner. Both write the same report
(JSON + self-contained HTML)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from tradecore.cli._common import user_errors
from tradecore.errors import ValidationError


def _params(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for it in items:
        key, sep, value = it.partition("=")
        if not sep or not key.isidentifier():
            raise ValidationError("--param", f"{it!r} is not NAME=VALUE")
        out[key] = value
    return out


def _summary(res: Any, paths: tuple[Path, Path], what: str = "backtest") -> None:
    from rich.console import Console
    from rich.table import Table

    s = res.stats
    names = ", ".join(x.name for x in res.strategies)
    t = Table(title=f"{what}: {names}", show_header=False)
    for key in ("pnl", "fees", "fills", "orders", "fill_ratio", "turnover", "sharpe",
                "sortino", "max_drawdown", "var_95", "es_95"):  # fmt: skip
        v = s.get(key)
        t.add_row(key, "-" if v is None else (f"{v:.6g}" if isinstance(v, float) else str(v)))
    if s.get("denied"):
        t.add_row("denied", ", ".join(f"{k} {n}" for k, n in s["denied"].items()))
    for a in res.alerts:
        t.add_row("alert", f"{a.strategy} {a.kind}: {a.reason}")
    console = Console()
    console.print(t)
    console.print(f"report: {paths[1]} and {paths[0]}")


def register(app: typer.Typer) -> None:
    @app.command()
    def backtest(
        strategy: Path = typer.Argument(
            ..., metavar="FILE", help="a Python file defining a Strategy subclass"
        ),
        data: Path | None = typer.Option(
            None,
            "--data",
            metavar="FILE",
            help="recorded quotes, CSV or Parquet (marketdata/replay.py schema)",
        ),
        synthetic: bool = typer.Option(
            False, "--synthetic", help="the seeded synthetic market (the default)"
        ),
        seconds: int = typer.Option(
            60, "--seconds", min=1, metavar="SECONDS", help="synthetic market seconds"
        ),
        seed: int | None = typer.Option(None, "--seed", metavar="N", help="default [engine] seed"),
        config: Path | None = typer.Option(None, "--config", metavar="FILE", help="TOML config"),
        out: Path = typer.Option(
            Path("backtest-report"), "--out", metavar="DIR", help="report directory"
        ),
        param: list[str] = typer.Option(
            [], "--param", metavar="NAME=VALUE", help="NAME=VALUE for the strategy"
        ),
    ) -> None:
        """Backtest a strategy on recorded or synthetic data with the configured simulated
        venues, risk and router; writes OUT/<file>.html and OUT/<file>.json."""
        from tradecore.strategy import backtest as run_backtest

        with user_errors():
            if data is not None and synthetic:
                raise ValidationError("--data", "give --data FILE or --synthetic, not both")
            if data is not None and not data.is_file():
                raise ValidationError("--data", f"{data} not found")
            res = run_backtest(
                strategy, data=data, config=config, seed=seed, seconds=seconds,
                params=_params(param),
            )  # fmt: skip
            paths = res.write(out, strategy.stem)
        _summary(res, paths)


def run_live(
    system: Any, strategy: Path, seconds: int, speed: float, out: Path, params: list[str]
) -> None:
    """``tradecore run --strategy FILE``: the strategy on ``system`` (journaled by ``run``),
    fed by the serve runner (no HTTP) for ``seconds`` of market time, then the report."""
    import asyncio

    from tradecore.service.metrics import Metrics
    from tradecore.service.runner import EngineService
    from tradecore.strategy.live import attach_file, result, run_for

    rec = attach_file(system, strategy, _params(params))
    rec.host.echo = typer.echo
    service = EngineService(system, Metrics(), speed=speed, demo_flow=False)
    asyncio.run(run_for(service, seconds))
    rec.host.stop_all()
    res = result(system, rec, f"live on the simulated venues, {seconds} s")
    _summary(res, res.write(out, strategy.stem), "live run")
