"""The execution module: the only caller of venue clients.

It is the engine's :class:`~tradecore.engine.ports.ExecutionGateway`: a direct order goes to
the venue its instrument names; a ``symbol@SMART`` parent is planned by the pure
:class:`~tradecore.routing.planner.Planner` and its children are created (through the
:class:`~tradecore.engine.port.ExecutionPort`, as events) and sent here. It owns:

* ack timeouts: a child or order with no ack within ``ack_timeout_ms`` is never resent blindly;
  the venue is asked for the order's status and :meth:`Execution.reconcile` applies it;
* the one reconciliation (ack timeouts, reports the venue contradicted itself about, recovery
  after a restart): what the venue says is booked with the venue's own trade ids, prices and
  fees, each trade exactly once;
* a parent's lifecycle: re-routes of a leftover (bounded by ``max_attempts``, with backoff
  after transient failures), the passive post of a GTC limit's rest, closing it when done;
* venue statistics (ack latency, fill rate over every child, filled or not) and breakers.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from tradecore.engine.core import Engine
from tradecore.engine.port import ExecutionPort
from tradecore.engine.reconcile import Reconciler
from tradecore.engine.state import replacement
from tradecore.engine.stops import STOP_TYPES, StopBook, held_id, is_held
from tradecore.engine.venueview import VenueView
from tradecore.model.denial import Denial
from tradecore.model.enums import OrderStatus, OrderType, ReasonCode, Side
from tradecore.model.events import OrderAccepted, OrderRejected, OrderReplaced
from tradecore.model.identifiers import SMART, ClientOrderId, InstrumentId, Venue
from tradecore.model.market import Quote
from tradecore.model.orders import Order
from tradecore.oms.resting import RestingIndex
from tradecore.routing.config import RoutingConfig
from tradecore.routing.decisions import ChildRoute, DecisionLog, RoutingDecision
from tradecore.routing.fees import FeeSource
from tradecore.routing.health import CircuitBreaker, VenueStats, backoff_ns
from tradecore.routing.planner import ChildSpec, Plan, Planner
from tradecore.venues.protocol import VenueClient, VenueOrderStatus

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_BUY: Final = Side.BUY
_LIMIT: Final = OrderType.LIMIT
_MARKET: Final = OrderType.MARKET
_SIDE_NAMES: Final = {s: s.value for s in Side}  # the decision record names the side


MS = 1_000_000
TRANSIENT = frozenset({ReasonCode.VENUE_UNAVAILABLE, ReasonCode.TIMEOUT})
S = OrderStatus


class Execution:
    def __init__(
        self,
        port: ExecutionPort,
        clients: Iterable[VenueClient],
        fees: FeeSource,
        config: RoutingConfig | None = None,
        *,
        seed: int = 0,
    ) -> None:
        self.port = port
        self.config = config or RoutingConfig()
        # read per order: a plain attribute, not the frozen pydantic config's slower read
        self._ack_timeout_ns = self.config.ack_timeout_ms * MS
        self._strategy_name = self.config.strategy.value
        self.clients: dict[Venue, VenueClient] = {c.venue: c for c in clients}
        clock = port.clock
        self.breakers = {v: CircuitBreaker(self.config.breaker, clock) for v in self.clients}
        self.stats = {
            v: VenueStats(self.config.stats_window, self.config.default_latency_us)
            for v in self.clients
        }
        self.planner = Planner(self.config)
        self.resting = RestingIndex(port.orders)
        self.view = VenueView(
            self.clients, port.instruments, fees, self.config, self.breakers, self.stats,
            self.resting,
        )  # fmt: skip
        self.decisions = DecisionLog()
        self.stops = StopBook()
        self._watching = False  # subscribed to quotes only while stops are held
        self.self_trades_prevented = 0  # child plans cut short before our own resting order
        self._rng = random.Random(seed)
        self._attempts: dict[ClientOrderId, int] = {}
        self._excluded: dict[ClientOrderId, frozenset[Venue]] = {}
        self._n_children: dict[ClientOrderId, int] = {}
        self._sent_at: dict[ClientOrderId, tuple[int, Venue]] = {}  # when, where
        self._reject_reasons: dict[ClientOrderId, ReasonCode] = {}
        port.on_child_done(self._on_child_done)
        self.recon = Reconciler(port, self.clients)
        port.sink.followup = self.recon
        port.bus.subscribe(OrderAccepted, self._on_accepted)
        port.bus.subscribe(OrderRejected, self._on_rejected)
        port.bus.subscribe(OrderReplaced, self._on_replaced)

    # ------------------------------------------------------------------ gateway
    def send(self, order: Order) -> Denial | None:
        if order.order_type in STOP_TYPES and self._holds(order):
            return self._hold(order)
        if order.instrument_id.venue != SMART:
            return self._direct(order)
        self._attempts[order.client_order_id] = 1
        return self._route(order, first=True)

    def cancel(self, order: Order) -> Denial | None:
        if is_held(order) and self.stops.release(order):
            self.port.sink.on_canceled(order.client_order_id, "canceled while held by the engine")
            self._unwatch()
            return None
        if order.instrument_id.venue != SMART:
            client = self.clients.get(order.instrument_id.venue)
            if client is None:
                return Denial(
                    ReasonCode.UNKNOWN_VENUE, f"no client for {order.instrument_id.venue}"
                )
            client.cancel(order)
            return None
        children = self.port.orders.children(order.client_order_id)
        open_children = [c for c in children if c.is_open]
        for child in open_children:
            if child.status is not S.PENDING_CANCEL:
                self.port.cancel(child)
        if not open_children:
            self.port.defer(self._close_if_done, order)
        return None

    def replace(self, order: Order, new_order: Order) -> Denial | None:
        if is_held(order):
            return Denial(ReasonCode.INVALID_ORDER, "replace a held stop by cancel and resubmit")
        if order.instrument_id.venue == SMART:
            return Denial(ReasonCode.INVALID_ORDER, "replace a SMART parent by cancel and resubmit")
        client = self.clients.get(order.instrument_id.venue)
        if client is None:
            return Denial(ReasonCode.UNKNOWN_VENUE, f"no client for {order.instrument_id.venue}")
        client.replace(order, new_order)
        return None

    def self_trade_at(self, order: Order) -> Decimal | None:
        """The price of our own resting order that direct ``order`` would reach at its venue
        (None if it cannot): it crosses our price and the venue's depth strictly better than
        ours does not cover it. SMART orders never reach one (the planner cuts depth)."""
        iid = order.instrument_id
        if iid.venue == SMART:
            return None
        own = self.resting.best(order.account, iid, order.side.opposite)
        if own is None:
            return None
        buy = order.side is _BUY
        if order.price is not None and (order.price < own if buy else order.price > own):
            return None
        got = self.view.depth(iid, order.side) if iid.venue in self.clients else None
        ahead = Decimal(0)
        for price, size in got[1] if got is not None else ():
            if price >= own if buy else price <= own:
                break
            ahead += size
        return own if ahead < order.quantity else None

    # ------------------------------------------------------------------ held stops
    def _holds(self, order: Order) -> bool:
        """SMART stops, and stops for a venue that does not take them, wait here."""
        venue = order.instrument_id.venue
        if venue == SMART:
            return True
        client = self.clients.get(venue)
        return client is not None and not getattr(client, "supports_stops", True)

    def _hold(self, order: Order) -> Denial | None:
        if order.instrument_id.venue != SMART and order.instrument_id.venue not in self.clients:
            return Denial(ReasonCode.UNKNOWN_VENUE, f"no client for {order.instrument_id.venue}")
        self.stops.hold(order)
        if not self._watching:
            self.port.bus.subscribe(Quote, self._on_quote)
            self._watching = True
        self.port.sink.on_accepted(order.client_order_id, held_id(order.client_order_id))
        self.port.defer(self._trigger_now, order)  # a condition that holds already fires now
        return None

    def _unwatch(self) -> None:
        if self._watching and not len(self.stops):
            self.port.bus.unsubscribe(self._on_quote)
            self._watching = False

    def _trigger_now(self, order: Order) -> None:
        for q in list(self.port.last_quotes.values()):
            if q.instrument_id.symbol == order.instrument_id.symbol:
                self._on_quote(q)

    def _on_quote(self, q: Quote) -> None:
        for order in self.stops.on_quote(q):
            self.port.defer(self._fire, order)

    def _fire(self, order: Order) -> None:
        """A held stop triggered: a SMART one is routed as a MARKET (STOP_MARKET) or LIMIT
        (STOP_LIMIT) parent; a direct one goes to its venue as that plain order."""
        self._unwatch()
        if not order.is_open or self.port.replaying:
            return
        if order.instrument_id.venue == SMART:
            self._attempts[order.client_order_id] = 1
            d = self._route(order, first=True)
            if d is not None:
                self._close(order, f"stop triggered, not routed: {d.message}")
            return
        client = self.clients[order.instrument_id.venue]
        plain = replacement(order, order.client_order_id, order.quantity, order.price)
        plain.order_type = _MARKET if order.price is None else _LIMIT
        plain.trigger_price = None
        self.breakers[client.venue].on_sent()
        client.submit(plain)

    # ------------------------------------------------------------------ sending
    def _direct(self, order: Order) -> Denial | None:
        venue = order.instrument_id.venue
        client = self.clients.get(venue)
        if client is None:
            return Denial(ReasonCode.UNKNOWN_VENUE, f"no client for venue {venue}")
        br = self.breakers[venue]
        if not br.allow():
            return Denial(ReasonCode.VENUE_UNAVAILABLE, f"{venue} circuit breaker {br.state.value}")
        self._hand_over(client, order)
        return None

    def _hand_over(self, client: VenueClient, order: Order) -> None:
        venue = client.venue
        self.breakers[venue].on_sent()
        coid = order.client_order_id
        clock = self.port.clock
        now = clock.now_ns()
        self._sent_at[coid] = (now, venue)
        if order.order_type is _LIMIT:  # only a limit order may rest
            self.resting.add(order)
        client.submit(order)
        clock.schedule(now + self._ack_timeout_ns, lambda: self._ack_due(coid))

    def _ack_due(self, coid: ClientOrderId) -> None:
        # acknowledged (or rejected) in time: nothing to check, no trip through the engine
        if coid in self._sent_at:
            self.port.call(self._check_ack, coid)

    def _route(self, parent: Order, *, first: bool) -> Denial | None:
        pid = parent.client_order_id
        excluded = self._excluded.get(pid, frozenset())
        plan = self.planner.plan(parent, self.view, excluded=excluded)
        children: list[ChildRoute] = []
        for spec in plan.children:
            child = self._child(parent, spec)
            children.append(
                ChildRoute(child.client_order_id, spec.venue, spec.quantity, spec.limit)
            )
        if plan.stp_capped:
            self.self_trades_prevented += 1
        self._record(parent, plan, children, first)
        if children:
            return None
        if plan.post_only_crossed:
            return Denial(ReasonCode.POST_ONLY_WOULD_CROSS, plan.reason, "router")
        if plan.self_trade_blocked:
            return Denial(ReasonCode.SELF_TRADE, plan.reason, "router")
        any_eligible = any(not s.excluded for s in plan.scores)
        code = ReasonCode.NO_LIQUIDITY if any_eligible else ReasonCode.VENUE_UNAVAILABLE
        return Denial(code, plan.reason, "router")

    def _record(self, parent: Order, plan: Plan, children: list[ChildRoute], first: bool) -> None:
        qty = parent.quantity if first else parent.leaves_qty
        routed = sum((c.quantity for c in children), Decimal(0))
        reason = plan.reason
        if plan.stp_capped:
            reason += f"; self-trade prevention cut depth on {', '.join(plan.stp_capped)}"
        decision = RoutingDecision(
            self.port.clock.now_ns(), self.port.seq, parent.client_order_id,
            parent.instrument_id.symbol, _SIDE_NAMES[parent.side], qty, parent.price,
            self._strategy_name, self._attempts.get(parent.client_order_id, 1),
            plan.scores, tuple(children), qty - routed, reason, plan.cached,
        )  # fmt: skip
        self.decisions.add(decision)
        self.port.bus.publish(decision)

    def _child(self, parent: Order, spec: ChildSpec) -> Order:
        pid = parent.client_order_id
        # numbered from the store, so the next id stays unique after a restart
        n = max(self._n_children.get(pid, 0), len(self.port.orders.children(pid))) + 1
        self._n_children[pid] = n
        child = self.port.create_child(
            parent, ClientOrderId(f"{pid}.{n}"), spec.venue, spec.quantity, spec.limit,
            spec.order_type, spec.time_in_force, post_only=spec.post_only,
        )  # fmt: skip
        self._hand_over(self.clients[spec.venue], child)
        return child

    # ------------------------------------------------------------------ parent lifecycle
    def _forget(self, pid: ClientOrderId) -> None:
        """A finished parent's routing state goes (memory stays flat on long runs)."""
        self._attempts.pop(pid, None)
        self._excluded.pop(pid, None)
        self._n_children.pop(pid, None)

    def _on_child_done(self, parent: Order, child: Order) -> None:
        """Told by the engine's appliers when a child reached a terminal state (during
        replay too, when nothing may be sent: then it is only forgotten)."""
        if not self.port.replaying:
            self.port.defer(self._child_done, parent, child)

    def _child_done(self, parent: Order, child: Order) -> None:
        reason = self._reject_reasons.pop(child.client_order_id, None)
        venue = child.instrument_id.venue
        st = self.stats.get(venue)
        if st is not None and child.status is not S.REPLACED:
            st.record_outcome(child.filled_qty > 0)  # an IOC child that expired unfilled: 0
        pid = parent.client_order_id
        if parent.status.is_terminal:
            self._forget(pid)
            return
        if any(c.is_open for c in self.port.orders.children(pid)):
            return
        if parent.status is S.PENDING_CANCEL:
            self._close(parent, "canceled by request")
            return
        if child.status is S.REJECTED:
            self._excluded[pid] = self._excluded.get(pid, frozenset()) | {venue}
        attempts = self._attempts.get(pid, 1)
        if attempts >= self.config.max_attempts:
            if self.planner.can_post(parent) and self._route(parent, first=False) is None:
                return
            self._close(parent, f"unfilled {parent.leaves_qty} after {attempts} routing attempts")
            return
        self._attempts[pid] = attempts + 1
        if reason in TRANSIENT:
            delay = backoff_ns(attempts, self.config.retry, self._rng)
            due = self.port.clock.now_ns() + delay
            self.port.clock.schedule(due, lambda: self.port.call(self._reroute, parent))
        else:
            self._reroute(parent)

    def _close(self, parent: Order, message: str) -> None:
        self.port.close_parent(parent, message)
        self._forget(parent.client_order_id)

    def _reroute(self, parent: Order) -> None:
        if parent.status is S.PENDING_CANCEL:
            self._close_if_done(parent)
            return
        if parent.status.is_terminal:
            return
        if self._route(parent, first=False) is not None:
            self._close(parent, f"no route for the remaining {parent.leaves_qty}")

    def _close_if_done(self, parent: Order) -> None:
        if parent.status.is_terminal:
            return
        if not any(c.is_open for c in self.port.orders.children(parent.client_order_id)):
            self._close(parent, "canceled by request")

    # ------------------------------------------------------------------ venue statistics
    def _on_accepted(self, e: OrderAccepted) -> None:
        sent = self._sent_at.pop(e.client_order_id, None)
        if sent is None:
            return
        at, venue = sent
        self.stats[venue].record_ack(e.ts - at)
        self.breakers[venue].record_success()

    def _on_rejected(self, e: OrderRejected) -> None:
        self._sent_at.pop(e.client_order_id, None)
        order = self.port.orders.get(e.client_order_id)
        if order is None or order.instrument_id.venue not in self.breakers:
            return
        venue = order.instrument_id.venue
        if order.parent_id is not None:  # read (and dropped) when the child is done
            self._reject_reasons[e.client_order_id] = e.reason
        elif e.reason is not ReasonCode.TIMEOUT:
            self.stats[venue].record_outcome(False)
        if e.reason in TRANSIENT or e.reason is ReasonCode.VENUE_REJECT:
            self.breakers[venue].record_failure(timeout=e.reason is ReasonCode.TIMEOUT)

    def _on_replaced(self, e: OrderReplaced) -> None:
        new = self.port.orders.get(e.new_client_order_id)
        if new is not None:
            self.resting.add(new)

    def _check_ack(self, coid: ClientOrderId) -> None:
        """No ack yet? Ask the venue before doing anything: never resend blindly."""
        self._sent_at.pop(coid, None)
        order = self.port.orders.get(coid)
        if order is None or not order.is_open or order.venue_order_id is not None:
            return
        if self.port.replaying:
            return
        client = self.clients[order.instrument_id.venue]
        self.breakers[client.venue].record_failure(timeout=True)
        self.reconcile(order, client.order_status(coid))

    def reconcile(self, order: Order, st: VenueOrderStatus) -> tuple[int, int, int]:
        """The one reconciliation (:meth:`Reconciler.reconcile`)."""
        return self.recon.reconcile(order, st)

    def recovered(self) -> None:
        """After a restart: rebuild our own open orders (for the planner) and held stops."""
        opened = self.port.orders.open_orders()
        self.resting.rebuild(opened)
        self.stops.rebuild(opened)
        if len(self.stops) and not self._watching:
            self.port.bus.subscribe(Quote, self._on_quote)
            self._watching = True

    def reload(self) -> None:
        """Forget cached listings and plans (after instruments or fee schedules change)."""
        self.view.forget()
        self.planner.forget()

    @property
    def cache_hits(self) -> int:
        return self.planner.cache_hits


def attach(
    engine: Engine,
    clients: Iterable[VenueClient],
    fees: FeeSource | None = None,
    config: RoutingConfig | None = None,
    *,
    seed: int = 0,
) -> Execution:
    """Wire an execution module to ``engine``: it becomes the engine's gateway and each
    client reports to the engine's sink (what bootstrap does, for tests and tools)."""
    clients = list(clients)
    execution = Execution(ExecutionPort(engine), clients, fees or NoFees(), config, seed=seed)
    engine.set_gateway(execution)
    for c in clients:
        c.bind(engine.sink)
    return execution


class NoFees:
    """A fee source with every rate zero."""

    def taker_rate(self, venue: Venue, instrument_id: InstrumentId) -> Decimal:
        return Decimal(0)

    def maker_rate(self, venue: Venue, instrument_id: InstrumentId) -> Decimal:
        return Decimal(0)
