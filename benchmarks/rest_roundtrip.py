"""REST order round trip at a fixed request rate against a real local server.

Starts ``tradecore serve``'s app (uvicorn, loopback, demo flow off) in a background thread, then
sends ``--rate`` order submissions per second for ``--seconds`` from one HTTP client (keep-alive)
and prints one JSON line: p50/p99/p99.9/max of the client-side round trip in µs.
Usage: python benchmarks/rest_roundtrip.py [--rate 200] [--seconds 10]
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from tradecore.bench.harness import Latencies, result_line
from tradecore.cli.serve import build_service

RELAXED = """
[risk]
breach_actions = []
[risk.defaults]
max_order_quantity = { "*" = "100" }
price_band_bps = "100"
max_orders_per_window = 100000
[risk.calendars]   # every equity and FX instrument names its calendar
SAP = "XETR"
"EUR/USD" = "24/7"
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    cfg = Path(tempfile.mkdtemp()) / "bench.toml"
    cfg.write_text(RELAXED)
    app, _, keys = build_service(cfg, None, speed=1.0, demo_flow=False, journal=None)
    keys.rate_per_s, keys.burst = 1e9, 1e9
    token = keys.create("bench", ["*"], ["read", "trade"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, headers={"X-API-Key": token}, timeout=5) as c:
        while True:
            try:
                if c.get("/ready").json().get("ready"):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        time.sleep(1.0)  # let the books fill
        lat = Latencies()
        n = int(args.rate * args.seconds)
        interval = 1.0 / args.rate
        start = time.perf_counter()
        codes: dict[int, int] = {}
        for i in range(n):
            due = start + i * interval
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body = {"client_order_id": f"rt{i}", "account": "BENCH", "symbol": "BTC/USD",
                    "side": "BUY" if i % 2 else "SELL", "quantity": f"0.0{1 + i % 9}"}  # fmt: skip
            t0 = time.perf_counter_ns()
            r = c.post("/v1/orders", json=body)
            lat.record_ns(time.perf_counter_ns() - t0)
            codes[r.status_code] = codes.get(r.status_code, 0) + 1
        achieved = n / (time.perf_counter() - start)
    server.should_exit = True
    print(result_line("REST-order-roundtrip", requests=n, target_rate=args.rate,
                      achieved_rate=round(achieved, 1), status_codes=codes, **lat.summary_us()))  # fmt: skip


if __name__ == "__main__":
    main()
