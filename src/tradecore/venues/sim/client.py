"""A simulated venue: the matching engine behind the :class:`VenueClient` protocol.

Everything happens on the injected clock: an order *arrives* after a seeded ack latency, is
matched against the book at that moment, and its fills are reported after a further fill delay.
Fault injection (seeded): ``reject_rate`` refuses orders; ``timeout_rate`` executes the order at
the venue but drops every report for it, so only :meth:`order_status` tells the truth (the
router and recovery must check it before any resend). ``set_down(True)`` is an outage.

Every match between two of our orders reports both legs: the incoming order's TAKER fill
(trade id ``<venue>-T<n>``) and the resting order's MAKER fill (``<venue>-T<n>M``), each with
its own fee. Self-trade prevention (:class:`StpMode`, the order's own or the venue's) decides
what happens when both belong to one account; the expired side is reported canceled with a
"self-trade prevention" message. ``self_matches`` / ``self_matches_prevented`` count them.
Stop, GTD, DAY and iceberg orders: see :mod:`tradecore.venues.sim.tickets` and
:mod:`tradecore.venues.sim.sessions`.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Final
from zlib import crc32

from tradecore.engine.clock import Clock
from tradecore.model.enums import LiquiditySide, OrderType, ReasonCode, Side, StpMode, TimeInForce
from tradecore.model.identifiers import ClientOrderId, InstrumentId, TradeId, Venue, VenueOrderId
from tradecore.model.instrument import Instrument
from tradecore.model.market import BookSnapshot, Quote
from tradecore.model.orders import Order
from tradecore.model.values import Money
from tradecore.venues.model import VenueModel
from tradecore.venues.protocol import ExecutionSink, VenueHealth, VenueOrderStatus, VenueTrade
from tradecore.venues.sim.book import Match, OrderBook
from tradecore.venues.sim.restore import Restorable
from tradecore.venues.sim.sessions import SessionCloses, SessionError
from tradecore.venues.sim.tickets import PendingStops, SimVenueConfig, Ticket
from tradecore.venues.sim.views import BookViews

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_BUY: Final = Side.BUY
_DAY: Final = TimeInForce.DAY
_EXPIRE_MAKER: Final = StpMode.EXPIRE_MAKER
_EXPIRE_TAKER: Final = StpMode.EXPIRE_TAKER
_FOK: Final = TimeInForce.FOK
_GTD: Final = TimeInForce.GTD
_IOC: Final = TimeInForce.IOC
_LIMIT: Final = OrderType.LIMIT
_MAKER: Final = LiquiditySide.MAKER
_NONE: Final = StpMode.NONE
_TAKER: Final = LiquiditySide.TAKER
_DOWN: Final = VenueHealth.DOWN
_UP: Final = VenueHealth.UP


__all__ = ["SimVenueClient", "SimVenueConfig"]

#: the request kinds a latency is drawn for (their number goes into the hash)
_KINDS = {"N": 1, "F": 2, "C": 3, "R": 4}


class SimVenueClient(Restorable):
    """One simulated venue with a book per instrument."""

    def __init__(self, model: VenueModel, clock: Clock, config: SimVenueConfig | None = None):
        self.model = model
        self.venue: Final[Venue] = model.venue  # read per order: an attribute, not a property
        self.clock = clock
        self.config = config or SimVenueConfig()
        self._rng = random.Random(self.config.seed)
        self._random = self._rng.random  # one C call per draw (randint is several Python ones)
        self._sink: ExecutionSink | None = None
        self.books: dict[InstrumentId, OrderBook] = {i: OrderBook() for i in model.instruments}
        self._tickets: dict[ClientOrderId, Ticket] = {}
        self._closed: deque[ClientOrderId] = deque()
        self._quote_subs: dict[InstrumentId, list[Callable[[Quote], None]]] = {}
        self._down = False
        self._views = BookViews(self.books, clock)
        self._n_orders = 0
        self._n_trades = 0
        self.fills_reported = 0
        self._stops: dict[InstrumentId, PendingStops] = {}  # only instruments with stops
        self._sessions = SessionCloses()
        self.self_matches = 0  # matches between two orders of one account that traded
        self.self_matches_prevented = 0  # such matches that self-trade prevention stopped

    def continue_ids(self, orders: int, trades: int) -> None:
        """After the engine restarted from its journal: number new venue orders and trades
        after those it already holds (this embedded venue restarted empty with it)."""
        self._n_orders = max(self._n_orders, orders)
        self._n_trades = max(self._n_trades, trades)

    # ------------------------------------------------------------------ protocol
    def bind(self, sink: ExecutionSink) -> None:
        self._sink = sink

    def health(self) -> VenueHealth:
        return _DOWN if self._down else _UP

    def set_down(self, down: bool) -> None:
        self._down = down

    def subscribe_quotes(self, instrument_id: InstrumentId, fn: Callable[[Quote], None]) -> None:
        self._quote_subs.setdefault(instrument_id, []).append(fn)

    def book(self, instrument_id: InstrumentId, levels: int = 10) -> BookSnapshot | None:
        """L2 snapshot; rebuilt only when the book's version has changed."""
        return self._views.book(instrument_id, levels)

    def book_side(
        self, instrument_id: InstrumentId, side: Side, levels: int = 10
    ) -> tuple[int, tuple[tuple[Decimal, Decimal], ...]] | None:
        """One side of the L2 book (bids for ``Side.BUY``) as (price, size) pairs, best
        first, with the book version (see :class:`BookViews`)."""
        return self._views.book_side(instrument_id, side, levels)

    def order_status(self, coid: ClientOrderId) -> VenueOrderStatus:
        t = self._tickets.get(coid)
        if t is None:
            return VenueOrderStatus(coid, None, False, False, Decimal(0), None)
        avg = t.notional / t.filled if t.filled else None
        return VenueOrderStatus(coid, t.vid, True, t.open, t.filled, avg, t.trades)

    def submit(self, order: Order) -> None:
        t = Ticket(
            order.client_order_id, order.instrument_id, order.side, order.order_type,
            order.leaves_qty, order.price, order.time_in_force, order.post_only,
            account=order.account, stp=order.stp or self.config.stp,
            trigger=order.trigger_price, display=order.display_qty,
            expire_ns=order.expire_ns if order.time_in_force is _GTD else None,
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
            t = self._tickets.get(ClientOrderId(m.maker_ref))
            if t is not None:
                self._fill(t, m, _MAKER, 0)
        if self._stops:
            self._check_stops(instrument_id, book)
        subs = self._quote_subs.get(instrument_id)
        if subs and not self._down:
            b, a = book.bids.top(), book.asks.top()
            if b is not None and a is not None:
                q = Quote(instrument_id, b[0], b[1], a[0], a[1], self.clock.now_ns())
                for fn in subs:
                    fn(q)

    # ------------------------------------------------------------------ internals
    def _draw(self, kind: str, coid: str, now: int) -> float:
        """Uniform in [0, 1) from (seed, kind, order id, time): the same request draws the same
        latency whatever happened before it, so a venue rebuilt after a restart draws what the
        uninterrupted one drew (venues/sim/restore.py). A tuple of ints hashes the same in every
        process of one CPython version on 64-bit platforms (only str hashes are salted), so
        the id goes in as its CRC-32; ~0.5 µs against ~1.5 µs for blake2b of a string."""
        h = hash((self.config.seed, _KINDS[kind], crc32(coid.encode()), now))
        return (h & 0xFFFFFFFFFFFFF) / 4503599627370496.0  # the low 52 bits

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

    def _report(self, t: Ticket, fn: Callable[[], None]) -> None:
        """Report now, or right after a report of ``t`` still on its way."""
        self._later(0, t, fn)

    def _sink_or_fail(self) -> ExecutionSink:
        if self._sink is None:
            raise RuntimeError(f"venue {self.venue} is not bound to an engine")
        return self._sink

    def _arrive(self, t: Ticket) -> None:
        self._arrive_match(t)
        if t.coid in self._tickets:
            self._retire(t)  # no-op while it rests on the book

    def _arrive_match(self, t: Ticket) -> None:
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
        if t.tif is _DAY:  # its expiry: the session close of its calendar
            cal = self.model.instruments[t.instrument_id].calendar
            try:
                t.expire_ns = self._sessions.next_close(cal, self.clock.now_ns())
            except SessionError as e:
                sink.on_rejected(t.coid, ReasonCode.VENUE_REJECT, f"DAY order: {e}")
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
        if t.trigger is not None:
            pending = self._stops.setdefault(t.instrument_id, PendingStops())
            pending.tickets.append(t)
            t.open = True
            self._schedule_expiry(t)
            self._check_stops(t.instrument_id, book)
            return
        traded = self._execute(book, t)
        if t.open:
            self._schedule_expiry(t)
        if traded and self._stops:
            self._check_stops(t.instrument_id, book)

    def _execute(self, book: OrderBook, t: Ticket) -> bool:
        """Match an order that is live (arrived, or a stop just triggered); rest or cancel
        what is left. Returns whether the book traded."""
        sink = self._sink_or_fail()
        limit = t.limit
        stp = t.stp
        acct = t.account if stp is not _NONE else ""
        if t.tif is _FOK and book.fillable(t.side, limit, acct, stp) < t.qty - t.filled:
            t.open = False
            self._report(t, lambda: sink.on_canceled(t.coid, "FOK: not fillable in full"))
            return False
        delay = self._fill_delay(t.coid, self.clock.now_ns())
        left = t.qty - t.filled if t.filled else t.qty  # unfilled yet: no new Decimal
        matches = book.match(t.side, left, limit, t.coid, acct, stp)
        stopped = self._apply_matches(t, matches, delay) if matches else False
        left = t.qty - t.filled
        if left <= 0:
            return bool(matches)
        if stopped or limit is None or t.tif in (_IOC, _FOK):
            t.open = False
            msg = (
                f"self-trade prevention ({stp.value}): remainder {left} expired"
                if stopped
                else f"{t.tif.value} remainder {left}"
            )
            self._later(delay, t, lambda: sink.on_canceled(t.coid, msg))
            return bool(matches)
        assert t.price is not None
        book.add(t.coid, t.coid, t.side, t.price, left, t.account, t.display)
        t.open = True
        return bool(matches)

    def _apply_matches(self, t: Ticket, matches: list[Match], delay: int) -> bool:
        """Report both legs of every match; returns whether self-trade prevention stopped
        the taker ``t``."""
        stopped = False
        tickets = self._tickets
        for m in matches:
            maker = tickets.get(ClientOrderId(m.maker_ref)) if m.maker_owner else None
            if m.prevented:
                self.self_matches_prevented += 1
                if t.stp is not _EXPIRE_TAKER and maker is not None:
                    self._stp_expire(maker, t.stp, delay)
                stopped = stopped or t.stp is not _EXPIRE_MAKER
                continue
            tid = self._fill(t, m, _TAKER, delay)
            if maker is not None:
                if maker.account == t.account:
                    self.self_matches += 1
                self._fill(maker, m, _MAKER, delay, TradeId(tid + "M"))
        return stopped

    def _stp_expire(self, maker: Ticket, mode: StpMode, delay: int) -> None:
        """The book took ``maker`` off under self-trade prevention: close it, report it."""
        sink = self._sink_or_fail()
        maker.open = False
        self._retire(maker)
        msg = f"self-trade prevention ({mode.value}): resting order expired"
        self._later(delay, maker, lambda: sink.on_canceled(maker.coid, msg))

    def _check_stops(self, iid: InstrumentId, book: OrderBook) -> None:
        """Trigger, oldest first, every waiting stop the book now reaches (a triggered stop's
        own trades may trigger more)."""
        pending = self._stops.get(iid)
        while pending is not None and pending.tickets:
            t = pending.pop_triggered(book.best_bid(), book.best_ask())
            if t is None:
                break
            t.open = False
            self._execute(book, t)
            if not t.open:
                self._retire(t)
        if pending is not None and not pending.tickets:
            self._stops.pop(iid, None)

    def _schedule_expiry(self, t: Ticket) -> None:
        """GTD: at its time; DAY: at the session close found on arrival (``expire_ns``)."""
        at = t.expire_ns
        if at is not None:
            self.clock.schedule(at, lambda: self._expire(t))

    def _retire(self, t: Ticket) -> None:
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

    def _later(self, delay: int, t: Ticket, fn: Callable[[], None]) -> None:
        """Report after ``delay``, never before an earlier report of the same order: like a
        real venue, each order's reports arrive in the order they happened (a cancel
        confirm does not overtake a fill still on its way)."""
        if t.silent:
            return
        now = self.clock.now_ns()
        at = now + delay
        if at < t.report_at:
            at = t.report_at
        t.report_at = at
        if at > now:
            self.clock.schedule(at, fn)
        else:
            fn()

    def _fill(
        self, t: Ticket, m: Match, liq: LiquiditySide, delay: int, tid: TradeId | None = None
    ) -> TradeId:
        sink = self._sink_or_fail()
        inst: Instrument = self.model.instruments[t.instrument_id]
        fee: Money = self.model.fees.fee(inst, m.qty, m.price, liq)
        if t.filled:
            t.filled += m.qty
            t.notional += m.qty * m.price
        else:  # its first fill (most orders fill once): no sum with zero, no new Decimal
            t.filled = m.qty
            t.notional = m.qty * m.price
        if t.filled >= t.qty:
            t.open = False
            self._retire(t)
        if tid is None:
            self._n_trades += 1
            tid = TradeId(f"{self.venue}-T{self._n_trades}")
        qty, price = m.qty, m.price
        t.trades += (VenueTrade(tid, qty, price, fee.amount, liq),)

        def report() -> None:
            self.fills_reported += 1
            sink.on_filled(t.coid, tid, qty, price, fee, liq)

        self._later(delay, t, report)
        return tid

    def _expire(self, t: Ticket) -> None:
        if not t.open:
            return
        self._take_off(t)
        self._report(t, lambda: self._sink_or_fail().on_expired(t.coid))

    def _take_off(self, t: Ticket) -> None:
        """Remove an open order from the book, or from the waiting stops, and close it."""
        if t.trigger is not None:
            pending = self._stops.get(t.instrument_id)
            if pending is not None:
                pending.discard(t)
                if not pending.tickets:
                    del self._stops[t.instrument_id]
        else:
            self.books[t.instrument_id].cancel(t.coid)
        t.open = False
        self._retire(t)

    def _cancel(self, coid: ClientOrderId) -> None:
        sink = self._sink_or_fail()
        t = self._tickets.get(coid)
        if t is None or not t.open:
            # Unknown (never arrived, or dropped) or already done: the engine reconciles.
            msg = "not open at venue"
            if t is None:
                sink.on_cancel_rejected(coid, ReasonCode.ORDER_NOT_OPEN, msg)
            else:
                self._report(
                    t, lambda: sink.on_cancel_rejected(coid, ReasonCode.ORDER_NOT_OPEN, msg)
                )
            return
        self._take_off(t)
        self._report(t, lambda: sink.on_canceled(coid, "canceled by request"))

    def _replace(
        self, old: ClientOrderId, new: ClientOrderId, leaves: Decimal, price: Decimal | None
    ) -> None:
        sink = self._sink_or_fail()
        t = self._tickets.get(old)
        if t is None or not t.open or price is None:
            sink.on_replace_rejected(old, ReasonCode.ORDER_NOT_OPEN, "not open at venue")
            return
        if t.trigger is not None:
            msg = "a stop waiting for its trigger cannot be replaced here: cancel it"
            sink.on_replace_rejected(old, ReasonCode.VENUE_REJECT, msg)
            return
        book = self.books[t.instrument_id]
        t.open = False
        self._retire(t)
        nt = Ticket(
            new, t.instrument_id, t.side, _LIMIT, t.filled + leaves, price, t.tif,
            t.post_only, account=t.account, stp=t.stp, expire_ns=t.expire_ns, display=t.display,
        )  # fmt: skip
        nt.vid, nt.filled, nt.notional, nt.report_at = t.vid, t.filled, t.notional, t.report_at
        self._tickets[new] = nt
        vid = nt.vid
        assert vid is not None
        self._report(t, lambda: sink.on_replaced(old, vid))
        if not book.would_cross(nt.side, price):
            # size-down at the same price keeps queue priority; anything else goes to the back
            book.amend(old, new, leaves, price)
            nt.open = True
            self._schedule_expiry(nt)
            return
        book.cancel(old)
        acct = nt.account if nt.stp is not _NONE else ""
        matches = book.match(nt.side, leaves, price, new, acct, nt.stp)
        if self._apply_matches(nt, matches, 0):
            msg = f"self-trade prevention ({nt.stp.value}): remainder {nt.qty - nt.filled}"
            self._report(nt, lambda: sink.on_canceled(new, msg))
            self._retire(nt)
            return
        left = nt.qty - nt.filled
        if left > 0:
            book.add(new, new, nt.side, price, left, nt.account, nt.display)
            nt.open = True
            self._schedule_expiry(nt)
        if self._stops:
            self._check_stops(nt.instrument_id, book)
