"""The CCXT connector's own cost: submit -> ack -> fill round trips through the real ccxt
``binance`` client and a local ``tradecore venue-server`` process (loopback HTTP, HMAC-signed),
next to the same round trip on the simulated venue (in process, on the wall clock, its
latencies set to 1 µs). Sequential IOC buys that fill at once; the time is from
``Engine.submit`` until the engine has applied the fill (order FILLED). Prints one JSON line
per venue kind. Usage: python benchmarks/ccxt_roundtrip.py [--orders 300]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx

from tradecore.bench.harness import Latencies, result_line
from tradecore.model.commands import SubmitOrder
from tradecore.model.enums import OrderStatus, OrderType, Side, TimeInForce
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, Venue
from tradecore.model.instrument import spot
from tradecore.venues.ccxt.adapter import CcxtVenueClient, CcxtVenueConfig
from tradecore.venues.ccxt.connect import make_exchange
from tradecore.venues.ccxt.wiring import LiveSystem, build_live
from tradecore.venues.dialects.server import DEMO_KEY, DEMO_SECRET
from tradecore.venues.model import FeeSchedule
from tradecore.venues.sim.client import SimVenueConfig


def _server(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port_file = tmp / "port"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradecore", "venue-server", "--dialect", "binance",
         "--state", str(tmp / "state.jsonl"), "--port-file", str(port_file)],
    )  # fmt: skip
    while not (port_file.exists() and port_file.read_text()):
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port_file.read_text()}"
    while True:
        try:
            httpx.get(url + "/api/v3/ping")
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.05)


def _measure(system: LiveSystem, iid: InstrumentId, n: int, tag: str) -> Latencies:
    lat = Latencies()
    engine = system.engine
    for i in range(n + 20):
        coid = ClientOrderId(f"{tag}{i}")
        cmd = SubmitOrder(
            client_order_id=coid, account=AccountId("BENCH"), instrument_id=iid, side=Side.BUY,
            order_type=OrderType.LIMIT, quantity=Decimal("0.001"), price=Decimal("50001"),
            time_in_force=TimeInForce.IOC,
        )  # fmt: skip
        t0 = time.perf_counter_ns()
        engine.submit(cmd)
        order = engine.orders.get(coid)
        while order is not None and order.status is not OrderStatus.FILLED:
            if order.status.is_terminal:
                raise SystemExit(f"{coid} ended {order.status}")
            if system.step() == 0:
                system.wait(0.002)  # the GIL is free for the connector's I/O thread
        if i >= 20:  # the first 20 warm connections and caches up
            lat.record_ns(time.perf_counter_ns() - t0)
    return lat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        proc, url = _server(Path(d))
        try:
            cfg = CcxtVenueConfig(poll_interval_s=1.0, book_interval_s=0.5)
            c = CcxtVenueClient(
                Venue("LOCAL"),
                lambda: make_exchange(
                    "binance", api_key=DEMO_KEY, secret=DEMO_SECRET, base_url=url
                ),
                cfg,
            )
            insts = c.start()
            system = build_live([(c, insts, FeeSchedule())])
            lat = _measure(system, InstrumentId("BTC/USDT", "LOCAL"), args.orders, "c")
            system.stop()
        finally:
            proc.terminate()
            proc.wait()
    print(result_line("CCXT-roundtrip", orders=args.orders, requests_per_order=3,
                      venue="tradecore venue-server (binance dialect), loopback",
                      **lat.summary_us()))  # fmt: skip
    sim_inst = spot("BTC/USDT", "SIM", tick="0.01", lot="0.0001")
    system = build_live([], [(Venue("SIM"), [sim_inst], FeeSchedule())])
    sim = system.sims[0]
    sim.config = SimVenueConfig(ack_latency_us=1, ack_jitter_us=0, fill_delay_us=1)
    ladder = tuple((Decimal(50_000) - Decimal("0.01") * k, Decimal(1000)) for k in range(1, 11))
    asks = tuple((Decimal(50_000) + Decimal("0.01") * k, Decimal(1000)) for k in range(1, 11))
    sim.on_market(sim_inst.id, ladder, asks)
    lat = _measure(system, sim_inst.id, args.orders, "s")
    print(result_line("SIM-roundtrip", orders=args.orders, venue="simulated, in process, 1 µs latencies",
                      **lat.summary_us()))  # fmt: skip


if __name__ == "__main__":
    main()
