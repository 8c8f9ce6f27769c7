"""The planner's memo of plans: a plan comes from it only while the books are unchanged, and
a memoised plan is the plan the planner would make afresh."""

from __future__ import annotations

from decimal import Decimal

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.model import ClientOrderId, InstrumentId, OrderType, Side, TimeInForce, Venue
from tradecore.model.orders import Order
from tradecore.routing.config import RoutingConfig
from tradecore.routing.planner import Plan, Planner

from .conftest import ACC, SYMBOL, Market, build_market

D = Decimal


def _order(side: Side, qty: str, price: str | None = None) -> Order:
    return Order(
        ClientOrderId("probe"), ACC, InstrumentId(SYMBOL, Venue("SMART")), side,
        OrderType.MARKET if price is None else OrderType.LIMIT, D(qty),
        None if price is None else D(price), TimeInForce.IOC,
    )  # fmt: skip


def _fresh(m: Market, order: Order) -> Plan:
    cfg = RoutingConfig(latency_penalty_bps_per_ms=D(0), cache_size=0)
    return Planner(cfg).plan(order, m.router.view)


def _move(m: Market) -> None:
    """A new market update on every venue (book versions move on, levels unchanged)."""
    m.reset_books()


def test_the_same_order_on_unchanged_books_is_planned_once() -> None:
    m = build_market()
    planner = m.router.planner
    first = planner.plan(_order(Side.BUY, "1.5"), m.router.view)
    again = planner.plan(_order(Side.BUY, "1.5"), m.router.view)
    assert not first.cached and again.cached and planner.cache_hits == 1
    assert again.children == first.children and again.reason == first.reason


def test_a_book_update_ends_every_memoised_plan() -> None:
    m = build_market()
    planner = m.router.planner
    planner.plan(_order(Side.BUY, "1.5"), m.router.view)
    planner.plan(_order(Side.BUY, "1.5"), m.router.view)
    _move(m)
    after = planner.plan(_order(Side.BUY, "1.5"), m.router.view)
    assert not after.cached and planner.cache_hits == 1
    assert after.children == _fresh(m, _order(Side.BUY, "1.5")).children


def test_another_order_on_the_same_books_is_not_served_the_first_ones_plan() -> None:
    m = build_market()
    planner = m.router.planner
    planner.plan(_order(Side.BUY, "1.5"), m.router.view)
    other = planner.plan(_order(Side.BUY, "2.5"), m.router.view)
    sell = planner.plan(_order(Side.SELL, "1.5"), m.router.view)
    assert not other.cached and not sell.cached
    assert other.children == _fresh(m, _order(Side.BUY, "2.5")).children
    assert sell.children == _fresh(m, _order(Side.SELL, "1.5")).children


_STEP = st.tuples(
    st.booleans(),  # the books move before this order
    st.sampled_from([Side.BUY, Side.SELL]),
    st.sampled_from(["0.5", "1", "1.5", "2.5", "4"]),
    st.sampled_from([None, "100.00", "100.25", "99.90", "99.70"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_STEP, min_size=1, max_size=12))
def test_a_memoised_plan_equals_the_fresh_plan(
    steps: list[tuple[bool, Side, str, str | None]],
) -> None:
    m = build_market()
    planner = m.router.planner
    for move, side, qty, price in steps:
        if move:
            _move(m)
        order = _order(side, qty, price)
        got = planner.plan(order, m.router.view)
        fresh = _fresh(m, order)
        assert msgspec.structs.replace(got, cached=False) == fresh
