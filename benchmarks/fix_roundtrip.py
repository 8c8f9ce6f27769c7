"""FIX order round trip: NewOrderSingle -> ExecutionReport (filled) over loopback.

Starts ``tradecore serve``'s app with the FIX acceptor (``serve --fix``, uvicorn in a
background thread, demo flow off, no journal), logs a QuickFIX initiator on as a client, then
sends ``--orders`` marketable IOC orders one after the other and times each from just before
``sendToTarget`` to the ExecutionReport with OrdStatus filled (and, ``first_report_*``, to the
first ExecutionReport: the venue's ack). The simulated venues' acks and
fills arrive on the next market step, so the market steps every ``--step-ms`` (1 ms default,
a floor under every figure). Prints one JSON line: p50/p99/p99.9/max in µs.
Usage: python benchmarks/fix_roundtrip.py [--orders 2000] [--step-ms 1]
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn

from tradecore.bench.harness import Latencies, result_line
from tradecore.cli.serve import build_service
from tradecore.fix.peer import Peer
from tradecore.service.fix.config import load_fix_config
from tradecore.service.fix.wiring import attach_fix
from tradecore.venues.fix.config import FixVenueConfig, initiator_settings

RELAXED = """
[marketdata]
step_ms = {step_ms}
[risk]
breach_actions = []
[risk.defaults]
max_order_quantity = {{ "*" = "100" }}
max_position = {{ "*" = "1000000" }}
price_band_bps = "100"
max_orders_per_window = 100000
duplicate_window_ms = 1
[risk.calendars]
SAP = "XETR"
"EUR/USD" = "24/7"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=2000)
    ap.add_argument("--step-ms", type=int, default=1)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    cfg = tmp / "bench.toml"
    cfg.write_text(RELAXED.format(step_ms=args.step_ms))
    fix_port, http_port = free_port(), free_port()
    (tmp / "fix.toml").write_text(
        f'[session]\nport = {fix_port}\nstore = "store"\n[clients.BENCH]\naccounts = ["BENCH"]\n'
    )
    app, service, _ = build_service(cfg, None, speed=1.0, demo_flow=False, journal=None)
    attach_fix(app, service, *load_fix_config(tmp / "fix.toml"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=http_port,
                                           log_level="warning"))  # fmt: skip
    threading.Thread(target=server.run, daemon=True).start()
    import sys

    dictionary = Path(sys.prefix) / "share" / "quickfix" / "FIX44.xml"
    client_cfg = FixVenueConfig(port=fix_port, sender_comp_id="BENCH", target_comp_id="TRADECORE",
                                store=tmp / "client-store")  # fmt: skip
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    peer = Peer(initiator_settings(client_cfg, dictionary), tmp, "BENCH", "TRADECORE")
    if not peer.start(20):
        raise SystemExit("the FIX client could not log on")
    time.sleep(1.0)  # let the books fill
    lat, first = Latencies(), Latencies()
    done = threading.Event()
    waiting: dict[str, int] = {}
    answered: set[str] = set()

    def on_message(f: dict[int, str], raw: str) -> None:
        if f.get(35) == "8" and f.get(11) in waiting and f[11] not in answered:
            answered.add(f[11])  # the first ExecutionReport: the gateway's own answer (new)
            first.record_ns(time.perf_counter_ns() - waiting[f[11]])
        if f.get(35) == "8" and f.get(39) in ("2", "4", "8") and f.get(11) in waiting:
            lat.record_ns(time.perf_counter_ns() - waiting.pop(f[11]))
            outcome[f[39]] = outcome.get(f[39], 0) + 1
            done.set()

    outcome: dict[str, int] = {}
    peer.on_message = on_message
    start = time.perf_counter()
    for i in range(args.orders):
        coid = f"fx{i}"
        done.clear()
        stamp = time.strftime("%Y%m%d-%H:%M:%S.000", time.gmtime())
        fields = [(11, coid), (55, "BTC/USD"), (54, "1" if i % 2 else "2"), (60, stamp),
                  (38, f"0.0{1 + i % 9}"), (40, "1"), (59, "3")]  # fmt: skip
        waiting[coid] = time.perf_counter_ns()
        peer.send("D", fields)
        if not done.wait(5):
            waiting.pop(coid, None)
            outcome["timeout"] = outcome.get("timeout", 0) + 1
    rate = args.orders / (time.perf_counter() - start)
    peer.stop()
    server.should_exit = True
    acked = {f"first_report_{k}": v for k, v in first.summary_us().items()}
    print(result_line("FIX-order-fill-roundtrip", orders=args.orders, step_ms=args.step_ms,
                      achieved_rate=round(rate, 1), outcomes=outcome, **lat.summary_us(),
                      **acked))  # fmt: skip


if __name__ == "__main__":
    main()
