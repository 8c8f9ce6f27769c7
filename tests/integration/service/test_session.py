"""The dashboard's session: a key in a header once, an HttpOnly cookie afterwards; the cookie
only with the CSRF header over REST and only from the service's origin over the WebSocket;
and the dashboard's read endpoints (book, instruments, trading state) with their refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.integration.service.conftest import Local, local_app

CSRF = {"X-Requested-With": "tradecore"}


@pytest.fixture
def local(tmp_path: Path) -> Iterator[tuple[Local, TestClient]]:
    lo = local_app(tmp_path)
    with TestClient(lo.app, base_url="http://testserver") as c:  # type: ignore[arg-type]
        yield lo, c


def login(c: TestClient, key: str) -> str:
    r = c.post("/v1/session", headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and key not in cookie
    return str(c.cookies["tradecore_session"])


def test_the_cookie_authenticates_only_with_the_csrf_header(
    local: tuple[Local, TestClient],
) -> None:
    lo, c = local
    login(c, lo.desk)
    assert c.get("/v1/session", headers=CSRF).json()["key_id"] == "desk"
    r = c.get("/v1/positions", params={"account": "DEMO"})  # cookie alone: ignored
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert c.get("/v1/positions", params={"account": "DEMO"}, headers=CSRF).status_code == 200
    r = c.get("/v1/positions", params={"account": "OTHER"}, headers=CSRF)
    assert r.status_code == 403 and r.json()["error"]["code"] == "account_forbidden"
    body = {"client_order_id": "s1", "account": "DEMO", "symbol": "BTC/USD", "side": "BUY",
            "quantity": "0.01"}  # fmt: skip
    assert c.post("/v1/orders", json=body).status_code == 401
    assert c.post("/v1/orders", json=body, headers=CSRF).status_code in (200, 201)


def test_a_bad_key_gets_no_session_and_a_logout_ends_it(local: tuple[Local, TestClient]) -> None:
    lo, c = local
    r = c.post("/v1/session", headers={"X-API-Key": "desk.wrong"})
    assert r.status_code == 401 and "set-cookie" not in r.headers
    assert c.post("/v1/session").status_code == 401  # no key at all
    login(c, lo.desk)
    assert c.delete("/v1/session", headers=CSRF).json() == {"ended": True}
    c.cookies.clear()
    assert c.get("/v1/session", headers=CSRF).status_code == 401


def test_the_websocket_takes_the_cookie_from_its_own_origin_only(
    local: tuple[Local, TestClient],
) -> None:
    lo, c = local
    login(c, lo.desk)
    with c.websocket_connect("/v1/stream", headers={"Origin": "http://testserver"}) as ws:
        assert ws.receive_json()["type"] == "snapshot"
    evil = {"Origin": "http://evil.example"}
    with pytest.raises(WebSocketDisconnect) as e, c.websocket_connect("/v1/stream", headers=evil):
        pass
    assert e.value.code == 4401
    c.cookies.clear()
    with pytest.raises(WebSocketDisconnect) as e, c.websocket_connect("/v1/stream"):
        pass
    assert e.value.code == 4401


def test_the_book_is_per_venue_and_consolidated_best_first(local: tuple[Local, TestClient]) -> None:
    lo, c = local
    lo.service.advance(3)  # type: ignore[attr-defined]
    h = {"X-API-Key": lo.desk}
    b = c.get("/v1/book", params={"symbol": "BTC/USD", "levels": 3}, headers=h).json()
    assert [v["venue"] for v in b["venues"]] == ["SIMA", "SIMB", "SIMC"]
    bids = [lv["price"] for lv in b["consolidated"]["bids"]]
    asks = [lv["price"] for lv in b["consolidated"]["asks"]]
    assert len(bids) == 3 and bids == sorted(bids, key=float, reverse=True)
    assert asks == sorted(asks, key=float) and float(bids[0]) < float(asks[0])
    best = max((v["bids"][0] for v in b["venues"]), key=lambda lv: float(lv["price"]))
    assert b["consolidated"]["bids"][0]["price"] == best["price"]
    r = c.get("/v1/book", params={"symbol": "NOPE/USD"}, headers=h)
    assert r.status_code == 404 and r.json()["error"] == {
        "code": "unknown_symbol", "message": "no instrument NOPE/USD", "field": "query.symbol",
        "errors": [],
    }  # fmt: skip


def test_instruments_carry_their_precision(local: tuple[Local, TestClient]) -> None:
    lo, c = local
    ins = {i["symbol"]: i for i in c.get("/v1/instruments", headers={"X-API-Key": lo.desk}).json()}
    assert ins["BTC/USD"]["lot"] == "0.0001" and ins["BTC/USD"]["quantity_decimals"] == 4
    assert ins["BTC/USD"]["price_decimals"] == 2 and ins["SAP"]["quantity_decimals"] == 0


def test_a_global_halt_shows_its_who_and_why_only_to_a_key_for_all_accounts(
    local: tuple[Local, TestClient],
) -> None:
    lo, c = local
    r = c.post("/v1/risk/kill-switch", headers={"X-API-Key": lo.admin},
               json={"scope": "*", "engaged": True, "why": "firm drill"})  # fmt: skip
    assert r.status_code == 200, r.text
    desk = c.get("/v1/risk/trading-state", params={"account": "DEMO"},
                 headers={"X-API-Key": lo.desk}).json()  # fmt: skip
    assert desk["state"] == "HALTED"
    assert desk["scopes"] == [{"scope": "*", "state": "HALTED", "who": "", "why": "",
                               "source": "kill_switch", "ts": desk["scopes"][0]["ts"]}]  # fmt: skip
    firm = c.get("/v1/risk/trading-state", params={"account": "DEMO"},
                 headers={"X-API-Key": lo.admin}).json()  # fmt: skip
    assert firm["scopes"][0]["why"] == "firm drill" and firm["scopes"][0]["who"] == "admin"
    alerts = c.get("/v1/alerts", params={"account": "DEMO"}, headers={"X-API-Key": lo.desk})
    assert alerts.json() == []  # the global change is firm-wide: not for a DEMO-only key
    firm_alerts = c.get("/v1/alerts", params={"account": "DEMO"}, headers={"X-API-Key": lo.admin})
    assert {a["type"] for a in firm_alerts.json()} >= {"KillSwitchChanged"}
