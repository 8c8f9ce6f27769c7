"""The sequencer: one single-threaded owner of all mutable order state.

Every change is an event: a command or a venue report builds it, ``_emit`` applies it to the
:class:`~tradecore.engine.state.OrderState` (the *only* place order state changes, so replaying
a journal rebuilds the same state), the journal appends it, then subscribers see it, in
sequence order, never nested: an event published while another is being published waits in
the outbox. Venue reports that arrive while a command is on the stack wait in the inbox and run
right after it.

The engine's surfaces, each handed to whoever needs it and nothing more:

* the caller API: :meth:`Engine.submit`, :meth:`Engine.cancel`, :meth:`Engine.replace`, and
  read-only queries (``orders``, ``seq``, ``state_digest``);
* :attr:`Engine.sink`, the :class:`~tradecore.engine.reports.ReportSink` venue clients report
  to (every report in every state has a defined outcome);
* :class:`ExecutionPort`, what the execution module may do to orders (create and submit
  children, deny, close a parent), given to :mod:`tradecore.engine.execution` only.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Callable
from typing import Any

import msgspec

from tradecore.engine.bus import MessageBus
from tradecore.engine.clock import Clock
from tradecore.engine.instruments import InstrumentRegistry
from tradecore.engine.ports import EventJournal, ExecutionGateway, RiskGate
from tradecore.engine.reports import ReportSink
from tradecore.engine.state import OrderState, replacement
from tradecore.model.commands import CancelOrder, ReplaceOrder, SubmitOrder
from tradecore.model.denial import Denial
from tradecore.model.enums import ReasonCode
from tradecore.model.events import (
    Event,
    OrderCancelRejected,
    OrderDenied,
    OrderInitialized,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderReplaceRejected,
)
from tradecore.model.identifiers import SMART
from tradecore.model.instrument import Instrument
from tradecore.model.market import Quote
from tradecore.model.orders import Order, Trigger
from tradecore.model.validation import (
    static_check,
    validate_cancel,
    validate_replace,
    validate_submit,
)
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
        self.state = OrderState(retain_closed)
        self.orders: OrderStore = self.state.orders
        self.seq = 0
        self.replaying = False  # set by recovery: components must not act (send, flatten)
        self.last_quotes: dict[Any, Quote] = {}
        self._inbox: deque[tuple[Callable[..., object], tuple[Any, ...]]] = deque()
        self._outbox: deque[Event] = deque()
        self._busy = False
        self._publishing = False
        self._appliers = self.state.appliers  # one dict lookup per event, no extra call
        # a journal with commit() gets one call per command/report, before the caller's answer
        self._commit: Callable[[], None] | None = getattr(journal, "commit", None)
        self.sink = ReportSink(self)

    def set_gateway(self, gateway: ExecutionGateway) -> None:
        self.gateway = gateway

    @property
    def anomalies(self) -> dict[str, int]:
        """Venue reports that could not be applied as they stood, by kind (journaled)."""
        return dict(self.state.anomalies)

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
        self.state.appliers.setdefault(kind, _no_order_state)

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
        checked = validate_submit(cmd)
        if isinstance(checked, Denial):
            return CommandResult(None, checked)
        existing = self.orders.get(checked.client_order_id)
        if existing is not None:
            return CommandResult(existing, None, duplicate=True)
        if self.orders.was_archived(checked.client_order_id):
            return CommandResult(
                None,
                Denial(
                    ReasonCode.DUPLICATE_CLIENT_ORDER_ID,
                    f"{checked.client_order_id} belongs to a closed, archived order (see the "
                    "journal)",
                ),
                duplicate=True,
            )
        return self._command(self._submit, checked)

    def _submit(self, cmd: SubmitOrder) -> CommandResult:
        """Check the order before its first event exists, then one event: ``submitted`` when
        it goes straight to execution, else initialized and denied (the audit keeps both)."""
        ts = self.clock.now_ns()
        order = Order(
            cmd.client_order_id, cmd.account, cmd.instrument_id, cmd.side, cmd.order_type,
            cmd.quantity, cmd.price, cmd.time_in_force, post_only=cmd.post_only,
            reduce_only=cmd.reduce_only, created_ns=ts, tag=cmd.tag,
            trigger_price=cmd.trigger_price, expire_ns=cmd.expire_ns,
            display_qty=cmd.display_qty, stp=cmd.stp,
        )  # fmt: skip
        denial = static_check(order, self.instrument_for(order), ts)
        if denial is None and self.risk is not None:
            denial = self.risk.check(order)
        gateway = self.gateway
        if denial is None and gateway is None:
            denial = Denial(ReasonCode.NO_ROUTE, "no execution gateway configured")
        ts = order.created_ns = order.last_event_ns = self.clock.now_ns()
        self.seq = seq = self.seq + 1  # _next(), inlined on the order path
        self.state.staged = order
        self._emit(
            OrderInitialized(
                seq, ts, cmd.client_order_id, cmd.account, cmd.instrument_id, cmd.side,
                cmd.order_type, cmd.quantity, cmd.price, cmd.time_in_force, cmd.post_only,
                cmd.reduce_only, None, cmd.tag, cmd.trigger_price, cmd.expire_ns, cmd.display_qty,
                cmd.stp, denial is None,
            )
        )  # fmt: skip
        if denial is None and gateway is not None:
            # the gateway may still refuse (no route, breaker open): then nothing went out
            denial = gateway.send(order)
        if denial is not None:
            self._deny(order, denial)
            return CommandResult(order, denial)
        return CommandResult(order)

    def _deny(self, order: Order, d: Denial) -> None:
        seq, ts = self._next()
        self._emit(
            OrderDenied(
                seq, ts, order.client_order_id, order.account, d.reason, d.message, d.check,
                d.limit, d.value,
            )
        )  # fmt: skip

    def instrument_for(self, order: Order) -> Instrument | None:
        iid = order.instrument_id
        if iid.venue == SMART:
            return self.instruments.any_for(iid.symbol)
        return self.instruments.get(iid)

    def cancel(self, cmd: CancelOrder) -> CommandResult:
        bad = validate_cancel(cmd)
        if bad is not None:
            return CommandResult(None, bad)
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
        checked = validate_replace(cmd)
        if isinstance(checked, Denial):
            return CommandResult(None, checked)
        return self._command(self._replace, checked)

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
        new_order = replacement(order, cmd.new_client_order_id, qty, price)
        d = static_check(new_order, self.instrument_for(order), self.clock.now_ns())
        if d is not None:
            return CommandResult(order, d)
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

    # ------------------------------------------------------------------ market data
    def on_quote(self, quote: Quote) -> None:
        """Publish a quote to subscribers (positions re-mark, risk monitor, router)."""

        self._report(self._quote, quote)

    def _quote(self, quote: Quote) -> None:
        self.last_quotes[quote.instrument_id] = quote
        self.bus.publish(quote)

    # ------------------------------------------------------------------ state digest
    def state_digest(self) -> str:
        """SHA-256 over the canonical JSON of every order and the sequence number."""
        orders = sorted((o.snapshot() for o in self.orders), key=lambda s: s["client_order_id"])
        blob = json.dumps(
            {"seq": self.seq, "orders": orders}, sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(blob.encode()).hexdigest()
