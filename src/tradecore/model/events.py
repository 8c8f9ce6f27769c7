"""Immutable events, named in the past tense. ``seq`` is the engine's sequence number
(strictly increasing, gap-free within a run) and ``ts`` the engine clock in int nanoseconds."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from tradecore.model.enums import (
    LiquiditySide,
    OrderType,
    ReasonCode,
    Side,
    StpMode,
    TimeInForce,
)
from tradecore.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    TradeId,
    Venue,
    VenueOrderId,
)
from tradecore.model.values import Money


class Event(msgspec.Struct, frozen=True, gc=False, tag=True, tag_field="type"):
    """Base of every event: ``seq`` then ``ts``, then the event's own fields (positional)."""

    seq: int
    ts: int


class OrderInitialized(Event, frozen=True):
    """An order the engine has accepted for processing (idempotency key recorded).
    The order-type fields at the end have defaults, so journals written before them decode.

    ``submitted``: the order passed its checks and went straight to execution in the same
    step: one event where ``OrderInitialized`` + ``OrderSubmitted`` carried nothing more (the
    order starts SUBMITTED). ``False``: it stays INITIALIZED (it is denied next, or, in
    journals written before the flag, an ``OrderSubmitted`` follows)."""

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
    trigger_price: Decimal | None = None
    expire_ns: int | None = None
    display_qty: Decimal | None = None
    stp: StpMode | None = None
    submitted: bool = False


class OrderDenied(Event, frozen=True):
    """Refused by tradecore itself (validation, risk, routing) before reaching a venue.
    ``check``/``limit``/``value`` say which risk check refused, its limit and the value."""

    client_order_id: ClientOrderId
    account: AccountId
    reason: ReasonCode
    message: str
    check: str = ""
    limit: str = ""
    value: str = ""


class OrderSubmitted(Event, frozen=True):
    client_order_id: ClientOrderId
    account: AccountId
    venue: Venue


class OrderAccepted(Event, frozen=True):
    client_order_id: ClientOrderId
    account: AccountId
    venue_order_id: VenueOrderId


class OrderRejected(Event, frozen=True):
    """Refused by the venue."""

    client_order_id: ClientOrderId
    account: AccountId
    reason: ReasonCode
    message: str


class OrderFilled(Event, frozen=True):
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


class OrderPendingCancel(Event, frozen=True):
    client_order_id: ClientOrderId
    account: AccountId


class OrderCanceled(Event, frozen=True):
    client_order_id: ClientOrderId
    account: AccountId
    message: str


class OrderCancelRejected(Event, frozen=True):
    client_order_id: ClientOrderId
    account: AccountId
    reason: ReasonCode
    message: str


class OrderPendingReplace(Event, frozen=True):
    client_order_id: ClientOrderId
    new_client_order_id: ClientOrderId
    account: AccountId
    quantity: Decimal
    price: Decimal | None


class OrderReplaced(Event, frozen=True):
    client_order_id: ClientOrderId
    new_client_order_id: ClientOrderId
    account: AccountId
    venue_order_id: VenueOrderId
    quantity: Decimal
    price: Decimal | None


class OrderReplaceRejected(Event, frozen=True):
    client_order_id: ClientOrderId
    account: AccountId
    reason: ReasonCode
    message: str


class OrderExpired(Event, frozen=True):
    client_order_id: ClientOrderId
    account: AccountId


class OrderAdopted(Event, frozen=True):
    """The venue acknowledged an order we had rejected after an ack timeout (it did not know
    the order when asked): the venue's word wins and the order is live again."""

    client_order_id: ClientOrderId
    account: AccountId
    venue_order_id: VenueOrderId


class ReportAnomaly(Event, frozen=True):
    """A venue report that could not be applied as it stands (unknown order, duplicate trade,
    a report the order's state cannot take, an overfill). Journaled and counted, never raised;
    ``outcome`` says what the engine did about it (docs/execution.md has the table)."""

    client_order_id: ClientOrderId
    account: AccountId
    report: str  # ACK, REJECT, FILL, CANCELED, CANCEL_REJECT, REPLACED, REPLACE_REJECT, EXPIRED
    status: str  # the order's status when the report arrived ("" if unknown)
    kind: str  # UNKNOWN_ORDER, DUPLICATE, LATE, CONTRADICTION, OVERFILL
    outcome: str
    detail: str = ""


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
    OrderAdopted,
    ReportAnomaly,
)
