"""The depth feed behind the Binance diff stream: whatever orders, trades and cancels change
the book, and whenever a client takes its REST snapshot, the events after the snapshot's
update id follow each other without a gap and, applied to the snapshot, give exactly the
book (Binance's "manage a local order book" procedure); a dropped event is a visible gap."""

from __future__ import annotations

import contextlib
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.model.enums import Side
from tradecore.venues.dialects.depth import DepthEvent, DepthFeed
from tradecore.venues.dialects.exchange import Exchange, ExchangeConfig, ExchangeError
from tradecore.venues.dialects.server import default_markets

SYM = "BTCUSDT"
TICK, LOT, MID = Decimal("0.01"), Decimal("0.0001"), Decimal(50_000)
Book = dict[Decimal, Decimal]

ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("order"),
            st.sampled_from([Side.BUY, Side.SELL]),
            st.integers(-12, 12),
            st.integers(1, 20_000),
        ),
        st.tuples(st.just("cancel"), st.integers(0, 30)),
        st.tuples(st.just("publish")),
        st.tuples(st.just("snapshot")),
    ),
    max_size=40,
)


def _exchange() -> Exchange:
    markets = default_markets(5, {})
    initial = (("USDT", Decimal(10**9)), ("BTC", Decimal(10**4)), ("ETH", Decimal(10**4)))
    return Exchange(ExchangeConfig(markets, initial=initial), None, now_ms=lambda: 0)


def _apply(book: tuple[Book, Book], ev: DepthEvent) -> None:
    for side, levels in ((book[0], ev.bids), (book[1], ev.asks)):
        for px, q in levels:
            if q == 0:
                side.pop(px, None)
            else:
                side[px] = q


@settings(max_examples=60, deadline=None)
@given(ops)
def test_events_after_a_snapshot_rebuild_the_book_exactly(script: list[tuple[object, ...]]) -> None:
    ex = _exchange()
    feed = DepthFeed(ex)
    queue = feed.attach()
    snap: tuple[int, Book, Book] | None = None
    n = 0
    for op in script:
        if op[0] == "order":
            _, side, ticks, lots = op
            assert isinstance(side, Side) and isinstance(ticks, int) and isinstance(lots, int)
            n += 1
            with contextlib.suppress(ExchangeError):  # a refusal changes nothing
                ex.place(f"acct{n % 3}", SYM, side, "LIMIT", "GTC", LOT * lots,
                         MID + TICK * ticks, f"c{n}")  # fmt: skip
        elif op[0] == "cancel":
            live = ex.open_orders("acct0", SYM) + ex.open_orders("acct1", SYM)
            if live:
                o = live[int(str(op[1])) % len(live)]
                ex.cancel(o.account, SYM, o.id, None)
        elif op[0] == "publish":
            feed.publish(SYM)
        elif snap is None:
            v, bids, asks = feed.snapshot(SYM, 1000)
            snap = (v, dict(bids), dict(asks))
    feed.publish(SYM)
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    version, bids, asks = snap if snap is not None else (0, {}, {})
    local = (dict(bids), dict(asks))
    last = version
    for ev in events:
        if ev.last <= version:
            continue  # before the snapshot: dropped, as Binance says
        assert ev.first == last + 1  # no gap, and the first one starts right after it
        _apply(local, ev)
        last = ev.last
    book = ex.books[SYM]
    assert last == book.version
    assert local == (dict(book.depth(Side.BUY, 1000)), dict(book.depth(Side.SELL, 1000)))


def test_a_dropped_event_shows_as_a_gap_in_the_numbering() -> None:
    ex = _exchange()
    feed = DepthFeed(ex)
    queue = feed.attach()
    for i, px in enumerate(("49999.99", "49999.98", "49999.97")):
        if i == 1:
            feed.drop_next = True
        ex.place("a", SYM, Side.BUY, "LIMIT", "GTC", Decimal("0.1"), Decimal(px), f"g{i}")
        feed.publish(SYM)
    got = [queue.get_nowait() for _ in range(queue.qsize())]
    assert len(got) == 2 and feed.dropped == 1
    assert got[1].first > got[0].last + 1  # what a client sees as a gap


def test_a_quiet_book_publishes_nothing() -> None:
    feed = DepthFeed(_exchange())
    queue = feed.attach()
    feed.publish(SYM)
    assert feed.publish(SYM) is None and queue.empty()
