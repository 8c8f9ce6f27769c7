"""A simulated venue rebuilt after a restart of the process it is embedded in.

A real venue keeps our orders while we are down; the embedded simulated venues die with
``tradecore serve``. On recovery (service/resume.py) each one is given back, from the journal,
what it held at the last commit, so the restarted run goes on exactly as an uninterrupted one:

* :meth:`Restorable.restore_resting`: an order it acknowledged and still has open, at its
  price with its leaves, in the original queue order (the caller restores in acceptance order);
* :meth:`Restorable.restore_arrival` / :meth:`restore_cancel` / :meth:`restore_replace`: a
  request sent but not yet arrived, re-scheduled at the time it was due (the latency draw is a
  function of the seed, the order id and the send time, so it is the same draw);
* :meth:`Restorable.restore_depth`: the market makers' depth of the last market step, as the
  uninterrupted venue had it after its passive fills: the step's depth is first matched, in a
  scratch book, against the orders it filled passively (with their leaves before that step),
  and what is left of it is put in the real book (which then crosses nothing);
* :meth:`Restorable.quote_now`: the top of book an update last published (the engine's last
  quotes, for risk and marks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from tradecore.engine.clock import Clock
from tradecore.model.enums import TimeInForce
from tradecore.model.identifiers import ClientOrderId, InstrumentId
from tradecore.model.market import Quote
from tradecore.model.orders import Order
from tradecore.venues.model import VenueModel
from tradecore.venues.sim.book import OrderBook
from tradecore.venues.sim.sessions import SessionCloses, SessionError
from tradecore.venues.sim.tickets import PendingStops, SimVenueConfig, Ticket

Levels = tuple[tuple[Decimal, Decimal], ...]


class Restorable:
    """Mixed into :class:`~tradecore.venues.sim.client.SimVenueClient`."""

    clock: Clock
    config: SimVenueConfig
    model: VenueModel
    books: dict[InstrumentId, OrderBook]
    _tickets: dict[ClientOrderId, Ticket]
    _stops: dict[InstrumentId, PendingStops]
    _sessions: SessionCloses
    _n_orders: int
    _n_trades: int
    _down: bool
    _quote_subs: dict[InstrumentId, list[Callable[[Quote], None]]]

    def _ack_delay(self, kind: str, coid: str, now: int) -> int:
        raise NotImplementedError

    def _arrive(self, t: Ticket) -> None:
        raise NotImplementedError

    def _cancel(self, coid: ClientOrderId) -> None:
        raise NotImplementedError

    def _replace(
        self, old: ClientOrderId, new: ClientOrderId, leaves: Decimal, price: Decimal | None
    ) -> None:
        raise NotImplementedError

    def _schedule_expiry(self, t: Ticket) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ ids
    def ids_used(self) -> tuple[int, int]:
        """(venue orders, trades) numbered so far: journaled at each manual clock step."""
        return self._n_orders, self._n_trades

    # ------------------------------------------------------------------ orders
    def _ticket(self, order: Order) -> Ticket:
        return Ticket(
            order.client_order_id, order.instrument_id, order.side, order.order_type,
            order.quantity, order.price, order.time_in_force, order.post_only,
            account=order.account, stp=order.stp or self.config.stp,
            trigger=order.trigger_price, display=order.display_qty,
            expire_ns=order.expire_ns if order.time_in_force is TimeInForce.GTD else None,
        )  # fmt: skip

    def restore_resting(self, order: Order) -> None:
        """An order this venue acknowledged and still holds open: back on the book at its
        price with its leaves (the trade list is not kept: order_status reports the filled
        quantity and average price, which is what reconciliation compares)."""
        t = self._ticket(order)
        t.vid, t.filled, t.notional, t.open = (
            order.venue_order_id, order.filled_qty, order.notional, True,
        )  # fmt: skip
        self._tickets[t.coid] = t
        if t.tif is TimeInForce.DAY:  # the session close, as found on arrival
            cal = self.model.instruments[t.instrument_id].calendar
            try:
                t.expire_ns = self._sessions.next_close(cal, self.clock.now_ns())
            except SessionError:
                t.expire_ns = None
        if t.trigger is not None and not t.filled:  # a stop still waiting for its trigger
            self._stops.setdefault(t.instrument_id, PendingStops()).tickets.append(t)
        else:
            t.trigger = None
            assert order.price is not None
            self.books[order.instrument_id].add(
                t.coid, t.coid, t.side, order.price, order.leaves_qty, t.account, t.display
            )
        self._schedule_expiry(t)

    def restore_arrival(self, order: Order, sent_ns: int) -> None:
        """An order sent at ``sent_ns`` that had not arrived: it arrives when it was due."""
        t = self._ticket(order)
        at = sent_ns + self._ack_delay("N", t.coid, sent_ns)
        self.clock.schedule(at, lambda: self._arrive(t))

    def restore_cancel(self, coid: ClientOrderId, sent_ns: int) -> None:
        at = sent_ns + self._ack_delay("C", coid, sent_ns)
        self.clock.schedule(at, lambda: self._cancel(coid))

    def restore_replace(
        self,
        old: ClientOrderId,
        new: ClientOrderId,
        quantity: Decimal,
        filled: Decimal,
        price: Decimal | None,
        sent_ns: int,
    ) -> None:
        at = sent_ns + self._ack_delay("R", old, sent_ns)
        leaves = quantity - filled
        self.clock.schedule(at, lambda: self._replace(old, new, leaves, price))

    # ------------------------------------------------------------------ market makers
    def restore_depth(
        self,
        instrument_id: InstrumentId,
        bids: Levels,
        asks: Levels,
        passive: Sequence[tuple[Order, Decimal]] = (),
    ) -> int:
        """Put back the market makers' depth of the last update (``bids``/``asks``), less what
        it traded against our resting orders then. ``passive``: each order that update filled,
        with the quantity it filled (journaled), in queue order. Call after
        :meth:`restore_resting`. Returns how many quantities did not come out as journaled
        (0 when the rebuild is exact)."""
        scratch = OrderBook()
        for o, qty in passive:
            assert o.price is not None
            coid = o.client_order_id
            scratch.add(coid, coid, o.side, o.price, o.leaves_qty + qty, o.account, o.display_qty)
        got: dict[str, Decimal] = {}
        for m in scratch.replace_synthetic(bids, asks):
            if m.maker_owner:
                got[m.maker_ref] = got.get(m.maker_ref, Decimal(0)) + m.qty
        mismatches = sum(1 for o, qty in passive if got.pop(o.client_order_id, None) != qty)
        mismatches += len(got)
        left_bids = tuple((p, scratch.bids.syn[p]) for p in reversed(scratch.bids.syn_keys))
        left_asks = tuple((p, scratch.asks.syn[p]) for p in scratch.asks.syn_keys)
        crossed = self.books[instrument_id].replace_synthetic(left_bids, left_asks)
        return mismatches + sum(1 for m in crossed if m.maker_owner)

    def set_down_restored(self, down: bool) -> None:
        self._down = down

    def quote_now(self, instrument_id: InstrumentId, ts: int) -> None:
        """Publish the book's top as the update at ``ts`` did (the last update that quoted)."""
        book = self.books.get(instrument_id)
        subs = self._quote_subs.get(instrument_id)
        if book is None or not subs:
            return
        b, a = book.best_bid(), book.best_ask()
        if b is None or a is None:
            return
        q = Quote(instrument_id, b, book.bids.size_at(b), a, book.asks.size_at(a), ts)
        for fn in subs:
            fn(q)
