"""Live runs of a strategy file: attached to the system ``tradecore serve`` builds, fed by
the serve runner (``service/runner.py``, ``EngineService.run``) on the simulated venues.

On the simulated venues the engine's clock moves only with the market feed, so a live run
gives the same fills as a backtest of the same seed and data, whatever ``--speed``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tradecore.bootstrap import System
from tradecore.strategy.backtest import BacktestResult, Recorder, attach
from tradecore.strategy.base import Strategy
from tradecore.strategy.host import load_strategies
from tradecore.strategy.metrics import build_report


def attach_file(system: System, path: str | Path, params: dict[str, Any] | None = None) -> Recorder:
    """Load the strategies in ``path`` and start them on ``system`` (serve, run)."""
    strategies = load_strategies(path, **(params or {}))
    return attach(system, strategies)


def result(system: System, rec: Recorder, label: str, updates: int = 0) -> BacktestResult:
    """The report of a (live) run so far, in the backtest's format."""
    host = rec.host
    strategies: Sequence[Strategy] = host.strategies
    rec.sample()
    fills = sorted(
        (f for s in strategies for h in s.orders for f in h.fills),
        key=lambda f: (f.ts, f.trade_id),
    )
    accounts = sorted({s.account for s in strategies})
    positions = [p for a in accounts for p in host.ctx.positions(a)]
    cfg = system.config
    meta = {"seed": cfg.engine.seed, "data": label, "updates": updates,
            "base_currency": cfg.engine.base_currency, "sample_ms": rec.every_ns // 1_000_000,
            "strategies": [s.name for s in strategies],
            "initial_cash": str(cfg.engine.initial_cash)}  # fmt: skip
    report = build_report(meta, strategies, fills, rec.rows, host.alerts)
    return BacktestResult(list(strategies), fills, positions, host.alerts, report, system)


async def run_for(service: Any, seconds: float, poll_s: float = 0.005) -> None:
    """Run the serve runner's feed until the engine clock has moved ``seconds`` of market
    time, then stop it."""
    clock = service.system.clock
    end = clock.now_ns() + int(seconds * 1_000_000_000)
    task = asyncio.ensure_future(service.run())
    try:
        while clock.now_ns() < end and not task.done():
            await asyncio.sleep(poll_s)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
