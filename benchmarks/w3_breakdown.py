"""Where W3's time goes: wall time per order spent inside chosen functions.

Each named function is wrapped with a ``perf_counter_ns`` stopwatch (about 0.3 µs of overhead
per call, so the sum runs a little above the plain W3 figure); nested functions are included
in their callers' time. Unlike cProfile, which slows every Python call and so inflates the
call-heavy parts, this charges real time to the parts.

Usage: python benchmarks/w3_breakdown.py [direct|router] [orders]
Prints one JSON line: {"workload": ..., "us_per_order": ..., "parts": {name: us, ...}}.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradecore.bench import workloads as w
from tradecore.model import ClientOrderId, InstrumentId, OrderType, Side, SubmitOrder, TimeInForce
from tradecore.model import Venue as V

PARTS = [
    "tradecore.risk.pipeline:RiskPipeline.check",
    "tradecore.risk.monitor:RiskMonitor._evaluate",
    "tradecore.routing.planner:Planner._inputs",
    "tradecore.routing.planner:Planner.plan",
    "tradecore.engine.execution:Execution._child",
    "tradecore.engine.execution:Execution._route",
    "tradecore.engine.execution:Execution._direct",
    "tradecore.venues.sim.client:SimVenueClient._arrive",
    "tradecore.engine.reports:ReportSink._accepted",
    "tradecore.engine.reports:ReportSink._filled",
    "tradecore.positions.keeper:PositionKeeper.on_fill",
    "tradecore.journal.journal:Journal.append",
    "tradecore.journal.journal:Journal.record",
    "tradecore.journal.journal:Journal.commit",
]


def _wrap(spent: dict[str, int], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    pc = time.perf_counter_ns

    @functools.wraps(fn)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = pc()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0) + pc() - start

    return timed


def main(path: str = "router", n: int = 20_000) -> None:
    spent: dict[str, int] = {}
    for target in PARTS:
        module, _, qual = target.partition(":")
        cls_name, _, meth = qual.partition(".")
        cls = getattr(importlib.import_module(module), cls_name)
        setattr(cls, meth, _wrap(spent, qual, getattr(cls, meth)))
    smart = path == "router"
    system = w._system(venues=3 if smart else 1, journal="group", tmp=Path(tempfile.mkdtemp()))
    eng, clock = system.engine, system.clock
    target_id = InstrumentId.of("BTC/USD", V("SMART" if smart else "SIMA"))
    qty = Decimal("0.8") if smart else Decimal("0.2")
    walk = w._walk(3, n)
    total = 0
    with w.engine_gc():
        for i in range(n):
            w._refresh(system, next(walk))
            cmd = SubmitOrder(
                client_order_id=ClientOrderId(f"b-{i}"), account=w.ACC, instrument_id=target_id,
                side=Side.BUY if i % 2 else Side.SELL, order_type=OrderType.MARKET,
                quantity=qty, time_in_force=TimeInForce.IOC,
            )  # fmt: skip
            start = time.perf_counter_ns()
            order = eng.submit(cmd).order
            while order is not None and not order.status.is_terminal:
                nt = clock.next_time()
                if nt is None:
                    break
                clock.advance_to(nt)
            total += time.perf_counter_ns() - start
            clock.advance_to(clock.now_ns() + w.GAP_NS)
    parts = {k: round(v / n / 1000, 2) for k, v in spent.items()}
    print(
        json.dumps(
            {
                "workload": f"W3-breakdown-{path}",
                "orders": n,
                "us_per_order": round(total / n / 1000, 2),
                "parts": parts,
            }
        )
    )


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "router",
        int(sys.argv[2]) if len(sys.argv) > 2 else 20_000,
    )
