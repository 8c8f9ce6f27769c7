"""Stops the engine holds itself: SMART stops (no venue can hold a stop for the consolidated
book) and direct stops for venues that do not take stop orders."""

from __future__ import annotations

from decimal import Decimal

from tests.fakes import ScriptedVenue
from tests.unit.routing.conftest import ACC, ASKS, BIDS, SYMBOL, Market, build_market
from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import attach
from tradecore.model import (
    CancelOrder,
    ClientOrderId,
    InstrumentId,
    OrderStatus,
    OrderType,
    Side,
    SubmitOrder,
    TimeInForce,
    Venue,
    spot,
)
from tradecore.model.market import Quote
from tradecore.routing.config import RoutingConfig

D = Decimal


def _market() -> Market:
    m = build_market(RoutingConfig(latency_penalty_bps_per_ms=D(0)))
    for name, v in m.venues.items():
        v.subscribe_quotes(InstrumentId(SYMBOL, Venue(name)), m.engine.on_quote)
    m.reset_books()  # quotes now reach the engine
    return m


def _stop(coid: str, side: Side, trigger: str, price: str | None = None) -> SubmitOrder:
    return SubmitOrder(
        client_order_id=ClientOrderId(coid), account=ACC,
        instrument_id=InstrumentId(SYMBOL, Venue("SMART")), side=side,
        order_type=OrderType.STOP_MARKET if price is None else OrderType.STOP_LIMIT,
        quantity=D(1), price=None if price is None else D(price), trigger_price=D(trigger),
        time_in_force=TimeInForce.GTC if price is not None else TimeInForce.IOC,
    )  # fmt: skip


def _shift(m: Market, by: str) -> None:
    """Every venue's book moves by ``by``."""
    for name, v in m.venues.items():
        bids = tuple((p + D(by), s) for p, s in BIDS[name])
        asks = tuple((p + D(by), s) for p, s in ASKS[name])
        v.on_market(InstrumentId(SYMBOL, Venue(name)), bids, asks)


def test_a_smart_stop_waits_for_the_consolidated_book_then_routes() -> None:
    m = _market()
    assert m.engine.submit(_stop("S", Side.BUY, "101.00")).ok
    m.clock.run_all()
    parent = m.engine.orders.get(ClientOrderId("S"))
    assert parent is not None and parent.status is OrderStatus.ACCEPTED
    assert m.engine.orders.children(ClientOrderId("S")) == []  # held, not at any venue
    _shift(m, "0.95")  # lowest ask 100.95: below the trigger on every venue
    m.clock.run_all()
    assert parent.status is OrderStatus.ACCEPTED
    _shift(m, "1.00")  # lowest ask 101.00 reaches it: a MARKET parent now
    m.clock.run_all()
    assert parent.status is OrderStatus.FILLED and parent.filled_qty == D(1)
    assert m.engine.orders.children(ClientOrderId("S"))


def test_a_smart_stop_whose_condition_holds_on_arrival_fires_at_once() -> None:
    m = _market()
    m.engine.submit(_stop("S", Side.SELL, "99.95", price="99.50"))  # best bid 99.95 already
    m.clock.run_all()
    parent = m.engine.orders.get(ClientOrderId("S"))
    assert parent is not None and parent.filled_qty == D(1)


def test_a_held_stop_can_be_cancelled_and_never_fires() -> None:
    m = _market()
    m.engine.submit(_stop("S", Side.BUY, "105.00"))
    res = m.engine.cancel(CancelOrder(client_order_id=ClientOrderId("S"), account=ACC))
    assert res.ok
    m.clock.run_all()
    _shift(m, "10")
    m.clock.run_all()
    parent = m.engine.orders.get(ClientOrderId("S"))
    assert parent is not None and parent.status is OrderStatus.CANCELED
    assert m.engine.orders.children(ClientOrderId("S")) == []
    assert len(m.router.stops) == 0


def test_a_direct_stop_for_a_venue_without_stop_orders_is_emulated() -> None:
    venue = ScriptedVenue("FAKE")
    venue.supports_stops = False  # type: ignore[attr-defined]
    clock = SimClock(1_000)
    inst = spot("BTC/USD", "FAKE", tick="0.01", lot="0.001")
    eng = Engine(clock, InstrumentRegistry([inst]))
    attach(eng, [venue])
    eng.submit(
        SubmitOrder(
            client_order_id=ClientOrderId("d"), account=ACC, instrument_id=inst.id,
            side=Side.SELL, order_type=OrderType.STOP_MARKET, quantity=D(1),
            trigger_price=D("95.00"),
        )
    )  # fmt: skip
    assert venue.submitted == []  # the venue never sees a stop it cannot hold
    eng.on_quote(Quote(inst.id, D("96"), D(1), D("96.5"), D(1), 2_000))
    assert venue.submitted == []
    eng.on_quote(Quote(inst.id, D("95"), D(1), D("95.5"), D(1), 3_000))
    assert [(o.client_order_id, o.order_type) for o in venue.submitted] == [("d", OrderType.MARKET)]
    venue.fill("d", "1", "95")
    o = eng.orders.get(ClientOrderId("d"))
    assert o is not None and o.status is OrderStatus.FILLED


def test_held_stops_are_watched_again_after_a_restart() -> None:
    from tradecore.model.events import ORDER_EVENTS

    a = _market()
    journal: list[object] = []
    for kind in ORDER_EVENTS:
        a.engine.bus.subscribe(kind, journal.append)
    a.engine.submit(_stop("S", Side.BUY, "101.00"))
    a.clock.run_all()
    b = _market()  # a new process: same venues and books, state from the journal
    b.engine.replaying = True
    for e in journal:
        b.engine.apply_event(e)  # type: ignore[arg-type]
    b.engine.replaying = False
    b.router.recovered()
    assert len(b.router.stops) == 1
    _shift(b, "1.00")
    b.clock.run_all()
    parent = b.engine.orders.get(ClientOrderId("S"))
    assert parent is not None and parent.status is OrderStatus.FILLED
