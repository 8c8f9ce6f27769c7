"""Depth diffs of the local exchange's books, numbered like a venue's diff stream.

:class:`DepthFeed` turns the books' states into a gap-free sequence of events per market:
each :class:`DepthEvent` carries the levels that changed since the previous event (absolute
sizes, 0 for a removed level) and the update ids it covers, ``first`` = the previous event's
``last`` + 1 and ``last`` = the book's version now. A REST snapshot is taken at an event
boundary (:meth:`DepthFeed.snapshot` publishes first), so a client that applies the events
after the snapshot's id gets exactly the book (Binance's "how to manage a local order book").
Dialect-neutral: the Binance dialect writes these as ``depthUpdate`` messages.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal

from tradecore.model.enums import Side
from tradecore.venues.dialects.exchange import Exchange

LEVELS = 1000  # deeper than any book here: the diffs cover the whole book
Levels = dict[Decimal, Decimal]


@dataclass(frozen=True, slots=True)
class DepthEvent:
    symbol: str
    first: int
    last: int
    bids: tuple[tuple[Decimal, Decimal], ...]
    asks: tuple[tuple[Decimal, Decimal], ...]


@dataclass(slots=True)
class _Published:
    version: int = 0
    bids: Levels = field(default_factory=dict)
    asks: Levels = field(default_factory=dict)


def _diff(old: Levels, new: Levels) -> tuple[tuple[Decimal, Decimal], ...]:
    gone = [(p, Decimal(0)) for p in old if p not in new]
    changed = [(p, q) for p, q in new.items() if old.get(p) != q]
    return tuple(sorted(gone + changed))


class DepthFeed:
    """The published state of every book and the subscribers' queues (one asyncio loop)."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self._state = {sym: _Published() for sym in exchange.markets}
        self._queues: set[asyncio.Queue[DepthEvent]] = set()
        #: test control: drop the next event of every market (the client sees a gap)
        self.drop_next = False
        self.dropped = 0
        self.snapshots = 0

    def attach(self) -> asyncio.Queue[DepthEvent]:
        q: asyncio.Queue[DepthEvent] = asyncio.Queue()
        self._queues.add(q)
        return q

    def detach(self, q: asyncio.Queue[DepthEvent]) -> None:
        self._queues.discard(q)

    def publish(self, symbol: str) -> DepthEvent | None:
        """An event for ``symbol`` if its book moved since the last one (sent to every
        subscriber, unless a gap was asked for)."""
        book = self.exchange.books[symbol]
        st = self._state[symbol]
        if book.version == st.version:
            return None
        bids = dict(book.depth(Side.BUY, LEVELS))
        asks = dict(book.depth(Side.SELL, LEVELS))
        ev = DepthEvent(symbol, st.version + 1, book.version, _diff(st.bids, bids),
                        _diff(st.asks, asks))  # fmt: skip
        self._state[symbol] = _Published(book.version, bids, asks)
        if self.drop_next:
            self.drop_next = False
            self.dropped += 1
            return ev
        for q in self._queues:
            q.put_nowait(ev)
        return ev

    def publish_all(self) -> None:
        for symbol in self._state:
            self.publish(symbol)

    def snapshot(
        self, symbol: str, limit: int
    ) -> tuple[int, list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        """(update id, bids, asks) of ``symbol`` now, at an event boundary."""
        self.publish(symbol)
        self.snapshots += 1
        book = self.exchange.books[symbol]
        return book.version, book.depth(Side.BUY, limit), book.depth(Side.SELL, limit)
