"""The REST and WebSocket API through a real HTTP client against a running server."""

from __future__ import annotations

import asyncio
import json
import time

import websockets

from tests.integration.service.conftest import Server


def order(coid: str, account: str = "DEMO", **kw: object) -> dict[str, object]:
    body: dict[str, object] = {
        "client_order_id": coid,
        "account": account,
        "symbol": "BTC/USD",
        "side": "BUY",
        "quantity": "0.01",
    }
    body.update(kw)
    return body


def test_health_ready_metrics_and_openapi(server: Server) -> None:
    with server.client(None) as c:
        assert c.get("/health").json()["status"] == "ok"
        assert c.get("/ready").json()["ready"] is True
        m = c.get("/metrics").text
        assert "tradecore_order_submit_seconds_bucket" in m and "tradecore_venue_up" in m
        assert "/v1/orders" in c.get("/openapi.json").json()["paths"]


def test_order_round_trip_is_idempotent_and_fills(server: Server) -> None:
    with server.client(server.desk) as c:
        r = c.post("/v1/orders", json=order("rt-1", quantity="0.02"))
        assert r.status_code == 201, r.text
        assert r.json()["order"]["status"] == "SUBMITTED" and r.json()["denial"] is None
        again = c.post("/v1/orders", json=order("rt-1", quantity="5"))
        assert again.status_code == 200 and again.json()["duplicate"] is True
        assert again.json()["order"]["quantity"] == "0.02"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            o = c.get("/v1/orders/rt-1").json()
            if o["status"] == "FILLED":
                break
            time.sleep(0.1)
        assert o["status"] == "FILLED" and o["children"]
        fills = c.get("/v1/fills", params={"account": "DEMO", "limit": 2000}).json()["items"]
        assert any(f["parent_id"] == "rt-1" for f in fills)
        assert c.get("/v1/positions", params={"account": "DEMO"}).json()
        pf = c.get("/v1/portfolio", params={"account": "DEMO"}).json()
        assert pf["base_currency"] == "USD" and "allocation_pct" in pf
        assert c.get("/v1/routing/decisions", params={"account": "DEMO"}).json()
        assert {v["venue"] for v in c.get("/v1/venues").json()} == {"SIMA", "SIMB", "SIMC"}
        risk = c.get("/v1/risk", params={"account": "DEMO"}).json()
        assert risk["enabled"] and "max_order_quantity" in risk["limits"]


def test_limit_order_cancel_and_replace(server: Server) -> None:
    with server.client(server.desk) as c:
        ref = c.get("/v1/positions", params={"account": "DEMO"}).json()
        mark = next(p["mark"] for p in ref if p["instrument"] == "BTC/USD")
        px = f"{float(mark) * 0.998:.2f}"  # below the market, within the price band
        r = c.post(
            "/v1/orders",
            json=order(
                "lim-1", type="LIMIT", price=px, time_in_force="GTC", side="BUY", symbol="BTC/USD"
            ),
        )
        assert r.status_code == 201, r.text
        time.sleep(0.3)
        kids = c.get("/v1/orders/lim-1").json()["children"]
        assert kids
        child = kids[0]["client_order_id"]
        rep = c.post(
            f"/v1/orders/{child}/replace",
            json={
                "account": "DEMO",
                "new_client_order_id": "lim-1r",
                "price": f"{float(px) - 1:.2f}",
            },
        )
        assert rep.status_code == 200 and rep.json()["denial"] is None, rep.text
        assert c.delete("/v1/orders/lim-1").json()["denial"] is None


def test_business_refusals_are_data_with_reason_codes(server: Server) -> None:
    with server.client(server.desk) as c:
        r = c.post("/v1/orders", json=order("big-1", quantity="100"))
        assert r.status_code == 200
        assert r.json()["denial"]["reason"] == "MAX_ORDER_QUANTITY"
        assert r.json()["order"]["status"] == "DENIED"


def test_validation_errors_name_the_field(server: Server) -> None:
    with server.client(server.desk) as c:
        r = c.post("/v1/orders", json=order("v-1", quantity=0.1))
        assert r.status_code == 422 and r.json()["error"]["field"] == "body.quantity"
        r = c.post("/v1/orders", json=order("v-2", side="HOLD"))
        assert r.status_code == 422 and r.json()["error"]["field"] == "body.side"
        r = c.post("/v1/orders", json=order("v-3", type="LIMIT"))
        assert r.status_code == 422 and r.json()["error"]["field"] == "body.price"


def test_cross_account_access_is_always_refused(server: Server) -> None:
    with server.client(server.desk) as mine:
        assert mine.post("/v1/orders", json=order("x-mine", quantity="0.01")).status_code == 201
    with server.client(server.other) as c:
        assert c.get("/v1/positions", params={"account": "DEMO"}).status_code == 403
        assert c.get("/v1/portfolio", params={"account": "DEMO"}).status_code == 403
        assert c.get("/v1/fills", params={"account": "DEMO"}).status_code == 403
        assert c.get("/v1/orders", params={"account": "DEMO"}).status_code == 403
        assert c.get("/v1/risk", params={"account": "DEMO"}).status_code == 403
        assert c.get("/v1/routing/decisions", params={"account": "DEMO"}).status_code == 403
        assert c.post("/v1/orders", json=order("x-1")).status_code == 403  # trade DEMO
        assert c.get("/v1/orders/x-mine").status_code == 404  # not even its existence
        assert c.delete("/v1/orders/x-mine").status_code == 404
        assert (
            c.post(
                "/v1/orders/x-mine/replace", json={"account": "OTHER", "new_client_order_id": "zz"}
            ).status_code
            == 404
        )
        assert c.post("/v1/orders", json=order("x-mine", account="OTHER")).status_code == 409
        r = c.post("/v1/risk/kill-switch", json={"scope": "DEMO", "engaged": True, "why": "x"})
        assert r.status_code == 403


