"""Reports that contradict the engine's view: each is journaled as an anomaly, the venue is
asked (its truthful ``order_status`` wins, applied by the one reconciliation), never raised."""

from __future__ import annotations

from decimal import Decimal

from tests.fakes import ScriptedVenue
from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import attach
from tradecore.model import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    LiquiditySide,
    Money,
    OrderStatus,
    OrderType,
    ReplaceOrder,
    Side,
    SubmitOrder,
    TradeId,
    Venue,
    VenueOrderId,
    spot,
)
from tradecore.model.events import ReportAnomaly
from tradecore.venues.protocol import VenueOrderStatus, VenueTrade

D = Decimal
S = OrderStatus


class StatusVenue(ScriptedVenue):
    """A scripted venue whose ``order_status`` answers what the test set (and counts asks)."""

    def __init__(self) -> None:
        super().__init__(auto_accept=True)
        self.status: VenueOrderStatus | None = None
        self.asked = 0

    def order_status(self, coid: ClientOrderId) -> VenueOrderStatus:
        self.asked += 1
        return self.status if self.status is not None else super().order_status(coid)


def _setup() -> tuple[Engine, StatusVenue, list[ReportAnomaly]]:
    venue = StatusVenue()
    eng = Engine(
        SimClock(1_000), InstrumentRegistry([spot("BTC/USD", "FAKE", tick="0.01", lot="0.001")])
    )
    attach(eng, [venue])
    seen: list[ReportAnomaly] = []
    eng.bus.subscribe(ReportAnomaly, seen.append)
    return eng, venue, seen


def _submit(eng: Engine, coid: str = "o1", qty: str = "1") -> None:
    cmd = SubmitOrder(
        client_order_id=ClientOrderId(coid), account=AccountId("acct"),
        instrument_id=InstrumentId("BTC/USD", Venue("FAKE")), side=Side.BUY,
        order_type=OrderType.LIMIT, quantity=D(qty), price=D(100),
    )  # fmt: skip
    res = eng.submit(cmd)
    assert res.order is not None and res.order.status is S.ACCEPTED


def _fill(venue: StatusVenue, coid: str, tid: str, qty: str, px: str, fee: str = "0") -> None:
    assert venue.sink is not None
    venue.sink.on_filled(
        ClientOrderId(coid), TradeId(tid), D(qty), D(px), Money.of(fee, "USD"),
        LiquiditySide.MAKER,
    )  # fmt: skip


def _known(coid: str, filled: str, avg: str | None, *trades: VenueTrade) -> VenueOrderStatus:
    return VenueOrderStatus(
        ClientOrderId(coid), VenueOrderId("FAKE-1"), True, D(filled) < 1, D(filled),
        None if avg is None else D(avg), trades,
    )  # fmt: skip


def test_an_overfill_is_refused_and_the_venues_own_trades_are_booked_instead() -> None:
    eng, venue, seen = _setup()
    _submit(eng)
    venue.status = _known("o1", "1", "100.5", VenueTrade("V-7", D(1), D("100.5"), D("0.2")))
    _fill(venue, "o1", "bogus", "1.5", "100")  # more than the order's quantity
    o = eng.orders.get(ClientOrderId("o1"))
    assert o is not None
    assert [a.kind for a in seen] == ["OVERFILL"] and venue.asked == 1
    # the venue's word: its trade id, price and fee, booked exactly once
    assert o.status is S.FILLED and o.filled_qty == 1 and o.trade_ids == ("V-7",)
    assert o.avg_px == D("100.5")


def test_a_non_positive_fill_is_a_contradiction_the_venue_is_asked_at_most_3_times() -> None:
    eng, venue, seen = _setup()
    _submit(eng)
    for i in range(5):
        _fill(venue, "o1", f"zero-{i}", "0", "100")
    o = eng.orders.get(ClientOrderId("o1"))
    assert o is not None and o.status is S.ACCEPTED and o.filled_qty == 0
    assert [a.kind for a in seen] == ["CONTRADICTION"] * 5
    assert all(a.outcome == "ignored" and "not positive" in a.detail for a in seen)
    assert venue.asked == 3  # then the anomalies in the journal are the record


def test_a_status_without_a_trade_list_books_the_difference_at_the_venues_average() -> None:
    eng, venue, seen = _setup()
    _submit(eng, qty="2")
    _fill(venue, "o1", "T-a", "1", "100")
    # the venue says 1.5 filled at an average of 101 but lists no trades
    venue.status = VenueOrderStatus(
        ClientOrderId("o1"), VenueOrderId("FAKE-1"), True, True, D("1.5"), D(101), ()
    )
    _fill(venue, "o1", "bad", "-1", "100")  # a contradiction makes the engine ask
    o = eng.orders.get(ClientOrderId("o1"))
    assert o is not None and o.filled_qty == D("1.5") and o.status is S.PARTIALLY_FILLED
    assert o.trade_ids[-1] == "o1-recon-1.5" and [a.kind for a in seen] == ["CONTRADICTION"]
    # 1 @ 100 + 0.5 @ px = 1.5 @ 101  =>  px = 103: the notional equals the venue's
    assert o.notional == D("151.5") and o.avg_px == D(101)


def test_a_replace_acknowledged_after_the_order_filled_cancels_the_replacement() -> None:
    eng, venue, seen = _setup()
    _submit(eng)
    cmd = ReplaceOrder(
        client_order_id=ClientOrderId("o1"), new_client_order_id=ClientOrderId("o1-r"),
        account=AccountId("acct"), price=D(99),
    )  # fmt: skip
    res = eng.replace(cmd)
    assert res.ok and venue.replaced
    _fill(venue, "o1", "T-1", "1", "100")  # the original filled before the replace landed
    o = eng.orders.get(ClientOrderId("o1"))
    assert o is not None and o.status is S.FILLED
    assert venue.sink is not None
    venue.sink.on_replaced(ClientOrderId("o1"), VenueOrderId("FAKE-2"))
    assert seen and seen[-1].report == "REPLACED" and seen[-1].status == "FILLED"
    # nothing may stay live unseen: the replacement the venue may hold is cancelled
    assert [c.client_order_id for c in venue.canceled] == ["o1-r"]
    assert o.status is S.FILLED and o.filled_qty == 1
