"""Two of our own orders that meet at one simulated venue: both legs are reported.

Found in issue 13: only the taker leg was reported; the resting order lost quantity at the
venue while the engine still showed it unfilled (a one-legged position)."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.sim.simkit import order, send, venue
from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import attach
from tradecore.model import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    LiquiditySide,
    OrderFilled,
    OrderStatus,
    OrderType,
    Side,
    SubmitOrder,
    spot,
)
from tradecore.venues.model import FeeSchedule, VenueModel
from tradecore.venues.sim.client import SimVenueClient, SimVenueConfig

D = Decimal
IID = InstrumentId.parse("BTC/USD@SIMA")


def make() -> tuple[Engine, SimVenueClient, SimClock, list[OrderFilled]]:
    clock = SimClock(1_000_000_000)
    inst = spot("BTC/USD", "SIMA", tick="0.5", lot="0.1")
    model = VenueModel(IID.venue, FeeSchedule(maker_bps=D("-1"), taker_bps=D("7.5")), {IID: inst})
    v = SimVenueClient(model, clock, SimVenueConfig(ack_jitter_us=0))
    eng = Engine(clock, InstrumentRegistry([inst]))
    attach(eng, [v])
    v.on_market(IID, ((D(99), D(1)),), ((D(101), D(1)),))
    fills: list[OrderFilled] = []
    eng.bus.subscribe(OrderFilled, fills.append)
    return eng, v, clock, fills


def limit(coid: str, account: str, side: Side, qty: str, px: str) -> SubmitOrder:
    return SubmitOrder(
        client_order_id=ClientOrderId(coid), account=AccountId(account), instrument_id=IID,
        side=side, order_type=OrderType.LIMIT, quantity=D(qty), price=D(px),
    )  # fmt: skip


def test_own_orders_of_two_accounts_that_cross_report_both_legs() -> None:
    eng, v, clock, fills = make()
    eng.submit(limit("rest", "A", Side.SELL, "2", "100"))  # inside the spread: rests
    clock.run_all()
    eng.submit(limit("take", "B", Side.BUY, "1.5", "100"))
    clock.run_all()
    by = {f.client_order_id: f for f in fills}
    assert set(by) == {"rest", "take"}
    maker, taker = by[ClientOrderId("rest")], by[ClientOrderId("take")]
    assert maker.trade_id != taker.trade_id
    assert (maker.quantity, maker.price, maker.liquidity) == (D("1.5"), D(100), LiquiditySide.MAKER)
    assert (taker.quantity, taker.price, taker.liquidity) == (D("1.5"), D(100), LiquiditySide.TAKER)
    assert maker.fee.amount == D("-0.015")  # maker rebate: 150 x -1 bp
    assert taker.fee.amount == D("0.1125")  # taker fee: 150 x 7.5 bp
    rest = eng.orders.get(ClientOrderId("rest"))
    assert rest is not None and rest.status is OrderStatus.PARTIALLY_FILLED
    st = v.order_status(ClientOrderId("rest"))
    assert st.open and st.filled_qty == rest.filled_qty == D("1.5")
    assert [t[0] for t in st.trades] == [maker.trade_id]
    assert v.order_status(ClientOrderId("take")).filled_qty == D("1.5")


def test_a_self_match_within_one_account_books_both_legs_when_stp_is_off() -> None:
    eng, v, clock, fills = make()
    eng.submit(limit("bid", "A", Side.BUY, "1", "100"))
    clock.run_all()
    eng.submit(limit("ask", "A", Side.SELL, "1", "100"))
    clock.run_all()
    assert sorted((f.client_order_id, f.liquidity) for f in fills) == [
        ("ask", LiquiditySide.TAKER),
        ("bid", LiquiditySide.MAKER),
    ]
    for coid in ("bid", "ask"):
        o = eng.orders.get(ClientOrderId(coid))
        assert o is not None and o.status is OrderStatus.FILLED
        assert v.order_status(ClientOrderId(coid)).filled_qty == o.filled_qty == D(1)
    assert v.self_matches == 1 and v.self_matches_prevented == 0


def test_a_cancel_confirm_never_overtakes_a_fill_of_the_same_order() -> None:
    v, clock, rec = venue(fill_delay_us=2000)  # fills take longer than a cancel's trip
    rest = order("rest", "A", Side.SELL, "2", "100")
    send(v, clock, rest)
    v.submit(order("take", "B", Side.BUY, "1", "100"))
    clock.advance_to(clock.now_ns() + 300_000)  # the taker has arrived and matched
    v.cancel(rest)  # arrives 300 µs later, before the 2 ms fill report
    clock.run_all()
    assert [r for c, r in rec.log if c == "rest"] == ["fill", "canceled"]
    assert rec.filled("rest") == D(1)
