"""One strategy, three runs. ``backtest()`` here; ``tradecore run``/``serve --strategy``
attach the same host to the live runner (service/runner.py).

The backtest feeds market data exactly as the serve runner's feed does: at each new
timestamp the clock advances on the engine's stack (``engine.call(clock.advance_to, ts)``),
then each update goes to its venue (``engine.call(apply_update, ...)``). So a strategy sees
the same quotes, timers and fills in a backtest and live through serve for the same seed and
data, and a backtest is reproducible byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradecore.bootstrap import System, apply_update, build_system, market_source
from tradecore.config import AppConfig, load_config
from tradecore.marketdata import replay
from tradecore.marketdata.types import MarketUpdate
from tradecore.strategy.base import Strategy
from tradecore.strategy.context import StrategyContext
from tradecore.strategy.handle import OrderHandle
from tradecore.strategy.host import StrategyAlert, StrategyHost, load_strategies
from tradecore.strategy.metrics import build_report
from tradecore.strategy.values import Fill, PositionView

SETTLE_NS = 1_000_000_000  # after the data ends: 1 s for acks, fills and cancels to arrive


class Recorder:
    """Samples each strategy account's equity (the engine's portfolio valuation) and marks
    every ``every_ns`` of engine time, on a clock timer (the same in a backtest and live)."""

    def __init__(self, host: StrategyHost, every_ns: int = 1_000_000_000) -> None:
        self.host = host
        self.every_ns = every_ns
        self.rows: list[dict[str, Any]] = []
        self._next = 0

    def start(self) -> None:
        ctx = self.host.ctx
        self.sample()
        self._next = (ctx.now_ns() // self.every_ns + 1) * self.every_ns
        ctx.schedule(self._next, lambda: ctx.call(self._tick))

    def _tick(self) -> None:
        self.sample()
        ctx = self.host.ctx
        self._next += self.every_ns
        ctx.schedule(self._next, lambda: ctx.call(self._tick))

    def sample(self) -> None:
        ctx = self.host.ctx
        now = ctx.now_ns()
        while self.rows and self.rows[-1]["ts"] == now:  # one sample per time
            self.rows.pop()
        for acct in sorted({s.account for s in self.host.strategies}):
            marks = {}
            for sym in sorted({h.instrument_id.symbol for s in self.host.strategies
                               if s.account == acct for h in s.orders}):  # fmt: skip
                m = ctx.mark(acct, sym)
                if m is not None:
                    marks[sym] = str(m)
            n_fills = sum(len(h.fills) for h in self._handles(acct))
            self.rows.append(
                {"ts": now, "account": acct, "equity": str(ctx.equity(acct)), "fills": n_fills,
                 "marks": marks}
            )  # fmt: skip

    def _handles(self, acct: str) -> list[OrderHandle]:
        return [h for s in self.host.strategies if s.account == acct for h in s.orders]


def attach(system: System, strategies: Sequence[Strategy], sample_ms: int = 1000) -> Recorder:
    """Host ``strategies`` on ``system`` and start them (on_start runs now)."""
    host = StrategyHost(StrategyContext.from_system(system))
    for s in strategies:
        host.add(s)
    rec = Recorder(host, sample_ms * 1_000_000)
    host.start()
    rec.start()
    return rec


def feed(system: System, updates: Iterable[MarketUpdate]) -> tuple[int, int | None]:
    """The serve runner's feed, without its real-time pacing. Returns (updates, last ts)."""
    eng, clock = system.engine, system.clock
    n, last = 0, None
    for u in updates:
        if u.ts != last:
            last = u.ts
            eng.call(clock.advance_to, u.ts)
        eng.call(apply_update, system, u)
        n += 1
    return n, last


