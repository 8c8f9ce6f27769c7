"""serve restarted on the journal a crash left goes on exactly as the uninterrupted serve:
requests in flight (a cancel, a replace) arrive when they were due, a completed replace's new
order keeps its place, a waiting stop is still held, and the depth the market maker traded
with us in the last step is given back less what it traded.

Each test drives one serve under the manual clock, copies its journal at the crash point (what
a SIGKILL leaves: only committed rows), goes on to the end; then starts a second serve on the
copy, sends it the rest of the commands and compares."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tradecore.cli.serve import build_service
from tradecore.journal.snapshot import take
from tradecore.model.enums import Side

BTC_SIMA = "BTC/USD@SIMA"


@contextmanager
def serve(path: Path) -> Iterator[tuple[TestClient, Any, list[str]]]:
    notes: list[str] = []
    app, svc, keys = build_service(
        None, None, speed=1.0, demo_flow=False, journal=f"sqlite:///{path}", clock="manual",
        notes=notes,
    )  # fmt: skip
    token = keys.create("t", ["*"], ["read", "trade", "admin"])
    with TestClient(app, headers={"X-API-Key": token}) as c:
        deadline = time.monotonic() + 10
        while not c.get("/ready").json()["ready"]:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        yield c, svc, notes


def crash_copy(src: Path, dst: Path) -> None:
    """The journal as committed now: what a SIGKILL at this point leaves."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


def limit(coid: str, price: str, side: str = "BUY", qty: str = "0.01") -> dict[str, str]:
    return {
        "client_order_id": coid, "account": "A", "symbol": "BTC/USD", "venue": "SIMA",
        "side": side, "type": "LIMIT", "price": price, "quantity": qty, "time_in_force": "GTC",
    }  # fmt: skip


def step(c: TestClient, n: int) -> None:
    assert c.post("/v1/admin/clock", json={"step": n}).json()["step"] == n


def status(c: TestClient, coid: str) -> str:
    return str(c.get(f"/v1/orders/{coid}").json()["status"])


def book(svc: Any, iid: str = BTC_SIMA) -> tuple[list[Any], list[Any]]:
    """Our resting orders and the market maker's depth at SIMA, as the venue holds them."""
    b = next(bk for i, bk in svc.system.venues["SIMA"].books.items() if str(i) == iid)
    return b.depth(Side.BUY, 20), b.depth(Side.SELL, 20)


def start_line(notes: list[str]) -> str:
    lines = [n for n in notes if n.startswith("journal ")]
    assert len(lines) == 1, notes
    return lines[0]


def test_a_cancel_and_a_replace_in_flight_at_the_crash_arrive_after_the_restart(
    tmp_path: Path,
) -> None:
    j, killed = tmp_path / "j.db", tmp_path / "killed.db"
    with serve(j) as (c, svc, notes):
        assert start_line(notes).endswith(": new journal")
        for coid, px in (("C1", "59880.00"), ("R1", "59870.00")):
            assert c.post("/v1/orders", json=limit(coid, px)).status_code == 201
        step(c, 1)
        assert (status(c, "C1"), status(c, "R1")) == ("ACCEPTED", "ACCEPTED")
        assert c.delete("/v1/orders/C1").json()["order"]["status"] == "PENDING_CANCEL"
        body = {"account": "A", "new_client_order_id": "R2", "price": "59875.00"}
        assert c.post("/v1/orders/R1/replace", json=body).status_code == 200
        assert status(c, "R1") == "PENDING_REPLACE"
        crash_copy(j, killed)
        step(c, 2)
        after_arrival = c.get("/v1/admin/digest").json()
        step(c, 6)
        end = c.get("/v1/admin/digest").json()

    with serve(killed) as (c, svc, notes):
        line = start_line(notes)
        assert "market step 1;" in line and "(0 mismatches)" in line
        assert line.endswith("; 0 open orders unknown at the venues closed")
        # the requests are still in flight, as at the crash
        assert (status(c, "C1"), status(c, "R1")) == ("PENDING_CANCEL", "PENDING_REPLACE")
        venue = svc.system.venues["SIMA"]
        assert venue.order_status("C1").open and venue.order_status("R1").open  # given back
        step(c, 2)  # they arrive in the step they were due in
        assert (status(c, "C1"), status(c, "R1"), status(c, "R2")) == (
            "CANCELED",
            "REPLACED",
            "ACCEPTED",
        )
        assert c.get("/v1/admin/digest").json() == after_arrival
        step(c, 6)
        assert c.get("/v1/admin/digest").json() == end


def test_a_replaced_order_and_a_waiting_stop_are_still_held_by_the_venue(
    tmp_path: Path,
) -> None:
    j, killed = tmp_path / "j.db", tmp_path / "killed.db"
    stop = {
        "client_order_id": "S1", "account": "A", "symbol": "BTC/USD", "venue": "SIMA",
        "side": "BUY", "trigger_price": "70000.00", "quantity": "0.01",
    }  # fmt: skip
    with serve(j) as (c, svc, _):
        assert c.post("/v1/orders", json=limit("Q1", "59870.00")).status_code == 201
        assert c.post("/v1/orders", json=stop).status_code == 201
        step(c, 1)
        body = {
            "account": "A",
            "new_client_order_id": "Q2",
            "price": "59876.00",
            "quantity": "0.02",
        }
        assert c.post("/v1/orders/Q1/replace", json=body).status_code == 200
        step(c, 2)
        assert (status(c, "Q1"), status(c, "Q2"), status(c, "S1")) == (
            "REPLACED",
            "ACCEPTED",
            "ACCEPTED",
        )
        held = book(svc)
        crash_copy(j, killed)
        step(c, 8)
        end = c.get("/v1/admin/digest").json()

    with serve(killed) as (c, svc, notes):
        assert "market step 2;" in start_line(notes)
        venue = svc.system.venues["SIMA"]
        assert venue.order_status("Q2").open and not venue.order_status("Q1").open
        assert venue.order_status("S1").open  # the stop waits for its trigger at the venue
        assert status(c, "S1") == "ACCEPTED"  # not "lost by the venue at restart"
        assert book(svc) == held
        step(c, 8)
        assert c.get("/v1/admin/digest").json() == end