def test_scopes_and_keys(server: Server) -> None:
    with server.client(None) as c:
        assert c.get("/v1/venues").status_code == 401
    with server.client("desk.wrong-secret") as c:
        assert c.get("/v1/venues").status_code == 401
    with server.client(server.reader) as c:
        assert c.get("/v1/positions", params={"account": "DEMO"}).status_code == 200
        assert c.post("/v1/orders", json=order("r-1")).status_code == 403
    with server.client(server.desk) as c:
        r = c.post("/v1/risk/kill-switch", json={"scope": "DEMO", "engaged": True, "why": "test"})
        assert r.status_code == 403  # needs risk-admin


def test_kill_switch_by_risk_admin_blocks_and_releases(server: Server) -> None:
    with server.client(server.admin) as admin, server.client(server.desk) as desk:
        r = admin.post(
            "/v1/risk/kill-switch", json={"scope": "DEMO", "engaged": True, "why": "drill"}
        )
        assert r.status_code == 200 and r.json()["who"] == "admin"
        d = desk.post("/v1/orders", json=order("k-1")).json()
        assert d["denial"]["reason"] == "KILL_SWITCH" and "admin: drill" in d["denial"]["message"]
        risk = desk.get("/v1/risk", params={"account": "DEMO"}).json()
        st = risk["state"]["trading_state"]["DEMO"]
        assert (st["state"], st["who"], st["why"]) == ("HALTED", "admin", "drill")
        assert 'tradecore_account_trading_state{account="DEMO"} 2.0' in admin.get("/metrics").text
        assert "DEMO" not in desk.get("/metrics").text  # no metrics scope: no account series
        admin.post("/v1/risk/kill-switch", json={"scope": "DEMO", "engaged": False, "why": "done"})
        assert desk.post("/v1/orders", json=order("k-2")).status_code == 201
        assert 'tradecore_account_trading_state{account="DEMO"}' not in admin.get("/metrics").text


def test_rate_limit_per_key(server: Server) -> None:
    from tradecore.service.auth import KeyStore

    ks = KeyStore(rate_per_s=1, burst=3)
    ks.create("t", ["A"], ["read"])
    assert [ks.allow("t", now=100.0) for _ in range(4)] == [True, True, True, False]
    assert ks.allow("t", now=101.0)


def test_websocket_snapshot_then_deltas_and_account_isolation(server: Server) -> None:
    ws_url = server.url.replace("http", "ws") + "/v1/stream"

    async def run() -> tuple[dict[str, object], list[str]]:
        async with websockets.connect(f"{ws_url}?key={server.desk}&account=DEMO") as ws:
            snap = json.loads(await ws.recv())
            kinds: list[str] = []
            with server.client(server.desk) as c:
                c.post("/v1/orders", json=order(f"ws-{time.time_ns()}", quantity="0.02"))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and "OrderFilled" not in kinds:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                kinds.append(msg["type"])
                if msg.get("data") and isinstance(msg["data"], dict) and "account" in msg["data"]:
                    assert msg["data"]["account"] == "DEMO"
            return snap, kinds

    snap, kinds = asyncio.run(run())
    assert snap["type"] == "snapshot" and "positions" in snap["data"]  # type: ignore[operator]
    assert "OrderFilled" in kinds

    async def refused(key: str) -> int:
        try:
            async with websockets.connect(f"{ws_url}?key={key}&account=DEMO") as ws:
                await ws.recv()
        except websockets.InvalidStatus as e:
            return int(e.response.status_code)
        return 0

    assert asyncio.run(refused(server.other)) == 403  # another account's stream
    assert asyncio.run(refused("nobody.nothing")) == 403  # no valid key


def test_stop_gtd_and_iceberg_fields_reach_the_engine(server: Server) -> None:
    with server.client(server.desk) as c:
        ref = c.get("/v1/positions", params={"account": "DEMO"}).json()
        mark = next(p["mark"] for p in ref if p["instrument"] == "BTC/USD")
        trig = f"{float(mark) * 0.9:.2f}"  # far below the market: the sell stop waits
        r = c.post(
            "/v1/orders",
            json=order("stop-1", venue="SIMA", side="SELL", type="STOP_MARKET",
                       trigger_price=trig, time_in_force="GTC", stp="EXPIRE_TAKER"),
        )  # fmt: skip
        assert r.status_code == 201, r.text
        got = r.json()["order"]
        assert (got["type"], got["trigger_price"], got["stp"]) == (
            "STOP_MARKET",
            trig,
            "EXPIRE_TAKER",
        )
        assert c.delete("/v1/orders/stop-1").json()["denial"] is None
        r = c.post(
            "/v1/orders",
            json=order("gtd-1", venue="SIMA", type="LIMIT", price=trig, time_in_force="GTD"),
        )
        assert r.status_code == 200 and r.json()["denial"]["reason"] == "INVALID_EXPIRY"
        r = c.post("/v1/orders", json=order("stop-2", type="STOP_LIMIT", trigger_price=trig))
        assert r.status_code == 422 and r.json()["error"]["field"] == "body.price"
