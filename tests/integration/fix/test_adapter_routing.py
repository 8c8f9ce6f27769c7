"""Must-show (2) and the adapter's session faults: tradecore's FIX venue adapter (QuickFIX
initiator) against a small exchange written with the quickfix binding (venue_app.py, its own
process), while the SMART router splits between it and a simulated venue."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("quickfix", reason="the fix extra (QuickFIX) is not installed")

from tests.integration.fix.routed import Routed, VenueProcess
from tradecore.fix.edge import session
from tradecore.model.commands import CancelOrder, SubmitOrder
from tradecore.model.enums import OrderStatus, OrderType, ReasonCode, Side, TimeInForce
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId
from tradecore.venues.protocol import VenueHealth

pytestmark = pytest.mark.timeout(60)
D = Decimal
S = OrderStatus


def order(coid: str, venue: str, qty: str, price: str | None = None, side: Side = Side.BUY) -> (
    SubmitOrder
):  # fmt: skip
    otype = OrderType.MARKET if price is None else OrderType.LIMIT
    return SubmitOrder(
        client_order_id=ClientOrderId(coid), account=AccountId("ACC"),
        instrument_id=InstrumentId.of("BTC/USD", venue), side=side, order_type=otype,
        quantity=D(qty), price=None if price is None else D(price),
        time_in_force=TimeInForce.IOC if price is None else TimeInForce.GTC,
    )  # fmt: skip


def fills_of(r: Routed, venue: str) -> list[object]:
    return [o for o in r.engine.orders if o.instrument_id.venue == venue and o.filled_qty > 0]


@pytest.fixture
def venue(tmp_path: Path):  # type: ignore[no-untyped-def]
    v = VenueProcess(tmp_path / "venue")
    v.start()
    yield v
    v.kill()


def test_smart_splits_a_parent_between_the_fix_venue_and_the_simulator(
    tmp_path: Path, venue: VenueProcess
) -> None:
    r = Routed(tmp_path, venue.port)
    try:
        assert r.fix.start(20)
        assert r.run_until(lambda: r.fix.book(r.fixv.id) is not None)
        res = r.engine.submit(order("P1", "SMART", "0.9"))
        assert res.ok, res.denial
        assert r.run_until(lambda: r.order("P1").status is S.FILLED), r.order("P1")
        children = r.engine.orders.children(ClientOrderId("P1"))
        venues = {c.instrument_id.venue for c in children if c.filled_qty > 0}
        assert venues == {"FIXV", "SIMA"}
        fix_children = [c for c in children if c.instrument_id.venue == "FIXV"]
        venue_fills = D(0)
        st = venue.state()
        for c in fix_children:
            venue_fills += D(st["orders"][str(c.client_order_id)]["cum"])
            assert st["received"][str(c.client_order_id)] == 1  # never sent twice
        assert venue_fills == sum((c.filled_qty for c in fix_children), D(0))
        assert r.order("P1").filled_qty == D("0.9")
        assert r.positions.snapshot()["positions"][0]["quantity"] == "0.9"
        assert r.refused() == []  # every message we sent passed the venue's FIX44.xml
    finally:
        r.stop()


def test_resent_reports_with_possdup_are_never_booked_twice(
    tmp_path: Path, venue: VenueProcess
) -> None:
    r = Routed(tmp_path, venue.port)
    try:
        assert r.fix.start(20)
        r.engine.submit(order("F1", "FIXV", "0.5"))
        assert r.run_until(lambda: r.order("F1").status is S.FILLED)
        booked = (r.order("F1").filled_qty, len(r.order("F1").trade_ids))
        # our side forgets it had the venue's messages: at logon it asks for all of them
        # again, and the venue resends its ExecutionReports with PossDupFlag=Y
        r.fix.stop()
        r.fix.prepare()
        session("TRADECORE", "XVENUE").setNextTargetMsgSeqNum(2)
        assert r.fix.start(20)
        assert r.run_until(lambda: r.fix.possdup_received >= 2, 20)
        r.run_until(lambda: False, 0.5)
        assert (r.order("F1").filled_qty, len(r.order("F1").trade_ids)) == booked
        assert r.engine.anomalies.get("DUPLICATE", 0) >= 1
        assert r.positions.snapshot()["positions"][0]["quantity"] == "0.5"
    finally:
        r.stop()


def test_venue_killed_and_restarted_mid_flow(tmp_path: Path, venue: VenueProcess) -> None:
    r = Routed(tmp_path, venue.port)
    try:
        assert r.fix.start(20)
        r.engine.submit(order("A1", "FIXV", "0.1", "59000"))  # rests at the venue
        assert r.run_until(lambda: r.order("A1").status is S.ACCEPTED)
        sent_before = session("TRADECORE", "XVENUE").getExpectedSenderNum()
        venue.kill()
        assert r.run_until(lambda: r.fix.health() is VenueHealth.DOWN, 10)
        res = r.engine.submit(order("B1", "FIXV", "0.1", "59000"))
        r.run_until(lambda: r.order("B1").status is S.REJECTED, 5)
        assert r.order("B1").status is S.REJECTED  # refused at once, never queued for later
        venue.start()  # the same store and state: it goes on
        assert r.run_until(lambda: r.fix.logons >= 2, 20)
        assert session("TRADECORE", "XVENUE").getExpectedSenderNum() >= sent_before
        r.engine.cancel(CancelOrder(client_order_id=ClientOrderId("A1"), account=AccountId("ACC")))
        assert r.run_until(lambda: r.order("A1").status is S.CANCELED)
        r.engine.submit(order("C1", "FIXV", "0.2"))
        assert r.run_until(lambda: r.order("C1").status is S.FILLED)
        st = venue.state()
        assert "B1" not in st["received"]
        assert all(n == 1 for n in st["received"].values()), st["received"]
        assert res.denial is None or res.denial.reason is ReasonCode.VENUE_UNAVAILABLE
        assert r.refused() == []
    finally:
        r.stop()


def test_a_sequence_gap_from_the_venue_is_filled_and_nothing_is_booked_twice(
    tmp_path: Path,
) -> None:
    v = VenueProcess(tmp_path / "venue", gap=5)
    v.start()
    r = Routed(tmp_path, v.port)
    try:
        assert r.fix.start(20)
        r.engine.submit(order("G1", "FIXV", "0.5"))  # two fills at the venue: the gap after one
        assert r.run_until(lambda: r.order("G1").status is S.FILLED, 20)
        assert "2" in r.fix.edge.admin_sent  # we asked for the skipped numbers
        st = v.state()["orders"]["G1"]
        assert r.order("G1").filled_qty == D(st["cum"]) == D("0.5")
        assert len(r.order("G1").trade_ids) == 2
        r.engine.submit(order("G2", "FIXV", "0.1"))
        assert r.run_until(lambda: r.order("G2").status is S.FILLED)
    finally:
        r.stop()
        v.kill()


def test_an_unanswered_order_is_status_checked_never_resent(
    tmp_path: Path, venue: VenueProcess
) -> None:
    from tradecore.routing.config import RoutingConfig

    r = Routed(tmp_path, venue.port, RoutingConfig(ack_timeout_ms=300))
    try:
        assert r.fix.start(20)
        r.engine.submit(order("LOST1", "FIXV", "0.1", "59000"))  # the venue never answers
        assert r.run_until(lambda: r.order("LOST1").status is S.REJECTED, 15)
        assert r.fix.sent.count("D") == 1 and "H" in r.fix.sent  # asked, not resent
        assert venue.state()["received"] == {"LOST1": 1}
        r.engine.submit(order("OK1", "FIXV", "0.1"))  # the session goes on
        assert r.run_until(lambda: r.order("OK1").status is S.FILLED)
        assert r.refused() == []
    finally:
        r.stop()


def test_a_resend_request_from_the_venue_never_sends_an_order_twice(
    tmp_path: Path, venue: VenueProcess
) -> None:
    r = Routed(tmp_path, venue.port)
    try:
        assert r.fix.start(20)
        r.engine.submit(order("A1", "FIXV", "0.1", "59000"))
        r.engine.submit(order("M1", "FIXV", "0.2"))
        assert r.run_until(lambda: r.order("A1").status is S.ACCEPTED
                           and r.order("M1").status is S.FILLED)  # fmt: skip
        venue.kill()
        venue.resend_from = 1  # restarted, it asks us to resend everything we ever sent
        venue.start()
        assert r.run_until(lambda: r.fix.edge.resends_dropped >= 2, 20)  # gap-filled instead
        assert venue.state()["received"] == {"A1": 1, "M1": 1}
        r.engine.cancel(CancelOrder(client_order_id=ClientOrderId("A1"), account=AccountId("ACC")))
        assert r.run_until(lambda: r.order("A1").status is S.CANCELED)
        assert r.order("M1").filled_qty == D("0.2") and len(r.order("M1").trade_ids) == 1
        assert r.refused() == []
    finally:
        r.stop()
