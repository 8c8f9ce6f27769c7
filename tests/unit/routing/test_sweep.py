"""The sweep: pure, exact, by all-in price."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradecore.model import Side, Venue
from tradecore.routing.sweep import VenueInput, all_in_price, sweep

D = Decimal


def vi(
    name: str, levels: list[tuple[str, str]], bps: str, lot: str = "0.001", **kw: Decimal
) -> VenueInput:
    return VenueInput(
        Venue(name),
        tuple((D(p), D(s)) for p, s in levels),
        D(bps) / 10_000,
        0,
        D(lot),
        **kw,
    )


def test_all_in_price_adds_fee_and_latency_penalty() -> None:
    assert all_in_price(Side.BUY, D(100), D("0.001"), 0, D(0)) == D("100.100")
    assert all_in_price(Side.SELL, D(100), D("0.001"), 0, D(0)) == D("99.900")
    # 2 ms at 0.5 bp/ms = 1 bp of price
    assert all_in_price(Side.BUY, D(100), D(0), 2000, D("0.5")) == D("100.01")


def test_cheaper_fee_can_beat_a_better_raw_price() -> None:
    a = vi("A", [("100.00", "1")], "30")  # all-in 100.30
    b = vi("B", [("100.20", "1")], "0")  # all-in 100.20
    plans = sweep(Side.BUY, D(1), None, [a, b])
    assert [(p.venue, p.quantity) for p in plans] == [("B", D(1))]


def test_lot_rounding_moves_quantity_to_another_venue() -> None:
    a = vi("A", [("100", "0.5")], "0", lot="1")  # cannot trade 0.5 in lots of 1
    b = vi("B", [("101", "5")], "0", lot="0.1")
    plans = sweep(Side.BUY, D(2), None, [a, b])
    assert [(p.venue, p.quantity, p.limit) for p in plans] == [("B", D(2), D(101))]


def test_limit_price_is_respected_and_min_notional_drops_small_children() -> None:
    a = vi("A", [("100", "1"), ("102", "5")], "0")
    b = vi("B", [("100.5", "0.1")], "0", min_notional=D(50))
    plans = sweep(Side.BUY, D(3), D(101), [a, b])
    assert [(p.venue, p.quantity) for p in plans] == [("A", D(1))]


def test_max_venues_keeps_the_biggest_allocations() -> None:
    vs = [vi(n, [(p, "1")], "0") for n, p in (("A", "100"), ("B", "100.1"), ("C", "100.2"))]
    plans = sweep(Side.BUY, D(3), None, vs, max_venues=2)
    assert sorted(p.venue for p in plans) == ["A", "B"]


books = st.lists(st.tuples(st.integers(95, 105), st.integers(1, 30)), min_size=1, max_size=6)


@given(st.lists(books, min_size=1, max_size=4), st.integers(1, 100), st.booleans())
def test_sweep_never_exceeds_the_order_or_the_book_and_respects_lots(
    venues: list[list[tuple[int, int]]], qty_tenths: int, buy: bool
) -> None:
    side = Side.BUY if buy else Side.SELL
    ins = [
        vi(f"V{i}", [(str(p), str(D(s) / 10)) for p, s in lv], str(i * 5), lot="0.1")
        for i, lv in enumerate(venues)
    ]
    qty = D(qty_tenths) / 10
    plans = sweep(side, qty, None, ins)
    assert sum((p.quantity for p in plans), D(0)) <= qty
    for p in plans:
        book = next(v for v in ins if v.venue == p.venue)
        assert p.quantity % D("0.1") == 0
        assert p.quantity <= sum((size for _, size in book.levels), D(0))
        assert p.fee == p.notional * book.fee_rate
