"""The venue adapter protocol. Real connectors (CCXT, FIX) and the simulator implement
:class:`VenueClient`; the engine implements :class:`ExecutionSink`.

Contract: a client never calls the sink from inside ``submit``/``cancel``/``replace`` on the
engine's stack *as a requirement*: it may (the engine queues re-entrant reports and applies
them after the current command, in order), but asynchronous clients hand reports to the
engine thread and the simulator schedules them on the clock after its latency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple, Protocol

from tradecore.model.enums import LiquiditySide, ReasonCode
from tradecore.model.identifiers import ClientOrderId, InstrumentId, TradeId, Venue, VenueOrderId
from tradecore.model.market import BookSnapshot, Quote
from tradecore.model.orders import Order
from tradecore.model.values import Money


class VenueHealth(StrEnum):
    UP = "UP"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"


class VenueTrade(NamedTuple):
    """One execution as the venue reports it (its own trade id, price and fee)."""

    trade_id: str
    quantity: Decimal
    price: Decimal
    fee: Decimal  # in the instrument's quote currency
    liquidity: LiquiditySide = LiquiditySide.TAKER


@dataclass(frozen=True, slots=True)
class VenueOrderStatus:
    """What the venue says about one order (for reconciliation and retry-safety)."""

    client_order_id: ClientOrderId
    venue_order_id: VenueOrderId | None
    known: bool
    open: bool
    filled_qty: Decimal
    avg_px: Decimal | None
    #: the venue's executions for this order, in order
    trades: tuple[VenueTrade, ...] = ()


class ExecutionSink(Protocol):
    """Where a venue client delivers execution reports."""

    def on_accepted(self, coid: ClientOrderId, venue_order_id: VenueOrderId) -> None: ...

    def on_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None: ...

    def on_filled(
        self,
        coid: ClientOrderId,
        trade_id: TradeId,
        quantity: Decimal,
        price: Decimal,
        fee: Money,
        liquidity: LiquiditySide,
    ) -> None: ...

    def on_canceled(self, coid: ClientOrderId, message: str = "") -> None: ...

    def on_cancel_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None: ...

    def on_replaced(self, coid: ClientOrderId, venue_order_id: VenueOrderId) -> None: ...

    def on_replace_rejected(
        self, coid: ClientOrderId, reason: ReasonCode, message: str
    ) -> None: ...

    def on_expired(self, coid: ClientOrderId) -> None: ...


class VenueClient(Protocol):
    """Connection to one venue. All methods are non-blocking for the engine thread."""

    @property
    def venue(self) -> Venue: ...

    def bind(self, sink: ExecutionSink) -> None:
        """Give the client the engine's sink (called once by bootstrap)."""
        ...

    def submit(self, order: Order) -> None: ...

    def cancel(self, order: Order) -> None: ...

    def replace(self, order: Order, new_order: Order) -> None:
        """Replace ``order`` by ``new_order`` (new client id, new qty/price)."""
        ...

    def order_status(self, coid: ClientOrderId) -> VenueOrderStatus: ...

    def subscribe_quotes(
        self, instrument_id: InstrumentId, fn: Callable[[Quote], None]
    ) -> None: ...

    def book(self, instrument_id: InstrumentId) -> BookSnapshot | None: ...

    def health(self) -> VenueHealth: ...
