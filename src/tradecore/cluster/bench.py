"""``tradecore bench scale``: aggregate orders/s and latency with 1, 2 and 3 shards.

Each run starts a private nats-server, ``n`` shard processes (4 accounts each) and the risk
aggregator, then a client in this process submits orders over NATS request-reply to every
shard at once (``window`` requests in flight per shard), IOC market orders through SMART
routing, each journaled (``batch``: committed before the answer) and published. Measured:
orders/s over the whole burst (all shards together), the request round trip p50/p99 as the
client sees it, and the publish-to-aggregator lag p50/p99 (from the ``Tc-Pub-Ns`` header
to the aggregator applying the event, same machine clock). One JSON line per shard count.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradecore.cluster.procs import NatsServer, Proc, aggregator_proc, shard_proc

ACCOUNTS_PER_SHARD = 4


def _pct(xs: list[float], p: float) -> float:
    if not xs:
        return 0.0
    s = sorted(xs)
    return round(s[min(int(p * len(s)), len(s) - 1)], 3)


async def _ask(nc: Any, subject: str, body: dict[str, Any], timeout: float = 5.0) -> Any:
    msg = await nc.request(subject, json.dumps(body).encode(), timeout=timeout)
    return json.loads(msg.data)


async def _wait(nc: Any, subject: str, within: float = 90.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        try:
            return await _ask(nc, subject, {}, timeout=1.0)
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def _drive(url: str, prefix: str, shards: int, orders: int, window: int) -> dict[str, Any]:
    import nats

    nc = await nats.connect(url)
    try:
        for s in range(1, shards + 1):
            await _wait(nc, f"{prefix}.ctl.{s}.status")
        await _wait(nc, f"{prefix}.risk.firm")
        await asyncio.sleep(1.5)  # market steps: books everywhere
        rtts: list[float] = []
        codes: dict[str, int] = {}

        async def worker(s: int, w: int) -> None:
            for i in range(w, orders, window):
                acct = f"S{s}A{i % ACCOUNTS_PER_SHARD}"
                body = {"client_order_id": f"b{s}-{i}", "account": acct, "symbol": "BTC/USD",
                        "side": "BUY" if i % 2 else "SELL",
                        "quantity": str(Decimal((i // 4) % 200 + 1) / 10000)}  # fmt: skip
                t0 = time.perf_counter()
                try:
                    out = await _ask(nc, f"{prefix}.cmd.{s}.submit", body)
                    key = str(out.get("status"))
                except Exception:
                    key = "timeout"
                rtts.append((time.perf_counter() - t0) * 1000)
                codes[key] = codes.get(key, 0) + 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(s, w) for s in range(1, shards + 1) for w in range(window)))
        wall = time.perf_counter() - t0
        seqs = {}
        for s in range(1, shards + 1):
            seqs[str(s)] = (await _ask(nc, f"{prefix}.ctl.{s}.status", {}))["seq"]
        deadline = time.monotonic() + 120
        firm: dict[str, Any] = {}
        while time.monotonic() < deadline:
            firm = await _ask(nc, f"{prefix}.risk.firm", {})
            if all(firm["watermarks"].get(k, 0) >= v for k, v in seqs.items()):
                break
            await asyncio.sleep(0.2)
        drained = time.perf_counter() - t0
        total = shards * orders
        return {
            "workload": "scale", "shards": shards, "orders": total,
            "orders_per_s": round(total / wall, 1), "rtt_ms_p50": _pct(rtts, 0.5),
            "rtt_ms_p99": _pct(rtts, 0.99), "answers": codes,
            "lag_ms_p50": firm.get("lag_ms", {}).get("p50"),
            "lag_ms_p99": firm.get("lag_ms", {}).get("p99"),
            "events": sum(seqs.values()), "all_applied_s": round(drained, 2),
            "aggregator_duplicate_fills": firm.get("duplicate_fills"),
        }  # fmt: skip
    finally:
        await nc.close()


def run_scale(
    counts: tuple[int, ...] = (1, 2, 3), orders: int = 2000, window: int = 16
) -> list[dict[str, Any]]:
    out = []
    with tempfile.TemporaryDirectory(prefix="tc-scale-") as d:
        root = Path(d)
        server = NatsServer(root)
        server.start()
        try:
            for n in counts:
                tmp = root / f"n{n}"
                tmp.mkdir()
                prefix = f"scale{n}"
                procs: list[Proc] = [
                    shard_proc(tmp, server.url, prefix, s,
                               [f"S{s}A{a}" for a in range(ACCOUNTS_PER_SHARD)], speed=1.0)
                    for s in range(1, n + 1)
                ]  # fmt: skip
                procs.append(
                    aggregator_proc(tmp, server.url, prefix, list(range(1, n + 1)), "1e12", 0.5)
                )
                for p in procs:
                    p.start()
                try:
                    out.append(asyncio.run(_drive(server.url, prefix, n, orders, window)))
                finally:
                    for p in procs:
                        p.stop()
        finally:
            server.stop()
    return out
