"""A simulated venue: the matching engine behind the :class:`VenueClient` protocol.

Everything happens on the injected clock: an order *arrives* after a seeded ack latency, is
matched against the book at that moment, and its fills are reported after a further fill delay.
Fault injection (seeded): ``reject_rate`` refuses orders; ``timeout_rate`` executes the order at
the venue but drops every report for it, so only :meth:`order_status` tells the truth (the
router and recovery must check it before any resend). ``set_down(True)`` is an outage.
"""

from __future__ import annotations

import hashlib
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import msgspec

from tradecore.engine.clock import Clock
from tradecore.model.enums import LiquiditySide, OrderType, ReasonCode, Side, TimeInForce
from tradecore.model.identifiers import ClientOrderId, InstrumentId, TradeId, Venue, VenueOrderId
from tradecore.model.instrument import Instrument
from tradecore.model.market import BookLevel, BookSnapshot, Quote
from tradecore.model.orders import Order
from tradecore.model.values import Money
from tradecore.venues.model import VenueModel
from tradecore.venues.protocol import ExecutionSink, VenueHealth, VenueOrderStatus, VenueTrade
from tradecore.venues.sim.book import Match, OrderBook
from tradecore.venues.sim.restore import Restorable

DAY_NS = 86_400_000_000_000
# one side of a book as (version, ((price, size), ...), levels asked for)
_SideCache = tuple[int, tuple[tuple[Decimal, Decimal], ...], int]


@dataclass(frozen=True, slots=True)
class SimVenueConfig:
    """Latency (µs, uniform mean ± jitter) and fault injection of one simulated venue."""

    ack_latency_us: int = 300
    ack_jitter_us: int = 100
    fill_delay_us: int = 50
    reject_rate: float = 0.0
    timeout_rate: float = 0.0
    seed: int = 0
    fill_jitter_us: int = 0  # fill delay is uniform in [fill_delay_us, + fill_jitter_us]
    retain_closed: int = 100_000  # closed orders the venue still answers order_status for


class _Ticket(msgspec.Struct):
    coid: ClientOrderId
    instrument_id: InstrumentId
    side: Side
    order_type: OrderType
    qty: Decimal
    price: Decimal | None
    tif: TimeInForce
    post_only: bool
    vid: VenueOrderId | None = None
    filled: Decimal = Decimal(0)
    notional: Decimal = Decimal(0)
    open: bool = False
    silent: bool = False
    closed: bool = False
    trades: list[VenueTrade] = msgspec.field(default_factory=list)


