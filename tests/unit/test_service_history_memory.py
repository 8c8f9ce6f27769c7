"""/v1/orders and /v1/fills of a serve without a journal (tests, benchmarks): paged from
memory with the same cursors, in both directions, every item exactly once."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from tradecore.cli.serve import build_service


def pages(c: TestClient, path: str, order: str) -> list[list[Any]]:
    out, cursor = [], None
    while True:
        params: dict[str, Any] = {"account": "ACC", "limit": 2, "order": order}
        if cursor is not None:
            params["cursor"] = cursor
        page = c.get(path, params=params).json()
        out.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return out


def test_orders_and_fills_page_from_memory_without_a_journal() -> None:
    app, _, keys = build_service(
        None, None, speed=1.0, demo_flow=False, journal=None, clock="manual"
    )
    token = keys.create("a", ["*"], ["read", "trade", "admin"])
    with TestClient(app, headers={"X-API-Key": token}) as c:
        deadline = time.monotonic() + 10
        while not c.get("/ready").json()["ready"]:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        coids = [f"M{i}" for i in range(5)]
        for i, coid in enumerate(coids):
            body = {
                "client_order_id": coid, "account": "ACC", "symbol": "BTC/USD",
                "venue": "SIMA", "side": "BUY" if i % 2 else "SELL",
                "quantity": f"0.00{i + 1}", "type": "MARKET", "time_in_force": "IOC",
            }  # fmt: skip
            assert c.post("/v1/orders", json=body).status_code == 201
        assert c.post("/v1/admin/clock", json={"step": 1}).status_code == 200  # they trade

        asc = pages(c, "/v1/orders", "asc")
        assert [len(p) for p in asc] == [2, 2, 1]
        assert [o["client_order_id"] for p in asc for o in p] == coids
        desc = pages(c, "/v1/orders", "desc")
        assert [o["client_order_id"] for p in desc for o in p] == coids[::-1]
        assert all(o["status"] == "FILLED" for p in asc for o in p)

        fills = [f for p in pages(c, "/v1/fills", "asc") for f in p]
        assert sorted({f["client_order_id"] for f in fills}) == coids
        assert len({f["trade_id"] for f in fills}) == len(fills)  # each fill once
        newest = [f for p in pages(c, "/v1/fills", "desc") for f in p]
        assert newest == fills[::-1]
        assert c.get("/v1/fills", params={"account": "OTHER"}).json()["items"] == []
