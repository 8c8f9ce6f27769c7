"""The simulated venue through the engine: latency, TIFs, post-only, fees, faults."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import attach
from tradecore.model import (
    AccountId,
    CancelOrder,
    ClientOrderId,
    InstrumentId,
    LiquiditySide,
    Money,
    OrderFilled,
    OrderStatus,
    OrderType,
    ReplaceOrder,
    Side,
    SubmitOrder,
    TimeInForce,
    spot,
)
from tradecore.venues.model import FeeSchedule, VenueModel
from tradecore.venues.sim.client import SimVenueClient, SimVenueConfig

D = Decimal
ACC = AccountId("acc")
IID = InstrumentId.parse("BTC/USD@SIMA")


def make(
    config: SimVenueConfig | None = None,
) -> tuple[Engine, SimVenueClient, SimClock, list[OrderFilled]]:
    clock = SimClock(1_000_000_000)
    inst = spot("BTC/USD", "SIMA", tick="0.5", lot="0.1")
    model = VenueModel(IID.venue, FeeSchedule(maker_bps=D("-1"), taker_bps=D("7.5")), {IID: inst})
    v = SimVenueClient(model, clock, config or SimVenueConfig(ack_jitter_us=0))
    eng = Engine(clock, InstrumentRegistry([inst]))
    attach(eng, [v])
    v.on_market(
        IID,
        ((D(99), D(1)), (D("98.5"), D(2))),
        ((D(100), D(1)), (D("100.5"), D(2)), (D(101), D(5))),
    )
    fills: list[OrderFilled] = []
    eng.bus.subscribe(OrderFilled, fills.append)
    return eng, v, clock, fills


def order(
    coid: str,
    side: Side,
    qty: str,
    px: str | None = None,
    tif: TimeInForce = TimeInForce.GTC,
    post_only: bool = False,
) -> SubmitOrder:
    return SubmitOrder(
        client_order_id=ClientOrderId(coid), account=ACC, instrument_id=IID, side=side,
        order_type=OrderType.MARKET if px is None else OrderType.LIMIT,
        quantity=D(qty), price=None if px is None else D(px), time_in_force=tif,
        post_only=post_only,
    )  # fmt: skip


def test_nothing_happens_before_the_ack_latency() -> None:
    eng, _, clock, fills = make()
    res = eng.submit(order("m", Side.BUY, "2.5"))
    assert res.order is not None and res.order.status is OrderStatus.SUBMITTED
    clock.advance_to(clock.now_ns() + 299_000)
    assert res.order.status is OrderStatus.SUBMITTED
    clock.run_all()
    assert res.order.status is OrderStatus.FILLED
    assert [(f.price, f.quantity) for f in fills] == [(D(100), D(1)), (D("100.5"), D("1.5"))]


def test_taker_fee_is_exact_bps_of_notional() -> None:
    eng, _, clock, fills = make()
    eng.submit(order("m", Side.BUY, "1.3"))
    clock.run_all()
    # 1 x 100 x 7.5bp = 0.075 ; 0.3 x 100.5 x 7.5bp = 0.02261250
    assert [f.fee for f in fills] == [Money.of("0.0750", "USD"), Money.of("0.022612500", "USD")]
    assert all(f.liquidity is LiquiditySide.TAKER for f in fills)


def test_maker_rebate_when_a_resting_order_is_crossed() -> None:
    eng, v, clock, fills = make()
    eng.submit(order("bid", Side.BUY, "1", "99.5"))
    clock.run_all()
    v.on_market(IID, ((D(98), D(1)),), ((D("99.5"), D(3)),))
    clock.run_all()
    assert len(fills) == 1 and fills[0].liquidity is LiquiditySide.MAKER
    assert fills[0].price == D("99.5") and fills[0].fee == Money.of("-0.00995", "USD")


def test_ioc_remainder_is_canceled_and_fok_all_or_nothing() -> None:
    eng, _, clock, _ = make()
    ioc = eng.submit(order("ioc", Side.BUY, "5", "100.5", TimeInForce.IOC)).order
    fok = eng.submit(order("fok", Side.BUY, "50", "101", TimeInForce.FOK)).order
    clock.run_all()
    assert ioc is not None and fok is not None
    assert ioc.status is OrderStatus.CANCELED and ioc.filled_qty == D(3)
    assert fok.status is OrderStatus.CANCELED and fok.filled_qty == 0


def test_post_only_that_would_cross_is_rejected() -> None:
    eng, _, clock, _ = make()
    o = eng.submit(order("po", Side.BUY, "1", "100", post_only=True)).order
    clock.run_all()
    assert o is not None and o.status is OrderStatus.REJECTED


def test_cancel_and_replace_of_a_resting_order() -> None:
    eng, _, clock, _ = make()
    eng.submit(order("r", Side.SELL, "1", "102"))
    clock.run_all()
    eng.replace(
        ReplaceOrder(
            client_order_id=ClientOrderId("r"),
            new_client_order_id=ClientOrderId("r2"),
            account=ACC,
            price=D("103"),
        )
    )
    clock.run_all()
    r2 = eng.orders.get(ClientOrderId("r2"))
    assert r2 is not None and r2.status is OrderStatus.ACCEPTED and r2.price == D(103)
    eng.cancel(CancelOrder(client_order_id=ClientOrderId("r2"), account=ACC))
    clock.run_all()
    assert r2.status is OrderStatus.CANCELED


def test_day_orders_expire_at_midnight_utc() -> None:
    eng, _, clock, _ = make()
    o = eng.submit(order("d", Side.SELL, "1", "110", TimeInForce.DAY)).order
    clock.advance_to(clock.now_ns() + 86_400 * 10**9)
    assert o is not None and o.status is OrderStatus.EXPIRED


def test_injected_rejects_and_outages() -> None:
    eng, _v, clock, _ = make(SimVenueConfig(reject_rate=1.0))
    o = eng.submit(order("x", Side.BUY, "1")).order
    clock.run_all()
    assert o is not None and o.status is OrderStatus.REJECTED
    eng2, v2, clock2, _ = make()
    v2.set_down(True)
    o2 = eng2.submit(order("y", Side.BUY, "1")).order
    clock2.run_all()
    assert o2 is not None and o2.status is OrderStatus.REJECTED


def test_a_timed_out_order_executes_silently_and_order_status_tells_the_truth() -> None:
    eng, v, clock, fills = make(SimVenueConfig(timeout_rate=1.0))
    o = eng.submit(order("t", Side.BUY, "1.5")).order
    clock.advance_to(clock.now_ns() + 500_000_000)  # before the 1 s ack timeout
    assert o is not None and o.status is OrderStatus.SUBMITTED and fills == []
    st_ = v.order_status(ClientOrderId("t"))
    assert st_.known and not st_.open and st_.filled_qty == D("1.5")
    assert st_.avg_px is not None and D(100) < st_.avg_px < D("100.5")
    # the ack timeout asks the venue and books its own trades (ids, prices, fees)
    clock.run_all()
    assert o.status is OrderStatus.FILLED and o.filled_qty == D("1.5")
    assert [f.trade_id for f in fills] == [t.trade_id for t in st_.trades]
    assert [f.fee.amount for f in fills] == [t.fee for t in st_.trades]


@given(
    st.lists(
        st.tuples(st.sampled_from([Side.BUY, Side.SELL]), st.integers(1, 40), st.integers(-6, 6)),
        max_size=30,
    )
)
def test_fees_are_exact_and_fills_never_exceed_orders(flow: list[tuple[Side, int, int]]) -> None:
    eng, _, clock, fills = make()
    for i, (side, lots, off) in enumerate(flow):
        eng.submit(order(f"h{i}", side, str(D(lots) / 10), str(D(100) + D(off) / 2)))
        clock.run_all()
    for f in fills:
        bps = D("-1") if f.liquidity is LiquiditySide.MAKER else D("7.5")
        assert f.fee.amount == f.quantity * f.price * bps / 10_000
    for o in eng.orders:
        assert o.filled_qty <= o.quantity
        assert o.filled_qty == sum(
            (f.quantity for f in fills if f.client_order_id == o.client_order_id), D(0)
        )


def test_fill_delay_follows_its_configured_distribution() -> None:
    eng, _, clock, fills = make(
        SimVenueConfig(ack_jitter_us=0, fill_delay_us=100, fill_jitter_us=400, seed=3)
    )
    times = []
    for i in range(20):
        start = clock.now_ns()
        eng.submit(order(f"j{i}", Side.BUY if i % 2 else Side.SELL, "0.1"))
        clock.run_all()
        times.append((fills[-1].ts - start) // 1000 - 300)  # minus the 300 us ack latency
    assert all(100 <= t <= 500 for t in times) and len(set(times)) > 5


def test_the_venue_forgets_old_closed_orders_but_answers_for_recent_ones() -> None:
    eng, v, clock, _ = make(SimVenueConfig(ack_jitter_us=0, retain_closed=5))
    eng.submit(order("rest", Side.BUY, "0.1", "90"))  # rests: never forgotten while open
    for i in range(20):
        eng.submit(order(f"c{i}", Side.BUY if i % 2 else Side.SELL, "0.1"))
        clock.run_all()
    assert len(v._tickets) == 6  # 5 recent closed + the resting one
    assert not v.order_status(ClientOrderId("c0")).known
    assert v.order_status(ClientOrderId("c19")).known and v.order_status(ClientOrderId("rest")).open
