"""The Binance and KuCoin dialects of the local venue server, in process (Starlette's test
client, no socket): how each answers a malformed, mis-signed or impossible request, with the
venue's own HTTP status, code and message, and which ccxt exception (and so which connector
outcome) that answer becomes in the real ccxt client's own error table."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import ccxt
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tradecore.venues.ccxt.errors import Outcome, classify
from tradecore.venues.dialects.exchange import Exchange
from tradecore.venues.dialects.kucoin import OID_BASE
from tradecore.venues.dialects.server import (
    DEMO_KEY,
    DEMO_PASSPHRASE,
    DEMO_SECRET,
    ServerOptions,
    build,
)

OTHER_KEY, OTHER_SECRET = "other-key", "other-secret"
KEYS = ((DEMO_KEY, DEMO_SECRET), (OTHER_KEY, OTHER_SECRET))


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _outcome(dialect: str, code: str) -> Outcome:
    """What the real ccxt class raises for this error code, as the connector classifies it."""
    cls = getattr(ccxt, dialect)().exceptions["exact"][code]
    return classify(cls("x")).outcome


# ====================================================================== Binance
@pytest.fixture
def binance() -> Iterator[tuple[TestClient, Exchange]]:
    app, exchange = build(ServerOptions(dialect="binance", keys=KEYS))
    with TestClient(app) as client:
        yield client, exchange
    exchange.close()


def _bsigned(
    client: TestClient, method: str, path: str, params: dict[str, str], *,
    secret: str = DEMO_SECRET, key: str = DEMO_KEY, stamp: bool = True,
) -> Any:  # fmt: skip
    p = dict(params)
    if stamp:
        p.setdefault("timestamp", str(_now_ms()))
    payload = urlencode(p)
    sig = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return client.request(
        method, f"{path}?{payload}&signature={sig}", headers={"X-MBX-APIKEY": key}
    )


def _berror(resp: Any) -> tuple[int, int, str]:
    body = resp.json()
    return resp.status_code, body["code"], body["msg"]


def _bplace(client: TestClient, cid: str, price: str = "49000") -> dict[str, Any]:
    r = _bsigned(client, "POST", "/api/v3/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
        "quantity": "0.01", "price": price, "newClientOrderId": cid,
    })  # fmt: skip
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_binance_ping_and_a_signed_request_the_venue_cannot_trust(
    binance: tuple[TestClient, Exchange],
) -> None:
    client, _ = binance
    assert client.get("/api/v3/ping").json() == {}
    wrong = _bsigned(client, "GET", "/api/v3/account", {}, secret="not-the-secret")
    assert _berror(wrong) == (400, -1022, "Signature for this request is not valid.")
    unsigned = client.get("/api/v3/account", headers={"X-MBX-APIKEY": DEMO_KEY})
    assert _berror(unsigned)[1] == -1022  # no signature at all
    no_ts = _bsigned(client, "GET", "/api/v3/account", {}, stamp=False)
    assert _berror(no_ts) == (400, -1102, "Mandatory parameter 'timestamp' was not sent.")
    old = _bsigned(client, "GET", "/api/v3/account", {"timestamp": str(_now_ms() - 60_000)})
    assert _berror(old)[:2] == (400, -1021)
    ahead = _bsigned(client, "GET", "/api/v3/account", {"timestamp": str(_now_ms() + 30_000)})
    assert _berror(ahead)[:2] == (400, -1021)
    wide = {"timestamp": str(_now_ms() - 6_000), "recvWindow": "10000"}  # inside its window
    assert _bsigned(client, "GET", "/api/v3/account", wide).status_code == 200
    # the connector: a bad signature is AUTH (health DOWN), a clock skew is TRANSIENT
    assert _outcome("binance", "-1022") is Outcome.AUTH
    assert _outcome("binance", "-1021") is Outcome.TRANSIENT


def test_binance_malformed_new_orders_are_bad_requests(
    binance: tuple[TestClient, Exchange],
) -> None:
    client, exchange = binance
    base = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01",
            "price": "49000", "newClientOrderId": "m1"}  # fmt: skip
    bad_qty = _bsigned(client, "POST", "/api/v3/order", base | {"quantity": "lots"})
    assert _berror(bad_qty) == (
        400, -1102, "A mandatory parameter was not sent or was malformed."
    )  # fmt: skip
    no_side = _bsigned(client, "POST", "/api/v3/order", {k: v for k, v in base.items()
                                                         if k != "side"})  # fmt: skip
    assert _berror(no_side)[1] == -1102
    stop = _bsigned(client, "POST", "/api/v3/order", base | {"type": "STOP_LOSS"})
    assert _berror(stop) == (400, -1102, "Invalid order type STOP_LOSS.")
    assert exchange.orders == {}  # nothing was placed
    assert _outcome("binance", "-1102") is Outcome.REJECT


def test_binance_order_lookups_need_an_id_that_is_a_number(
    binance: tuple[TestClient, Exchange],
) -> None:
    client, _ = binance
    placed = _bplace(client, "q1")
    none = _bsigned(client, "GET", "/api/v3/order", {"symbol": "BTCUSDT"})
    assert _berror(none) == (400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent.")
    letters = _bsigned(client, "GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": "1a"})
    assert _berror(letters) == (400, -1102, "Illegal characters found in parameter 'orderId'.")
    unknown = _bsigned(client, "GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": "99"})
    assert _berror(unknown) == (400, -2013, "Order does not exist.")
    got = _bsigned(client, "GET", "/api/v3/order",
                   {"symbol": "BTCUSDT", "origClientOrderId": "q1"}).json()  # fmt: skip
    assert (got["orderId"], got["status"], got["price"]) == (
        placed["orderId"], "NEW", "49000.00000000"
    )  # fmt: skip
    assert _outcome("binance", "-2013") is Outcome.NOT_FOUND


def test_binance_cancel_of_an_order_already_canceled_is_unknown_order_sent(
    binance: tuple[TestClient, Exchange],
) -> None:
    client, exchange = binance
    placed = _bplace(client, "k1")
    args = {"symbol": "BTCUSDT", "orderId": str(placed["orderId"])}
    first = _bsigned(client, "DELETE", "/api/v3/order", args)
    assert first.status_code == 200
    assert (first.json()["status"], first.json()["origClientOrderId"]) == ("CANCELED", "k1")
    again = _bsigned(client, "DELETE", "/api/v3/order", args)
    assert _berror(again) == (400, -2011, "Unknown order sent.")
    assert exchange.orders[placed["orderId"]].status == "CANCELED"
    # ccxt raises OrderNotFound: the connector asks the order's status (NOT_FOUND)
    assert _outcome("binance", "-2011") is Outcome.NOT_FOUND


def test_binance_cancel_replace_refuses_what_it_does_not_offer(
    binance: tuple[TestClient, Exchange],
) -> None:
    client, exchange = binance
    placed = _bplace(client, "o1")
    new = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
           "quantity": "0.02", "price": "48000", "newClientOrderId": "o2"}  # fmt: skip
    path = "/api/v3/order/cancelReplace"
    no_old = _bsigned(client, "POST", path, new)
    assert _berror(no_old) == (
        400, -1102, "Param 'cancelOrderId' or 'cancelOrigClientOrderId' must be sent."
    )  # fmt: skip
    mode = _bsigned(client, "POST", path, new | {"cancelOrderId": str(placed["orderId"]),
                                                 "cancelReplaceMode": "ALLOW_FAILURE"})  # fmt: skip
    assert _berror(mode) == (400, -1102, "Only cancelReplaceMode=STOP_ON_FAILURE is offered.")
    letters = _bsigned(client, "POST", path, new | {"cancelOrderId": "x7"})
    assert _berror(letters) == (
        400, -1102, "Illegal characters found in parameter 'cancelOrderId'."
    )  # fmt: skip
    assert [(o.client_id, o.status) for o in exchange.orders.values()] == [("o1", "NEW")]
    ok = _bsigned(client, "POST", path, new | {"cancelOrigClientOrderId": "o1"}).json()
    assert ok["cancelResponse"]["status"] == "CANCELED"
    assert (ok["newOrderResponse"]["clientOrderId"], ok["newOrderResponse"]["origQty"]) == (
        "o2", "0.02000000"
    )  # fmt: skip


# ====================================================================== Binance user stream
def _ws_sub(key: str, secret: str, ts: int, *, sign_with: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"apiKey": key, "timestamp": ts}
    payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
    mac = (sign_with or secret).encode()
    params["signature"] = hmac.new(mac, payload.encode(), hashlib.sha256).hexdigest()
    return {"id": "s1", "method": "userDataStream.subscribe.signature", "params": params}


def test_binance_user_stream_refusals_are_websocket_api_errors(
    binance: tuple[TestClient, Exchange],
) -> None:
    client, _ = binance
    now = _now_ms()
    with client.websocket_connect("/ws-api/v3") as ws:
        ws.send_json({"id": 1, "method": "session.logon", "params": {}})
        assert ws.receive_json() == {
            "id": 1, "status": 400,
            "error": {"code": -1100, "msg": "Unknown method 'session.logon'"},
        }  # fmt: skip
        ws.send_json(_ws_sub("nobody", "x", now))
        assert ws.receive_json()["error"] == {"code": -2015, "msg": "Invalid API-key."}
        ws.send_json(_ws_sub(DEMO_KEY, DEMO_SECRET, now, sign_with="wrong"))
        assert ws.receive_json()["error"]["code"] == -1022
        ws.send_json(_ws_sub(DEMO_KEY, DEMO_SECRET, now - 120_000))
        assert ws.receive_json()["error"]["code"] == -1021
        ws.send_json(_ws_sub(DEMO_KEY, DEMO_SECRET, now))
        answer = ws.receive_json()
        assert (answer["id"], answer["status"]) == ("s1", 200)
        assert answer["result"]["subscriptionId"] >= 1


def test_binance_user_stream_down_closes_connections_and_refuses_new_ones(
    binance: tuple[TestClient, Exchange],
) -> None:
    client, _ = binance
    with client.websocket_connect("/ws-api/v3") as ws:
        ws.send_json(_ws_sub(DEMO_KEY, DEMO_SECRET, _now_ms()))
        assert ws.receive_json()["status"] == 200
        assert client.post("/_control/stream?action=down").status_code == 200
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1012  # service restart: reconnect later
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws-api/v3"):
        pass
    assert refused.value.code == 1013  # try again later
    client.post("/_control/stream?action=up")
    with client.websocket_connect("/ws-api/v3") as ws:
        ws.send_json(_ws_sub(DEMO_KEY, DEMO_SECRET, _now_ms()))
        assert ws.receive_json()["status"] == 200


# ====================================================================== KuCoin
@pytest.fixture
def kucoin() -> Iterator[tuple[TestClient, Exchange]]:
    app, exchange = build(ServerOptions(dialect="kucoin", keys=KEYS))
    with TestClient(app) as client:
        yield client, exchange
    exchange.close()


def _b64(secret: str, text: str) -> str:
    return base64.b64encode(
        hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    ).decode()


def _ksigned(
    client: TestClient, method: str, path: str, body: Any = None, *,
    key: str = DEMO_KEY, secret: str = DEMO_SECRET, phrase: str = DEMO_PASSPHRASE,
    ts: int | None = None, sign_with: str | None = None, raw: str | None = None,
) -> Any:  # fmt: skip
    """A KuCoin API key version 2 request: ``path`` with its query, a JSON body."""
    text = raw if raw is not None else ("" if body is None else json.dumps(body))
    stamp = str(_now_ms() if ts is None else ts)
    headers = {
        "KC-API-KEY": key, "KC-API-TIMESTAMP": stamp, "KC-API-KEY-VERSION": "2",
        "KC-API-SIGN": _b64(sign_with or secret, stamp + method + path + text),
        "KC-API-PASSPHRASE": _b64(secret, phrase), "Content-Type": "application/json",
    }  # fmt: skip
    return client.request(method, path, content=text or None, headers=headers)


def _kerror(resp: Any) -> tuple[int, str, str]:
    body = resp.json()
    return resp.status_code, body["code"], body["msg"]


def _kplace(client: TestClient, cid: str, **extra: Any) -> str:
    body = {"clientOid": cid, "side": "buy", "symbol": "BTC-USDT", "type": "limit",
            "size": "0.01", "price": "49000"} | extra  # fmt: skip
    r = _ksigned(client, "POST", "/api/v1/orders", body)
    assert r.status_code == 200 and r.json()["code"] == "200000", r.text
    oid: str = r.json()["data"]["orderId"]
    return oid


def test_kucoin_timestamp_and_an_unlisted_pair(kucoin: tuple[TestClient, Exchange]) -> None:
    client, _ = kucoin
    before = _now_ms()
    got = client.get("/api/v1/timestamp").json()
    assert got["code"] == "200000" and before <= got["data"] <= _now_ms()
    book = client.get("/api/v1/market/orderbook/level2_20?symbol=DOGE-USDT")
    assert _kerror(book) == (400, "400100", "Unsupported trading pair.")
    tape = client.get("/api/v1/market/histories?symbol=BTCUSDT")  # Binance's id, not KuCoin's
    assert _kerror(tape)[2] == "Unsupported trading pair."


def test_kucoin_signature_timestamp_and_body_checks(kucoin: tuple[TestClient, Exchange]) -> None:
    client, _ = kucoin
    bad_sign = _ksigned(client, "GET", "/api/v1/accounts", sign_with="nope")
    assert _kerror(bad_sign) == (401, "400005", "Invalid KC-API-SIGN")
    bad_phrase = _ksigned(client, "GET", "/api/v1/accounts", phrase="other")
    assert _kerror(bad_phrase) == (401, "400004", "Invalid KC-API-PASSPHRASE")
    stale = _ksigned(client, "GET", "/api/v1/accounts", ts=_now_ms() - 10_000)
    assert _kerror(stale) == (401, "400002", "Invalid KC-API-TIMESTAMP")
    unknown = _ksigned(client, "GET", "/api/v1/accounts", key="nobody")
    assert _kerror(unknown) == (401, "400003", "KC-API-KEY not exists")
    not_json = _ksigned(client, "POST", "/api/v1/orders", raw="clientOid=a&size=1")
    assert _kerror(not_json) == (400, "400100", "Invalid JSON body.")
    assert _outcome("kucoin", "400005") is Outcome.AUTH
    assert _outcome("kucoin", "400002") is Outcome.TRANSIENT


def test_kucoin_malformed_orders_and_types_it_does_not_take(
    kucoin: tuple[TestClient, Exchange],
) -> None:
    client, exchange = kucoin
    base = {"clientOid": "b1", "side": "buy", "symbol": "BTC-USDT", "type": "limit",
            "size": "0.01", "price": "49000"}  # fmt: skip
    no_size = _ksigned(client, "POST", "/api/v1/orders", {k: v for k, v in base.items()
                                                          if k != "size"})  # fmt: skip
    assert _kerror(no_size) == (400, "400100", "Parameter error: side, size, price, clientOid.")
    bad_side = _ksigned(client, "POST", "/api/v1/orders", base | {"side": "hold"})
    assert _kerror(bad_side)[2] == "Parameter error: side, size, price, clientOid."
    stop = _ksigned(client, "POST", "/api/v1/orders", base | {"type": "stop"})
    assert _kerror(stop) == (400, "400100", "Invalid order type STOP.")
    assert exchange.orders == {}


def test_kucoin_post_only_rests_or_is_refused_if_it_would_take(
    kucoin: tuple[TestClient, Exchange],
) -> None:
    client, exchange = kucoin
    taking = _ksigned(client, "POST", "/api/v1/orders", {
        "clientOid": "p1", "side": "buy", "symbol": "BTC-USDT", "type": "limit",
        "size": "0.01", "price": "50000.05", "postOnly": True,
    })  # fmt: skip
    assert _kerror(taking) == (400, "400100", "Post-only order would take liquidity.")
    oid = _kplace(client, "p2", postOnly=True, price="49999.9")
    got = _ksigned(client, "GET", f"/api/v1/orders/{oid}").json()["data"]
    assert (got["postOnly"], got["type"], got["price"], got["isActive"]) == (
        True, "limit", "49999.9", True
    )  # fmt: skip
    assert [o.type for o in exchange.orders.values()] == ["LIMIT_MAKER"]


def test_kucoin_cancel_by_order_id_then_again_is_refused(
    kucoin: tuple[TestClient, Exchange],
) -> None:
    client, exchange = kucoin
    oid = _kplace(client, "c1")
    first = _ksigned(client, "DELETE", f"/api/v1/orders/{oid}")
    assert first.json() == {"code": "200000", "data": {"cancelledOrderIds": [oid]}}
    again = _ksigned(client, "DELETE", f"/api/v1/orders/{oid}")
    assert _kerror(again) == (400, "400100", "order_not_exist_or_not_allow_to_cancel")
    by_cid = _ksigned(client, "DELETE", "/api/v1/order/client-order/c1")
    assert _kerror(by_cid)[2] == "order_not_exist_or_not_allow_to_cancel"
    got = _ksigned(client, "GET", f"/api/v1/orders/{oid}").json()["data"]
    assert (got["isActive"], got["cancelExist"], got["dealSize"]) == (False, True, "0")
    assert [o.status for o in exchange.orders.values()] == ["CANCELED"]


def test_kucoin_order_ids_that_are_not_ours_or_not_yours_are_not_found(
    kucoin: tuple[TestClient, Exchange],
) -> None:
    client, _ = kucoin
    theirs = _kplace(client, "t1")
    assert theirs == f"{OID_BASE + 1:024x}"
    cases = {
        "not hex": "zzzz",
        "too long": "0" + theirs,  # the same number with 25 digits
        "below our base": f"{OID_BASE - 5:024x}",
        "never placed": f"{OID_BASE + 42:024x}",
    }
    for why, oid in cases.items():
        r = _ksigned(client, "GET", f"/api/v1/orders/{oid}")
        assert _kerror(r) == (404, "400100", "order not exist."), why
    # another account does not see (nor cancel) the order
    peek = _ksigned(client, "GET", f"/api/v1/orders/{theirs}", key=OTHER_KEY, secret=OTHER_SECRET)
    assert _kerror(peek)[0] == 404
    mine = _ksigned(client, "GET", f"/api/v1/orders/{theirs}").json()["data"]
    assert (mine["clientOid"], mine["size"], mine["isActive"]) == ("t1", "0.01", True)


def test_kucoin_listing_queries_refuse_what_they_do_not_offer(
    kucoin: tuple[TestClient, Exchange],
) -> None:
    client, _ = kucoin
    done = _ksigned(client, "GET", "/api/v1/orders?status=done")
    assert _kerror(done) == (400, "400100", "Only status=active is offered.")
    fills = _ksigned(client, "GET", "/api/v1/fills?symbol=BTC-USDT&orderId=nothex")
    assert _kerror(fills) == (400, "400100", "Parameter error: orderId, startAt.")
    since = _ksigned(client, "GET", "/api/v1/fills?symbol=BTC-USDT&startAt=soon")
    assert _kerror(since)[2] == "Parameter error: orderId, startAt."
    main = _ksigned(client, "GET", "/api/v1/accounts?type=main")
    assert main.json() == {"code": "200000", "data": []}  # only the trade account exists
    trade = _ksigned(client, "GET", "/api/v1/accounts?type=trade").json()["data"]
    usdt = next(a for a in trade if a["currency"] == "USDT")
    assert (usdt["balance"], usdt["available"], usdt["holds"]) == ("10000000", "10000000", "0")


# ====================================================================== test faults
def test_a_maintenance_fault_spares_one_key_and_a_rate_limit_spares_none(
    binance: tuple[TestClient, Exchange],
) -> None:
    client, _ = binance
    set_ = client.post(f"/_control/fault?fault=maintenance&spare={OTHER_KEY}").json()
    assert set_ == {"fault": "maintenance", "spare": OTHER_KEY}
    ours = _bsigned(client, "GET", "/api/v3/account", {})
    assert (ours.status_code, ours.json()["code"]) == (503, 1)
    spared = _bsigned(client, "GET", "/api/v3/account", {}, key=OTHER_KEY, secret=OTHER_SECRET)
    assert spared.status_code == 200 and spared.json()["accountType"] == "SPOT"
    client.post("/_control/fault?fault=rate_limit")
    for key, secret in KEYS:
        limited = _bsigned(client, "GET", "/api/v3/account", {}, key=key, secret=secret)
        assert _berror(limited) == (429, -1003, "Too many requests; current limit exceeded.")
    assert _outcome("binance", "-1003") is Outcome.BACKOFF
    assert client.post("/_control/fault?fault=").json() == {"fault": None, "spare": None}
    assert _bsigned(client, "GET", "/api/v3/account", {}).status_code == 200


def test_kucoin_faults_answer_in_kucoins_envelope(kucoin: tuple[TestClient, Exchange]) -> None:
    client, _ = kucoin
    client.post("/_control/fault?fault=maintenance")
    assert _kerror(client.get("/api/v1/timestamp")) == (503, "503", "System is under maintenance.")
    client.post("/_control/fault?fault=rate_limit")
    limited = _kerror(client.get("/api/v2/symbols"))
    assert limited == (429, "429000", "Too many requests. System-level rate limit exceeded.")
    assert _outcome("kucoin", "429000") is Outcome.BACKOFF
