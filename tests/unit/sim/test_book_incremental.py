"""The book keeps a market update as the feed's ladder and indexes it only when needed
(:meth:`OrderBook.replace_synthetic`); this must give exactly the book that rebuilding the
depth level by level on every update gives: the same fills (maker, price, size, in order), the
same depth, best prices, top of book and fillable sizes after any sequence of quotes and orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.model import Side, StpMode
from tradecore.venues.sim.book import Match, OrderBook

D = Decimal
TICK = D("0.01")


class RebuiltBook:
    """The book as it was: every update rebuilds the synthetic depth level by level. A
    wrapper, not a subclass: in the compiled build (``make fast``) an interpreted class may
    not inherit from the compiled ``OrderBook``."""

    def __init__(self) -> None:
        self._book = OrderBook()

    def replace_synthetic(
        self, bids: Iterable[tuple[Decimal, Decimal]], asks: Iterable[tuple[Decimal, Decimal]]
    ) -> list[Match]:
        b = self._book
        b._stamp += 1
        b._syn_stamp = b._stamp
        return b._rebuild_synthetic(tuple(bids), tuple(asks))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._book, name)


sizes = st.integers(min_value=1, max_value=40).map(lambda n: D(n) / 10)


@st.composite
def quotes(draw: st.DrawFn) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
    """Mostly what a feed sends (ladders around a mid, in ticks); sometimes crossed, out of
    order, a price twice or an empty level (the rebuild path)."""
    mid = draw(st.integers(min_value=9_990, max_value=10_010))
    half = draw(st.integers(min_value=-2, max_value=3))  # <= 0: the sides cross
    nb, na = draw(st.integers(0, 5)), draw(st.integers(0, 5))
    bids = [(TICK * (mid - half - k), draw(sizes)) for k in range(nb)]
    asks = [(TICK * (mid + half + k), draw(sizes)) for k in range(na)]
    odd = draw(st.sampled_from(["", "", "", "", "shuffle", "repeat", "empty"]))
    side = bids if draw(st.booleans()) else asks
    if odd == "shuffle" and len(side) > 1:
        side.reverse()
    elif odd == "repeat" and side:
        side.append((side[0][0], draw(sizes)))
    elif odd == "empty" and side:
        side[-1] = (side[-1][0], D(0))
    return bids, asks


prices = st.integers(min_value=9_985, max_value=10_015).map(lambda n: TICK * n)
accounts = st.sampled_from(["", "A", "B"])
step = st.one_of(
    st.tuples(st.just("quote"), quotes()),
    st.tuples(st.just("quote"), quotes()),
    st.tuples(st.just("quote"), quotes()),
    st.tuples(st.just("market"), st.sampled_from([Side.BUY, Side.SELL]), sizes),
    st.tuples(
        st.just("limit"),
        st.sampled_from([Side.BUY, Side.SELL]),
        prices,
        sizes,
        accounts,
        st.sampled_from([None, D("0.5")]),
    ),
    # exactly k whole levels (or a tenth more): a level's boundary
    st.tuples(
        st.just("sweep"),
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(1, 4),
        st.sampled_from([D(0), D("0.1")]),
    ),
    st.tuples(st.just("flat")),  # cancel all our resting orders: the book is the makers' alone
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=60)),
    st.tuples(st.just("amend"), st.integers(min_value=0, max_value=60), sizes, prices),
)


def _fills(ms: list[Match]) -> list[tuple[str, str, Decimal, Decimal, bool]]:
    return [(m.maker_ref, m.maker_owner, m.price, m.qty, m.prevented) for m in ms]


def _state(b: OrderBook) -> tuple[object, ...]:
    return (
        b.depth(Side.BUY, 50), b.depth(Side.SELL, 50), b.best_bid(), b.best_ask(),
        b.bids.top(), b.asks.top(), b.is_crossed(),
        b.available(Side.BUY, None), b.available(Side.SELL, TICK * 10_000),
        b.fillable(Side.BUY, None, "A", StpMode.EXPIRE_TAKER),
        b.fillable(Side.SELL, None, "B", StpMode.EXPIRE_MAKER),
    )  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(step, st.booleans()), min_size=1, max_size=60))
def test_a_quote_kept_as_its_ladder_gives_the_rebuilt_book(ops: list[tuple]) -> None:  # type: ignore[type-arg]
    fast, slow = OrderBook(), RebuiltBook()
    rested: list[str] = []  # names of our orders that rested (some may be gone since)
    for i, (o, look) in enumerate(ops):
        kind = o[0]
        if kind == "quote":
            bids, asks = o[1]
            got = fast.replace_synthetic(tuple(bids), tuple(asks))
            assert _fills(got) == _fills(slow.replace_synthetic(bids, asks))
        elif kind == "market":
            f1 = fast.match(o[1], o[2], None, taker=f"m{i}")
            assert _fills(f1) == _fills(slow.match(o[1], o[2], None, taker=f"m{i}"))
        elif kind == "sweep":
            side, k, extra = o[1:]
            opp = Side.SELL if side is Side.BUY else Side.BUY
            qty = sum((sz for _, sz in slow.depth(opp, k)), extra)
            if qty > 0:
                f1 = fast.match(side, qty, None, taker=f"m{i}")
                assert _fills(f1) == _fills(slow.match(side, qty, None, taker=f"m{i}"))
        elif kind == "flat":
            for name in list(rested):
                assert (fast.cancel(name) is None) == (slow.cancel(name) is None)
            rested.clear()
        elif kind == "limit":
            side, px, qty, acct, display = o[1:]
            stp = StpMode.EXPIRE_MAKER if acct else StpMode.NONE
            name = f"o{i}"
            f1 = fast.match(side, qty, px, name, acct, stp)
            assert _fills(f1) == _fills(slow.match(side, qty, px, name, acct, stp))
            left = qty - sum((m.qty for m in f1 if not m.prevented), D(0))
            if left > 0:
                fast.add(name, name, side, px, left, acct, display)
                slow.add(name, name, side, px, left, acct, display)
                rested.append(name)
        elif kind == "cancel":
            name = f"o{o[1]}"
            assert (fast.cancel(name) is None) == (slow.cancel(name) is None)
        else:
            name = f"o{o[1]}"
            r1, r2 = (
                fast.amend(name, f"{name}x", o[2], o[3]),
                slow.amend(name, f"{name}x", o[2], o[3]),
            )
            assert (r1 is None) == (r2 is None)
        if look:  # not after every step: what nobody reads may stay a ladder
            assert _state(fast) == _state(slow), f"after op {i}: {o}"
    assert _state(fast) == _state(slow)
    assert not fast.is_crossed()


def test_a_clean_quote_is_kept_as_given_until_an_order_needs_its_levels() -> None:
    b = OrderBook()
    bids = ((D("99.99"), D("1")), (D("99.98"), D("2")))
    asks = ((D("100.01"), D("1.5")), (D("100.02"), D("3")))
    v = b.version
    assert b.replace_synthetic(bids, asks) == []
    assert b.version == v + 1
    assert b.bids.top() == (D("99.99"), D("1")) and b.asks.top() == (D("100.01"), D("1.5"))
    assert b.depth(Side.SELL, 1) == [(D("100.01"), D("1.5"))]
    fills = b.match(Side.BUY, D("2"), None)
    assert [(f.price, f.qty) for f in fills] == [(D("100.01"), D("1.5")), (D("100.02"), D("0.5"))]
    assert b.asks.top() == (D("100.02"), D("2.5")) and b.bids.top() == (D("99.99"), D("1"))
