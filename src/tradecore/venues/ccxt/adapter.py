"""A CCXT exchange as a :class:`~tradecore.venues.protocol.VenueClient`.

I/O stays at the edge. The client owns one asyncio loop on its own thread (the *I/O thread*),
where the ccxt async exchange lives: order entry, the book poller and the execution poller
run there. Nothing there touches the engine: every report (ack, reject, fill, close, quote,
reconciliation) is put, in order, on a thread-safe queue, and :meth:`CcxtVenueClient.drain`,
called on the engine's thread (by the driver's loop, or woken through ``notify``), hands them
to the engine's sink. The engine stays single-threaded and deterministic: a journal of its
events replays to the same state.

* **Orders** carry tradecore's client order id as the venue's (``newClientOrderId`` on
  Binance, ccxt's ``clientOrderId``), so every report maps back and a retry after a rate
  limit cannot create a second order (the venue refuses a duplicate id).
* **Executions** come from polling (``fetch_my_trades`` since the last trade seen,
  ``fetch_open_orders``; ``fetch_order`` + the order's trades for one that left the book),
  each with the venue's own trade id, price and fee, deduplicated by trade id.
* **Errors** are mapped by :mod:`tradecore.venues.ccxt.errors`; no ccxt exception leaves.
  After a transient failure on a submit the order's status is asked before anything else;
  nothing is ever resent blindly.
* **Reconnects**: the first successful poll after a failure reconciles every order still
  tracked through ``reconcile`` (wired to :meth:`Execution.reconcile`), so fills the venue
  made while we could not see it are booked exactly once, with the venue's trade ids.
* **Health**: DOWN while requests fail (and for ``down_hold_s`` after a maintenance answer),
  DEGRADED when the last book is older than ``stale_after_s``, else UP.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from tradecore.model.enums import LiquiditySide, OrderType, ReasonCode, Side, TimeInForce
from tradecore.model.identifiers import ClientOrderId, InstrumentId, TradeId, Venue, VenueOrderId
from tradecore.model.instrument import Instrument
from tradecore.model.market import BookSnapshot, Quote
from tradecore.model.orders import Order
from tradecore.model.values import Money
from tradecore.venues.ccxt.errors import Mapped, Outcome, classify
from tradecore.venues.ccxt.markets import clean, instruments_from_markets, to_decimal
from tradecore.venues.ccxt.pollers import CcxtVenueConfig, Pollers, Track
from tradecore.venues.ccxt.replace import Replacing
from tradecore.venues.ccxt.streams import Streams
from tradecore.venues.handoff import drain
from tradecore.venues.protocol import ExecutionSink, VenueHealth, VenueOrderStatus, VenueTrade

log = logging.getLogger("tradecore.venues.ccxt")
ZERO = Decimal(0)
CLOSED = {"closed": "FILLED", "canceled": "CANCELED", "expired": "EXPIRED", "rejected": "REJECTED"}
#: what a CCXT venue takes (ccxt's unified timeInForce values); DAY is refused before sending
OFFERED_TIF = frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK})
Reconciler = Callable[[ClientOrderId, VenueOrderStatus], None]


class CcxtVenueClient(Streams, Replacing, Pollers):
    """One CCXT exchange (``exchange``: a ccxt async exchange object, built on the I/O loop
    by ``factory``) as a tradecore venue named ``venue``."""

    def __init__(
        self,
        venue: Venue,
        factory: Callable[[], Any],
        config: CcxtVenueConfig | None = None,
        *,
        notify: Callable[[], None] | None = None,
    ) -> None:
        self._venue = venue
        self._factory = factory
        self.config = config or CcxtVenueConfig()
        self.notify = notify
        self._sink: ExecutionSink | None = None
        self._reconciler: Reconciler | None = None
        self._reports: queue.SimpleQueue[tuple[str, tuple[Any, ...]]] = queue.SimpleQueue()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name=f"ccxt-{venue}")  # fmt: skip
        self._ex: Any = None
        self.instruments: dict[InstrumentId, Instrument] = {}
        self._symbols: dict[InstrumentId, str] = {}
        self._tracks: dict[ClientOrderId, Track] = {}
        self._by_vid: dict[str, ClientOrderId] = {}
        self._books: dict[InstrumentId, BookSnapshot] = {}
        self._book_at = 0.0
        self._subs: dict[InstrumentId, list[Callable[[Quote], None]]] = {}
        self._failing = False
        self._down_until = 0.0
        self._trade_since: dict[str, int] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._version = 0
        #: called on the engine thread with every new book (paper trading feeds a simulator)
        self.on_book: Callable[[BookSnapshot], None] | None = None
        #: called on the engine thread with a venue's refreshed instruments (pollers.py)
        self.on_rules: Callable[[Sequence[Instrument]], None] | None = None
        self.errors: dict[str, int] = {}  # outcome -> count (for health pages and tests)
        self.reconnects = 0
        self.rule_changes: list[str] = []
        self._stream_at: dict[InstrumentId, float] = {}
        self._exec_lock = asyncio.Lock()
        self.stream_gaps = self.stream_updates = self.stream_fills = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self, timeout_s: float = 10.0) -> list[Instrument]:
        """Start the I/O thread, load the venue's markets; returns its instruments."""
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        return fut.result(timeout_s)

    async def _start(self) -> list[Instrument]:
        self._ex = self._factory()
        markets = await self._ex.load_markets()
        insts = instruments_from_markets(markets, self._venue)
        self.instruments = {i.id: i for i in insts}
        self._symbols = {i.id: i.id.symbol for i in insts}
        self._tasks = [
            asyncio.ensure_future(self._book_loop()),
            asyncio.ensure_future(self._exec_loop()),
            asyncio.ensure_future(self._markets_loop()),
            *self._stream_tasks(),
        ]
        return insts

    def stop(self, timeout_s: float = 5.0) -> None:
        async def _stop() -> None:
            for t in self._tasks:
                t.cancel()
            if self._ex is not None:
                await self._ex.close()
            me = asyncio.current_task()
            rest = [t for t in asyncio.all_tasks() if t is not me]
            for t in rest:
                t.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(timeout_s)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout_s)

    def set_reconciler(self, fn: Reconciler) -> None:
        """Where reconnect reconciliation goes (``Execution.reconcile`` through the engine)."""
        self._reconciler = fn

    # ------------------------------------------------------------------ protocol
    @property
    def venue(self) -> Venue:
        return self._venue

    def bind(self, sink: ExecutionSink) -> None:
        self._sink = sink

    def health(self) -> VenueHealth:
        now = time.monotonic()
        if self._failing or now < self._down_until:
            return VenueHealth.DOWN
        if now - self._book_at > self.config.stale_after_s:
            return VenueHealth.DEGRADED
        return VenueHealth.UP

    def book(self, instrument_id: InstrumentId) -> BookSnapshot | None:
        return self._books.get(instrument_id)

    def subscribe_quotes(self, instrument_id: InstrumentId, fn: Callable[[Quote], None]) -> None:
        self._subs.setdefault(instrument_id, []).append(fn)

    def track(self, order: Order) -> None:
        """Follow an order sent before a restart (its fills and close come by polling).
        Order tracking lives on the I/O thread (the pollers iterate it there)."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._track_now, order)
        else:
            self._track_now(order)

    def _track_now(self, order: Order) -> Track:
        symbol = self._symbols.get(order.instrument_id, order.instrument_id.symbol)
        t = Track(order, symbol, order.venue_order_id)
        self._tracks[order.client_order_id] = t
        if t.vid is not None:
            self._by_vid[t.vid] = order.client_order_id
        return t

    def submit(self, order: Order) -> None:
        self._spawn(self._submit(order))

    def cancel(self, order: Order) -> None:
        self._spawn(self._cancel(order.client_order_id))

    def order_status(self, coid: ClientOrderId) -> VenueOrderStatus:
        """The venue's answer (blocking the caller up to ``status_timeout_s``; never called
        on the I/O thread). If the venue cannot be asked, what we saw of the order so far."""
        fut = asyncio.run_coroutine_threadsafe(self._status(coid), self._loop)
        try:
            return fut.result(self.config.status_timeout_s)
        except Exception as e:  # the venue did not answer in time: what we know
            fut.cancel()
            self._count(classify(e))
            return self._seen(coid)

    # ------------------------------------------------------------------ engine thread
    def drain(self) -> int:
        """Hand every queued report to the engine, in order (call on the engine's thread)."""
        return drain(self._reports, self._deliver)

    def _deliver(self, kind: str, args: tuple[Any, ...]) -> None:
        if kind == "quote":
            for fn in self._subs.get(args[0].instrument_id, ()):
                fn(args[0])
            return
        hooks: dict[str, Callable[..., None] | None] = {
            "book": self.on_book, "rules": self.on_rules, "reconcile": self._reconciler,
        }  # fmt: skip
        if kind in hooks:
            hook = hooks[kind]
            if hook is not None:
                hook(*args)
            return
        sink = self._sink
        if sink is None:
            return
        table: dict[str, Callable[..., None]] = {
            "accepted": sink.on_accepted, "rejected": sink.on_rejected,
            "filled": sink.on_filled, "canceled": sink.on_canceled,
            "cancel_rejected": sink.on_cancel_rejected, "expired": sink.on_expired,
            "replace_rejected": sink.on_replace_rejected, "replaced": sink.on_replaced,
        }  # fmt: skip
        table[kind](*args)

    # ------------------------------------------------------------------ I/O thread
    def _emit(self, kind: str, *args: Any) -> None:
        self._reports.put((kind, args))
        if self.notify is not None:
            self.notify()

    def _spawn(self, coro: Any) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop)

    def _count(self, m: Mapped) -> None:
        self.errors[m.outcome.value] = self.errors.get(m.outcome.value, 0) + 1
        if m.outcome in (Outcome.DOWN, Outcome.MAINTENANCE, Outcome.AUTH):
            self._down_until = time.monotonic() + self.config.down_hold_s

    async def _submit(self, order: Order) -> None:
        coid = order.client_order_id
        t = self._track_now(order)
        if order.time_in_force not in OFFERED_TIF:
            t.closed = True
            msg = f"{self._venue}: time in force {order.time_in_force.value} is not offered"
            self._emit("rejected", coid, ReasonCode.INVALID_ORDER, msg)
            return
        kind = "market" if order.order_type is OrderType.MARKET else "limit"
        params: dict[str, Any] = {
            "clientOrderId": str(coid),
            "timeInForce": order.time_in_force.value,
        }
        if order.post_only:
            params = {"clientOrderId": str(coid), "postOnly": True}
        if kind == "market":
            params.pop("timeInForce", None)
        price = None if order.price is None else str(order.price)
        side = "buy" if order.side is Side.BUY else "sell"
        for attempt in range(self.config.max_backoff_retries + 1):
            try:
                resp = await self._ex.create_order(
                    t.symbol, kind, side, str(order.leaves_qty), price, params
                )
            except Exception as e:
                m = classify(e)
                self._count(m)
                if m.outcome is Outcome.BACKOFF and attempt < self.config.max_backoff_retries:
                    await asyncio.sleep(self.config.backoff_base_s * 2**attempt)
                    continue
                if m.outcome in (
                    Outcome.REJECT,
                    Outcome.AUTH,
                    Outcome.BACKOFF,
                    Outcome.MAINTENANCE,
                ):
                    t.closed = True
                    self._emit("rejected", coid, m.reason, m.message)
                    return
                await self._after_doubt(t, m)
                return
            self._acked(t, str(resp["id"]))
            if resp.get("status") in CLOSED:
                await self._sync(t)
            return

    async def _after_doubt(self, t: Track, m: Mapped) -> None:
        """A submit failed in transit: ask the venue before doing anything else."""
        try:
            st = await self._status(t.order.client_order_id)
        except Exception as e:
            self._count(classify(e))
            return  # still in doubt: the ack timeout and reconnect reconciliation decide
        if not st.known:
            t.closed = True
            self._emit("rejected", t.order.client_order_id, m.reason, m.message)
            return
        if st.venue_order_id is not None:
            self._acked(t, str(st.venue_order_id))
        self._report_status(t, st)

    def _acked(self, t: Track, vid: str) -> None:
        if t.vid is None:
            t.vid = vid
            self._by_vid[vid] = t.order.client_order_id
            self._emit("accepted", t.order.client_order_id, VenueOrderId(vid))

    async def _cancel(self, coid: ClientOrderId) -> None:
        t = self._tracks.get(coid)
        if t is None:
            self._emit("cancel_rejected", coid, ReasonCode.ORDER_NOT_OPEN, "unknown to this venue")
            return
        try:
            await self._ex.cancel_order(t.vid, t.symbol, {"clientOrderId": str(coid)})
        except Exception as e:
            m = classify(e)
            self._count(m)
            self._emit("cancel_rejected", coid, m.reason, m.message)
            if m.outcome is Outcome.NOT_FOUND:
                await self._try_sync(t)
            return
        await self._try_sync(t)

    async def _try_sync(self, t: Track) -> None:
        try:
            await self._sync(t)
        except Exception as e:
            self._count(classify(e))

    async def _status(self, coid: ClientOrderId) -> VenueOrderStatus:
        t = self._tracks.get(coid)
        if t is None:
            return VenueOrderStatus(coid, None, False, False, ZERO, None)
        try:
            o = await self._ex.fetch_order(t.vid, t.symbol, {"clientOrderId": str(coid)})
        except Exception as e:
            if classify(e).outcome is Outcome.NOT_FOUND:
                return VenueOrderStatus(coid, None, False, False, ZERO, None)
            raise
        vid = str(o["id"])
        t.venue_status = o.get("status")
        raw = await self._ex.fetch_my_trades(t.symbol, None, None, {"orderId": vid})
        trades = tuple(self._trade(x) for x in raw if str(x.get("order")) == vid)
        filled = clean(to_decimal(o.get("filled")) or ZERO) + t.carried
        is_open = o.get("status") == "open"
        avg = to_decimal(o.get("average")) if not t.carried else None  # the venue's: new only
        return VenueOrderStatus(coid, VenueOrderId(vid), True, is_open, filled, avg, trades)

    def _seen(self, coid: ClientOrderId) -> VenueOrderStatus:
        t = self._tracks.get(coid)
        if t is None or t.vid is None:
            return VenueOrderStatus(coid, None, False, False, ZERO, None)
        trades = tuple(t.trades.copy().values())  # copied at once: the I/O thread adds to it
        filled = sum((x.quantity for x in trades), ZERO) + t.carried
        return VenueOrderStatus(coid, VenueOrderId(t.vid), True, not t.closed, filled, None, trades)

    def _trade(self, x: dict[str, Any]) -> VenueTrade:
        fee = x.get("fee") or {}
        cost = to_decimal(fee.get("cost")) or ZERO
        liq = LiquiditySide.MAKER if x.get("takerOrMaker") == "maker" else LiquiditySide.TAKER
        qty, px = to_decimal(x["amount"]), to_decimal(x["price"])
        if qty is None or px is None:
            raise ValueError(f"trade {x.get('id')} without amount or price")
        return VenueTrade(str(x["id"]), clean(qty), clean(px), clean(cost), liq)

    async def _sync(self, t: Track) -> None:
        """Report what the venue says of one order that we have not reported yet."""
        self._report_status(t, await self._status(t.order.client_order_id))

    def _report_status(self, t: Track, st: VenueOrderStatus) -> None:
        for tr in st.trades:
            self._fill(t, tr)
        if not st.known or st.open or t.closed:
            return
        t.closed = True
        if st.filled_qty >= t.order.quantity:
            return  # its fills closed it
        coid = t.order.client_order_id
        if t.venue_status == "expired":
            self._emit("expired", coid)
        else:
            self._emit("canceled", coid, f"{t.venue_status or 'closed'} at the venue")

    def _fill(self, t: Track, tr: VenueTrade) -> None:
        if tr.trade_id in t.trades:
            return
        t.trades[tr.trade_id] = tr
        inst = self.instruments.get(t.order.instrument_id)
        ccy = inst.quote if inst is not None else None
        fee = Money(tr.fee, ccy) if ccy is not None else Money.zero("USD")
        self._emit("filled", t.order.client_order_id, TradeId(tr.trade_id), tr.quantity,
                   tr.price, fee, tr.liquidity)  # fmt: skip
