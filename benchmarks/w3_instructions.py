"""W3's order path in CPU instructions per order, counted by valgrind's callgrind.

Wall-clock percentiles move with whatever else the machine runs; instruction counts do not
(the same build, inputs and interpreter give the same count, loaded or idle; the hash
seed is fixed so dict layouts repeat too). This runs the
W3 loop (book refresh, then submit -> fill -> position, timers fired) under callgrind with
instrumentation switched on only for the measured orders, once with the orders and once with
the book refreshes alone, and prints one JSON line: the order path's instructions per order
(the difference), for before/after comparisons of a hot-path change on a busy machine.

Like W3, the loop calls the system's idle hook (``system.collector.idle()``: GC, and the work
kept off the order path, such as encoding the journal's audit records) after each order's
gap. That call goes through ``sys.call_tracing`` so that a second pair of runs can count it
alone (callgrind ``--toggle-collect``): ``instructions_per_order`` is the order path without
the idle work, ``idle_per_order`` the idle work, ``with_idle_per_order`` their sum.

Usage: python benchmarks/w3_instructions.py [direct|smart] [on|off] [orders] [none|group] [ms]
       (risk on or off; journal none (default) or group: the engine's side of the journal,
       encoding and handing events on, is counted; its writer process is not traced;
       ms: the group window, default 5. The window is wall time, and under callgrind an
       order takes some 50 times longer, so at 5 ms nearly every commit sends its rows;
       with 500 most orders fall between two sends, as natively, where W3 sends about once
       per 10 orders)
       --cache (anywhere): also callgrind's cache and branch simulation; prints the events
       per order and KCachegrind's cycle estimate (``cycle_estimate``), about 3x slower
Needs valgrind (callgrind_control) on PATH; about 50 s per configuration.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

WARMUP = 200


def _loop(
    smart: bool, risk: bool, n: int, submit: bool, journal: str = "none", group_ms: int = 5
) -> None:
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

    system = w._system(venues=3 if smart else 1, risk=risk, journal=journal)
    eng, clock = system.engine, system.clock
    writer = getattr(eng.journal, "writer", None)
    if writer is not None:  # the engine side's send window (set here: any tree's journal)
        writer._group_ns = group_ms * 1_000_000
    collector = getattr(system, "collector", None)  # builds without the idle hook: none
    target = InstrumentId.of("BTC/USD", Venue("SMART" if smart else "SIMA"))
    walk = w._walk(3, WARMUP + n)
    qty = Decimal("0.8") if smart else Decimal("0.2")
    for i in range(WARMUP + n):
        if i == WARMUP:
            subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], capture_output=True)
        w._refresh(system, next(walk))
        if submit or i < WARMUP:
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
            sys.call_tracing(collector.idle, ())  # the engine is idle until the next order
    subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], capture_output=True)


#: ``--cache``: callgrind's cache and branch-predictor simulation, and the cycle estimate
#: KCachegrind uses (Ir + 10 per L1 miss + 100 per last-level miss + 10 per mispredicted
#: branch): memory traffic and branches weigh in as well as instructions, still independent
#: of the machine's load
CACHE_FLAGS = ["--cache-sim=yes", "--branch-sim=yes"]


def _count(args: list[str], idle_only: bool = False, cache: bool = False) -> dict[str, int]:
    """Event totals (``Ir``: instructions; with ``cache`` also the cache and branch events)
    of the measured orders; ``idle_only``: of their idle hook calls alone (collection only
    inside ``sys.call_tracing``)."""
    only = ["--toggle-collect=sys_call_tracing", "--collect-atstart=no"] if idle_only else []
    sim = CACHE_FLAGS if cache else []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
             *only, *sim, sys.executable, __file__, "--child", *args],
            check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "0"},
        )  # fmt: skip
        return parse_totals(out.read_text())


def parse_totals(text: str) -> dict[str, int]:
    """The ``totals:`` line of a callgrind output file, by the names of its ``events:`` line."""
    names: list[str] = []
    for line in text.splitlines():
        if line.startswith("events:"):
            names = line.split()[1:]
        elif line.startswith("totals:"):
            return dict(zip(names, map(int, line.split()[1:]), strict=True))
    raise RuntimeError("callgrind wrote no totals")


def cycle_estimate(ev: dict[str, int]) -> int:
    """KCachegrind's cycle estimate of callgrind's cache/branch simulation events."""
    l1 = ev.get("I1mr", 0) + ev.get("D1mr", 0) + ev.get("D1mw", 0)
    ll = ev.get("ILmr", 0) + ev.get("DLmr", 0) + ev.get("DLmw", 0)
    return ev["Ir"] + 10 * l1 + 100 * ll + 10 * (ev.get("Bcm", 0) + ev.get("Bim", 0))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        a = sys.argv[2:]
        _loop(a[0] == "smart", a[1] == "on", int(a[2]), a[3] == "1", a[4], int(a[5]))
        return
    cache = "--cache" in sys.argv
    argv = [a for a in sys.argv[1:] if a != "--cache"]
    path = argv[0] if len(argv) > 0 else "direct"
    risk = argv[1] if len(argv) > 1 else "on"
    n = int(argv[2]) if len(argv) > 2 else 500
    journal = argv[3] if len(argv) > 3 else "none"
    ms = argv[4] if len(argv) > 4 else "5"
    full = _count([path, risk, str(n), "1", journal, ms], cache=cache)
    books = _count([path, risk, str(n), "0", journal, ms], cache=cache)
    idle_full = _count([path, risk, str(n), "1", journal, ms], idle_only=True)["Ir"]
    idle_books = _count([path, risk, str(n), "0", journal, ms], idle_only=True)["Ir"]
    idle = idle_full - idle_books
    line: dict[str, object] = {
        "workload": f"W3-{path}-risk-{risk}-journal-{journal}-instructions", "orders": n,
        "group_ms": int(ms),
        "instructions_per_order": (full["Ir"] - books["Ir"] - idle) // n,
        "idle_per_order": idle // n,
        "with_idle_per_order": (full["Ir"] - books["Ir"]) // n,
        "with_book_refresh": full["Ir"] // n,
        "python": sys.version.split()[0],
    }  # fmt: skip
    if cache:  # per order, the order path with its idle work (book refreshes subtracted)
        per = {k: round((full[k] - books[k]) / n, 1) for k in full}
        line["events_per_order"] = per
        line["cycle_estimate_per_order"] = round((cycle_estimate(full) - cycle_estimate(books)) / n)
    print(json.dumps(line))


if __name__ == "__main__":
    main()
