"""Market data values shared by every component."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from tradecore.model.identifiers import InstrumentId


class Quote(msgspec.Struct, frozen=True, gc=False):
    """Top of book on one venue. Sizes are exact; ``ts`` is int ns."""

    instrument_id: InstrumentId
    bid: Decimal
    bid_size: Decimal
    ask: Decimal
    ask_size: Decimal
    ts: int

    @property
    def mid(self) -> Decimal:
        return (self.bid + self.ask) / 2


class BookLevel(msgspec.Struct, frozen=True, gc=False):
    price: Decimal
    size: Decimal


class BookSnapshot(msgspec.Struct, frozen=True, gc=False):
    """L2 depth on one venue: bids best (highest) first, asks best (lowest) first."""

    instrument_id: InstrumentId
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    ts: int
    version: int = 0
