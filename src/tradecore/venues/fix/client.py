"""A FIX 4.4 venue or broker as a :class:`~tradecore.venues.protocol.VenueClient`
(tradecore as QuickFIX initiator).

* **Out** (the engine's thread, called by the execution module only): NewOrderSingle with
  our client order id as ClOrdID, OrderCancelRequest (its own ClOrdID ``<id>~C<n>``),
  OrderCancelReplaceRequest (ClOrdID the replacement's id). While the session is not logged
  on an order is rejected at once (VENUE_UNAVAILABLE), never queued for later.
* **No order is sent twice**: QuickFIX would answer a resend request by resending our order
  messages (PossDupFlag); :class:`~tradecore.fix.edge.Edge` gap-fills them instead, and an
  order whose answer is missing is settled by the execution module's status check
  (OrderStatusRequest, :meth:`FixVenueClient.order_status`), never by a resend.
* **In** (QuickFIX's thread): ExecutionReports, OrderCancelRejects and book snapshots are
  queued, in order; :meth:`FixVenueClient.drain` on the engine's thread hands them to the
  sink (:mod:`tradecore.venues.fix.inbound`). A trade is booked by the venue's ExecID as trade
  id, so a resent report (PossDupFlag, PossResend) is never booked twice: the sink's
  duplicate handling.
* **Health**: UP while logged on, DOWN otherwise.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradecore.fix import tags as T
from tradecore.model.enums import ReasonCode
from tradecore.model.identifiers import ClientOrderId, InstrumentId, TradeId, Venue, VenueOrderId
from tradecore.model.instrument import Instrument
from tradecore.model.market import BookSnapshot, Quote
from tradecore.model.orders import Order
from tradecore.model.values import Currency, Money
from tradecore.service.fix.answers import dec, utc
from tradecore.venues.fix.config import FixVenueConfig, initiator_settings
from tradecore.venues.fix.inbound import book_of, reports_of, status_of
from tradecore.venues.handoff import drain
from tradecore.venues.protocol import ExecutionSink, VenueHealth, VenueOrderStatus, VenueTrade

log = logging.getLogger("tradecore.venues.fix")


class FixVenueClient:
    def __init__(
        self,
        venue: Venue,
        config: FixVenueConfig,
        instruments: list[Instrument],
        *,
        notify: Callable[[], None] | None = None,
        dictionary: Path | None = None,
    ) -> None:
        from tradecore.fix.edge import Edge, Engine

        self._venue = venue
        self.config = config
        self.notify = notify
        self.instruments = {i.id.symbol: i for i in instruments}
        self._sink: ExecutionSink | None = None
        self._queue: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._books: dict[InstrumentId, BookSnapshot] = {}
        self._subs: dict[InstrumentId, list[Callable[[Quote], None]]] = {}
        self._cancels: dict[str, ClientOrderId] = {}  # a cancel request's ClOrdID -> order
        self._trades: dict[ClientOrderId, list[VenueTrade]] = {}
        self._symbols: dict[ClientOrderId, str] = {}  # the orders we sent: their symbol
        self._waiters: dict[str, tuple[threading.Event, list[dict[int, str]]]] = {}
        self._n = itertools.count(1)
        self._versions = itertools.count(1)
        self.logged_on = threading.Event()
        self.logons = 0
        self.possdup_received = 0  # reports the venue resent (PossDupFlag=Y)
        self.sent: list[str] = []  # message types we sent, in order (tests, metrics)
        path = dictionary or (config.data_dictionary or _default_dictionary())
        self.edge = Edge(self)
        self._make: Callable[[], Engine] = lambda: Engine(
            self.edge, initiator_settings(config, path), config.store / "initiator.cfg",
            log_dir=config.log is not None,
        )  # fmt: skip
        self.engine: Engine | None = None

    # ------------------------------------------------------------------ lifecycle
    def prepare(self) -> None:
        """Build the QuickFIX initiator (its session, numbered from the store) unstarted."""
        if self.engine is None:
            self.engine = self._make()

    def start(self, wait_s: float = 0.0) -> bool:
        """Connect (and keep reconnecting); ``wait_s``: wait that long for the logon."""
        self.prepare()
        assert self.engine is not None
        self.engine.start()
        return self.logged_on.wait(wait_s) if wait_s else self.logged_on.is_set()

    def stop(self) -> None:
        """Log out and disconnect; a later ``start`` connects again (same store)."""
        if self.engine is not None:
            self.engine.stop()
            self.engine = None
        self.logged_on.clear()

    # ------------------------------------------------------------------ VenueClient
    @property
    def venue(self) -> Venue:
        return self._venue

    def bind(self, sink: ExecutionSink) -> None:
        self._sink = sink

    def health(self) -> VenueHealth:
        return VenueHealth.UP if self.logged_on.is_set() else VenueHealth.DOWN

    def book(self, instrument_id: InstrumentId) -> BookSnapshot | None:
        return self._books.get(instrument_id)

    def subscribe_quotes(self, instrument_id: InstrumentId, fn: Callable[[Quote], None]) -> None:
        self._subs.setdefault(instrument_id, []).append(fn)

    def _send(self, msg_type: str, fields: list[tuple[int, str]]) -> bool:
        from tradecore.fix.edge import send

        if self.config.account:
            fields.append((T.ACCOUNT, self.config.account))
        self.sent.append(msg_type)
        return send(self.config.sender_comp_id, self.config.target_comp_id, msg_type, fields)

    def _order_fields(self, order: Order) -> list[tuple[int, str]]:
        f = [(T.SYMBOL, order.instrument_id.symbol), (T.SIDE, T.SIDE_CODES[order.side]),
             (T.TRANSACT_TIME, utc(time.time_ns())), (T.ORDER_QTY, dec(order.quantity)),
             (T.ORD_TYPE, T.ORD_TYPE_CODES[order.order_type])]  # fmt: skip
        if order.price is not None:
            f.append((T.PRICE, dec(order.price)))
        return f

    def _refuse(self, order: Order, report: str) -> bool:
        if self.logged_on.is_set():
            return False
        msg = f"FIX session to {self._venue} is not logged on"
        self._put(report, (order.client_order_id, ReasonCode.VENUE_UNAVAILABLE, msg))
        return True

    def submit(self, order: Order) -> None:
        if self._refuse(order, "on_rejected"):
            return
        f = [(T.CL_ORD_ID, str(order.client_order_id)), *self._order_fields(order),
             (T.TIME_IN_FORCE, T.TIF_CODES.get(order.time_in_force, "1"))]  # fmt: skip
        if order.post_only:
            f.append((T.EXEC_INST, T.POST_ONLY_INST))
        self._symbols[order.client_order_id] = order.instrument_id.symbol
        self._send(T.NEW_ORDER_SINGLE, f)

    def cancel(self, order: Order) -> None:
        if self._refuse(order, "on_cancel_rejected"):
            return
        cl = f"{order.client_order_id}~C{next(self._n)}"
        self._cancels[cl] = order.client_order_id
        f = [(T.CL_ORD_ID, cl), (T.ORIG_CL_ORD_ID, str(order.client_order_id)),
             *self._order_fields(order)[:4]]  # fmt: skip
        self._send(T.ORDER_CANCEL, f)

    def replace(self, order: Order, new_order: Order) -> None:
        if self._refuse(order, "on_replace_rejected"):
            return
        f = [(T.CL_ORD_ID, str(new_order.client_order_id)),
             (T.ORIG_CL_ORD_ID, str(order.client_order_id)),
             *self._order_fields(new_order)]  # fmt: skip
        self._symbols[new_order.client_order_id] = new_order.instrument_id.symbol
        self._send(T.ORDER_REPLACE, f)

    def order_status(self, coid: ClientOrderId) -> VenueOrderStatus:
        """OrderStatusRequest, waiting up to ``status_timeout_s`` for the answer (on the
        engine's thread, like every status check). Unanswered: what we have seen."""
        seen = tuple(self._trades.get(coid, ()))
        if self.logged_on.is_set():
            done, box = self._waiters.setdefault(str(coid), (threading.Event(), []))
            self._send(T.ORDER_STATUS, [(T.CL_ORD_ID, str(coid)), (T.SIDE, "1"),
                                        (T.SYMBOL, self._symbol_of(coid))])  # fmt: skip
            if done.wait(self.config.status_timeout_s) and box:
                self._waiters.pop(str(coid), None)
                return status_of(box[0], coid, seen)
            self._waiters.pop(str(coid), None)
        filled = sum((t.quantity for t in seen), Decimal(0))
        return VenueOrderStatus(coid, None, bool(seen), True, filled, None, seen)

    def _symbol_of(self, coid: ClientOrderId) -> str:
        return self._symbols.get(coid, next(iter(self.instruments), "NONE"))

    # ------------------------------------------------------------------ QuickFIX's thread
    def logon(self, comp: str, fields: dict[int, str]) -> None:
        return None

    def outgoing_logon(self, comp: str) -> dict[int, str]:
        return {} if self.config.password is None else {T.PASSWORD: self.config.password}

    def on_logon(self, comp: str) -> None:
        self.logons += 1
        self.logged_on.set()
        self._wake()

    def on_logout(self, comp: str) -> None:
        self.logged_on.clear()
        self._wake()

    def on_app(self, comp: str, fields: dict[int, str], raw: str) -> None:
        kind = fields.get(T.MSG_TYPE)
        if fields.get(T.POSS_DUP) == "Y":
            self.possdup_received += 1
        if kind == T.MD_SNAPSHOT:
            self._put("book", book_of(fields, raw, self._venue, time.time_ns(),
                                      next(self._versions)))  # fmt: skip
            return
        if kind == T.EXECUTION_REPORT and fields.get(T.EXEC_TYPE) == T.EXEC_STATUS:
            waiter = self._waiters.get(fields.get(T.CL_ORD_ID, ""))
            if waiter is not None:
                waiter[1].append(fields)
                waiter[0].set()
            return
        for name, args in reports_of(fields, self._cancels):
            self._put(name, args)

    def _put(self, kind: str, args: Any) -> None:
        self._queue.put((kind, args))
        self._wake()

    def _wake(self) -> None:
        if self.notify is not None:
            self.notify()

    # ------------------------------------------------------------------ engine thread
    def drain(self) -> int:
        """Hand every queued report to the engine's sink, in order (the engine's thread)."""
        return drain(self._queue, self._deliver)

    def _deliver(self, kind: str, args: Any) -> None:
        if kind == "book":
            book: BookSnapshot = args
            self._books[book.instrument_id] = book
            if book.bids and book.asks:
                q = Quote(book.instrument_id, book.bids[0].price, book.bids[0].size,
                          book.asks[0].price, book.asks[0].size, book.ts)  # fmt: skip
                for fn in self._subs.get(book.instrument_id, ()):
                    fn(q)
            return
        sink = self._sink
        if sink is None:
            return
        if kind == "fill":
            coid, t = args
            seen = self._trades.setdefault(coid, [])
            if all(x.trade_id != t.trade_id for x in seen):
                seen.append(t)
            inst = self._instrument_of(coid)
            ccy = inst.quote if inst is not None else Currency.of("USD")
            sink.on_filled(coid, TradeId(t.trade_id), t.quantity, t.price, Money(t.fee, ccy),
                           t.liquidity)  # fmt: skip
            return
        if kind in ("on_accepted", "on_replaced"):
            getattr(sink, kind)(args[0], VenueOrderId(args[1]))
            return
        getattr(sink, kind)(*args)

    def _instrument_of(self, coid: ClientOrderId) -> Instrument | None:
        sym = self._symbols.get(coid)
        return None if sym is None else self.instruments.get(sym)


def _default_dictionary() -> Path:
    import sys

    return Path(sys.prefix) / "share" / "quickfix" / "FIX44.xml"
