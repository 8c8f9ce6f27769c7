"""SmartRouter: the engine's ExecutionGateway for ``symbol@SMART`` orders (and direct ones).

A SMART parent is split into IOC limit children by :func:`~tradecore.routing.sweep.sweep`
(or sent whole to the best venue, or posted passively). Children report through the engine as
usual; the router aggregates the parent (fills, average price, state) from them, re-routes a
leftover to the next best venues (bounded by ``max_attempts``, with backoff after transient
failures), posts the rest of a GTC limit parent passively, and closes the parent when its
children are done. A child that gets no ack within ``ack_timeout_ms`` is never resent blindly:
the router asks the venue for the order's status and applies what the venue says.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from tradecore.engine.core import Engine
from tradecore.model.commands import CancelOrder
from tradecore.model.denial import Denial
from tradecore.model.enums import (
    LiquiditySide,
    OrderStatus,
    OrderType,
    ReasonCode,
    Side,
    TimeInForce,
)
from tradecore.model.events import Event, OrderAccepted, OrderFilled, OrderRejected
from tradecore.model.identifiers import SMART, ClientOrderId, TradeId, Venue
from tradecore.model.orders import Order, Trigger
from tradecore.model.values import Money
from tradecore.routing.config import RoutingConfig, Strategy
from tradecore.routing.decisions import ChildRoute, DecisionLog, RoutingDecision, VenueScore
from tradecore.routing.fees import FeeSource
from tradecore.routing.health import BreakerState, CircuitBreaker, VenueStats, backoff_ns
from tradecore.routing.scoring import venue_score
from tradecore.routing.sweep import ChildPlan, VenueInput, sweep
from tradecore.venues.protocol import VenueClient, VenueHealth

MS = 1_000_000
ZERO = Decimal(0)
TRANSIENT = frozenset({ReasonCode.VENUE_UNAVAILABLE, ReasonCode.TIMEOUT})


class SmartRouter:
    def __init__(
        self,
        engine: Engine,
        clients: Iterable[VenueClient],
        fees: FeeSource,
        config: RoutingConfig | None = None,
        *,
        seed: int = 0,
    ) -> None:
        self.engine = engine
        self.config = config or RoutingConfig()
        self.clients: dict[Venue, VenueClient] = {c.venue: c for c in clients}
        self.fees = fees
        clock = engine.clock
        self.breakers = {v: CircuitBreaker(self.config.breaker, clock) for v in self.clients}
        self.stats = {
            v: VenueStats(self.config.stats_window, self.config.default_latency_us)
            for v in self.clients
        }
        self.decisions = DecisionLog()
        self.replaying = False
        self._rng = random.Random(seed)
        self._attempts: dict[ClientOrderId, int] = {}
        self._excluded: dict[ClientOrderId, set[Venue]] = {}
        self._n_children: dict[ClientOrderId, int] = {}
        self._sent_at: dict[ClientOrderId, int] = {}
        self._cache: OrderedDict[
            tuple[Any, ...], tuple[list[ChildPlan], tuple[VenueScore, ...]]
        ] = OrderedDict()
        self.cache_hits = 0
        self._reject_reasons: dict[ClientOrderId, ReasonCode] = {}
        self._tables: dict[str, list[tuple[Any, ...]]] = {}
        self._scores: dict[tuple[Any, ...], Decimal] = {}  # venue_score memo (bounded)
        engine.set_gateway(self)
        engine.bus.subscribe(OrderAccepted, self._on_accepted)
        engine.bus.subscribe(OrderRejected, self._on_rejected)
        engine.bus.subscribe(OrderFilled, self._on_filled)

    # ------------------------------------------------------------------ gateway
    def send(self, order: Order) -> Denial | None:
        if order.instrument_id.venue != SMART:
            return self._direct(order)
        self._attempts[order.client_order_id] = 1
        return self._route(order, first=True)

    def cancel(self, order: Order) -> Denial | None:
        if order.instrument_id.venue != SMART:
            client = self.clients.get(order.instrument_id.venue)
            if client is None:
                return Denial(
                    ReasonCode.UNKNOWN_VENUE, f"no client for {order.instrument_id.venue}"
                )
            client.cancel(order)
            return None
        open_children = [c for c in self.engine.orders.children(order.client_order_id) if c.is_open]
        for child in open_children:
            if child.can(Trigger.REQUEST_CANCEL) and child.status is not OrderStatus.PENDING_CANCEL:
                self.engine.cancel(
                    CancelOrder(client_order_id=child.client_order_id, account=child.account)
                )
        if not open_children:
            self.engine.defer(self._close_if_done, order)
        return None

    def replace(self, order: Order, new_order: Order) -> Denial | None:
        if order.instrument_id.venue == SMART:
            return Denial(ReasonCode.INVALID_ORDER, "replace a SMART parent by cancel and resubmit")
        client = self.clients.get(order.instrument_id.venue)
        if client is None:
            return Denial(ReasonCode.UNKNOWN_VENUE, f"no client for {order.instrument_id.venue}")
        client.replace(order, new_order)
        return None

    # ------------------------------------------------------------------ direct orders
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
        self.breakers[client.venue].on_sent()
        coid = order.client_order_id
        self._sent_at[coid] = self.engine.clock.now_ns()
        client.submit(order)
        due = self.engine.clock.now_ns() + self.config.ack_timeout_ms * MS
        self.engine.clock.schedule(due, lambda: self._ack_due(coid))

    def _ack_due(self, coid: ClientOrderId) -> None:
        # acknowledged (or rejected) in time: nothing to check, no trip through the engine
        if coid in self._sent_at:
            self.engine.call(self._check_ack, coid)

    # ------------------------------------------------------------------ planning
    def _venue_table(self, parent: Order) -> list[tuple[Any, ...]]:
        """Per symbol, the static part of each venue's input (client, listing, fee rate, breaker,
        stats), built once: instruments and fee schedules do not change while the engine runs
        (``reload()`` forgets them if they do)."""
        symbol = parent.instrument_id.symbol
        table = self._tables.get(symbol)
        if table is None:
            table = []
            for venue in sorted(self.clients):
                iid = parent.instrument_id.on(venue)
                inst = self.engine.instruments.get(iid)
                if inst is None:
                    continue
                client = self.clients[venue]
                table.append(
                    (
                        venue, client, iid, inst, self.fees.taker_rate(venue, iid),
                        self.breakers[venue], self.stats[venue],
                        venue in self.config.disabled_venues,
                        getattr(client, "book_side", None),  # one side only, when offered
                    )
                )  # fmt: skip
            self._tables[symbol] = table
        return table

    def reload(self) -> None:
        """Forget the cached venue tables (after instruments or fee schedules change)."""
        self._tables.clear()
        self._cache.clear()
        self._scores.clear()

    def _inputs(self, parent: Order) -> tuple[list[VenueInput], list[VenueScore]]:
        buy = parent.side is Side.BUY
        qty, limit = parent.leaves_qty, parent.price
        excluded = self._excluded.get(parent.client_order_id)
        raw: list[tuple[Any, ...]] = []
        fee_min = fee_max = lat_min = None
        taker_side = Side.SELL if buy else Side.BUY  # the side of the book a taker trades with
        for venue, client, iid, inst, fee, br, st, disabled, book_side in self._venue_table(parent):
            reason = ""
            if disabled:
                reason = "disabled by config"
            elif excluded is not None and venue in excluded:
                reason = "failed earlier for this order"
            elif client.health() is VenueHealth.DOWN:
                reason = "venue DOWN"
            elif not br.allow():
                reason = f"circuit breaker {br.state.value}"
            version = -1
            levels: tuple[tuple[Decimal, Decimal], ...] = ()
            avail = ZERO
            if not reason:
                if book_side is not None:
                    got = book_side(iid, taker_side)
                    if got is not None:
                        version, levels = got
                else:
                    book = client.book(iid)
                    got = book
                    if book is not None:
                        version = book.version
                        levels = tuple(
                            (lv.price, lv.size) for lv in (book.asks if buy else book.bids)
                        )
                if got is None:
                    reason = "no book"
                else:
                    for price, size in levels:
                        if limit is not None and (price > limit if buy else price < limit):
                            break  # best first: nothing further is within the limit either
                        avail += size
            lat = st.latency_us
            if not reason:
                if fee_min is None or fee < fee_min:
                    fee_min = fee
                if fee_max is None or fee > fee_max:
                    fee_max = fee
                if lat_min is None or lat < lat_min:
                    lat_min = lat
            state = br.state
            raw.append((venue, reason, inst, levels, version, avail, fee, lat, st.fill_rate, state))
        inputs: list[VenueInput] = []
        scores: list[VenueScore] = []
        weights = self.config.weights
        for venue, reason, inst, levels, version, avail, fee, lat, fill, state in raw:
            score = ZERO
            if not reason:
                # the score depends on liquidity only through min(available / quantity, 1)
                liq = avail if avail < qty else None
                key = (liq, qty if liq is not None else None, fee, fee_min, fee_max, lat,
                       lat_min, fill, state)  # fmt: skip
                memo = self._scores.get(key)
                if memo is None:
                    memo = venue_score(
                        weights, available=avail, quantity=qty, fee_rate=fee,
                        fee_min=fee_min or ZERO, fee_max=fee_max or ZERO, latency_us=lat,
                        latency_min_us=lat_min or 1, fill_rate=fill,
                        half_open=state is BreakerState.HALF_OPEN,
                    )  # fmt: skip
                    if len(self._scores) >= 4096:
                        self._scores.clear()
                    self._scores[key] = memo
                score = memo
                inputs.append(
                    VenueInput(
                        venue, levels, fee, lat, inst.lot_size, inst.min_quantity,
                        inst.min_notional, version,
                    )
                )  # fmt: skip
            scores.append(VenueScore(venue, avail, fee, lat, fill, state.value, score, reason))
        return inputs, scores

    def _plan(self, parent: Order) -> tuple[list[ChildPlan], tuple[VenueScore, ...], bool]:
        inputs, scores = self._inputs(parent)
        cfg = self.config
        key = (
            parent.instrument_id.symbol, parent.side, parent.leaves_qty, parent.price, cfg.strategy,
            tuple((s.venue, s.excluded, s.latency_us, s.fill_rate, s.health) for s in scores),
            tuple((i.venue, i.version) for i in inputs),
        )  # fmt: skip
        hit = self._cache.get(key) if cfg.cache_size else None
        if hit is not None:
            self.cache_hits += 1
            return hit[0], hit[1], True
        qty, limit, side = parent.leaves_qty, parent.price, parent.side
        plans: list[ChildPlan]
        if cfg.strategy is Strategy.SPLIT or (cfg.strategy is Strategy.PASSIVE and limit is None):
            plans = sweep(
                side, qty, limit, inputs, penalty_bps_per_ms=cfg.latency_penalty_bps_per_ms,
                max_venues=cfg.max_venues, min_child_qty=cfg.min_child_qty,
            )  # fmt: skip
        elif cfg.strategy is Strategy.BEST:
            best: tuple[Any, ...] | None = None
            for vi in inputs:
                p = sweep(side, qty, limit, [vi], penalty_bps_per_ms=cfg.latency_penalty_bps_per_ms)
                if not p:
                    continue
                cp = p[0]
                per_unit = cp.all_in_total(side) / cp.quantity
                rank = (-cp.quantity, per_unit if side.value == "BUY" else -per_unit, vi.venue)
                if best is None or rank < best[0]:
                    best = (rank, cp)
            plans = [best[1]] if best is not None else []
        else:
            plans = []  # PASSIVE: posted by _route
        result = (plans, tuple(scores))
        if cfg.cache_size:
            self._cache[key] = result
            if len(self._cache) > cfg.cache_size:
                self._cache.popitem(last=False)
        return plans, tuple(scores), False

    def _route(self, parent: Order, *, first: bool) -> Denial | None:
        plans, scores, cached = self._plan(parent)
        attempt = self._attempts.get(parent.client_order_id, 1)
        routed = sum((p.quantity for p in plans), Decimal(0))
        children: list[ChildRoute] = []
        reason: str
        if plans:
            for p in plans:
                child = self._child(parent, p.venue, p.quantity, p.limit, TimeInForce.IOC)
                children.append(ChildRoute(child.client_order_id, p.venue, p.quantity, p.limit))
            reason = self._explain(plans, parent)
        elif self._can_post(parent):
            best = self._best_scored(scores)
            if best is None:
                reason = "no eligible venue to post on"
            else:
                child = self._child(
                    parent, best, parent.leaves_qty, parent.price, parent.time_in_force
                )
                children.append(
                    ChildRoute(child.client_order_id, best, parent.leaves_qty, parent.price)
                )
                routed = parent.leaves_qty
                reason = (
                    f"no marketable liquidity within limit: posted passively on best-scored {best}"
                )
        else:
            reason = "no eligible venue has liquidity within the limit"
        seq = self.engine.seq
        decision = RoutingDecision(
            self.engine.clock.now_ns(), seq, parent.client_order_id, parent.instrument_id.symbol,
            parent.side.value, parent.leaves_qty if not first else parent.quantity, parent.price,
            self.config.strategy.value, attempt, scores, tuple(children),
            (parent.leaves_qty if not first else parent.quantity) - routed, reason, cached,
        )  # fmt: skip
        self.decisions.add(decision)
        self.engine.bus.publish(decision)
        if not children:
            any_eligible = any(not s.excluded for s in scores)
            code = ReasonCode.NO_LIQUIDITY if any_eligible else ReasonCode.VENUE_UNAVAILABLE
            return Denial(code, reason, "router")
        return None

    def _explain(self, plans: list[ChildPlan], parent: Order) -> str:
        parts = ", ".join(f"{p.venue} {p.quantity} up to {p.limit}" for p in plans)
        if len(plans) == 1:
            return f"best all-in price on {plans[0].venue}: {parts}"
        return f"split by all-in price across {len(plans)} venues: {parts}"

    def _can_post(self, parent: Order) -> bool:
        if parent.order_type is not OrderType.LIMIT:
            return False
        if parent.time_in_force not in (TimeInForce.GTC, TimeInForce.DAY):
            return False
        return self.config.strategy is Strategy.PASSIVE or self.config.post_leftover

    @staticmethod
    def _best_scored(scores: tuple[VenueScore, ...] | list[VenueScore]) -> Venue | None:
        eligible = [s for s in scores if not s.excluded]
        if not eligible:
            return None
        return min(eligible, key=lambda s: (-s.score, s.venue)).venue

    def _child(
        self, parent: Order, venue: Venue, qty: Decimal, limit: Decimal | None, tif: TimeInForce
    ) -> Order:
        pid = parent.client_order_id
        # numbered from the store, so the next id stays unique after a restart
        n = max(self._n_children.get(pid, 0), len(self.engine.orders.children(pid))) + 1
        self._n_children[pid] = n
        child = self.engine.submit_child(
            parent, ClientOrderId(f"{pid}.{n}"), venue, qty, limit,
            OrderType.LIMIT if limit is not None else OrderType.MARKET, tif,
            post_only=parent.post_only,
        )  # fmt: skip
        self._hand_over(self.clients[venue], child)
        self.engine.mark_submitted(child)
        return child

    # ------------------------------------------------------------------ parent aggregation
    def on_child_event(self, parent: Order, child: Order, event: Event) -> None:
        """Called by the engine after a child event is applied (also during replay)."""
        et = type(event)
        if et is OrderAccepted:
            if parent.status is OrderStatus.SUBMITTED:
                parent.apply(Trigger.ACCEPT, event.ts)
        elif et is OrderFilled:
            assert isinstance(event, OrderFilled)
            parent.fill(event.quantity, event.price, event.ts)
            if parent.status.is_terminal:
                self.engine.orders.mark_closed(parent)
                self._forget(parent.client_order_id)
        if child.status.is_terminal and not (self.replaying or self.engine.replaying):
            self.engine.defer(self._child_done, parent, child)

    def _close(self, parent: Order, message: str) -> None:
        self.engine.cancel_parent(parent, message)
        self._forget(parent.client_order_id)

    def _forget(self, pid: ClientOrderId) -> None:
        """A finished parent's routing state goes (memory stays flat on long runs)."""
        self._attempts.pop(pid, None)
        self._excluded.pop(pid, None)
        self._n_children.pop(pid, None)

    def _child_done(self, parent: Order, child: Order) -> None:
        reason = self._reject_reasons.pop(child.client_order_id, None)
        if parent.status.is_terminal:
            self._forget(parent.client_order_id)
            return
        if any(c.is_open for c in self.engine.orders.children(parent.client_order_id)):
            return
        if parent.status is OrderStatus.PENDING_CANCEL:
            self._close(parent, "canceled by request")
            return
        if child.status is OrderStatus.REJECTED:
            self._excluded.setdefault(parent.client_order_id, set()).add(child.instrument_id.venue)
        attempts = self._attempts.get(parent.client_order_id, 1)
        if attempts >= self.config.max_attempts:
            if self._can_post(parent) and self._route_or_none(parent):
                return
            self._close(parent, f"unfilled {parent.leaves_qty} after {attempts} routing attempts")
            return
        self._attempts[parent.client_order_id] = attempts + 1
        if reason in TRANSIENT:
            delay = backoff_ns(attempts, self.config.retry, self._rng)
            due = self.engine.clock.now_ns() + delay
            self.engine.clock.schedule(due, lambda: self.engine.call(self._reroute, parent))
        else:
            self._reroute(parent)

    def _route_or_none(self, parent: Order) -> bool:
        return self._route(parent, first=False) is None

    def _reroute(self, parent: Order) -> None:
        if parent.status.is_terminal or parent.status is OrderStatus.PENDING_CANCEL:
            if parent.status is OrderStatus.PENDING_CANCEL:
                self._close_if_done(parent)
            return
        if not self._route_or_none(parent):
            self._close(parent, f"no route for the remaining {parent.leaves_qty}")

    def _close_if_done(self, parent: Order) -> None:
        if parent.status.is_terminal:
            return
        if not any(c.is_open for c in self.engine.orders.children(parent.client_order_id)):
            self._close(parent, "canceled by request")

    # ------------------------------------------------------------------ venue statistics
    def _venue_of(self, coid: ClientOrderId) -> Venue | None:
        o = self.engine.orders.get(coid)
        return None if o is None else o.instrument_id.venue

    def _on_accepted(self, e: OrderAccepted) -> None:
        venue = self._venue_of(e.client_order_id)
        if venue in self.breakers:
            assert venue is not None
            sent = self._sent_at.pop(e.client_order_id, None)
            if sent is not None:
                self.stats[venue].record_ack(e.ts - sent)
            self.breakers[venue].record_success()

    def _on_rejected(self, e: OrderRejected) -> None:
        order = self.engine.orders.get(e.client_order_id)
        venue = None if order is None else order.instrument_id.venue
        self._sent_at.pop(e.client_order_id, None)
        if venue in self.breakers:
            assert venue is not None and order is not None
            if order.parent_id is not None:  # read (and dropped) when the child is done
                self._reject_reasons[e.client_order_id] = e.reason
            if e.reason in TRANSIENT or e.reason is ReasonCode.VENUE_REJECT:
                self.breakers[venue].record_failure(timeout=e.reason is ReasonCode.TIMEOUT)
            self.stats[venue].record_outcome(False)

    def _on_filled(self, e: OrderFilled) -> None:
        venue = e.instrument_id.venue
        if venue in self.stats:
            self.stats[venue].record_outcome(True)

    # ------------------------------------------------------------------ timeouts
    def _check_ack(self, coid: ClientOrderId) -> None:
        """No ack yet? Ask the venue before doing anything: never resend blindly."""
        self._sent_at.pop(coid, None)
        order = self.engine.orders.get(coid)
        if order is None or order.status is not OrderStatus.SUBMITTED or self.engine.replaying:
            return
        venue = order.instrument_id.venue
        client = self.clients[venue]
        status = client.order_status(coid)
        self.breakers[venue].record_failure(timeout=True)
        eng = self.engine
        if not status.known:
            client.cancel(order)  # make sure a late arrival cannot trade
            eng.on_rejected(
                coid, ReasonCode.TIMEOUT, "no ack and the venue does not know the order"
            )
            return
        if status.venue_order_id is not None:
            eng.on_accepted(coid, status.venue_order_id)
        missed = status.filled_qty - order.filled_qty
        if missed > 0 and status.avg_px is not None:
            iid = order.instrument_id
            inst = eng.instruments.get(iid)
            px = status.avg_px
            fee_amt = missed * px * self.fees.taker_rate(venue, iid)
            ccy = inst.quote if inst is not None else Money.of(0, "USD").currency
            fee = Money(fee_amt, ccy)
            eng.on_filled(coid, TradeId(f"{coid}-reconciled"), missed, px, fee, LiquiditySide.TAKER)
        if not status.open and status.filled_qty < order.quantity:
            eng.on_canceled(coid, "reconciled: not open at the venue")
