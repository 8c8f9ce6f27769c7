"""Order state, changed only by applying events (live, and the same way in replay).

``OrderState.apply(event)`` is the one place an order's state changes: each event type has its
applier in a table. A child's event also moves its parent (:mod:`tradecore.oms.parents`), inside
the same applier, so a parent never changes outside this module either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tradecore.errors import UnknownOrder
from tradecore.model.enums import TERMINAL, OrderStatus, ReasonCode
from tradecore.model.events import (
    Event,
    OrderAccepted,
    OrderAdopted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderSubmitted,
    ReportAnomaly,
)
from tradecore.model.identifiers import ClientOrderId
from tradecore.model.orders import Order, Trigger
from tradecore.oms.parents import CHILD_EFFECTS
from tradecore.oms.store import OrderStore

# the triggers of every order's path, bound once: on Python 3.11 each ``Enum.MEMBER`` read
# goes through EnumType.__getattr__ (about 60 ns; a module global costs 3)
_SUBMIT, _ACCEPT, _CANCEL = Trigger.SUBMIT, Trigger.ACCEPT, Trigger.CANCEL
_SUBMITTED = OrderStatus.SUBMITTED

#: told (parent, child) after a child's event made the child terminal (replay too: the
#: listener decides whether to act)
ChildDone = Callable[[Order, Order], None]


def replacement(old: Order, new_id: ClientOrderId, qty: Decimal, price: Decimal | None) -> Order:
    """The order a replace turns ``old`` into: new id, quantity and price; fills carry over."""
    new = Order(
        new_id, old.account, old.instrument_id, old.side, old.order_type, qty, price,
        old.time_in_force, post_only=old.post_only, reduce_only=old.reduce_only,
        parent_id=old.parent_id, created_ns=old.created_ns, tag=old.tag,
        trigger_price=old.trigger_price, expire_ns=old.expire_ns, display_qty=old.display_qty,
        stp=old.stp,
    )  # fmt: skip
    new.filled_qty = old.filled_qty
    new.notional = old.notional
    new.avg_px = old.avg_px
    new.venue_order_id = old.venue_order_id
    new.trade_ids = old.shared_trades()
    if old.filled_qty >= qty:  # fills during the pending replace covered the new quantity
        new.status = OrderStatus.FILLED
    else:
        new.status = OrderStatus.PARTIALLY_FILLED if old.filled_qty > 0 else OrderStatus.ACCEPTED
    return new


class OrderState:
    """The engine's orders and what follows from their events."""

    def __init__(self, retain_closed: int) -> None:
        self.orders = OrderStore(retain_closed)
        self._by_id = self.orders._by_id  # the hot path reads orders without a method call
        self.pending_replace: dict[ClientOrderId, OrderPendingReplace] = {}
        self.anomalies: Counter[str] = Counter()  # ReportAnomaly kinds (rebuilt by replay)
        self.on_child_done: ChildDone | None = None
        # an order the engine built from a command to check it before its event existed:
        # the event's applier takes it instead of building an equal one again
        self.staged: Order | None = None
        self.appliers: dict[type[Event], Callable[[Any], None]] = {
            OrderInitialized: self._initialized,
            OrderDenied: self._denied,
            OrderSubmitted: self._submitted,
            OrderAccepted: self._accepted,
            OrderAdopted: self._adopted,
            OrderRejected: self._rejected,
            OrderFilled: self._filled,
            OrderPendingCancel: self._pending_cancel,
            OrderCanceled: self._canceled,
            OrderCancelRejected: self._cancel_rejected,
            OrderPendingReplace: self._pending_replace,
            OrderReplaced: self._replaced,
            OrderReplaceRejected: self._replace_rejected,
            OrderExpired: self._expired,
            ReportAnomaly: self._anomaly,
        }

    def apply(self, event: Event) -> None:
        self.appliers[type(event)](event)

    def order(self, coid: ClientOrderId) -> Order:
        o = self._by_id.get(coid)
        if o is None:
            raise UnknownOrder(coid)
        return o

    # ------------------------------------------------------------------ helpers
    def _after(self, o: Order, event: Event, was_terminal: bool = False) -> None:
        if o.status in TERMINAL and not was_terminal:
            self.orders.mark_closed(o)
        pid = o.parent_id
        if pid is not None:
            parent = self._by_id.get(pid)
            if parent is not None:
                effect = CHILD_EFFECTS.get(type(event))
                if effect is not None:
                    was_terminal = parent.status in TERMINAL
                    effect(parent, event)
                    if parent.status in TERMINAL and not was_terminal:
                        self.orders.mark_closed(parent)
                if o.status in TERMINAL and self.on_child_done is not None:
                    self.on_child_done(parent, o)

    # ------------------------------------------------------------------ appliers
    def _initialized(self, e: OrderInitialized) -> None:
        o = self.staged
        if o is not None and o.client_order_id == e.client_order_id:
            self.staged = None  # built from the same command by the engine (live only)
        else:
            o = Order(
                e.client_order_id, e.account, e.instrument_id, e.side, e.order_type, e.quantity,
                e.price, e.time_in_force, post_only=e.post_only, reduce_only=e.reduce_only,
                parent_id=e.parent_id, created_ns=e.ts, tag=e.tag, trigger_price=e.trigger_price,
                expire_ns=e.expire_ns, display_qty=e.display_qty, stp=e.stp,
            )  # fmt: skip
        self.orders.add(o)
        if e.submitted:  # created and handed to execution in one step
            o.status = _SUBMITTED  # = apply(Trigger.SUBMIT) on a new order
            o.last_event_ns = e.ts
            self.orders.mark_open(o)

    def _denied(self, e: OrderDenied) -> None:
        o = self._by_id.get(e.client_order_id) or self.order(e.client_order_id)
        o.apply(Trigger.DENY, e.ts)
        self._after(o, e)

    def _submitted(self, e: OrderSubmitted) -> None:
        o = self._by_id.get(e.client_order_id) or self.order(e.client_order_id)
        o.apply(_SUBMIT, e.ts)
        self.orders.mark_open(o)

    def _accepted(self, e: OrderAccepted) -> None:
        o = self._by_id.get(e.client_order_id) or self.order(e.client_order_id)
        o.apply(_ACCEPT, e.ts)
        o.venue_order_id = e.venue_order_id
        self._after(o, e)

    def _adopted(self, e: OrderAdopted) -> None:
        o = self._by_id.get(e.client_order_id) or self.order(e.client_order_id)
        o.apply(Trigger.ADOPT, e.ts)
        o.venue_order_id = e.venue_order_id
        o.timed_out = False
        self.orders.mark_open(o)
        self._after(o, e, was_terminal=True)

    def _rejected(self, e: OrderRejected) -> None:
        o = self._by_id.get(e.client_order_id) or self.order(e.client_order_id)
        o.apply(Trigger.REJECT, e.ts)
        o.timed_out = e.reason is ReasonCode.TIMEOUT
        self._after(o, e)

    def _filled(self, e: OrderFilled) -> None:
        o = self._by_id.get(e.client_order_id) or self.order(e.client_order_id)
        was_terminal = o.status.is_terminal  # a late fill after the cancel was confirmed
        o.fill(e.quantity, e.price, e.ts)
        o.book_trade(e.trade_id)
        self._after(o, e, was_terminal)

    def _pending_cancel(self, e: OrderPendingCancel) -> None:
        self.order(e.client_order_id).apply(Trigger.REQUEST_CANCEL, e.ts)

    def _canceled(self, e: OrderCanceled) -> None:
        o = self._by_id.get(e.client_order_id) or self.order(e.client_order_id)
        o.apply(_CANCEL, e.ts)
        self._after(o, e)

    def _cancel_rejected(self, e: OrderCancelRejected) -> None:
        self.order(e.client_order_id).apply(Trigger.CANCEL_REJECT, e.ts)

    def _pending_replace(self, e: OrderPendingReplace) -> None:
        self.order(e.client_order_id).apply(Trigger.REQUEST_REPLACE, e.ts)
        self.pending_replace[e.client_order_id] = e

    def _replaced(self, e: OrderReplaced) -> None:
        old = self.order(e.client_order_id)
        old.apply(Trigger.REPLACE, e.ts)
        old.replaced_by = e.new_client_order_id
        self.pending_replace.pop(e.client_order_id, None)
        new = replacement(old, e.new_client_order_id, e.quantity, e.price)
        new.venue_order_id = e.venue_order_id
        new.last_event_ns = e.ts
        self.orders.add(new)
        if new.status is OrderStatus.FILLED:
            self.orders.mark_closed(new)
        else:
            self.orders.mark_open(new)
        self._after(old, e)

    def _replace_rejected(self, e: OrderReplaceRejected) -> None:
        self.order(e.client_order_id).apply(Trigger.REPLACE_REJECT, e.ts)
        self.pending_replace.pop(e.client_order_id, None)

    def _expired(self, e: OrderExpired) -> None:
        o = self._by_id.get(e.client_order_id) or self.order(e.client_order_id)
        o.apply(Trigger.EXPIRE, e.ts)
        self._after(o, e)

    def _anomaly(self, e: ReportAnomaly) -> None:
        self.anomalies[e.kind] += 1
