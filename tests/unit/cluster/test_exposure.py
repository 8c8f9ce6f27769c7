"""The exposure book applies every event once: redelivered (same seq) and re-journaled
(same trade id) events change nothing, in any order of arrival; totals are exact."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradecore.cluster.exposure import ExposureBook
from tradecore.model.enums import LiquiditySide, OrderType, Side, TimeInForce
from tradecore.model.events import Event, OrderCanceled, OrderFilled, OrderInitialized
from tradecore.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    TradeId,
    VenueOrderId,
)
from tradecore.model.values import Currency, Money

BTC = InstrumentId.parse("BTC/USD@SIMA")
USD = Currency.of("USD")


def shard_events(shard: int, fills: list[tuple[bool, int, int]]) -> list[Event]:
    """Per fill: an order, its fill (qty in lots of 0.001, price in cents), maybe a cancel."""
    out: list[Event] = []
    seq = 0
    for n, (buy, lots, cents) in enumerate(fills):
        side = Side.BUY if buy else Side.SELL
        coid = ClientOrderId(f"s{shard}o{n}")
        acct = AccountId(f"A{n % 2}")
        qty = Decimal(lots) / 1000
        px = Decimal(cents) / 100
        seq += 1
        out.append(OrderInitialized(seq, seq, coid, acct, BTC, side, OrderType.LIMIT, qty * 2,
                                    px, TimeInForce.GTC, False, False, None, ""))  # fmt: skip
        seq += 1
        out.append(OrderFilled(seq, seq, coid, acct, BTC, VenueOrderId(f"V{n}"),
                               TradeId(f"T{n}"), side, qty, px, Money(Decimal(0), USD),
                               LiquiditySide.TAKER, None))  # fmt: skip
        if n % 3 == 0:
            seq += 1
            out.append(OrderCanceled(seq, seq, coid, acct, ""))
    return out


fills = st.lists(
    st.tuples(st.booleans(), st.integers(1, 5000), st.integers(100_00, 100_000_00)),
    min_size=1, max_size=12,
)  # fmt: skip


@given(fills, fills, st.randoms(use_true_random=False), st.integers(0, 20))
def test_redelivery_in_any_order_changes_nothing(
    f1: list[tuple[bool, int, int]], f2: list[tuple[bool, int, int]], rnd: object, extra: int
) -> None:
    stream = [(1, e) for e in shard_events(1, f1)] + [(2, e) for e in shard_events(2, f2)]
    once = ExposureBook()
    for s, e in stream:
        assert once.apply(s, e)
    messy = stream + [stream[i % len(stream)] for i in range(extra)]
    rnd.shuffle(messy)  # type: ignore[attr-defined]
    book = ExposureBook()
    for s, e in messy:
        book.apply(s, e)
    assert book.positions_of(1) == once.positions_of(1)
    assert book.positions_of(2) == once.positions_of(2)
    assert book.fills == once.fills == len(f1) + len(f2)
    assert book.applied == len(stream) and book.duplicates == len(messy) - len(stream)
    assert book.watermark == {1: len(shard_events(1, f1)), 2: len(shard_events(2, f2))}
    assert once.gross() == once.gross(1) + once.gross(2)  # exact: firm = sum of shards
    exact = sum((Decimal(lots) / 1000 * (1 if buy else -1) for buy, lots, _ in f1 + f2), Decimal(0))
    assert once.net_by_instrument().get("BTC/USD", Decimal(0)) == exact


def test_a_fill_journaled_twice_counts_once() -> None:
    evs = shard_events(1, [(True, 10, 6_000_000)])
    fill = evs[1]
    assert isinstance(fill, OrderFilled)
    again = OrderFilled(99, 99, *[getattr(fill, f) for f in fill.__struct_fields__[2:]])
    book = ExposureBook()
    for e in [*evs, again]:
        book.apply(1, e)
    assert book.fills == 1 and book.duplicate_fills == 1
    assert book.positions_of(1) == {"A0": {"BTC/USD": Decimal("0.010")}}
