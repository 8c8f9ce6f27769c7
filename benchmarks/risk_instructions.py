"""The pre-trade pipeline and the risk monitor alone, in CPU instructions per call (callgrind).

A W3 direct system with risk on (benchmarks' relaxed limits) is warmed with 200 orders; then
one function is called N times, then 2N times, with instrumentation on only around the
calls, and the difference divided by N is printed: ``pipeline`` (RiskPipeline.check of a
0.2 BUY market order), ``monitor`` (one RiskMonitor evaluation of the account), ``equity``,
``measures`` (gross and net of the account), or one bound check by its class name.

Usage: python benchmarks/risk_instructions.py pipeline,monitor [N]   (N default 400)
Needs valgrind (callgrind_control) on PATH; about 20 s per target.
"""

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path


def child(target: str, n: int) -> None:
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
    from tradecore.model.orders import Order
    from tradecore.risk.context import RiskContext

    system = w._system(venues=1, risk=True)
    eng, clock = system.engine, system.clock
    target_iid = InstrumentId.of("BTC/USD", Venue("SIMA"))
    walk = w._walk(3, 300)
    for i in range(200):
        w._refresh(system, next(walk))
        cmd = SubmitOrder(
            client_order_id=ClientOrderId(f"w3-{i}"),
            account=w.ACC,
            instrument_id=target_iid,
            side=Side.BUY if i % 2 else Side.SELL,
            order_type=OrderType.MARKET,
            quantity=Decimal("0.2"),
            time_in_force=TimeInForce.IOC,
        )
        order = eng.submit(cmd).order
        while order is not None and not order.status.is_terminal:
            nt = clock.next_time()
            if nt is None:
                break
            clock.advance_to(nt)
        clock.advance_to(clock.now_ns() + w.GAP_NS)
    mon = system.extras["risk_monitor"]
    pipe = mon.pipeline
    ctx = pipe.ctx
    o = Order(
        ClientOrderId("probe"),
        w.ACC,
        target_iid,
        Side.BUY,
        OrderType.MARKET,
        Decimal("0.2"),
        None,
        TimeInForce.IOC,
    )
    lim = pipe.limits(w.ACC)
    byname = {type(c).__name__: b for c in pipe.checks if (b := c.bind(lim)) is not None}

    def run_check(c: Callable[[Order, RiskContext], object]) -> None:
        ctx.begin(o)
        try:
            c(o, ctx)
        finally:
            ctx.end()

    fns = {
        "empty": lambda: None,
        "pipeline": lambda: pipe.check(o),
        "monitor": lambda: mon._evaluate(w.ACC),
        "measures": lambda: ctx.measures(w.ACC),
        "equity": lambda: ctx.equity(w.ACC),
    }
    for k, c in byname.items():
        fns[k] = lambda c=c: run_check(c)
    if target == "list":
        print(sorted(fns))
        return
    f = fns[target]
    for _ in range(50):
        f()
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], capture_output=True)
    for _ in range(n):
        f()
    subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], capture_output=True)


def count(target: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--child",
                target,
                str(n),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        for line in out.read_text().splitlines():
            if line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("callgrind wrote no totals")


if __name__ == "__main__":
    if sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
        sys.exit()
    if sys.argv[1] == "list":
        child("list", 0)
        sys.exit()
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    for t in sys.argv[1].split(","):
        a, b = count(t, n), count(t, 2 * n)
        print(json.dumps({"target": t, "instructions_per_call": (b - a) // n, "calls": n}))
