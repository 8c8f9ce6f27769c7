"""The embedded demo: three simulated venues, a seeded order flow, a summary.

Deterministic for a seed except the wall-clock latency figures (measured, so they vary).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tradecore.bench.harness import Latencies
from tradecore.bootstrap import System, build_system, market_source, pump
from tradecore.config import AppConfig
from tradecore.flows import DemoFlow
from tradecore.model.enums import TimeInForce
from tradecore.model.events import OrderDenied, OrderFilled
from tradecore.routing.decisions import RoutingDecision


@dataclass
class DemoReport:
    seconds: int
    seed: int
    updates: int = 0
    orders: int = 0
    status: Counter[str] = field(default_factory=Counter)
    denials: Counter[str] = field(default_factory=Counter)
    fills_by_venue: Counter[str] = field(default_factory=Counter)
    qty_by_venue: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    split_orders: int = 0
    venues_per_split: list[int] = field(default_factory=list)
    submit_latency: Latencies = field(default_factory=Latencies)
    fill_latency_us: list[int] = field(default_factory=list)
    events: int = 0
    wall_s: float = 0.0
    positions: list[dict[str, Any]] = field(default_factory=list)
    portfolio: dict[str, Any] = field(default_factory=dict)
    state_digest: str = ""
    stp_router: int = 0  # SMART plans whose depth was cut before our own resting order
    stp_venue: int = 0  # self-matches the venues' STP expired
    self_matches: int = 0  # our own orders that traded with each other at a venue


def run_demo(
    config: AppConfig,
    *,
    seconds: int | None = None,
    system: System | None = None,
    progress: Callable[[int, int, DemoReport], None] | None = None,
) -> DemoReport:
    sys_ = system or build_system(config)
    secs = seconds if seconds is not None else config.demo.seconds
    report = DemoReport(secs, config.engine.seed)
    eng = sys_.engine
    flow = DemoFlow(sys_, report)
    submitted_at: dict[str, int] = {}
    marketable: set[str] = set()
    first_fill: set[str] = set()

    def on_fill(e: OrderFilled) -> None:
        report.fills_by_venue[e.instrument_id.venue] += 1
        key = (e.instrument_id.venue, e.instrument_id.symbol)
        report.qty_by_venue[key] = report.qty_by_venue.get(key, Decimal(0)) + e.quantity
        pid = e.parent_id or e.client_order_id
        if pid in marketable and pid not in first_fill:
            first_fill.add(pid)
            report.fill_latency_us.append((e.ts - submitted_at[pid]) // 1000)

    def on_denied(e: OrderDenied) -> None:
        report.denials[e.reason.value] += 1

    def on_decision(d: RoutingDecision) -> None:
        if d.attempt == 1 and len(d.children) > 1:
            report.split_orders += 1
            report.venues_per_split.append(len(d.children))

    eng.bus.subscribe(OrderFilled, on_fill)
    eng.bus.subscribe(OrderDenied, on_denied)
    eng.bus.subscribe(RoutingDecision, on_decision)
    steps = max(secs * 1000 // config.marketdata.step_ms, 1)
    every = config.demo.order_every

    def on_step(step: int, ts: int) -> None:
        flow.cancel_stale(ts)
        if step % every == every - 1:
            cmd = flow.order()
            if cmd is not None:
                t0 = time.perf_counter_ns()
                eng.submit(cmd)
                report.submit_latency.record_ns(time.perf_counter_ns() - t0)
                report.orders += 1
                submitted_at[cmd.client_order_id] = ts
                if cmd.time_in_force is TimeInForce.IOC:
                    marketable.add(cmd.client_order_id)
                else:
                    flow.resting.append((ts, cmd.client_order_id))
        if ts % 1_000_000_000 == 0:
            sys_.portfolio.record_equity(ts, config.demo.account)
        if progress is not None:
            progress(step + 1, steps, report)

    t0 = time.perf_counter()
    report.updates = pump(sys_, market_source(config, secs), on_step)
    report.wall_s = time.perf_counter() - t0
    for o in eng.orders:
        if o.parent_id is None:
            report.status[o.status.value] += 1
    report.events = eng.seq
    report.positions = sys_.positions.snapshot()["positions"]  # type: ignore[assignment]
    report.portfolio = sys_.portfolio.snapshot(config.demo.account)
    report.state_digest = eng.state_digest()
    report.stp_router = sys_.execution.self_trades_prevented
    for v in sys_.venues.values():
        report.stp_venue += getattr(v, "self_matches_prevented", 0)
        report.self_matches += getattr(v, "self_matches", 0)
    return report


__all__ = ["DemoFlow", "DemoReport", "run_demo"]