def test_depth_traded_with_us_in_the_last_step_is_given_back_less_what_it_traded(
    tmp_path: Path,
) -> None:
    j, killed = tmp_path / "j.db", tmp_path / "killed.db"
    with serve(j) as (c, svc, _):
        assert c.post("/v1/orders", json=limit("P1", "59990.00")).status_code == 201
        k = 0
        while not svc.system.engine.orders.get("P1").filled_qty:
            k += 1
            assert k < 60, "the market never reached P1"
            step(c, k)
        fills = c.get("/v1/fills?account=A").json()["items"]
        assert [f["liquidity"] for f in fills] == ["MAKER"]  # the market traded into P1
        held = book(svc)
        at_fill = c.get("/v1/admin/digest").json()
        crash_copy(j, killed)
        step(c, k + 6)
        end = c.get("/v1/admin/digest").json()

    with serve(killed) as (c, svc, notes):
        line = start_line(notes)
        assert f"market step {k};" in line and "(0 mismatches)" in line
        assert c.get("/v1/admin/digest").json() == at_fill
        assert book(svc) == held  # the maker's depth as the uninterrupted venue had it
        step(c, k + 6)
        assert c.get("/v1/admin/digest").json() == end


def _snapshot_now(svc: Any) -> int:
    """Store a snapshot of the engine as it is (serve itself does not take any yet)."""
    s = svc.system
    blob = take(s.engine, s.positions, s.risk)
    s.engine.journal.save_snapshot(s.engine.seq, s.clock.now_ns(), blob)
    return int(s.engine.seq)


def test_a_resting_order_restored_from_a_snapshot_is_back_on_its_venues_book(
    tmp_path: Path,
) -> None:
    j, killed = tmp_path / "j.db", tmp_path / "killed.db"
    with serve(j) as (c, svc, _):
        assert c.post("/v1/orders", json=limit("C1", "59880.00")).status_code == 201
        step(c, 1)
        seq = _snapshot_now(svc)
        held = book(svc)
        crash_copy(j, killed)
        step(c, 4)
        end = c.get("/v1/admin/digest").json()
    with serve(killed) as (c, svc, notes):
        line = start_line(notes)
        assert f"recovered {seq} events (snapshot at seq {seq}, 0 replayed); market step 1;" in line
        assert "1 open orders given back to the simulated venues (0 mismatches)" in line
        assert status(c, "C1") == "ACCEPTED"
        assert svc.system.venues["SIMA"].order_status("C1").open
        assert book(svc) == held
        step(c, 4)
        assert c.get("/v1/admin/digest").json() == end


@pytest.mark.xfail(
    strict=True,
    reason="resume._Tracker learns what was in flight only from replayed events: an order "
    "sent before the latest snapshot and not yet arrived is not given back (resume.py:237-244) "
    "but reconciled as unknown at the venue and rejected TIMEOUT; latent (serve takes no "
    "snapshots yet)",
)
def test_an_order_in_flight_when_the_snapshot_was_taken_arrives_after_the_restart(
    tmp_path: Path,
) -> None:
    j, killed = tmp_path / "j.db", tmp_path / "killed.db"
    with serve(j) as (c, svc, _):
        step(c, 1)
        assert c.post("/v1/orders", json=limit("N1", "59850.00")).status_code == 201
        _snapshot_now(svc)
        crash_copy(j, killed)
        step(c, 3)
        assert status(c, "N1") == "ACCEPTED"
        end = c.get("/v1/admin/digest").json()
    with serve(killed) as (c, svc, notes):
        assert start_line(notes).endswith("; 0 open orders unknown at the venues closed")
        step(c, 3)
        assert status(c, "N1") == "ACCEPTED"
        assert c.get("/v1/admin/digest").json() == end


def test_the_start_line_counts_each_open_order_given_back_once(tmp_path: Path) -> None:
    j, killed = tmp_path / "j.db", tmp_path / "killed.db"
    with serve(j) as (c, svc, _):
        for coid, px in (("C1", "59880.00"), ("R1", "59870.00"), ("K1", "59860.00")):
            assert c.post("/v1/orders", json=limit(coid, px)).status_code == 201
        step(c, 1)
        assert c.delete("/v1/orders/C1").status_code == 200
        body = {"account": "A", "new_client_order_id": "R2", "price": "59875.00"}
        assert c.post("/v1/orders/R1/replace", json=body).status_code == 200
        assert c.post("/v1/orders", json=limit("N1", "59850.00")).status_code == 201
        crash_copy(j, killed)
    with serve(killed) as (_, svc, notes):
        assert len(list(svc.system.engine.orders.open_orders())) == 4  # C1, R1, K1, N1
        assert "4 open orders given back to the simulated venues" in start_line(notes)
