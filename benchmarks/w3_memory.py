"""W3's memory per order: bytes and blocks still held after each order, by allocation site.

Wall time sees what an instruction count does not: memory an order leaves behind (the
engine's order, the venue's ticket, the position's history) is fresh memory the next order
writes to, so cache misses and page faults grow with it. This runs W3's loop (book refresh,
then submit -> fill -> position, timers fired, the idle hook after each order) under
tracemalloc from the first measured order to the last, and prints one JSON line: retained
bytes and blocks per order, the minor page faults per order (``getrusage``, counted in a
separate untraced pass of the same loop) and the sites that retain the most.

Usage: python benchmarks/w3_memory.py [direct|smart] [on|off] [orders] [top]
       (risk on or off; default direct on 2000 12). Any tree with this venv:
       PYTHONPATH=<tree>/src python benchmarks/w3_memory.py ...
"""

from __future__ import annotations

import json
import resource
import sys
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from typing import Any

WARMUP = 500


def _loop(smart: bool, risk: bool, n: int) -> Callable[[int], None]:
    """A function running order ``i`` of W3's loop (on a system of its own)."""
    from tradecore.bench import workloads as w
    from tradecore.model import (
        ClientOrderId,
        InstrumentId,
        OrderType,
        Side,
        SubmitOrder,
        TimeInForce,
        Venue,
    )

    system = w._system(venues=3 if smart else 1, risk=risk, journal="none")
    eng, clock = system.engine, system.clock
    collector = getattr(system, "collector", None)
    target = InstrumentId.of("BTC/USD", Venue("SMART" if smart else "SIMA"))
    walk = w._walk(3, WARMUP + 2 * n)
    qty = Decimal("0.8") if smart else Decimal("0.2")

    def one(i: int) -> None:
        w._refresh(system, next(walk))
        cmd = SubmitOrder(
            client_order_id=ClientOrderId(f"w3-{i}"), account=w.ACC, instrument_id=target,
            side=Side.BUY if i % 2 else Side.SELL, order_type=OrderType.MARKET,
            quantity=qty, time_in_force=TimeInForce.IOC,
        )  # fmt: skip
        order = eng.submit(cmd).order
        while order is not None and not order.status.is_terminal:
            nt = clock.next_time()
            if nt is None:
                break
            clock.advance_to(nt)
        clock.advance_to(clock.now_ns() + w.GAP_NS)
        if collector is not None:
            collector.idle()

    return one


def measure(smart: bool, risk: bool, n: int, top: int) -> dict[str, Any]:
    one = _loop(smart, risk, n)
    for i in range(WARMUP):
        one(i)
    faults0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for i in range(WARMUP, WARMUP + n):  # untraced: page faults as W3 meets them
        one(i)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults0
    tracemalloc.start(1)
    before = tracemalloc.take_snapshot()
    for i in range(WARMUP + n, WARMUP + 2 * n):
        one(i)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    diff = after.compare_to(before, "lineno")
    size = sum(d.size_diff for d in diff)
    count = sum(d.count_diff for d in diff)
    sites = [
        {
            "site": f"{d.traceback[0].filename.split('/src/')[-1]}:{d.traceback[0].lineno}",
            "bytes_per_order": round(d.size_diff / n, 1),
            "blocks_per_order": round(d.count_diff / n, 2),
        }
        for d in sorted(diff, key=lambda d: -d.size_diff)[:top]
    ]
    return {
        "workload": f"W3-{'smart' if smart else 'direct'}-risk-{'on' if risk else 'off'}-memory",
        "orders": n,
        "retained_bytes_per_order": round(size / n, 1),
        "retained_blocks_per_order": round(count / n, 2),
        "minor_faults_per_order": round(faults / n, 3),
        "top_sites": sites,
        "python": sys.version.split()[0],
    }


def main(argv: list[str]) -> None:
    path = argv[0] if argv else "direct"
    risk = argv[1] if len(argv) > 1 else "on"
    n = int(argv[2]) if len(argv) > 2 else 2000
    top = int(argv[3]) if len(argv) > 3 else 12
    print(json.dumps(measure(path == "smart", risk == "on", n, top)))


if __name__ == "__main__":
    main(sys.argv[1:])
