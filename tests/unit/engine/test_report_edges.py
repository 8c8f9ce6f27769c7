"""Rows of the report table (docs/execution.md) that the hostile-venue property test reaches
rarely: each report for an order we never sent, a reject after the venue acknowledged the
order, a fill that names a replaced order, a fill after an ack timeout. Each has its defined
outcome, journaled, and none raises."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.fakes import ScriptedVenue
from tradecore.engine import Engine, SimClock
from tradecore.model import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    LiquiditySide,
    Money,
    OrderStatus,
    OrderType,
    ReasonCode,
    Side,
    SubmitOrder,
    TradeId,
    Venue,
    VenueOrderId,
)
from tradecore.model.commands import CancelOrder, ReplaceOrder
from tradecore.model.events import OrderAdopted, ReportAnomaly
from tradecore.venues.protocol import ExecutionSink

D = Decimal
MS = 1_000_000
ACCT = AccountId("acct")


Desk = tuple[Engine, SimClock, ScriptedVenue, ExecutionSink, list[ReportAnomaly]]


@pytest.fixture
def desk(engine: Engine, venue: ScriptedVenue) -> Desk:
    """The shared engine and scripted venue (tests/conftest.py), with its anomalies kept."""
    seen: list[ReportAnomaly] = []
    engine.bus.subscribe(ReportAnomaly, seen.append)
    assert venue.sink is not None and isinstance(engine.clock, SimClock)
    return engine, engine.clock, venue, venue.sink, seen


def _submit(eng: Engine, coid: str, qty: str = "2") -> None:
    res = eng.submit(
        SubmitOrder(
            client_order_id=ClientOrderId(coid), account=ACCT,
            instrument_id=InstrumentId("BTC/USD", Venue("FAKE")), side=Side.BUY,
            order_type=OrderType.LIMIT, quantity=D(qty), price=D(100),
        )
    )  # fmt: skip
    assert res.ok, res.denial


def _status(eng: Engine, coid: str) -> OrderStatus:
    o = eng.orders.get(ClientOrderId(coid))
    assert o is not None
    return o.status


def test_every_report_for_an_order_we_never_sent_is_an_unknown_order_anomaly(desk: Desk) -> None:
    eng, _, _, sink, seen = desk
    ghost = ClientOrderId("ghost")
    usd0 = Money.of("0", "USD")
    sink.on_rejected(ghost, ReasonCode.VENUE_REJECT, "no such order")
    sink.on_filled(ghost, TradeId("T1"), D(1), D(100), usd0, LiquiditySide.TAKER)
    sink.on_replaced(ghost, VenueOrderId("V7"))
    sink.on_canceled(ghost, "gone")
    sink.on_expired(ghost)
    assert [(a.report, a.kind, a.outcome) for a in seen] == [
        (r, "UNKNOWN_ORDER", "ignored")
        for r in ("REJECT", "FILL", "REPLACED", "CANCELED", "EXPIRED")
    ]
    assert "T1" in seen[1].detail and "V7" in seen[2].detail  # the venue's words are kept
    assert eng.anomalies == {"UNKNOWN_ORDER": 5} and len(eng.orders) == 0


def test_a_reject_after_the_venue_acknowledged_a_pending_cancel_is_a_contradiction(
    desk: Desk,
) -> None:
    eng, _, venue, sink, seen = desk
    _submit(eng, "a")
    sink.on_accepted(ClientOrderId("a"), VenueOrderId("V1"))
    assert eng.cancel(CancelOrder(client_order_id=ClientOrderId("a"), account=ACCT)).ok
    assert _status(eng, "a") is OrderStatus.PENDING_CANCEL and venue.canceled
    venue.reject("a")  # the venue had acknowledged the order: a reject now contradicts it
    assert _status(eng, "a") is OrderStatus.PENDING_CANCEL  # not closed on a contradiction
    assert [(a.report, a.status, a.kind) for a in seen] == [
        ("REJECT", "PENDING_CANCEL", "CONTRADICTION")
    ]
    sink.on_canceled(ClientOrderId("a"))  # the venue's cancel confirmation closes it
    assert _status(eng, "a") is OrderStatus.CANCELED


def test_a_late_fill_naming_the_replaced_order_is_booked_on_its_replacement(desk: Desk) -> None:
    eng, _, _, sink, seen = desk
    _submit(eng, "old", "2")
    sink.on_accepted(ClientOrderId("old"), VenueOrderId("V1"))
    res = eng.replace(
        ReplaceOrder(
            client_order_id=ClientOrderId("old"), new_client_order_id=ClientOrderId("new"),
            account=ACCT, quantity=D(3),
        )
    )  # fmt: skip
    assert res.ok, res.denial
    sink.on_replaced(ClientOrderId("old"), VenueOrderId("V2"))
    assert _status(eng, "old") is OrderStatus.REPLACED
    usd = Money.of("0.01", "USD")
    sink.on_filled(ClientOrderId("old"), TradeId("T9"), D(1), D(100), usd, LiquiditySide.MAKER)
    new = eng.orders.get(ClientOrderId("new"))
    assert new is not None and new.filled_qty == D(1) and new.leaves_qty == D(2)
    assert seen == []  # a defined outcome, not an anomaly
    # the same trade again, under either id, is a duplicate: booked once
    sink.on_filled(ClientOrderId("new"), TradeId("T9"), D(1), D(100), usd, LiquiditySide.MAKER)
    sink.on_filled(ClientOrderId("old"), TradeId("T9"), D(1), D(100), usd, LiquiditySide.MAKER)
    assert new.filled_qty == D(1)
    assert [a.kind for a in seen] == ["DUPLICATE", "DUPLICATE"]


def test_a_fill_after_an_ack_timeout_adopts_the_order_then_books_the_fill(desk: Desk) -> None:
    eng, clock, _, sink, seen = desk
    adopted: list[OrderAdopted] = []
    eng.bus.subscribe(OrderAdopted, adopted.append)
    _submit(eng, "slow", "1")
    clock.advance_to(clock.now_ns() + 1_001 * MS)  # the ack timeout
    assert _status(eng, "slow") is OrderStatus.REJECTED
    sink.on_filled(
        ClientOrderId("slow"), TradeId("T1"), D(1), D(100), Money.of("0", "USD"),
        LiquiditySide.TAKER,
    )  # fmt: skip
    assert _status(eng, "slow") is OrderStatus.FILLED  # the venue's word wins
    assert len(adopted) == 1 and seen == []


def test_a_fill_for_an_order_the_venue_rejected_or_already_filled_is_a_contradiction(
    desk: Desk,
) -> None:
    eng, _, venue, sink, seen = desk
    _submit(eng, "rej", "1")
    venue.reject("rej")
    _submit(eng, "done", "1")
    sink.on_accepted(ClientOrderId("done"), VenueOrderId("V2"))
    venue.fill("done", "1", "100")
    assert (_status(eng, "rej"), _status(eng, "done")) == (OrderStatus.REJECTED, OrderStatus.FILLED)
    venue.fill("rej", "1", "100")
    venue.fill("done", "1", "100")  # a second trade id on a filled order
    assert [(a.client_order_id, a.status, a.kind) for a in seen] == [
        (ClientOrderId("rej"), "REJECTED", "CONTRADICTION"),
        (ClientOrderId("done"), "FILLED", "CONTRADICTION"),
    ]
    rej, done = eng.orders.get(ClientOrderId("rej")), eng.orders.get(ClientOrderId("done"))
    assert rej is not None and rej.filled_qty == 0
    assert done is not None and done.filled_qty == D(1)
