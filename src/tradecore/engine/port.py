"""The execution module's port into the engine (see :class:`ExecutionPort`)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradecore.model.commands import CancelOrder
from tradecore.model.denial import Denial
from tradecore.model.enums import OrderStatus, OrderType, TimeInForce
from tradecore.model.events import OrderCanceled, OrderInitialized, OrderPendingCancel
from tradecore.model.identifiers import ClientOrderId, Venue
from tradecore.model.orders import Order, Trigger

if TYPE_CHECKING:
    from tradecore.engine.core import Engine


class ExecutionPort:
    """What the execution module may do to orders, and nothing else: create and submit the
    children of a parent, deny an order, close a parent, run work on the engine's stack, and
    report what venues say through the sink. Every change is an event, applied as usual."""

    __slots__ = ("_e", "bus", "clock", "instruments", "last_quotes", "orders", "sink")

    def __init__(self, engine: Engine) -> None:
        self._e = engine
        self.clock = engine.clock
        self.instruments = engine.instruments
        self.orders = engine.orders
        self.bus = engine.bus
        self.sink = engine.sink
        self.last_quotes = engine.last_quotes  # read-only: the latest quote per instrument

    @property
    def seq(self) -> int:
        return self._e.seq

    @property
    def replaying(self) -> bool:
        return self._e.replaying

    def on_child_done(self, fn: Callable[[Order, Order], None]) -> None:
        self._e.state.on_child_done = fn

    def call(self, fn: Callable[..., object], *args: Any) -> None:
        self._e.call(fn, *args)

    def defer(self, fn: Callable[..., None], *args: Any) -> None:
        self._e.defer(fn, *args)

    def create_child(
        self, parent: Order, child_id: ClientOrderId, venue: Venue, quantity: Decimal,
        price: Decimal | None, order_type: OrderType, time_in_force: TimeInForce, *,
        post_only: bool = False,
    ) -> Order:  # fmt: skip
        """A child of ``parent`` on ``venue``, SUBMITTED in one event (the parent passed risk;
        the caller hands it to its venue next, in the same step)."""
        e = self._e
        seq, ts = e._next()
        e._emit(
            OrderInitialized(
                seq, ts, child_id, parent.account, parent.instrument_id.on(venue), parent.side,
                order_type, quantity, price, time_in_force, post_only, parent.reduce_only,
                parent.client_order_id, parent.tag, submitted=True,
            )
        )  # fmt: skip
        child = e.orders.get(child_id)
        assert child is not None
        return child

    def deny(self, order: Order, denial: Denial) -> None:
        self._e._deny(order, denial)

    def cancel(self, order: Order) -> Denial | None:
        """Cancel an open order as its owner would (a child, or an adopted order)."""
        return self._e.cancel(
            CancelOrder(client_order_id=order.client_order_id, account=order.account)
        ).denial

    def close_parent(self, parent: Order, message: str) -> None:
        """Close a parent whose children are all done without filling it."""
        e = self._e
        if parent.status.is_terminal:
            return
        if parent.can(Trigger.REQUEST_CANCEL) and parent.status is not OrderStatus.PENDING_CANCEL:
            seq, ts = e._next()
            e._emit(OrderPendingCancel(seq, ts, parent.client_order_id, parent.account))
        seq, ts = e._next()
        e._emit(OrderCanceled(seq, ts, parent.client_order_id, parent.account, message))
