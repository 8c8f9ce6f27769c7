"""Paper trading on a real venue: the venue's live books (through the CCXT connector), our
orders matched by the simulator against them. Nothing is sent to the venue but market data
requests, so no API key is needed."""

from __future__ import annotations

from collections.abc import Callable

from tradecore.engine.clock import Clock
from tradecore.model.identifiers import ClientOrderId, InstrumentId, Venue
from tradecore.model.market import BookSnapshot, Quote
from tradecore.model.orders import Order
from tradecore.venues.ccxt.adapter import CcxtVenueClient
from tradecore.venues.model import VenueModel
from tradecore.venues.protocol import ExecutionSink, VenueHealth, VenueOrderStatus
from tradecore.venues.sim.client import SimVenueClient, SimVenueConfig


class PaperVenue:
    """A :class:`VenueClient`: books and health from ``feed``, orders to a simulator whose
    market makers' depth is replaced by each book the feed polls (on the engine thread)."""

    def __init__(
        self,
        feed: CcxtVenueClient,
        model: VenueModel,
        clock: Clock,
        config: SimVenueConfig | None = None,
    ) -> None:
        self.feed = feed
        self.sim = SimVenueClient(model, clock, config)
        feed.on_book = self._on_book

    def _on_book(self, snap: BookSnapshot) -> None:
        bids = tuple((lvl.price, lvl.size) for lvl in snap.bids)
        asks = tuple((lvl.price, lvl.size) for lvl in snap.asks)
        self.sim.on_market(snap.instrument_id, bids, asks)

    def drain(self) -> int:
        return self.feed.drain()

    @property
    def venue(self) -> Venue:
        return self.feed.venue

    def bind(self, sink: ExecutionSink) -> None:
        self.sim.bind(sink)

    def submit(self, order: Order) -> None:
        self.sim.submit(order)

    def cancel(self, order: Order) -> None:
        self.sim.cancel(order)

    def replace(self, order: Order, new_order: Order) -> None:
        self.sim.replace(order, new_order)

    def order_status(self, coid: ClientOrderId) -> VenueOrderStatus:
        return self.sim.order_status(coid)

    def subscribe_quotes(self, instrument_id: InstrumentId, fn: Callable[[Quote], None]) -> None:
        self.sim.subscribe_quotes(instrument_id, fn)

    def book(self, instrument_id: InstrumentId) -> BookSnapshot | None:
        return self.sim.book(instrument_id)

    def health(self) -> VenueHealth:
        return self.feed.health()
