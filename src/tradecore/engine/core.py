"""The sequencer: one single-threaded owner of all mutable order state.

Every change is an event. ``_build`` (side-effect free) makes the event, ``_apply`` mutates
state from it (the *only* place order state changes, so replaying a journal through
``_apply`` rebuilds the same state), the journal appends it, then subscribers see it, in
sequence order, never nested: an event published while another is being published waits in
the outbox. Venue reports that arrive while a command is on the stack wait in the inbox and run
right after it.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec

from tradecore.engine.bus import MessageBus
from tradecore.engine.clock import Clock
from tradecore.engine.instruments import InstrumentRegistry
from tradecore.engine.ports import EventJournal, ExecutionGateway, RiskGate
from tradecore.errors import UnknownOrder
from tradecore.model.commands import CancelOrder, ReplaceOrder, SubmitOrder
from tradecore.model.denial import Denial
from tradecore.model.enums import LiquiditySide, OrderStatus, OrderType, ReasonCode, TimeInForce
from tradecore.model.events import (
    Event,
    OrderAccepted,
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
)
from tradecore.model.identifiers import SMART, ClientOrderId, TradeId, Venue, VenueOrderId
from tradecore.model.instrument import Instrument
from tradecore.model.market import Quote
from tradecore.model.orders import Order, Trigger
from tradecore.model.values import Money
from tradecore.oms.store import OrderStore


class CommandResult(msgspec.Struct, frozen=True):
    """What a command returned: the order (if any), whether it was a duplicate, a denial."""

    order: Order | None
    denial: Denial | None = None
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return self.denial is None


def _no_order_state(event: Event) -> None:
    """The applier of a registered non-order event: no order state changes."""


class Engine:
    """The deterministic core. Wire it with :mod:`tradecore.bootstrap`, or by hand in tests."""

    def __init__(
        self,
        clock: Clock,
        instruments: InstrumentRegistry,
        *,
        bus: MessageBus | None = None,
        risk: RiskGate | None = None,
        gateway: ExecutionGateway | None = None,
        journal: EventJournal | None = None,
        retain_closed: int = 200_000,
    ) -> None:
        self.clock = clock
        self.instruments = instruments
        self.bus = bus if bus is not None else MessageBus()
        self.risk = risk
        self.gateway = gateway
        self.journal = journal
        self.orders = OrderStore(retain_closed)
        self._by_id = self.orders._by_id  # the hot path reads orders without a method call
        self.seq = 0
        self.last_quotes: dict[Any, Quote] = {}
        self.late_reports = 0  # reports about orders already terminal, ignored (counted)
        self.replaying = False  # set by recovery: components must not act (send, flatten)
        self._pending_replace: dict[ClientOrderId, OrderPendingReplace] = {}
        self._inbox: deque[tuple[Callable[..., object], tuple[Any, ...]]] = deque()
        self._outbox: deque[Event] = deque()
        self._busy = False
        self._publishing = False
        self._child_listener: Any = getattr(gateway, "on_child_event", None)
        # a journal with commit() gets one call per command/report, before the caller's answer
        self._commit: Callable[[], None] | None = getattr(journal, "commit", None)
        self._appliers: dict[type[Event], Callable[[Any], None]] = {
            OrderInitialized: self._apply_initialized,
            OrderDenied: self._apply_denied,
            OrderSubmitted: self._apply_submitted,
            OrderAccepted: self._apply_accepted,
            OrderRejected: self._apply_rejected,
            OrderFilled: self._apply_filled,
            OrderPendingCancel: self._apply_pending_cancel,
            OrderCanceled: self._apply_canceled,
            OrderCancelRejected: self._apply_cancel_rejected,
            OrderPendingReplace: self._apply_pending_replace,
            OrderReplaced: self._apply_replaced,
            OrderReplaceRejected: self._apply_replace_rejected,
            OrderExpired: self._apply_expired,
        }

    def set_gateway(self, gateway: ExecutionGateway) -> None:
        self.gateway = gateway
        self._child_listener = getattr(gateway, "on_child_event", None)

    # ------------------------------------------------------------------ sequencing
    def _next(self) -> tuple[int, int]:
        self.seq += 1
        return self.seq, self.clock.now_ns()

    def _emit(self, event: Event) -> None:
        self._appliers[type(event)](event)
        if self.journal is not None:
            self.journal.append(event)
        if self._publishing:
            self._outbox.append(event)
            return
        self._publishing = True
        try:
            publish = self.bus.publish
            publish(event)
            out = self._outbox
            while out:
                publish(out.popleft())
        finally:
            self._publishing = False

    def _drain(self) -> None:
        inbox = self._inbox
        while inbox:
            fn, args = inbox.popleft()
            fn(*args)

    def _command(self, fn: Callable[..., CommandResult], arg: Any) -> CommandResult:
        """Commands run at once, even nested in a handler; reports queued meanwhile run after."""
        if self._busy:
            return fn(arg)
        self._busy = True
        try:
            result = fn(arg)
            if self._inbox:
                self._drain()
            if self._commit is not None:
                self._commit()
            return result
        finally:
            self._busy = False

    def _report(self, fn: Callable[..., object], *args: Any) -> None:
        """A venue report runs now, or after the command on the stack if one is running."""
        if self._busy:
            self._inbox.append((fn, args))
            return
        self._busy = True
        try:
            fn(*args)
            if self._inbox:
                self._drain()
            if self._commit is not None:
                self._commit()
        finally:
            self._busy = False

    def call(self, fn: Callable[..., object], *args: Any) -> None:
        """Run ``fn(*args)`` on the engine's stack (timers and I/O callbacks of components):
        now if idle, else right after the current command or report."""
        self._report(fn, *args)

    def defer(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` after the current command or report has finished (its events
        applied, journaled and published). Used by components that react to an event by
        issuing new work, so the journal and subscribers keep strict sequence order."""
        if self._busy:
            self._inbox.append((fn, args))
        else:
            self._report(fn, *args)

    # ------------------------------------------------------------------ non-order events
    def register_event(self, kind: type[Event]) -> None:
        """Let a component journal events of ``kind`` that change no order (risk state):
        the engine sequences, journals, publishes and replays them, applying nothing."""
        self._appliers.setdefault(kind, _no_order_state)

    def record(self, make: Callable[[int, int], Event]) -> Event:
        """Sequence, journal and publish a registered non-order event built by
        ``make(seq, ts)``, committed like a command (before the caller goes on)."""
        made: list[Event] = []

        def run(_: object) -> CommandResult:
            seq, ts = self._next()
            made.append(make(seq, ts))
            self._emit(made[0])
            return CommandResult(None)

        self._command(run, None)
        return made[0]

    def apply_event(self, event: Event) -> None:
        """Replay: apply a journaled event (no venue I/O), keep ``seq``, publish it."""
        self._appliers[type(event)](event)
        if event.seq > self.seq:
            self.seq = event.seq
        self.bus.publish(event)

    # ------------------------------------------------------------------ commands
    def submit(self, cmd: SubmitOrder) -> CommandResult:
        existing = self.orders.get(cmd.client_order_id)
        if existing is not None:
            return CommandResult(existing, None, duplicate=True)
        if self.orders.was_archived(cmd.client_order_id):
            return CommandResult(
                None,
                Denial(
                    ReasonCode.DUPLICATE_CLIENT_ORDER_ID,
                    f"{cmd.client_order_id} belongs to a closed, archived order (see the journal)",
                ),
                duplicate=True,
            )
        return self._command(self._submit, cmd)

    def _submit(self, cmd: SubmitOrder) -> CommandResult:
        seq, ts = self._next()
        self._emit(
            OrderInitialized(
                seq,
                ts,
                cmd.client_order_id,
                cmd.account,
                cmd.instrument_id,
                cmd.side,
                cmd.order_type,
                cmd.quantity,
                cmd.price,
                cmd.time_in_force,
                cmd.post_only,
                cmd.reduce_only,
                None,
                cmd.tag,
            )
        )
        order = self.orders.get(cmd.client_order_id)
        assert order is not None
        denial = self._validate(order)
        if denial is None and self.risk is not None:
            denial = self.risk.check(order)
        if denial is None:
            if self.gateway is None:
                denial = Denial(ReasonCode.NO_ROUTE, "no execution gateway configured")
            else:
                denial = self.gateway.send(order)
        if denial is not None:
            self._deny(order, denial)
            return CommandResult(order, denial)
        seq, ts = self._next()
        self._emit(
            OrderSubmitted(seq, ts, order.client_order_id, order.account, order.instrument_id.venue)
        )
        return CommandResult(order)

    def _deny(self, order: Order, d: Denial) -> None:
        seq, ts = self._next()
        self._emit(
            OrderDenied(
                seq,
                ts,
                order.client_order_id,
                order.account,
                d.reason,
                d.message,
                d.check,
                d.limit,
                d.value,
            )
        )

    def instrument_for(self, order: Order) -> Instrument | None:
        iid = order.instrument_id
        if iid.venue == SMART:
            return self.instruments.any_for(iid.symbol)
        return self.instruments.get(iid)

    def _validate(self, o: Order) -> Denial | None:
        """The engine's own static checks (instrument rules, order shape)."""
        inst = self.instrument_for(o)
        if inst is None:
            return Denial(ReasonCode.UNKNOWN_INSTRUMENT, f"unknown instrument {o.instrument_id}")
        R = ReasonCode
        if o.quantity <= 0:
            return Denial(R.INVALID_ORDER, f"quantity {o.quantity} must be > 0")
        if o.quantity % inst.lot_size:
            return Denial(
                R.OFF_LOT_QUANTITY, f"quantity {o.quantity} not a multiple of lot {inst.lot_size}"
            )
        if o.quantity < inst.min_quantity:
            return Denial(
                R.BELOW_MIN_QUANTITY, f"quantity {o.quantity} below minimum {inst.min_quantity}"
            )
        if inst.max_quantity is not None and o.quantity > inst.max_quantity:
            return Denial(
                R.ABOVE_MAX_QUANTITY, f"quantity {o.quantity} above maximum {inst.max_quantity}"
            )
        if o.order_type is OrderType.LIMIT:
            if o.price is None:
                return Denial(R.INVALID_ORDER, "a LIMIT order needs a price")
            if o.price % inst.tick_size:
                return Denial(
                    R.OFF_TICK_PRICE, f"price {o.price} not a multiple of tick {inst.tick_size}"
                )
            if inst.min_notional and o.quantity * o.price * inst.multiplier < inst.min_notional:
                return Denial(
                    R.BELOW_MIN_NOTIONAL,
                    f"notional {o.quantity * o.price} below minimum {inst.min_notional}",
                )
            if o.post_only and o.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
                return Denial(R.INVALID_ORDER, "post-only cannot be IOC or FOK")
        else:
            if o.price is not None:
                return Denial(R.INVALID_ORDER, "a MARKET order takes no price")
            if o.post_only:
                return Denial(R.INVALID_ORDER, "a MARKET order cannot be post-only")
        return None

    def submit_child(
        self,
        parent: Order,
        child_id: ClientOrderId,
        venue: Venue,
        quantity: Decimal,
        price: Decimal | None,
        order_type: OrderType,
        time_in_force: TimeInForce,
        *,
        post_only: bool = False,
    ) -> Order:
        """Create a child of ``parent`` on ``venue`` (router use), INITIALIZED.

        The parent passed risk. The router hands the child to its venue client, then calls
        :meth:`mark_submitted` (or :meth:`deny`).
        """
        seq, ts = self._next()
        self._emit(
            OrderInitialized(
                seq,
                ts,
                child_id,
                parent.account,
                parent.instrument_id.on(venue),
                parent.side,
                order_type,
                quantity,
                price,
                time_in_force,
                post_only,
                parent.reduce_only,
                parent.client_order_id,
                parent.tag,
            )
        )
        child = self.orders.get(child_id)
        assert child is not None
        return child

    def mark_submitted(self, order: Order) -> None:
        """Record that ``order`` has been handed to its venue (router use)."""
        seq, ts = self._next()
        self._emit(
            OrderSubmitted(seq, ts, order.client_order_id, order.account, order.instrument_id.venue)
        )

    def deny(self, order: Order, denial: Denial) -> None:
        """Deny an INITIALIZED order (router use, e.g. a child no venue will take)."""
        self._deny(order, denial)

    def cancel(self, cmd: CancelOrder) -> CommandResult:
        return self._command(self._cancel, cmd)

    def _cancel(self, cmd: CancelOrder) -> CommandResult:
        order = self.orders.get(cmd.client_order_id)
        if order is None or order.account != cmd.account:
            return CommandResult(
                None, Denial(ReasonCode.INVALID_ORDER, f"unknown order {cmd.client_order_id}")
            )
        if not order.can(Trigger.REQUEST_CANCEL):
            return CommandResult(
                order, Denial(ReasonCode.ORDER_NOT_OPEN, f"order is {order.status.value}")
            )
        cancel_gate = getattr(self.risk, "check_cancel", None)
        if cancel_gate is not None and order.parent_id is None:
            d = cancel_gate(order.account)
            if d is not None:
                return CommandResult(order, d)
        seq, ts = self._next()
        self._emit(OrderPendingCancel(seq, ts, order.client_order_id, order.account))
        if self.gateway is not None:
            d = self.gateway.cancel(order)
            if d is not None:
                seq, ts = self._next()
                self._emit(
                    OrderCancelRejected(
                        seq, ts, order.client_order_id, order.account, d.reason, d.message
                    )
                )
                return CommandResult(order, d)
        return CommandResult(order)

    def replace(self, cmd: ReplaceOrder) -> CommandResult:
        return self._command(self._replace, cmd)

    def _replace(self, cmd: ReplaceOrder) -> CommandResult:
        R = ReasonCode
        order = self.orders.get(cmd.client_order_id)
        if order is None or order.account != cmd.account:
            return CommandResult(
                None, Denial(R.INVALID_ORDER, f"unknown order {cmd.client_order_id}")
            )
        if cmd.new_client_order_id in self.orders:
            return CommandResult(order, Denial(R.DUPLICATE_CLIENT_ORDER_ID, "new id already used"))
        if not order.can(Trigger.REQUEST_REPLACE):
            return CommandResult(order, Denial(R.ORDER_NOT_OPEN, f"order is {order.status.value}"))
        qty = cmd.quantity if cmd.quantity is not None else order.quantity
        price = cmd.price if cmd.price is not None else order.price
        if qty <= order.filled_qty:
            return CommandResult(
                order, Denial(R.INVALID_ORDER, f"quantity {qty} <= filled {order.filled_qty}")
            )
        inst = self.instrument_for(order)
        if inst is not None:
            if qty % inst.lot_size:
                return CommandResult(
                    order, Denial(R.OFF_LOT_QUANTITY, f"quantity {qty} off lot {inst.lot_size}")
                )
            if price is not None and price % inst.tick_size:
                return CommandResult(
                    order, Denial(R.OFF_TICK_PRICE, f"price {price} off tick {inst.tick_size}")
                )
        if self.risk is not None:  # risk (issue 14): an amendment is checked as it would become
            d = self.risk.check_replace(order, qty, price)
            if d is not None:
                return CommandResult(order, d)
        seq, ts = self._next()
        self._emit(
            OrderPendingReplace(
                seq, ts, order.client_order_id, cmd.new_client_order_id, order.account, qty, price
            )
        )
        if self.gateway is not None:
            new_order = self._replacement(order, cmd.new_client_order_id, qty, price)
            d = self.gateway.replace(order, new_order)
            if d is not None:
                seq, ts = self._next()
                self._emit(
                    OrderReplaceRejected(
                        seq, ts, order.client_order_id, order.account, d.reason, d.message
                    )
                )
                return CommandResult(order, d)
        return CommandResult(order)

    @staticmethod
    def _replacement(
        old: Order, new_id: ClientOrderId, qty: Decimal, price: Decimal | None
    ) -> Order:
        new = Order(
            new_id,
            old.account,
            old.instrument_id,
            old.side,
            old.order_type,
            qty,
            price,
            old.time_in_force,
            post_only=old.post_only,
            reduce_only=old.reduce_only,
            parent_id=old.parent_id,
            created_ns=old.created_ns,
            tag=old.tag,
        )
        new.filled_qty = old.filled_qty
        new.notional = old.notional
        new.avg_px = old.avg_px
        new.venue_order_id = old.venue_order_id
        new.status = OrderStatus.PARTIALLY_FILLED if old.filled_qty > 0 else OrderStatus.ACCEPTED
        return new

    # ------------------------------------------------------------------ execution sink
    def _order(self, coid: ClientOrderId) -> Order:
        o = self._by_id.get(coid)
        if o is None:
            raise UnknownOrder(coid)
        return o

    def on_accepted(self, coid: ClientOrderId, venue_order_id: VenueOrderId) -> None:
        self._report(self._accepted, coid, venue_order_id)

    def _accepted(self, coid: ClientOrderId, venue_order_id: VenueOrderId) -> None:
        o = self._order(coid)
        seq, ts = self._next()
        self._emit(OrderAccepted(seq, ts, coid, o.account, venue_order_id))

    def on_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        self._report(self._rejected, coid, reason, message)

    def _rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        o = self._order(coid)
        seq, ts = self._next()
        self._emit(OrderRejected(seq, ts, coid, o.account, reason, message))

    def on_filled(
        self,
        coid: ClientOrderId,
        trade_id: TradeId,
        quantity: Decimal,
        price: Decimal,
        fee: Money,
        liquidity: LiquiditySide,
    ) -> None:
        self._report(self._filled, coid, trade_id, quantity, price, fee, liquidity)

    def _filled(
        self,
        coid: ClientOrderId,
        trade_id: TradeId,
        quantity: Decimal,
        price: Decimal,
        fee: Money,
        liquidity: LiquiditySide,
    ) -> None:
        o = self._order(coid)
        seq, ts = self._next()
        self._emit(
            OrderFilled(
                seq, ts, coid, o.account, o.instrument_id,
                o.venue_order_id or VenueOrderId(""), trade_id, o.side, quantity, price,
                fee, liquidity, o.parent_id,
            )
        )  # fmt: skip

    def on_canceled(self, coid: ClientOrderId, message: str = "") -> None:
        self._report(self._canceled, coid, message)

    def _canceled(self, coid: ClientOrderId, message: str) -> None:
        o = self._order(coid)
        if o.status.is_terminal:
            self.late_reports += 1  # e.g. a cancel confirm after the last fill: no-op
            return
        seq, ts = self._next()
        self._emit(OrderCanceled(seq, ts, coid, o.account, message))

    def on_cancel_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        self._report(self._cancel_rejected, coid, reason, message)

    def _cancel_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        o = self._order(coid)
        if o.status.is_terminal:
            self.late_reports += 1  # the order finished first (a fill raced the cancel): no-op
            return
        seq, ts = self._next()
        self._emit(OrderCancelRejected(seq, ts, coid, o.account, reason, message))

    def on_replaced(self, coid: ClientOrderId, venue_order_id: VenueOrderId) -> None:
        self._report(self._replaced, coid, venue_order_id)

    def _replaced(self, coid: ClientOrderId, venue_order_id: VenueOrderId) -> None:
        o = self._order(coid)
        p = self._pending_replace.get(coid)
        if p is None:
            raise UnknownOrder(coid)
        seq, ts = self._next()
        self._emit(
            OrderReplaced(
                seq, ts, coid, p.new_client_order_id, o.account, venue_order_id, p.quantity,
                p.price,
            )
        )  # fmt: skip

    def on_replace_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        self._report(self._replace_rejected, coid, reason, message)

    def _replace_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        o = self._order(coid)
        if o.status.is_terminal:
            self.late_reports += 1
            return
        seq, ts = self._next()
        self._emit(OrderReplaceRejected(seq, ts, coid, o.account, reason, message))

    def on_expired(self, coid: ClientOrderId) -> None:
        self._report(self._expired, coid)

    def _expired(self, coid: ClientOrderId) -> None:
        o = self._order(coid)
        seq, ts = self._next()
        self._emit(OrderExpired(seq, ts, coid, o.account))

    def cancel_parent(self, parent: Order, message: str) -> None:
        """Close a parent whose children are all done without filling it (router use)."""
        seq, ts = self._next()
        if parent.can(Trigger.REQUEST_CANCEL) and parent.status is not OrderStatus.PENDING_CANCEL:
            self._emit(OrderPendingCancel(seq, ts, parent.client_order_id, parent.account))
            seq, ts = self._next()
        self._emit(OrderCanceled(seq, ts, parent.client_order_id, parent.account, message))

    # ------------------------------------------------------------------ market data
    def on_quote(self, quote: Quote) -> None:
        """Publish a quote to subscribers (positions re-mark, risk monitor, router)."""

        self._report(self._quote, quote)

    def _quote(self, quote: Quote) -> None:
        self.last_quotes[quote.instrument_id] = quote
        self.bus.publish(quote)

    # ------------------------------------------------------------------ state application
    def _after(self, o: Order, event: Event) -> None:
        if o.status.is_terminal:
            self.orders.mark_closed(o)
        if o.parent_id is not None and self._child_listener is not None:
            parent = self.orders.get(o.parent_id)
            if parent is not None:
                self._child_listener(parent, o, event)

    def _apply_initialized(self, e: OrderInitialized) -> None:
        o = Order(
            e.client_order_id,
            e.account,
            e.instrument_id,
            e.side,
            e.order_type,
            e.quantity,
            e.price,
            e.time_in_force,
            post_only=e.post_only,
            reduce_only=e.reduce_only,
            parent_id=e.parent_id,
            created_ns=e.ts,
            tag=e.tag,
        )
        self.orders.add(o)

    def _apply_denied(self, e: OrderDenied) -> None:
        o = self._order(e.client_order_id)
        o.apply(Trigger.DENY, e.ts)
        self._after(o, e)

    def _apply_submitted(self, e: OrderSubmitted) -> None:
        o = self._order(e.client_order_id)
        o.apply(Trigger.SUBMIT, e.ts)
        self.orders.mark_open(o)

    def _apply_accepted(self, e: OrderAccepted) -> None:
        o = self._order(e.client_order_id)
        o.apply(Trigger.ACCEPT, e.ts)
        o.venue_order_id = e.venue_order_id
        self._after(o, e)

    def _apply_rejected(self, e: OrderRejected) -> None:
        o = self._order(e.client_order_id)
        o.apply(Trigger.REJECT, e.ts)
        self._after(o, e)

    def _apply_filled(self, e: OrderFilled) -> None:
        o = self._order(e.client_order_id)
        o.fill(e.quantity, e.price, e.ts)
        self._after(o, e)

    def _apply_pending_cancel(self, e: OrderPendingCancel) -> None:
        self._order(e.client_order_id).apply(Trigger.REQUEST_CANCEL, e.ts)

    def _apply_canceled(self, e: OrderCanceled) -> None:
        o = self._order(e.client_order_id)
        o.apply(Trigger.CANCEL, e.ts)
        self._after(o, e)

    def _apply_cancel_rejected(self, e: OrderCancelRejected) -> None:
        self._order(e.client_order_id).apply(Trigger.CANCEL_REJECT, e.ts)

    def _apply_pending_replace(self, e: OrderPendingReplace) -> None:
        self._order(e.client_order_id).apply(Trigger.REQUEST_REPLACE, e.ts)
        self._pending_replace[e.client_order_id] = e

    def _apply_replaced(self, e: OrderReplaced) -> None:
        old = self._order(e.client_order_id)
        old.apply(Trigger.REPLACE, e.ts)
        old.replaced_by = e.new_client_order_id
        self._pending_replace.pop(e.client_order_id, None)
        new = self._replacement(old, e.new_client_order_id, e.quantity, e.price)
        new.venue_order_id = e.venue_order_id
        new.last_event_ns = e.ts
        self.orders.add(new)
        self.orders.mark_open(new)
        self._after(old, e)

    def _apply_replace_rejected(self, e: OrderReplaceRejected) -> None:
        self._order(e.client_order_id).apply(Trigger.REPLACE_REJECT, e.ts)
        self._pending_replace.pop(e.client_order_id, None)

    def _apply_expired(self, e: OrderExpired) -> None:
        o = self._order(e.client_order_id)
        o.apply(Trigger.EXPIRE, e.ts)
        self._after(o, e)

    # ------------------------------------------------------------------ state digest
    def state_digest(self) -> str:
        """SHA-256 over the canonical JSON of every order and the sequence number."""
        orders = sorted((o.snapshot() for o in self.orders), key=lambda s: s["client_order_id"])
        blob = json.dumps(
            {"seq": self.seq, "orders": orders}, sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(blob.encode()).hexdigest()
