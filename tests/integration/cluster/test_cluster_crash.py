"""Three shard processes, the market-data process and the risk aggregator on a real NATS
JetStream server (a private one, restarted by the test); the shards trade on the market the
market-data process publishes. Orders for accounts on every shard; shard 2 is SIGKILLed and
restarted mid-run, then the NATS server is restarted, then the aggregator.

Afterwards: every acknowledged order is on its shard; the aggregator applied every shard's
events once each, contiguous up to the shard's sequence number (no event twice, by seq and
by trade id); the aggregator's firm positions equal the sum of the shards' own positions
exactly; the stream holds each event once (JetStream de-duplicated the republished ones).
"""

from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cluster.harness import (
    NatsServer,
    Proc,
    aggregator_proc,
    leftovers,
    marketdata_proc,
    order,
    request,
    shard_proc,
    until,
    wait_answer,
)

nats = pytest.importorskip("nats")
pytestmark = pytest.mark.timeout(300)

PREFIX = "tcit"
SHARDS = {1: ["A1", "A2"], 2: ["B1", "B2"], 3: ["C1", "C2"]}
_n = itertools.count(1)


async def send_round(nc: Any, acked: dict[int, set[str]], tag: str, shards: list[int]) -> None:
    """One order per account of ``shards``: IOC market orders and resting GTC limits."""
    sends = []
    keys = []
    for s in shards:
        for acct in SHARDS[s]:
            n = next(_n)
            side = "BUY" if n % 3 else "SELL"
            coid = f"{tag}-{acct}-{n}"
            body = (
                order(coid, acct, side, "0.01")
                if n % 2
                else order(coid, acct, side, "0.02", type="LIMIT", time_in_force="GTC",
                           price="60000.00")
            )  # fmt: skip
            sends.append(request(nc, f"{PREFIX}.cmd.{s}.submit", body, timeout=3.0))
            keys.append((s, coid))
    for (s, coid), res in zip(
        keys, await asyncio.gather(*sends, return_exceptions=True), strict=True
    ):
        if isinstance(res, dict) and res.get("status") in (200, 201):
            acked[s].add(coid)


async def status(nc: Any, s: int) -> dict[str, Any]:
    out: dict[str, Any] = await request(nc, f"{PREFIX}.ctl.{s}.status", {})
    return out


async def settled(nc: Any) -> bool:
    """Every shard's events published and applied by the aggregator."""
    try:
        firm = await request(nc, f"{PREFIX}.risk.firm", {}, timeout=1.0)
        for s in SHARDS:
            st = await status(nc, s)
            pub = await request(nc, f"{PREFIX}.ctl.{s}.publisher", {}, timeout=1.0)
            if pub["published_seq"] != st["seq"]:
                return False
            if firm["watermarks"].get(str(s)) != st["seq"]:
                return False
        return True
    except Exception:
        return False


async def test_three_shards_survive_shard_kill_and_nats_restart(tmp_path: Path) -> None:
    server = NatsServer(tmp_path)
    server.start()
    url = server.url
    shards = {s: shard_proc(tmp_path, url, PREFIX, s, a, market="nats") for s, a in SHARDS.items()}
    agg = aggregator_proc(tmp_path, url, PREFIX, list(SHARDS), "1000000000")
    procs: list[Proc] = [*shards.values(), agg, marketdata_proc(tmp_path, url, PREFIX)]
    for p in procs:
        p.start()
    nc = await nats.connect(url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    try:
        for s in SHARDS:
            await wait_answer(nc, f"{PREFIX}.ctl.{s}.status")
        await wait_answer(nc, f"{PREFIX}.risk.firm")
        await asyncio.sleep(1.0)  # a few market steps: books on every venue
        acked: dict[int, set[str]] = {s: set() for s in SHARDS}
        for r in range(4):
            await send_round(nc, acked, f"r{r}", list(SHARDS))
        shards[2].kill()  # SIGKILL mid-run
        await send_round(nc, acked, "down", [1, 3])
        shards[2].start()
        try:  # a restart under a loaded machine (the full suite, coverage) can take long
            await wait_answer(nc, f"{PREFIX}.ctl.2.status", within=120)
        except Exception:
            raise AssertionError(f"shard 2 did not restart: {shards[2].log.read_text()}") from None
        for r in range(4, 7):
            await send_round(nc, acked, f"r{r}", list(SHARDS))
        server.stop()  # NATS restarts: resting orders fill meanwhile, the backlog waits
        await asyncio.sleep(1.5)
        server.start()
        await until(lambda: settled(nc), 60, "the stream to catch up after the NATS restart")
        for r in range(7, 9):
            await send_round(nc, acked, f"r{r}", list(SHARDS))
        agg.kill()  # the aggregator rebuilds from the stream
        agg.start()
        await wait_answer(nc, f"{PREFIX}.risk.firm")
        await until(lambda: settled(nc), 60, "the restarted aggregator to replay the stream")

        firm = await request(nc, f"{PREFIX}.risk.firm", {})
        total_trades = 0
        for s in SHARDS:
            st = await status(nc, s)
            assert acked[s] and acked[s] <= set(st["orders"]), f"shard {s} lost acked orders"
            mine = {a: {k: Decimal(v) for k, v in p.items()} for a, p in st["positions"].items()}
            theirs = {
                a: {k: Decimal(v) for k, v in p.items()}
                for a, p in firm["positions"].get(str(s), {}).items()
            }
            assert theirs == mine, f"shard {s}: aggregator {theirs} != shard {mine}"
            assert firm["watermarks"][str(s)] == st["seq"]
            total_trades += st["trades"]
        assert firm["fills"] == total_trades > 0
        assert firm["duplicate_fills"] == 0
        assert firm["events"] == sum(firm["watermarks"].values())
        net = {k: Decimal(v) for k, v in firm["net_by_instrument"].items() if Decimal(v) != 0}
        summed: dict[str, Decimal] = {}
        for s in SHARDS:
            for p in (await status(nc, s))["positions"].values():
                for k, v in p.items():
                    summed[k] = summed.get(k, Decimal(0)) + Decimal(v)
        assert net == {k: v for k, v in summed.items() if v != 0}
        info = await nc.jetstream().stream_info("TCIT_EVT")
        assert info.state.messages == sum(firm["watermarks"].values())  # each event once
    finally:
        await nc.close()
        for p in procs:
            p.stop()
        server.stop()
    # the publisher of the SIGKILLed shard went with it; the others with theirs
    assert leftovers(tmp_path) == []
