"""Orders and their lifecycle, as a transition table.

``TRANSITIONS[(state, trigger)] -> new state``. Fills are classified into two triggers,
``FILL_PARTIAL`` and ``FILL_FULL``, by comparing the fill with the order's leaves quantity, so
the table alone decides every move. Anything not in the table raises
:class:`~tradecore.errors.InvalidOrderTransition`; a fill larger than leaves raises
:class:`~tradecore.errors.OverfillError` *before* any field changes.

An ``Order`` is mutable and owned by the engine's single thread; what leaves the engine are
immutable events and :meth:`Order.snapshot` dicts.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from enum import StrEnum, unique
from typing import Any, Final

from tradecore.errors import InvalidOrderTransition, OverfillError
from tradecore.model.enums import OrderStatus, OrderType, Side, StpMode, TimeInForce
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, VenueOrderId
from tradecore.model.values import DIVISION, ZERO

S = OrderStatus


_FEW_TRADES: Final = 8  # trade ids kept in a tuple up to this many, then in a set


@unique
class Trigger(StrEnum):
    """What happened to an order (the event side of the transition table)."""

    DENY = "DENY"
    SUBMIT = "SUBMIT"
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    FILL_PARTIAL = "FILL_PARTIAL"
    FILL_FULL = "FILL_FULL"
    REQUEST_CANCEL = "REQUEST_CANCEL"
    CANCEL = "CANCEL"
    CANCEL_REJECT = "CANCEL_REJECT"
    REQUEST_REPLACE = "REQUEST_REPLACE"
    REPLACE = "REPLACE"
    REPLACE_REJECT = "REPLACE_REJECT"
    EXPIRE = "EXPIRE"
    ADOPT = "ADOPT"  # the venue acknowledged an order we had given up on (late ack)


T = Trigger

_WORKING = (S.ACCEPTED, S.PARTIALLY_FILLED)
# members read on every order event, bound once: on Python 3.11 each ``Enum.MEMBER`` read goes
# through EnumType.__getattr__ (about 60 ns; a module global costs 3)
_INITIALIZED, _FILLED = S.INITIALIZED, S.FILLED
_FILL_PARTIAL, _FILL_FULL = T.FILL_PARTIAL, T.FILL_FULL

TRANSITIONS: dict[tuple[OrderStatus, Trigger], OrderStatus] = {
    (S.INITIALIZED, T.DENY): S.DENIED,
    (S.INITIALIZED, T.SUBMIT): S.SUBMITTED,
    # refused by our own execution gateway (no route, breaker open) before any venue saw it
    (S.SUBMITTED, T.DENY): S.DENIED,
    (S.SUBMITTED, T.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, T.REJECT): S.REJECTED,
    # a venue may fill, cancel (IOC) or expire before its ack reaches us
    (S.SUBMITTED, T.FILL_PARTIAL): S.PARTIALLY_FILLED,
    (S.SUBMITTED, T.FILL_FULL): S.FILLED,
    (S.SUBMITTED, T.CANCEL): S.CANCELED,
    (S.SUBMITTED, T.EXPIRE): S.EXPIRED,
    (S.SUBMITTED, T.REQUEST_CANCEL): S.PENDING_CANCEL,
    **{(w, T.FILL_PARTIAL): S.PARTIALLY_FILLED for w in _WORKING},
    **{(w, T.FILL_FULL): S.FILLED for w in _WORKING},
    **{(w, T.REQUEST_CANCEL): S.PENDING_CANCEL for w in _WORKING},
    **{(w, T.REQUEST_REPLACE): S.PENDING_REPLACE for w in _WORKING},
    **{(w, T.CANCEL): S.CANCELED for w in _WORKING},
    **{(w, T.EXPIRE): S.EXPIRED for w in _WORKING},
    # pending states: fills may race the request; the venue's answer settles it
    (S.PENDING_CANCEL, T.CANCEL): S.CANCELED,
    (S.PENDING_CANCEL, T.FILL_PARTIAL): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, T.FILL_FULL): S.FILLED,
    (S.PENDING_CANCEL, T.EXPIRE): S.EXPIRED,
    (S.PENDING_CANCEL, T.ACCEPT): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, T.REJECT): S.REJECTED,  # the cancel overtook an order the venue refused
    # the ack of an order that filled (in part) before its ack reached us
    (S.PARTIALLY_FILLED, T.ACCEPT): S.PARTIALLY_FILLED,
    (S.PENDING_REPLACE, T.ACCEPT): S.PENDING_REPLACE,
    (S.PENDING_REPLACE, T.REPLACE): S.REPLACED,
    (S.PENDING_REPLACE, T.FILL_PARTIAL): S.PENDING_REPLACE,
    (S.PENDING_REPLACE, T.FILL_FULL): S.FILLED,
    (S.PENDING_REPLACE, T.CANCEL): S.CANCELED,
    (S.PENDING_REPLACE, T.EXPIRE): S.EXPIRED,
    # CANCEL_REJECT / REPLACE_REJECT restore SUBMITTED, ACCEPTED or PARTIALLY_FILLED: Order.apply
    # late reports: the venue's word wins. A fill reported after the cancel (or expiry) was
    # confirmed happened before it at the venue: it is booked, the order stays closed (or ends
    # FILLED when nothing is left). An order we rejected after an ack timeout is adopted back
    # when the venue acknowledges it after all.
    (S.CANCELED, T.FILL_PARTIAL): S.CANCELED,
    (S.CANCELED, T.FILL_FULL): S.FILLED,
    (S.EXPIRED, T.FILL_PARTIAL): S.EXPIRED,
    (S.EXPIRED, T.FILL_FULL): S.FILLED,
    (S.REJECTED, T.ADOPT): S.ACCEPTED,
}

_RESTORING = {
    (S.PENDING_CANCEL, T.CANCEL_REJECT),
    (S.PENDING_REPLACE, T.REPLACE_REJECT),
}


class Order:
    """A single order. Quantities are exact Decimals; ``filled + leaves == quantity`` always."""

    __slots__ = (
        "account",
        "avg_px",
        "client_order_id",
        "created_ns",
        "display_qty",
        "expire_ns",
        "filled_qty",
        "instrument_id",
        "last_event_ns",
        "notional",
        "order_type",
        "parent_id",
        "post_only",
        "price",
        "quantity",
        "reduce_only",
        "replaced_by",
        "side",
        "status",
        "stp",
        "tag",
        "time_in_force",
        "timed_out",
        "trade_ids",
        "trigger_price",
        "venue_order_id",
    )

    def __init__(
        self,
        client_order_id: ClientOrderId,
        account: AccountId,
        instrument_id: InstrumentId,
        side: Side,
        order_type: OrderType,
        quantity: Decimal,
        price: Decimal | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        *,
        post_only: bool = False,
        reduce_only: bool = False,
        parent_id: ClientOrderId | None = None,
        created_ns: int = 0,
        tag: str = "",
        trigger_price: Decimal | None = None,
        expire_ns: int | None = None,
        display_qty: Decimal | None = None,
        stp: StpMode | None = None,
    ) -> None:
        self.client_order_id = client_order_id
        self.account = account
        self.instrument_id = instrument_id
        self.side = side
        self.order_type = order_type
        self.quantity = quantity
        self.price = price
        self.time_in_force = time_in_force
        self.post_only = post_only
        self.reduce_only = reduce_only
        self.parent_id = parent_id
        self.created_ns = created_ns
        self.last_event_ns = created_ns
        self.tag = tag
        self.trigger_price = trigger_price  # STOP_MARKET / STOP_LIMIT
        self.expire_ns = expire_ns  # GTD
        self.display_qty = display_qty  # iceberg
        self.stp = stp  # self-trade prevention mode; None: the venue's
        self.status = _INITIALIZED
        self.filled_qty: Decimal = ZERO
        self.avg_px: Decimal | None = None
        self.notional: Decimal = ZERO  # exact sum of fill quantity x price
        self.venue_order_id: VenueOrderId | None = None
        self.replaced_by: ClientOrderId | None = None
        self.timed_out = False  # rejected by us after an ack timeout (the venue may ack late)
        # trades booked (a repeated report is not booked twice): a tuple while there are
        # few (most orders fill once or never; a set is 216 bytes, a 1-tuple 48), a set
        # beyond, or when shared with an amendment
        self.trade_ids: Collection[str] = ()

    def book_trade(self, trade_id: str) -> None:
        ids = self.trade_ids
        if isinstance(ids, set):
            ids.add(trade_id)
        elif len(ids) < _FEW_TRADES:
            self.trade_ids = (*ids, trade_id)
        else:
            self.trade_ids = {*ids, trade_id}

    def shared_trades(self) -> set[str]:
        """The booked trade ids as a set of this order's own, for an amendment to share (a
        late report under either id is then recognised)."""
        ids = self.trade_ids
        if not isinstance(ids, set):
            ids = self.trade_ids = set(ids)
        return ids

    @property
    def leaves_qty(self) -> Decimal:
        filled = self.filled_qty
        if filled is ZERO:  # never filled (the usual read): its quantity, no new Decimal
            return self.quantity
        left = self.quantity - filled
        return left if left > 0 else ZERO  # < 0 only for an overfilled parent (see oms.parents)

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def can(self, trigger: Trigger) -> bool:
        """Whether ``trigger`` is legal now (fills: whether either fill trigger is)."""
        if (self.status, trigger) in _RESTORING:
            return True
        return (self.status, trigger) in TRANSITIONS

    def apply(self, trigger: Trigger, ts_ns: int = 0) -> OrderStatus:
        """Move along the table (non-fill triggers). Returns the new status."""
        if trigger is _FILL_FULL or trigger is _FILL_PARTIAL:
            raise InvalidOrderTransition(self.client_order_id, self.status.value, trigger.value)
        key = (self.status, trigger)
        if key in _RESTORING:
            # back to where the request found it: a cancel can be refused before the venue
            # has even acknowledged the order (the cancel overtook it), so not always ACCEPTED
            if self.filled_qty > 0:
                new = S.PARTIALLY_FILLED
            elif self.venue_order_id is None and trigger is T.CANCEL_REJECT:
                new = S.SUBMITTED
            else:
                new = S.ACCEPTED
        else:
            try:
                new = TRANSITIONS[key]
            except KeyError:
                raise InvalidOrderTransition(
                    self.client_order_id, self.status.value, trigger.value
                ) from None
        self.status = new
        if ts_ns:
            self.last_event_ns = ts_ns
        return new

    def fill(
        self, quantity: Decimal, price: Decimal, ts_ns: int = 0, *, overfill: bool = False
    ) -> OrderStatus:
        """Apply a fill; refuses an overfill (unless ``overfill``: a parent whose children
        the venues filled beyond it) or a fill the current state cannot take."""
        if quantity <= 0:
            raise OverfillError(self.client_order_id, self.leaves_qty, quantity)
        filled = self.filled_qty
        leaves = self.quantity if filled is ZERO else self.quantity - filled
        if quantity > leaves and not overfill:
            raise OverfillError(self.client_order_id, leaves, quantity)
        trigger = _FILL_FULL if quantity >= leaves else _FILL_PARTIAL
        try:
            # an overfilled parent stays FILLED (the only move out of a terminal state that
            # is not in the table: the venues executed more than we asked, and that is booked)
            new = (
                _FILLED
                if overfill and self.status is _FILLED
                else TRANSITIONS[(self.status, trigger)]
            )
        except KeyError:
            raise InvalidOrderTransition(
                self.client_order_id, self.status.value, trigger.value
            ) from None
        if filled is ZERO:  # its first fill (most orders fill once): no sums with zero
            total = quantity
            self.notional = quantity * price
        else:
            total = filled + quantity
            self.notional += quantity * price
        if self.avg_px is None:
            self.avg_px = price
        else:
            # one rounding, from the exact notional (never accumulated across fills)
            self.avg_px = DIVISION.divide(self.notional, total)
        self.filled_qty = total
        self.status = new
        if ts_ns:
            self.last_event_ns = ts_ns
        return new

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready view (decimals as strings)."""
        return {
            "client_order_id": self.client_order_id,
            "account": self.account,
            "instrument_id": str(self.instrument_id),
            "side": self.side.value,
            "type": self.order_type.value,
            "quantity": str(self.quantity),
            "price": None if self.price is None else str(self.price),
            "time_in_force": self.time_in_force.value,
            "post_only": self.post_only,
            "reduce_only": self.reduce_only,
            "status": self.status.value,
            "filled_qty": str(self.filled_qty),
            "leaves_qty": str(self.leaves_qty),
            "avg_px": None if self.avg_px is None else str(self.avg_px),
            "venue_order_id": self.venue_order_id,
            "parent_id": self.parent_id,
            "replaced_by": self.replaced_by,
            "created_ns": self.created_ns,
            "last_event_ns": self.last_event_ns,
            "tag": self.tag,
            "trade_ids": sorted(self.trade_ids),
            "timed_out": self.timed_out,
            "trigger_price": None if self.trigger_price is None else str(self.trigger_price),
            "expire_ns": self.expire_ns,
            "display_qty": None if self.display_qty is None else str(self.display_qty),
            "stp": None if self.stp is None else self.stp.value,
        }

    def __repr__(self) -> str:
        return (
            f"Order({self.client_order_id} {self.side.value} {self.quantity} "
            f"{self.instrument_id} {self.order_type.value}"
            f"{'' if self.price is None else ' @' + str(self.price)} {self.status.value} "
            f"filled={self.filled_qty})"
        )
