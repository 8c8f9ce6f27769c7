"""The fast book (synthetic depth kept apart from our queues) against the simple reference book:
the same operations must give the same fills (maker, price, size, in order) and the same depth."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.sim.reference_book import OrderBook as ReferenceBook
from tradecore.model import Side
from tradecore.venues.sim.book import OrderBook

D = Decimal
prices = st.integers(min_value=95, max_value=105).map(D)
sizes = st.integers(min_value=1, max_value=30).map(lambda n: D(n) / 10)
levels = st.lists(st.tuples(prices, sizes), max_size=4, unique_by=lambda lv: lv[0])
op = st.one_of(
    st.tuples(st.just("quote"), levels, levels),
    st.tuples(
        st.just("limit"), st.sampled_from([Side.BUY, Side.SELL]), prices, sizes, st.booleans()
    ),
    st.tuples(st.just("market"), st.sampled_from([Side.BUY, Side.SELL]), sizes),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=40)),
    st.tuples(st.just("amend"), st.integers(min_value=0, max_value=40), sizes, prices),
)


def _fills(ms: list) -> list[tuple[str, Decimal, Decimal]]:  # type: ignore[type-arg]
    return [(m.maker_owner, m.price, m.qty) for m in ms]


def _depth(b: OrderBook | ReferenceBook) -> tuple[list, list]:  # type: ignore[type-arg]
    return b.depth(Side.BUY, 50), b.depth(Side.SELL, 50)


@settings(max_examples=300)
@given(st.lists(op, min_size=1, max_size=50))
def test_fast_book_matches_the_reference_book(ops: list[tuple]) -> None:  # type: ignore[type-arg]
    fast, ref = OrderBook(), ReferenceBook()
    for i, o in enumerate(ops):
        kind = o[0]
        if kind == "quote":
            bids = sorted(o[1], reverse=True)
            asks = sorted(o[2])
            assert _fills(fast.replace_synthetic(bids, asks)) == _fills(
                ref.replace_synthetic(bids, asks)
            )
        elif kind in ("limit", "market"):
            side, px, qty, rest = (
                (o[1], o[2], o[3], o[4]) if kind == "limit" else (o[1], None, o[2], False)
            )
            name = f"o{i}"
            f1, f2 = fast.match(side, qty, px, taker=name), ref.match(side, qty, px, taker=name)
            assert _fills(f1) == _fills(f2)
            left = qty - sum((m.qty for m in f1), D(0))
            if rest and left > 0 and px is not None:
                fast.add(name, name, side, px, left)
                ref.add(name, name, side, px, left)
        elif kind == "cancel":
            name = f"o{o[1]}"
            assert (fast.cancel(name) is None) == (ref.cancel(name) is None)
        else:
            name = f"o{o[1]}"
            r1 = fast.amend(name, f"{name}x", o[2], o[3])
            r2 = ref.amend(name, f"{name}x", o[2], o[3])
            assert (r1 is None) == (r2 is None)
        assert _depth(fast) == _depth(ref), f"after op {i}: {o}"
        assert fast.best_bid() == ref.best_bid() and fast.best_ask() == ref.best_ask()
        assert fast.available(Side.BUY, None) == ref.available(Side.BUY, None)
        assert not fast.is_crossed() or ref.is_crossed()
