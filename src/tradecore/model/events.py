"""Immutable events, named in the past tense. ``seq`` is the engine's sequence number
(strictly increasing, gap-free within a run) and ``ts`` the engine clock in int nanoseconds."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradecore.model.enums import LiquiditySide, OrderType, ReasonCode, Side, TimeInForce
from tradecore.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    TradeId,
    Venue,
    VenueOrderId,
)
from tradecore.model.values import Money


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    ts: int


@dataclass(frozen=True, slots=True)
class OrderInitialized(Event):
    """An order the engine has accepted for processing (idempotency key recorded)."""

    client_order_id: ClientOrderId
    account: AccountId
    instrument_id: InstrumentId
    side: Side
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None
    time_in_force: TimeInForce
    post_only: bool
    reduce_only: bool
    parent_id: ClientOrderId | None
    tag: str


@dataclass(frozen=True, slots=True)
class OrderDenied(Event):
    """Refused by tradecore itself (validation, risk, routing) before reaching a venue.
    ``check``/``limit``/``value`` say which risk check refused, its limit and the value."""

    client_order_id: ClientOrderId
    account: AccountId
    reason: ReasonCode
    message: str
    check: str = ""
    limit: str = ""
    value: str = ""


@dataclass(frozen=True, slots=True)
class OrderSubmitted(Event):
    client_order_id: ClientOrderId
    account: AccountId
    venue: Venue


@dataclass(frozen=True, slots=True)
class OrderAccepted(Event):
    client_order_id: ClientOrderId
    account: AccountId
    venue_order_id: VenueOrderId


@dataclass(frozen=True, slots=True)
class OrderRejected(Event):
    """Refused by the venue."""

    client_order_id: ClientOrderId
    account: AccountId
    reason: ReasonCode
    message: str


@dataclass(frozen=True, slots=True)
class OrderFilled(Event):
    client_order_id: ClientOrderId
    account: AccountId
    instrument_id: InstrumentId
    venue_order_id: VenueOrderId
    trade_id: TradeId
    side: Side
    quantity: Decimal
    price: Decimal
    fee: Money
    liquidity: LiquiditySide
    parent_id: ClientOrderId | None


@dataclass(frozen=True, slots=True)
class OrderPendingCancel(Event):
    client_order_id: ClientOrderId
    account: AccountId


@dataclass(frozen=True, slots=True)
class OrderCanceled(Event):
    client_order_id: ClientOrderId
    account: AccountId
    message: str


@dataclass(frozen=True, slots=True)
class OrderCancelRejected(Event):
    client_order_id: ClientOrderId
    account: AccountId
    reason: ReasonCode
    message: str


@dataclass(frozen=True, slots=True)
class OrderPendingReplace(Event):
    client_order_id: ClientOrderId
    new_client_order_id: ClientOrderId
    account: AccountId
    quantity: Decimal
    price: Decimal | None


@dataclass(frozen=True, slots=True)
class OrderReplaced(Event):
    client_order_id: ClientOrderId
    new_client_order_id: ClientOrderId
    account: AccountId
    venue_order_id: VenueOrderId
    quantity: Decimal
    price: Decimal | None


@dataclass(frozen=True, slots=True)
class OrderReplaceRejected(Event):
    client_order_id: ClientOrderId
    account: AccountId
    reason: ReasonCode
    message: str


@dataclass(frozen=True, slots=True)
class OrderExpired(Event):
    client_order_id: ClientOrderId
    account: AccountId


ORDER_EVENTS: tuple[type[Event], ...] = (
    OrderInitialized,
    OrderDenied,
    OrderSubmitted,
    OrderAccepted,
    OrderRejected,
    OrderFilled,
    OrderPendingCancel,
    OrderCanceled,
    OrderCancelRejected,
    OrderPendingReplace,
    OrderReplaced,
    OrderReplaceRejected,
    OrderExpired,
)
