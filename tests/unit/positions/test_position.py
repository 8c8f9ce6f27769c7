"""Position keeping: the conventions of docs/positions.md, exact, as properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.model import Currency, Side
from tradecore.positions.position import Method, Position

D = Decimal
USD = Currency.of("USD")


def pos(method: Method = Method.AVERAGE) -> Position:
    return Position("A", "BTC/USD", USD, method)


def test_average_reduction_realizes_against_the_average_and_keeps_it() -> None:
    p = pos()
    p.apply(Side.BUY, D(1), D(100))
    p.apply(Side.BUY, D(1), D(110))
    assert p.avg_price == D(105)
    assert p.apply(Side.SELL, D("0.5"), D(120)) == D("7.5")
    assert p.avg_price == D(105) and p.quantity == D("1.5")


def test_average_flip_closes_at_the_fill_price_and_opens_the_rest_there() -> None:
    p = pos()
    p.apply(Side.BUY, D(2), D(100))
    assert p.apply(Side.SELL, D(5), D(90)) == D(-20)
    assert p.quantity == D(-3) and p.avg_price == D(90) and p.realized == D(-20)


def test_fifo_consumes_oldest_lots_first() -> None:
    p = pos(Method.FIFO)
    p.apply(Side.BUY, D(1), D(100))
    p.apply(Side.BUY, D(1), D(120))
    assert p.apply(Side.SELL, D(1), D(130)) == D(30)  # against the 100 lot
    assert p.avg_price == D(120)
    assert p.apply(Side.SELL, D(3), D(110)) == D(-10)  # the 120 lot, then short 2 @ 110
    assert p.quantity == D(-2) and p.avg_price == D(110)


def test_flat_position_has_no_average_and_zero_unrealized() -> None:
    p = pos()
    p.apply(Side.BUY, D(1), D(100))
    p.apply(Side.SELL, D(1), D(101))
    assert p.avg_price is None and p.unrealized(D(500)) == 0 and p.realized == D(1)


def test_fees_are_kept_per_currency_and_excluded_from_realized() -> None:
    p = pos()
    p.apply(Side.BUY, D(1), D(100), D("0.1"), "USD")
    p.apply(Side.SELL, D(1), D(100), D("0.00001"), "BTC")
    assert p.realized == 0 and p.fees == {"USD": D("0.1"), "BTC": D("0.00001")}


def test_repeating_average_keeps_realized_plus_unrealized_exact() -> None:
    p = pos()
    for px in ("100", "101", "103"):
        p.apply(Side.BUY, D(1), D(px))
    p.apply(Side.SELL, D(1), D(110))  # removes 304/3 from the basis: not terminating
    mark = D("107")
    cash_flow = -(D(100) + D(101) + D(103)) + D(110) + 2 * mark
    assert p.realized + p.unrealized(mark) == cash_flow  # type: ignore[operator]


fills = st.lists(
    st.tuples(
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(1, 50).map(lambda n: D(n) / 10),
        st.integers(9000, 11000).map(lambda n: D(n) / 100),
    ),
    min_size=1,
    max_size=40,
)


@pytest.mark.parametrize("method", list(Method))
@given(seq=fills, mark=st.integers(9000, 11000).map(lambda n: D(n) / 100))
def test_realized_plus_unrealized_equals_cash_flow_pnl_at_every_step(
    method: Method, seq: list[tuple[Side, Decimal, Decimal]], mark: Decimal
) -> None:
    p = pos(method)
    cash = D(0)
    for side, qty, px in seq:
        p.apply(side, qty, px)
        cash += -qty * px if side is Side.BUY else qty * px
        u = p.unrealized(mark)
        assert u is not None
        assert p.realized + u == cash + p.quantity * mark


@given(seq=fills)
def test_fifo_and_average_agree_on_total_pnl_once_flat(
    seq: list[tuple[Side, Decimal, Decimal]],
) -> None:
    avg, fifo = pos(Method.AVERAGE), pos(Method.FIFO)
    for side, qty, px in seq:
        avg.apply(side, qty, px)
        fifo.apply(side, qty, px)
    close = Side.SELL if avg.quantity > 0 else Side.BUY
    if avg.quantity != 0:
        avg.apply(close, abs(avg.quantity), D(100))
        fifo.apply(close, abs(fifo.quantity), D(100))
    assert avg.quantity == fifo.quantity == 0
    assert avg.realized == fifo.realized


@given(st.integers(1, 100), st.integers(1, 100), st.integers(9000, 11000), st.integers(9000, 11000))
def test_flips_are_exact(open_q: int, flip_q: int, p1: int, p2: int) -> None:
    for method in Method:
        p = pos(method)
        a, b = D(open_q) / 10, D(open_q + flip_q) / 10
        pa, pb = D(p1) / 100, D(p2) / 100
        p.apply(Side.BUY, a, pa)
        p.apply(Side.SELL, b, pb)
        assert p.realized == a * (pb - pa)
        assert p.quantity == a - b and p.avg_price == pb
