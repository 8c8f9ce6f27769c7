"""serve's manual clock and what a restart keeps that is not an order event: the market step
(journaled even when it changed no order) and the risk kill switch (committed before the
answer, restored at start)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tradecore.cli.serve import build_service


def start(url: str, clock: str = "manual") -> tuple[Any, Any, str]:
    app, svc, keys = build_service(None, None, speed=1.0, demo_flow=False, journal=url, clock=clock)
    token = keys.create("a", ["*"], ["read", "trade", "risk-admin", "admin"])
    return app, svc, token


def ready(c: TestClient) -> None:
    deadline = time.monotonic() + 10
    while not c.get("/ready").json()["ready"]:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_the_manual_clock_moves_to_absolute_steps_and_a_repeat_is_a_no_op(
    tmp_path: Path,
) -> None:
    app, svc, token = start(f"sqlite:///{tmp_path / 'j.db'}")
    with TestClient(app, headers={"X-API-Key": token}) as c:
        ready(c)
        assert svc.step == 0  # the market opens at step 0
        first = c.post("/v1/admin/clock", json={"step": 5}).json()
        assert first["step"] == 5 and first["advanced"] == 5
        assert c.post("/v1/admin/clock", json={"step": 5}).json()["advanced"] == 0
        assert c.post("/v1/admin/clock", json={"step": 3}).json() == {**first, "advanced": 0}
        assert c.post("/v1/admin/clock", json={"step": -1}).status_code == 422
        assert c.post("/v1/admin/clock", json={"step": 10**9}).status_code == 422
        d = c.get("/v1/admin/digest").json()
        assert d["step"] == 5 and len(d["state_digest"]) == 64
    _, svc2, _ = start(f"sqlite:///{tmp_path / 'j.db'}")
    assert svc2.step == 5  # journaled, though no order event happened at those steps


def test_the_clock_is_refused_under_wall_time(tmp_path: Path) -> None:
    app, _, token = start(f"sqlite:///{tmp_path / 'j.db'}", clock="wall")
    with TestClient(app, headers={"X-API-Key": token}) as c:
        ready(c)
        r = c.post("/v1/admin/clock", json={"step": 5})
        assert r.status_code == 409 and r.json()["error"]["code"] == "clock_not_manual"


def test_a_kill_switch_survives_a_crash_right_after_its_answer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'j.db'}"
    app, _, token = start(url)
    with TestClient(app, headers={"X-API-Key": token}) as c:
        ready(c)
        body = {"scope": "ACC", "engaged": True, "why": "desk closed"}
        assert c.post("/v1/risk/kill-switch", json=body).status_code == 200
        # no shutdown, no flush: a second serve on the same journal, as after a SIGKILL
        _, svc2, _ = start(url)
        assert svc2.system.risk.emergency.state_of("ACC").value == "HALTED"


def test_a_resting_order_is_still_on_its_venue_after_a_wall_clock_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'j.db'}"
    app, _, token = start(url, clock="wall")
    body = {
        "client_order_id": "rest-1", "account": "A", "symbol": "BTC/USD", "venue": "SIMA",
        "side": "BUY", "type": "LIMIT", "price": "59880.00", "quantity": "0.01",
        "time_in_force": "GTC",
    }  # fmt: skip
    with TestClient(app, headers={"X-API-Key": token}) as c:
        ready(c)
        assert c.post("/v1/orders", json=body).status_code == 201
        deadline = time.monotonic() + 20
        while c.get("/v1/orders/rest-1").json()["status"] != "ACCEPTED":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        _, svc2, _ = start(url, clock="wall")  # a second serve on the journal, as after a kill
    o = svc2.system.engine.orders.get("rest-1")
    assert o is not None and o.status.value == "ACCEPTED"  # not "lost by the venue at restart"
    venue = svc2.system.venues["SIMA"]
    resting = venue.books[o.instrument_id].get("rest-1")
    assert resting is not None and resting.qty == o.leaves_qty
    assert venue.order_status(o.client_order_id).open
