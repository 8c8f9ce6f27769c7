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


def test_serve_killed_inside_a_multi_step_clock_request_restarts_before_it(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """A clock request is one command: a SIGKILL in the middle of its steps leaves none of
    them journaled (it used to leave the first ones, a state no uninterrupted run of the
    same commands ever answers with: the serve crash test's restart check failed on it)."""
    import sqlite3

    import tradecore.service.runner as runner

    url, killed = f"sqlite:///{tmp_path / 'j.db'}", tmp_path / "killed.db"
    real_step = runner.apply_step

    def step_then_die_at_3(system: Any, st: Any, record: Any) -> None:
        if st.index == 3:  # what a SIGKILL now leaves: the journal as committed so far
            src, dst = sqlite3.connect(tmp_path / "j.db"), sqlite3.connect(killed)
            src.backup(dst)
            src.close(), dst.close()
        real_step(system, st, record)

    order = {
        "client_order_id": "K1", "account": "ACC", "symbol": "BTC/USD", "venue": "SIMA",
        "side": "BUY", "quantity": "0.01", "type": "MARKET", "time_in_force": "IOC",
    }  # fmt: skip
    app, _, token = start(url)
    with TestClient(app, headers={"X-API-Key": token}) as c:
        ready(c)
        assert c.post("/v1/orders", json=order).status_code == 201  # arrives in step 1
        before = c.get("/v1/admin/digest").json()
        monkeypatch.setattr(runner, "apply_step", step_then_die_at_3)
        assert c.post("/v1/admin/clock", json={"step": 5}).json()["advanced"] == 5
        after = c.get("/v1/admin/digest").json()
    assert after["state_digest"] != before["state_digest"]  # the order traded in step 1
    monkeypatch.setattr(runner, "apply_step", real_step)
    app2, _, token2 = start(f"sqlite:///{killed}")
    with TestClient(app2, headers={"X-API-Key": token2}) as c:
        ready(c)
        restarted = c.get("/v1/admin/digest").json()
        assert (restarted["step"], restarted["state_digest"]) == (0, before["state_digest"])
        # the client retries the request it got no answer to: where the uninterrupted run is
        assert c.post("/v1/admin/clock", json={"step": 5}).json()["advanced"] == 5
        assert c.get("/v1/admin/digest").json() == after