class SimVenueClient(Restorable):
    """One simulated venue with a book per instrument."""

    def __init__(self, model: VenueModel, clock: Clock, config: SimVenueConfig | None = None):
        self.model = model
        self.clock = clock
        self.config = config or SimVenueConfig()
        self._rng = random.Random(self.config.seed)
        self._random = self._rng.random  # one C call per draw (randint is several Python ones)
        self._sink: ExecutionSink | None = None
        self.books: dict[InstrumentId, OrderBook] = {i: OrderBook() for i in model.instruments}
        self._tickets: dict[ClientOrderId, _Ticket] = {}
        self._closed: deque[ClientOrderId] = deque()
        self._quote_subs: dict[InstrumentId, list[Callable[[Quote], None]]] = {}
        self._down = False
        self._snapshots: dict[tuple[InstrumentId, int], BookSnapshot] = {}
        self._bid_sides: dict[OrderBook, _SideCache] = {}
        self._ask_sides: dict[OrderBook, _SideCache] = {}
        self._n_orders = 0
        self._n_trades = 0
        self.fills_reported = 0

    def continue_ids(self, orders: int, trades: int) -> None:
        """After the engine restarted from its journal: number new venue orders and trades
        after those it already holds (this embedded venue restarted empty with it)."""
        self._n_orders = max(self._n_orders, orders)
        self._n_trades = max(self._n_trades, trades)

    # ------------------------------------------------------------------ protocol
    @property
    def venue(self) -> Venue:
        return self.model.venue

    def bind(self, sink: ExecutionSink) -> None:
        self._sink = sink

    def health(self) -> VenueHealth:
        return VenueHealth.DOWN if self._down else VenueHealth.UP

    def set_down(self, down: bool) -> None:
        self._down = down

    def subscribe_quotes(self, instrument_id: InstrumentId, fn: Callable[[Quote], None]) -> None:
        self._quote_subs.setdefault(instrument_id, []).append(fn)

    def book(self, instrument_id: InstrumentId, levels: int = 10) -> BookSnapshot | None:
        """L2 snapshot; rebuilt only when the book's version has changed."""
        b = self.books.get(instrument_id)
        if b is None:
            return None
        cached = self._snapshots.get((instrument_id, levels))
        if cached is not None and cached.version == b.version:
            return cached
        snap = BookSnapshot(
            instrument_id,
            tuple([BookLevel(p, s) for p, s in b.bids.depth(levels)]),
            tuple([BookLevel(p, s) for p, s in b.asks.depth(levels)]),
            self.clock.now_ns(),
            b.version,
        )
        self._snapshots[(instrument_id, levels)] = snap
        return snap

    def book_side(
        self, instrument_id: InstrumentId, side: Side, levels: int = 10
    ) -> tuple[int, tuple[tuple[Decimal, Decimal], ...]] | None:
        """One side of the L2 book (bids for ``Side.BUY``) as (price, size) pairs, best
        first, with the book version: what a router sweeping for a taker needs, without
        building the other side or level objects."""
        b = self.books.get(instrument_id)
        if b is None:
            return None
        if side is Side.BUY:
            s, cache = b.bids, self._bid_sides
        else:
            s, cache = b.asks, self._ask_sides
        cached = cache.get(b)
        if cached is not None and cached[0] == b.version and cached[2] == levels:
            return cached[0], cached[1]
        out = (b.version, tuple(s.depth(levels)), levels)
        cache[b] = out
        return out[0], out[1]

    def order_status(self, coid: ClientOrderId) -> VenueOrderStatus:
        t = self._tickets.get(coid)
        if t is None:
            return VenueOrderStatus(coid, None, False, False, Decimal(0), None)
        avg = t.notional / t.filled if t.filled else None
        return VenueOrderStatus(coid, t.vid, True, t.open, t.filled, avg, tuple(t.trades))

    def submit(self, order: Order) -> None:
        t = _Ticket(
            order.client_order_id, order.instrument_id, order.side, order.order_type,
            order.leaves_qty, order.price, order.time_in_force, order.post_only,
        )  # fmt: skip
        now = self.clock.now_ns()
        self.clock.schedule(now + self._ack_delay("N", t.coid, now), lambda: self._arrive(t))

    def cancel(self, order: Order) -> None:
        coid, now = order.client_order_id, self.clock.now_ns()
        self.clock.schedule(now + self._ack_delay("C", coid, now), lambda: self._cancel(coid))

    def replace(self, order: Order, new_order: Order) -> None:
        old, new = order.client_order_id, new_order.client_order_id
        leaves, price = new_order.quantity - new_order.filled_qty, new_order.price
        now = self.clock.now_ns()
        self.clock.schedule(
            now + self._ack_delay("R", old, now), lambda: self._replace(old, new, leaves, price)
        )

    # ------------------------------------------------------------------ market data
    def on_market(
        self,
        instrument_id: InstrumentId,
        bids: tuple[tuple[Decimal, Decimal], ...],
        asks: tuple[tuple[Decimal, Decimal], ...],
    ) -> None:
        """New market-maker quotes: passive fills for our crossed resting orders, then a quote."""
        book = self.books.get(instrument_id)
        if book is None:
            return
        for m in book.replace_synthetic(bids, asks):
            t = self._tickets.get(ClientOrderId(m.maker_owner))
            if t is not None:
                self._fill(t, m, LiquiditySide.MAKER, 0)
        subs = self._quote_subs.get(instrument_id)
        if subs and not self._down:
            b, a = book.best_bid(), book.best_ask()
            if b is not None and a is not None:
                q = Quote(
                    instrument_id,
                    b,
                    book.bids.size_at(b),
                    a,
                    book.asks.size_at(a),
                    self.clock.now_ns(),
                )
                for fn in subs:
                    fn(q)

    # ------------------------------------------------------------------ internals
    def _draw(self, kind: str, coid: str, now: int) -> float:
        """Uniform in [0, 1) from (seed, kind, order id, time): the same request draws the same
        latency whatever happened before it, so a venue rebuilt after a restart draws what the
        uninterrupted one drew (venues/sim/restore.py)."""
        key = f"{self.config.seed}|{kind}|{coid}|{now}".encode()
        h = hashlib.blake2b(key, digest_size=8).digest()
        return int.from_bytes(h) / 18446744073709551616.0

    def _ack_delay(self, kind: str, coid: str, now: int) -> int:
        """Uniform integer µs in [latency - jitter, latency + jitter] (at least 1), in ns."""
        c = self.config
        j = c.ack_jitter_us
        if j:
            us = c.ack_latency_us - j + int(self._draw(kind, coid, now) * (2 * j + 1))
        else:
            us = c.ack_latency_us
        return (us if us > 1 else 1) * 1000

    def _fill_delay(self, coid: str, now: int) -> int:
        """Uniform integer µs in [fill_delay, fill_delay + fill_jitter], in ns."""
        c = self.config
        j = c.fill_jitter_us
        us = c.fill_delay_us + int(self._draw("F", coid, now) * (j + 1)) if j else c.fill_delay_us
        return us * 1000

    def _report(self, t: _Ticket, fn: Callable[[], None]) -> None:
        if not t.silent:
            fn()

    def _sink_or_fail(self) -> ExecutionSink:
        if self._sink is None:
            raise RuntimeError(f"venue {self.venue} is not bound to an engine")
        return self._sink

    def _arrive(self, t: _Ticket) -> None:
        self._arrive_match(t)
        if t.coid in self._tickets:
            self._retire(t)  # no-op while it rests on the book

    def _arrive_match(self, t: _Ticket) -> None:
        sink = self._sink_or_fail()
        c = self.config
        if self._down:
            sink.on_rejected(t.coid, ReasonCode.VENUE_UNAVAILABLE, f"{self.venue} is down")
            return
        if c.reject_rate and self._rng.random() < c.reject_rate:
            sink.on_rejected(t.coid, ReasonCode.VENUE_REJECT, "injected reject")
            return
        book = self.books.get(t.instrument_id)
        if book is None:
            sink.on_rejected(t.coid, ReasonCode.UNKNOWN_INSTRUMENT, f"{t.instrument_id} not listed")
            return
        t.silent = bool(c.timeout_rate) and self._rng.random() < c.timeout_rate
        self._tickets[t.coid] = t
        self._n_orders += 1
        t.vid = VenueOrderId(f"{self.venue}-{self._n_orders}")
        if t.post_only and t.price is not None and book.would_cross(t.side, t.price):
            self._report(
                t,
                lambda: sink.on_rejected(
                    t.coid, ReasonCode.POST_ONLY_WOULD_CROSS, "post-only would cross"
                ),
            )
            return
        if not t.silent:
            sink.on_accepted(t.coid, t.vid)
        limit = t.price if t.order_type is OrderType.LIMIT else None
        if t.tif is TimeInForce.FOK and book.available(t.side, limit) < t.qty:
            self._report(t, lambda: sink.on_canceled(t.coid, "FOK: not fillable in full"))
            return
        delay = self._fill_delay(t.coid, self.clock.now_ns())
        for m in book.match(t.side, t.qty, limit, taker=t.coid):
            self._fill(t, m, LiquiditySide.TAKER, delay)
        left = t.qty - t.filled
        if left <= 0:
            return
        if t.order_type is OrderType.MARKET or t.tif in (TimeInForce.IOC, TimeInForce.FOK):
            self._later(
                delay, t, lambda: sink.on_canceled(t.coid, f"{t.tif.value} remainder {left}")
            )
            return
        assert t.price is not None
        book.add(t.coid, t.coid, t.side, t.price, left)
        t.open = True
        if t.tif is TimeInForce.DAY:
            now = self.clock.now_ns()
            self.clock.schedule((now // DAY_NS + 1) * DAY_NS, lambda: self._expire(t))

    def _retire(self, t: _Ticket) -> None:
        """Remember a closed order for a while (order_status), then forget it: a long-running
        venue must not keep every order it ever saw."""
        if t.open or t.closed:
            return
        t.closed = True
        closed = self._closed
        closed.append(t.coid)
        if len(closed) > self.config.retain_closed:
            old = closed.popleft()
            done = self._tickets.get(old)
            if done is not None and done.closed:
                del self._tickets[old]

    def _later(self, delay: int, t: _Ticket, fn: Callable[[], None]) -> None:
        if t.silent:
            return
        if delay:
            self.clock.schedule(self.clock.now_ns() + delay, fn)
        else:
            fn()

    def _fill(self, t: _Ticket, m: Match, liq: LiquiditySide, delay: int) -> None:
        sink = self._sink_or_fail()
        inst: Instrument = self.model.instruments[t.instrument_id]
        fee: Money = self.model.fees.fee(inst, m.qty, m.price, liq)
        t.filled += m.qty
        t.notional += m.qty * m.price
        if t.filled >= t.qty:
            t.open = False
            self._retire(t)
        self._n_trades += 1
        tid = TradeId(f"{self.venue}-T{self._n_trades}")
        qty, price = m.qty, m.price
        t.trades.append(VenueTrade(tid, qty, price, fee.amount, liq))

        def report() -> None:
            self.fills_reported += 1
            sink.on_filled(t.coid, tid, qty, price, fee, liq)

        self._later(delay, t, report)

    def _expire(self, t: _Ticket) -> None:
        if not t.open:
            return
        book = self.books[t.instrument_id]
        book.cancel(t.coid)
        t.open = False
        self._retire(t)
        self._report(t, lambda: self._sink_or_fail().on_expired(t.coid))

    def _cancel(self, coid: ClientOrderId) -> None:
        sink = self._sink_or_fail()
        t = self._tickets.get(coid)
        if t is None or not t.open:
            # Unknown (never arrived, or dropped) or already done: the engine reconciles.
            if t is None or not t.silent:
                sink.on_cancel_rejected(coid, ReasonCode.ORDER_NOT_OPEN, "not open at venue")
            return
        self.books[t.instrument_id].cancel(coid)
        t.open = False
        self._retire(t)
        self._report(t, lambda: sink.on_canceled(coid, "canceled by request"))

    def _replace(
        self, old: ClientOrderId, new: ClientOrderId, leaves: Decimal, price: Decimal | None
    ) -> None:
        sink = self._sink_or_fail()
        t = self._tickets.get(old)
        if t is None or not t.open or price is None:
            sink.on_replace_rejected(old, ReasonCode.ORDER_NOT_OPEN, "not open at venue")
            return
        book = self.books[t.instrument_id]
        t.open = False
        self._retire(t)
        nt = _Ticket(
            new,
            t.instrument_id,
            t.side,
            OrderType.LIMIT,
            t.filled + leaves,
            price,
            t.tif,
            t.post_only,
        )
        nt.vid, nt.filled, nt.notional = t.vid, t.filled, t.notional
        self._tickets[new] = nt
        vid = nt.vid
        assert vid is not None
        self._report(t, lambda: sink.on_replaced(old, vid))
        if not book.would_cross(nt.side, price):
            # size-down at the same price keeps queue priority; anything else goes to the back
            book.amend(old, new, leaves, price)
            nt.open = True
            return
        book.cancel(old)
        for m in book.match(nt.side, leaves, price, taker=new):
            self._fill(nt, m, LiquiditySide.TAKER, 0)
        left = nt.qty - nt.filled
        if left > 0:
            book.add(new, new, nt.side, price, left)
            nt.open = True
