"""The firm gross limit over two shards, enforced by credits with no hop on the order path:
orders on both shards fit; the one that would cross the firm limit is denied by its shard's
credit; a forced breach (the limit lowered under the firm's exposure) engages HALTED on both
shards, which then cancel their working orders and deny new ones."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cluster.harness import (
    NatsServer,
    aggregator_proc,
    order,
    request,
    shard_proc,
    until,
    wait_answer,
)

nats = pytest.importorskip("nats")
pytestmark = pytest.mark.timeout(120)
P = "tcfirm"
LIMIT = Decimal(10_000)


async def st(nc: Any, s: int) -> dict[str, Any]:
    out: dict[str, Any] = await request(nc, f"{P}.ctl.{s}.status", {})
    return out


async def test_firm_gross_limit_over_two_shards(tmp_path: Path) -> None:
    server = NatsServer(tmp_path)
    server.start()
    procs = [
        shard_proc(tmp_path, server.url, P, 1, ["X1"]),
        shard_proc(tmp_path, server.url, P, 2, ["Y1"]),
        aggregator_proc(tmp_path, server.url, P, [1, 2], str(LIMIT)),
    ]
    for p in procs:
        p.start()
    nc = await nats.connect(server.url)
    try:
        for s in (1, 2):
            await wait_answer(nc, f"{P}.ctl.{s}.status")

        async def credited() -> bool:
            got = [(await st(nc, s))["credit"] for s in (1, 2)]
            return None not in got

        await until(credited, 30, "credits on both shards")
        credits = [Decimal((await st(nc, s))["credit"]) for s in (1, 2)]
        assert sum(credits) <= LIMIT
        # ~3,000 USD on each shard: inside each credit, inside the firm limit
        a = await request(nc, f"{P}.cmd.1.submit", order("x-1", "X1", "BUY", "0.05"))
        b = await request(nc, f"{P}.cmd.2.submit", order("y-1", "Y1", "BUY", "0.05"))
        assert a["status"] == 201 and b["status"] == 201, (a, b)
        rest = order("x-rest", "X1", "BUY", "0.001", type="LIMIT", time_in_force="GTC",
                     price="58000.00")  # fmt: skip
        assert (await request(nc, f"{P}.cmd.1.submit", rest))["status"] == 201

        async def seen_both() -> bool:
            firm = await request(nc, f"{P}.risk.firm", {})
            return all(Decimal(firm["usage"].get(str(s), "0")) > 2000 for s in (1, 2))

        await until(seen_both, 30, "the aggregator to see both shards' exposure")
        firm = await request(nc, f"{P}.risk.firm", {})
        assert sum(Decimal(c) for c in firm["credits"].values()) <= LIMIT
        # ~4,800 more on shard 1 would take the firm to ~10,800 > 10,000: its credit says no
        c = await request(nc, f"{P}.cmd.1.submit", order("x-2", "X1", "BUY", "0.08"))
        assert c["status"] == 200 and c["denial"]["reason"] == "GROSS_EXPOSURE", c
        assert c["denial"]["check"] == "firm_credit"
        assert c["order"]["status"] == "DENIED"
        # a small one still fits on shard 2
        d = await request(nc, f"{P}.cmd.2.submit", order("y-2", "Y1", "BUY", "0.01"))
        assert d["status"] == 201, d

        # forced breach: the firm limit lowered under the exposure -> HALTED on both shards
        out = await request(nc, f"{P}.risk.limit", {"gross": "1000"}, timeout=10)
        assert out["status"] == 200 and out["breaches"] >= 2
        for s in (1, 2):
            assert (await st(nc, s))["state"] == "HALTED"
        rested = await request(nc, f"{P}.cmd.1.order", {"account": "X1",
                                                        "client_order_id": "x-rest"})  # fmt: skip
        assert rested["order"]["status"] in ("CANCELED", "PENDING_CANCEL"), rested
        for s, acct in ((1, "X1"), (2, "Y1")):
            e = await request(nc, f"{P}.cmd.{s}.submit", order(f"h-{s}", acct, "BUY", "0.001"))
            assert e["denial"]["reason"] == "TRADING_HALTED", e

        async def applied() -> bool:  # the journaled state changes reached the aggregator too
            firm = await request(nc, f"{P}.risk.firm", {})
            seqs = [(await st(nc, s))["seq"] for s in (1, 2)]
            return [firm["watermarks"].get(str(s)) for s in (1, 2)] == seqs

        await until(applied, 30, "every event, the HALTED ones too, at the aggregator")
        firm = await request(nc, f"{P}.risk.firm", {})
        assert firm["unreadable"] == 0
    finally:
        await nc.close()
        for p in procs:
            p.stop()
        server.stop()
