"""The matching engine: price-time priority, never crossed, never overfilled."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradecore.model import Side
from tradecore.venues.sim.book import OrderBook

D = Decimal


def test_incoming_order_walks_the_book_best_price_first() -> None:
    b = OrderBook()
    b.replace_synthetic([], [(D("100"), D("1")), (D("101"), D("2")), (D("102"), D("5"))])
    fills = b.match(Side.BUY, D("2.5"), None)
    assert [(f.price, f.qty) for f in fills] == [(D("100"), D("1")), (D("101"), D("1.5"))]
    assert b.best_ask() == D("101") and b.asks.size_at(D("101")) == D("0.5")


def test_limit_stops_at_the_limit_price() -> None:
    b = OrderBook()
    b.replace_synthetic([], [(D("100"), D("1")), (D("101"), D("2"))])
    fills = b.match(Side.BUY, D("5"), D("100"))
    assert sum(f.qty for f in fills) == D("1")


def test_time_priority_within_a_level() -> None:
    b = OrderBook()
    b.add("first", "first", Side.SELL, D("100"), D("1"))
    b.add("second", "second", Side.SELL, D("100"), D("1"))
    fills = b.match(Side.BUY, D("1.5"), None)
    assert [(f.maker_ref, f.qty) for f in fills] == [("first", D("1")), ("second", D("0.5"))]


def test_size_down_keeps_priority_but_price_change_loses_it() -> None:
    b = OrderBook()
    b.add("a", "a", Side.SELL, D("100"), D("2"))
    b.add("b", "b", Side.SELL, D("100"), D("2"))
    b.amend("a", "a2", D("1"), D("100"))  # size down: still first
    assert b.match(Side.BUY, D("1"), None)[0].maker_ref == "a2"
    b.add("c", "c", Side.SELL, D("100"), D("2"))
    b.amend("b", "b2", D("3"), D("100"))  # size up: to the back, behind c
    assert [f.maker_ref for f in b.match(Side.BUY, D("5"), None)] == ["c", "b2"]


def test_resting_order_crossed_by_new_quotes_fills_passively_at_its_price() -> None:
    b = OrderBook()
    b.replace_synthetic([(D("99"), D("1"))], [(D("101"), D("1"))])
    b.add("mine", "mine", Side.BUY, D("100"), D("2"))
    fills = b.replace_synthetic([(D("98"), D("1"))], [(D("99.5"), D("1.5")), (D("100.5"), D("4"))])
    assert [(f.maker_owner, f.price, f.qty) for f in fills] == [("mine", D("100"), D("1.5"))]
    assert not b.is_crossed()
    assert b.get("mine") is not None and b.get("mine").qty == D("0.5")  # type: ignore[union-attr]


prices = st.integers(min_value=90, max_value=110).map(D)
sizes = st.integers(min_value=1, max_value=50).map(lambda n: D(n) / 10)
ops = st.lists(
    st.tuples(st.sampled_from([Side.BUY, Side.SELL]), prices, sizes, st.booleans()),
    min_size=1,
    max_size=60,
)


def _apply_limit(b: OrderBook, ref: str, side: Side, px: Decimal, qty: Decimal, rest: bool):  # type: ignore[no-untyped-def]
    fills = b.match(side, qty, px, taker=ref)
    left = qty - sum((f.qty for f in fills), D(0))
    if rest and left > 0:
        b.add(ref, ref, side, px, left)
    return fills, left


@given(ops)
def test_book_is_never_crossed_and_nothing_is_overfilled(
    seq: list[tuple[Side, Decimal, Decimal, bool]],
) -> None:
    b = OrderBook()
    resting_before: dict[str, Decimal] = {}
    for i, (side, px, qty, rest) in enumerate(seq):
        ref = f"o{i}"
        before = {r: x.qty for r, x in b._refs.items()}
        fills, left = _apply_limit(b, ref, side, px, qty, rest)
        assert sum((f.qty for f in fills), D(0)) <= qty
        assert left >= 0
        for f in fills:
            assert f.qty > 0
            assert f.qty <= before[f.maker_ref]
            # never through the limit
            assert (f.price <= px) if side is Side.BUY else (f.price >= px)
        assert not b.is_crossed()
        for x in b._refs.values():
            assert x.qty > 0
        resting_before = before
    assert resting_before is not None


@given(ops)
def test_fills_respect_price_then_time_priority(
    seq: list[tuple[Side, Decimal, Decimal, bool]],
) -> None:
    b = OrderBook()
    for i, (side, px, qty, rest) in enumerate(seq):
        opp = b.asks if side is Side.BUY else b.bids
        snapshot = [(p, [(r.ref, r.stamp) for r in opp.levels[p]]) for p in opp.prices_best_first()]
        fills, _ = _apply_limit(b, f"o{i}", side, px, qty, rest)
        # the fills must be exactly a prefix of the opposite side in (price, time) order
        expected = [ref for _, q in snapshot for ref, _ in q]
        got = [f.maker_ref for f in fills]
        assert got == expected[: len(got)]
        assert [f.price for f in fills] == sorted(
            (f.price for f in fills), reverse=side is Side.SELL
        )


@given(ops)
def test_level_totals_always_equal_the_sum_of_their_queues(
    seq: list[tuple[Side, Decimal, Decimal, bool]],
) -> None:
    b = OrderBook()
    b.replace_synthetic([(D(95), D(3))], [(D(105), D(3))])
    for i, (side, px, qty, rest) in enumerate(seq):
        _apply_limit(b, f"o{i}", side, px, qty, rest)
        if i % 7 == 3:
            b.replace_synthetic([(px - 5, D(2))], [(px + 5, D(2))])
        if i % 5 == 2 and b.get(f"o{i}") is not None:
            b.amend(f"o{i}", f"o{i}x", qty / 2, px)
        for s in (b.bids, b.asks):
            assert set(s.totals) == set(s.levels)
            for p, q in s.levels.items():
                assert s.totals[p] == sum((r.qty for r in q), D(0)) > 0
