"""Test doubles shared by the suites: a scripted venue client."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tradecore.model import (
    ClientOrderId,
    InstrumentId,
    LiquiditySide,
    Money,
    Order,
    ReasonCode,
    TradeId,
    Venue,
    VenueOrderId,
)
from tradecore.model.market import BookSnapshot, Quote
from tradecore.venues.protocol import ExecutionSink, VenueHealth, VenueOrderStatus


class ScriptedVenue:
    """Records what the engine sends; the test decides what the venue answers."""

    def __init__(self, venue: str = "FAKE", *, auto_accept: bool = False) -> None:
        self._venue = Venue(venue)
        self.sink: ExecutionSink | None = None
        self.submitted: list[Order] = []
        self.canceled: list[Order] = []
        self.replaced: list[tuple[Order, Order]] = []
        self.auto_accept = auto_accept
        self._n = 0

    @property
    def venue(self) -> Venue:
        return self._venue

    def bind(self, sink: ExecutionSink) -> None:
        self.sink = sink

    def submit(self, order: Order) -> None:
        self.submitted.append(order)
        if self.auto_accept:
            assert self.sink is not None
            self.sink.on_accepted(order.client_order_id, self.next_vid())

    def cancel(self, order: Order) -> None:
        self.canceled.append(order)

    def replace(self, order: Order, new_order: Order) -> None:
        self.replaced.append((order, new_order))

    def next_vid(self) -> VenueOrderId:
        self._n += 1
        return VenueOrderId(f"{self._venue}-{self._n}")

    def fill(self, coid: str, qty: str, price: str, fee: str = "0", ccy: str = "USD") -> None:
        assert self.sink is not None
        self._n += 1
        self.sink.on_filled(
            ClientOrderId(coid),
            TradeId(f"T{self._n}"),
            Decimal(qty),
            Decimal(price),
            Money.of(fee, ccy),
            LiquiditySide.TAKER,
        )

    def reject(self, coid: str, reason: ReasonCode = ReasonCode.VENUE_REJECT) -> None:
        assert self.sink is not None
        self.sink.on_rejected(ClientOrderId(coid), reason, "rejected by script")

    def order_status(self, coid: ClientOrderId) -> VenueOrderStatus:
        return VenueOrderStatus(coid, None, False, False, Decimal(0), None)

    def subscribe_quotes(self, instrument_id: InstrumentId, fn: Callable[[Quote], None]) -> None:
        return None

    def book(self, instrument_id: InstrumentId) -> BookSnapshot | None:
        return None

    def health(self) -> VenueHealth:
        return VenueHealth.UP
