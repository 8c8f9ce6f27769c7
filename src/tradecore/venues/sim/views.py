"""Read-only views of the simulated venue's books (L2 snapshots, one side for a router),
cached per book version."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from tradecore.engine.clock import Clock
from tradecore.model.enums import Side
from tradecore.model.identifiers import InstrumentId
from tradecore.model.market import BookLevel, BookSnapshot
from tradecore.venues.sim.book import OrderBook

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_BUY: Final = Side.BUY


# one side of a book as (version, ((price, size), ...), levels asked for)
_SideCache = tuple[int, tuple[tuple[Decimal, Decimal], ...], int]


class BookViews:
    def __init__(self, books: dict[InstrumentId, OrderBook], clock: Clock) -> None:
        self.books = books
        self.clock = clock
        self._snapshots: dict[tuple[InstrumentId, int], BookSnapshot] = {}
        self._bid_sides: dict[OrderBook, _SideCache] = {}
        self._ask_sides: dict[OrderBook, _SideCache] = {}

    def book(self, instrument_id: InstrumentId, levels: int = 10) -> BookSnapshot | None:
        """L2 snapshot; rebuilt only when the book's version has changed."""
        b = self.books.get(instrument_id)
        if b is None:
            return None
        cached = self._snapshots.get((instrument_id, levels))
        if cached is not None and cached.version == b.version:
            return cached
        snap = BookSnapshot(
            instrument_id,
            tuple([BookLevel(p, s) for p, s in b.bids.depth(levels)]),
            tuple([BookLevel(p, s) for p, s in b.asks.depth(levels)]),
            self.clock.now_ns(),
            b.version,
        )
        self._snapshots[(instrument_id, levels)] = snap
        return snap

    def book_side(
        self, instrument_id: InstrumentId, side: Side, levels: int = 10
    ) -> tuple[int, tuple[tuple[Decimal, Decimal], ...]] | None:
        """One side of the L2 book (bids for ``_BUY``) as (price, size) pairs, best
        first, with the book version: what a router sweeping for a taker needs, without
        building the other side or level objects."""
        b = self.books.get(instrument_id)
        if b is None:
            return None
        if side is _BUY:
            s, cache = b.bids, self._bid_sides
        else:
            s, cache = b.asks, self._ask_sides
        cached = cache.get(b)
        if cached is not None and cached[0] == b.version and cached[2] == levels:
            return cached[0], cached[1]
        out = (b.version, tuple(s.depth(levels)), levels)
        cache[b] = out
        return out[0], out[1]
