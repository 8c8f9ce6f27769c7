"""A simulated venue rebuilt from what the engine knows (service/resume.py's rebuild) holds the
same book as the venue that never stopped: our resting orders with their leaves and queue
order, and the market makers' depth less what it traded against us at the last update."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.unit.sim.test_sim_venue import IID, make, order
from tradecore.model import LiquiditySide, OrderFilled, Side
from tradecore.venues.sim.client import SimVenueClient, SimVenueConfig

D = Decimal

resting = st.lists(
    st.tuples(
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(1, 30),  # quantity in lots of 0.1
        st.integers(0, 6),  # ticks of 0.5 away from 100 (buys below, sells above: ours never cross)
    ),
    min_size=1,
    max_size=8,
)


def book_of(v: SimVenueClient) -> tuple[object, ...]:
    b = v.books[IID]
    own = sorted((r, b.get(r).qty) for r in list(b._refs))  # type: ignore[union-attr]
    return tuple(b.bids.depth(30)), tuple(b.asks.depth(30)), tuple(own)


@given(resting, st.integers(-8, 8))
def test_a_rebuilt_venue_has_the_book_of_the_one_that_never_stopped(
    orders: list[tuple[Side, int, int]], move: int
) -> None:
    eng, v, clock, fills = make(SimVenueConfig(ack_jitter_us=0))
    for i, (side, lots, off) in enumerate(orders):
        px = D(100) - D(off) / 2 if side is Side.BUY else D("100.5") + D(off) / 2
        eng.submit(order(f"r{i}", side, str(D(lots) / 10), str(px)))
    clock.advance_to(clock.now_ns() + 1_000_000)  # every order arrives (some trade, some rest)
    mid = D(100) + D(move) / 2  # the market moves: its new quotes may cross what rests
    bids = ((mid - D("0.5"), D(1)), (mid - D(1), D(2)), (mid - D("1.5"), D(3)))
    asks = ((mid + D("0.5"), D(1)), (mid + D(1), D(2)), (mid + D("1.5"), D(3)))
    seen = len(fills)
    ts = clock.now_ns()
    v.on_market(IID, bids, asks)
    passive: dict[str, Decimal] = {}
    for f in fills[seen:]:
        assert isinstance(f, OrderFilled) and f.liquidity is LiquiditySide.MAKER and f.ts == ts
        passive[f.client_order_id] = passive.get(f.client_order_id, D(0)) + f.quantity

    _, fresh, _, _ = make(SimVenueConfig(ack_jitter_us=0))
    fresh.books[IID] = type(fresh.books[IID])()  # a restarted venue: an empty book
    open_ = [o for o in eng.orders.open_orders() if o.venue_order_id is not None]
    for o in sorted(open_, key=lambda o: int(o.client_order_id[1:])):  # acceptance order
        fresh.restore_resting(o)
    made = [(o, passive[o.client_order_id]) for o in eng.orders if o.client_order_id in passive]
    assert fresh.restore_depth(IID, bids, asks, made) == 0
    assert book_of(fresh) == book_of(v)


def test_a_request_in_flight_arrives_when_it_was_due_after_a_rebuild() -> None:
    eng, _v, clock, _ = make(SimVenueConfig(ack_latency_us=300, ack_jitter_us=200, seed=5))
    sent = clock.now_ns()
    eng.submit(order("x", Side.BUY, "0.5"))
    due = clock.next_time()
    _, fresh, clock2, _ = make(SimVenueConfig(ack_latency_us=300, ack_jitter_us=200, seed=5))
    o = eng.orders.get("x")  # type: ignore[arg-type]
    assert o is not None and due is not None
    fresh.restore_arrival(o, sent)
    assert clock2.next_time() == due  # the same draw: seed, order id and send time
