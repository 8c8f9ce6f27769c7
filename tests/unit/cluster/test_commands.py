"""The NATS command handler answers like REST: same validation (same status, same field),
same idempotency by client order id, same business answers; only its own accounts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tradecore.bootstrap import System, build_system, market_source, pump
from tradecore.cluster.commands import CommandHandler
from tradecore.cluster.exposure import ExposureBook
from tradecore.cluster.guard import ShardGuard
from tradecore.service.app import create_app
from tradecore.service.auth import KeyStore
from tradecore.service.metrics import Metrics
from tradecore.service.runner import EngineService

GOOD = {"client_order_id": "c1", "account": "A", "symbol": "BTC/USD", "side": "BUY",
        "quantity": "0.01", "type": "LIMIT", "price": "59900.00", "time_in_force": "GTC"}  # fmt: skip


def with_market() -> System:
    system = build_system()
    pump(system, market_source(system.config, seconds=1))  # books and reference prices
    return system


def handler() -> CommandHandler:
    system = with_market()
    guard = ShardGuard(system.engine, system.risk, ExposureBook(), 1, frozenset({"A"}))
    system.engine.risk = guard
    return CommandHandler(system.engine, 1, frozenset({"A"}), guard)


def ask(h: CommandHandler, op: str, body: Any) -> dict[str, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    out: dict[str, Any] = json.loads(h.handle(op, raw))
    return out


@pytest.fixture
def rest() -> TestClient:
    system = with_market()
    keys = KeyStore()
    token = keys.create("t", ["*"], ["read", "trade", "risk-admin"])
    app = create_app(EngineService(system, Metrics()), keys, run_feed=False)
    client = TestClient(app)
    client.headers["X-API-Key"] = token
    return client


BAD = [
    ({**GOOD, "quantity": 0.01}, "quantity"),
    ({**GOOD, "quantity": "-1"}, "quantity"),
    ({k: v for k, v in GOOD.items() if k != "side"}, "side"),
    ({**GOOD, "side": "UP"}, "side"),
    ({**GOOD, "surprise": 1}, "surprise"),
    ({**GOOD, "client_order_id": "bad id!"}, "client_order_id"),
]


@pytest.mark.parametrize(("body", "field"), BAD)
def test_bad_input_is_422_naming_the_field_like_rest(
    rest: TestClient, body: dict[str, Any], field: str
) -> None:
    out = ask(handler(), "submit", body)
    r = rest.post("/v1/orders", json=body)
    assert out["status"] == r.status_code == 422
    assert out["detail"].startswith(field)
    assert field in json.dumps(r.json())


def test_same_answers_as_rest_and_idempotent(rest: TestClient) -> None:
    h = handler()
    first = ask(h, "submit", GOOD)
    again = ask(h, "submit", GOOD)
    r1 = rest.post("/v1/orders", json=GOOD)
    r2 = rest.post("/v1/orders", json=GOOD)
    assert (first["status"], again["status"]) == (r1.status_code, r2.status_code) == (201, 200)
    assert again["duplicate"] is True and r2.json()["duplicate"] is True
    for k in ("order", "denial", "duplicate"):
        assert first[k] == r1.json()[k]
    no_price = {**GOOD, "client_order_id": "c2", "price": None}
    assert ask(h, "submit", no_price)["status"] == 422
    assert rest.post("/v1/orders", json=no_price).status_code == 422


def test_cancel_replace_kill_and_refusals() -> None:
    h = handler()
    assert ask(h, "submit", {**GOOD, "venue": "SIMA"})["status"] == 201
    h.engine.call(h.engine.clock.run_all)  # type: ignore[attr-defined]  # the venue acks
    rep = ask(h, "replace", {"client_order_id": "c1", "account": "A",
                             "new_client_order_id": "c1b", "quantity": "0.02"})  # fmt: skip
    assert rep["status"] == 200 and rep["denial"] is None
    assert ask(h, "cancel", {"client_order_id": "nope", "account": "A"})["status"] == 404
    assert ask(h, "submit", {**GOOD, "account": "Z"})["status"] == 421  # not this shard
    assert ask(h, "launch", {})["status"] == 404
    assert ask(h, "submit", b"{not json")["status"] == 422
    assert ask(h, "submit", b"[1]")["status"] == 422
    k = ask(h, "kill", {"scope": "A", "engaged": True, "why": "test"})
    assert k["status"] == 200 and k["engaged"] is True
    d = ask(h, "submit", {**GOOD, "client_order_id": "c3"})
    assert d["status"] == 200 and d["denial"]["reason"] == "KILL_SWITCH"
