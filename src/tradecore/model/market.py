"""Market data values shared by every component."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradecore.model.identifiers import InstrumentId


@dataclass(frozen=True, slots=True)
class Quote:
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


@dataclass(frozen=True, slots=True)
class BookLevel:
    price: Decimal
    size: Decimal


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """L2 depth on one venue: bids best (highest) first, asks best (lowest) first."""

    instrument_id: InstrumentId
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    ts: int
    version: int = 0
