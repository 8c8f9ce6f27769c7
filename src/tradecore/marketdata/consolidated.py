"""A consolidated book: every venue's depth for one symbol, merged by price."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from tradecore.model.enums import Side
from tradecore.model.identifiers import Venue
from tradecore.model.market import BookSnapshot


@dataclass(frozen=True, slots=True)
class VenueLevel:
    price: Decimal
    size: Decimal
    venue: Venue


class ConsolidatedBook:
    """Bids best (highest) first, asks best (lowest) first; ties broken by venue name."""

    def __init__(self, snapshots: Iterable[BookSnapshot]) -> None:
        bids: list[VenueLevel] = []
        asks: list[VenueLevel] = []
        self.versions: dict[Venue, int] = {}
        for snap in snapshots:
            v = snap.instrument_id.venue
            self.versions[v] = snap.version
            bids.extend(VenueLevel(lv.price, lv.size, v) for lv in snap.bids)
            asks.extend(VenueLevel(lv.price, lv.size, v) for lv in snap.asks)
        self.bids = sorted(bids, key=lambda x: (-x.price, x.venue))
        self.asks = sorted(asks, key=lambda x: (x.price, x.venue))

    def side_for(self, taker: Side) -> list[VenueLevel]:
        """The levels a ``taker`` order would trade against."""
        return self.asks if taker is Side.BUY else self.bids

    def best_bid(self) -> VenueLevel | None:
        return self.bids[0] if self.bids else None

    def best_ask(self) -> VenueLevel | None:
        return self.asks[0] if self.asks else None

    def available(self, taker: Side, limit: Decimal | None = None) -> Decimal:
        total = Decimal(0)
        for lv in self.side_for(taker):
            if limit is not None and (lv.price > limit if taker is Side.BUY else lv.price < limit):
                break
            total += lv.size
        return total