@dataclass
class BacktestResult:
    """What ``tradecore.backtest`` returns. ``report`` is the JSON report as a dict."""

    strategies: list[Strategy]
    fills: list[Fill]
    positions: list[PositionView]
    alerts: list[StrategyAlert]
    report: dict[str, Any]
    system: System = field(repr=False)

    @property
    def stats(self) -> dict[str, Any]:
        return dict(self.report["stats"])

    @property
    def equity(self) -> list[tuple[int, Decimal]]:
        return [(r["ts"], Decimal(r["equity"])) for r in self.report["equity"]]

    def to_json(self) -> str:
        from tradecore.strategy.report import to_json

        return to_json(self.report)

    def to_html(self) -> str:
        from tradecore.strategy.report import to_html

        return to_html(self.report)

    def write(self, out_dir: str | Path, stem: str = "backtest") -> tuple[Path, Path]:
        d = Path(out_dir)
        d.mkdir(parents=True, exist_ok=True)
        j, h = d / f"{stem}.json", d / f"{stem}.html"
        j.write_text(self.to_json(), encoding="utf-8")
        h.write_text(self.to_html(), encoding="utf-8")
        return j, h

    # ------------------------------------------------------------------ pandas
    def fills_df(self) -> Any:
        return _df([f.as_dict() for f in self.fills], {"quantity", "price", "fee"})

    def positions_df(self) -> Any:
        rows = [
            {"account": p.account, "symbol": p.symbol, "quantity": str(p.quantity),
             "avg_price": None if p.avg_price is None else str(p.avg_price),
             "realized": str(p.realized),
             "unrealized": None if p.unrealized is None else str(p.unrealized),
             "currency": p.currency}
            for p in self.positions
        ]  # fmt: skip
        return _df(rows, {"quantity", "avg_price", "realized", "unrealized"})

    def equity_df(self) -> Any:
        rows = [{"ts": r["ts"], "account": r["account"], "equity": r["equity"]}
                for r in self.report["equity"]]  # fmt: skip
        return _df(rows, {"equity"})

    def __repr__(self) -> str:
        s = self.report["stats"]
        names = ", ".join(x.name for x in self.strategies)
        return (
            f"BacktestResult({names}: {len(self.fills)} fills, pnl {s['pnl']} "
            f"{self.report['meta']['base_currency']}, sharpe {_fmt(s.get('sharpe'))}, "
            f"max drawdown {_fmt(s.get('max_drawdown'))}, alerts {len(self.alerts)})"
        )


def _fmt(x: Any) -> str:
    return "-" if x is None else f"{x:.4g}"


def _df(rows: list[dict[str, Any]], decimals: set[str]) -> Any:
    """A DataFrame; decimal columns hold exact ``Decimal`` objects (never floats)."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "DataFrame exports need pandas: pip install 'tradecore[pandas]'"
        ) from None
    fixed = [{k: (Decimal(v) if k in decimals and v is not None else v) for k, v in r.items()}
             for r in rows]  # fmt: skip
    return pd.DataFrame(fixed)


StrategyLike = type[Strategy] | Strategy | str | Path


def _strategies(
    strategy: StrategyLike | Sequence[StrategyLike], params: dict[str, Any]
) -> list[Strategy]:
    items = strategy if isinstance(strategy, (list, tuple)) else [strategy]
    out: list[Strategy] = []
    for s in items:
        if isinstance(s, Strategy):
            out.append(s)
        elif isinstance(s, type):
            out.append(s(**params))
        elif isinstance(s, (str, Path)):
            out.extend(load_strategies(s, **params))
    return out


def _config(config: AppConfig | str | Path | dict[str, Any] | None, seed: int | None) -> AppConfig:
    if isinstance(config, AppConfig):
        cfg = config
    elif isinstance(config, dict):
        cfg = load_config(None, config)
    else:
        cfg = load_config(config)
    if seed is not None:
        cfg = cfg.model_copy(update={"engine": cfg.engine.model_copy(update={"seed": seed})})
    return cfg


def backtest(
    strategy: StrategyLike | Sequence[StrategyLike],
    *,
    data: str | Path | Iterable[MarketUpdate] | None = None,
    config: AppConfig | str | Path | dict[str, Any] | None = None,
    seed: int | None = None,
    seconds: int = 60,
    sample_ms: int = 1000,
    params: dict[str, Any] | None = None,
    on_update: Callable[[int], None] | None = None,
) -> BacktestResult:
    """Backtest ``strategy`` (a class, an instance, a file, or a list of them) on ``data``
    (a CSV/Parquet file, a list of updates, or None: the seeded synthetic market for
    ``seconds``), with the configured venues, risk and router."""
    cfg = _config(config, seed)
    strategies = _strategies(strategy, params or {})
    system = build_system(cfg)
    if data is None:
        updates: Iterable[MarketUpdate] = market_source(cfg, seconds)
        label = f"synthetic, {seconds} s"
    elif isinstance(data, (str, Path)):
        updates = replay.read(data)
        label = str(data)
    else:
        updates = list(data)
        label = "in-memory updates"
    rec = attach(system, strategies, sample_ms)
    n, last = feed(system, updates)
    host = rec.host
    end = (last or system.clock.now_ns()) + SETTLE_NS
    host.stop_all()
    system.engine.call(system.clock.advance_to, end)
    rec.sample()
    fills = [f for s in strategies for h in s.orders for f in h.fills]
    fills.sort(key=lambda f: (f.ts, f.trade_id))
    positions = [p for a in sorted({s.account for s in strategies})
                 for p in host.ctx.positions(a)]  # fmt: skip
    meta = {"seed": cfg.engine.seed, "data": label, "updates": n,
            "base_currency": cfg.engine.base_currency, "sample_ms": sample_ms,
            "strategies": [s.name for s in strategies],
            "initial_cash": str(cfg.engine.initial_cash)}  # fmt: skip
    report = build_report(meta, strategies, fills, rec.rows, host.alerts)
    return BacktestResult(strategies, fills, positions, host.alerts, report, system)
