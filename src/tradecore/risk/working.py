"""Working-order totals per (account, symbol) and side, kept incrementally from the bus.

Open-order exposure (the convention OMSs use): a limit counts the filled position plus the
worst case of the orders still working, per side. This book holds, for every account and
symbol, the unfilled quantity of its working BUY orders and of its working SELL orders (and
of the reduce-only ones among them), updated from order events, so a check reads two numbers
instead of scanning the open orders.

* An order counts from its submit (``OrderInitialized`` with ``submitted``, or, in older
  journals, ``OrderSubmitted``) until it is closed (filled, canceled, expired,
  rejected, replaced); its contribution is its unfilled quantity (``leaves_qty``).
* A SMART parent counts once: the parent is tracked, its children are not (an event of a
  child refreshes its parent, whose filled quantity follows its children's fills).
* While a replace is pending the order counts the larger of its current and its requested
  unfilled quantity (the venue may apply the amendment at any moment).

Each refresh reads the order's own state from the engine's store (``leaves_qty``, status), so
the totals cannot drift from the orders, whatever order the venue reports arrive in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Final

from tradecore.engine.bus import MessageBus
from tradecore.model.enums import OrderStatus, Side
from tradecore.model.events import (
    OrderAdopted,
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderSubmitted,
)
from tradecore.model.identifiers import ClientOrderId
from tradecore.model.orders import Order

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_BUY: Final = Side.BUY


ZERO = Decimal(0)


class Totals:
    """Unfilled quantity of the working orders of one (account, symbol)."""

    __slots__ = ("buy", "buy_ro", "sell", "sell_ro")

    def __init__(self) -> None:
        self.buy = ZERO
        self.sell = ZERO
        self.buy_ro = ZERO  # reduce-only part of ``buy``
        self.sell_ro = ZERO

    def side(self, side: Side) -> Decimal:
        return self.buy if side is _BUY else self.sell

    def reduce_only(self, side: Side) -> Decimal:
        return self.buy_ro if side is _BUY else self.sell_ro


_EMPTY = Totals()
_OPEN = frozenset(s for s in OrderStatus if s.is_open)
_NO_SYMBOLS: dict[str, Totals] = {}


class WorkingOrders:
    def __init__(self, bus: MessageBus, lookup: Callable[[ClientOrderId], Order | None]) -> None:
        self._lookup = lookup
        self._totals: dict[str, dict[str, Totals]] = {}  # account -> symbol -> totals
        self._counted: dict[ClientOrderId, Decimal] = {}  # order id -> quantity counted
        self._pending: dict[ClientOrderId, Decimal] = {}  # requested quantity of a replace
        # working reduce-only orders of every account: 0 lets the reduce-only check skip its
        # lookups for the (usual) order that is not reduce-only itself
        self.reduce_only_orders = 0
        # the totals of the last (account, symbol) that stopped working, kept for the next
        # that starts: one order at a time in a symbol would otherwise allocate them per order
        self._spare: Totals | None = None
        # only the events that can change an order's working quantity (not accepted, pending
        # cancel, cancel rejected: the hot path pays two handlers an order)
        for kind in (
            OrderInitialized, OrderSubmitted, OrderFilled, OrderCanceled, OrderExpired,
            OrderRejected, OrderDenied,
            OrderAdopted,  # a late ack after a timeout: the order is live again
        ):  # fmt: skip
            bus.subscribe(kind, self._on_event)
        bus.subscribe(OrderPendingReplace, self._on_pending_replace)
        bus.subscribe(OrderReplaced, self._on_replace_done)
        bus.subscribe(OrderReplaceRejected, self._on_replace_done)

    # ------------------------------------------------------------------ reads
    def totals(self, account: str, symbol: str) -> Totals:
        by_sym = self._totals.get(account)
        if by_sym is None:
            return _EMPTY
        return by_sym.get(symbol, _EMPTY)

    def by_symbol(self, account: str) -> dict[str, Totals]:
        """``account``'s totals by symbol (read only)."""
        return self._totals.get(account, _NO_SYMBOLS)

    def counted(self, coid: ClientOrderId) -> Decimal:
        """The quantity ``coid`` contributes now (0 if it is not a working, tracked order)."""
        return self._counted.get(coid, ZERO)

    def symbols(self, account: str) -> Iterable[str]:
        """Symbols in which ``account`` has working orders."""
        return self._totals.get(account, _NO_SYMBOLS).keys()

    def view(self, account: str) -> dict[str, dict[str, str]]:
        """Working quantity per symbol and side (the API's view)."""
        return {
            sym: {"buy": str(t.buy), "sell": str(t.sell)}
            for sym, t in sorted(self._totals.get(account, _NO_SYMBOLS).items())
        }

    def rebuild(self, orders: Iterable[Order]) -> None:
        """Recount from the open orders (after a snapshot restore, which emits no events)."""
        self._totals.clear()
        self._counted.clear()
        self.reduce_only_orders = 0
        for o in orders:
            if o.parent_id is None:
                self._refresh(o.client_order_id)

    # ------------------------------------------------------------------ updates
    def _on_event(self, e: Any) -> None:
        self._refresh(e.client_order_id)

    def _on_pending_replace(self, e: OrderPendingReplace) -> None:
        self._pending[e.client_order_id] = e.quantity
        self._refresh(e.client_order_id)

    def _on_replace_done(self, e: Any) -> None:
        self._pending.pop(e.client_order_id, None)
        self._refresh(e.client_order_id)
        new = getattr(e, "new_client_order_id", None)
        if new is not None:
            self._refresh(new)

    def _refresh(self, coid: ClientOrderId) -> None:
        lookup = self._lookup
        o = lookup(coid)
        if o is None:
            return
        if o.parent_id is not None:  # a child: its parent carries the working quantity
            parent = lookup(o.parent_id)
            if parent is None:
                return
            o = parent
            coid = o.client_order_id
        now = ZERO
        if o.status in _OPEN:
            now = o.leaves_qty  # never below zero
            if self._pending:
                req = self._pending.get(coid)
                if req is not None and req - o.filled_qty > now:
                    now = req - o.filled_qty
        was = self._counted.get(coid, ZERO)
        if now == was:
            return
        by_sym = self._totals.get(o.account)
        if by_sym is None:
            by_sym = self._totals[o.account] = {}
        sym = o.instrument_id.symbol
        t = by_sym.get(sym)
        if t is None:
            t = self._spare
            if t is None:
                t = Totals()
            else:
                self._spare = None
            by_sym[sym] = t
        delta = now - was
        if o.reduce_only and bool(was) != bool(now):  # starts or stops working
            self.reduce_only_orders += 1 if now else -1
        if o.side is _BUY:  # Totals.add, inlined (every working order passes here twice)
            t.buy += delta
            if o.reduce_only:
                t.buy_ro += delta
        else:
            t.sell += delta
            if o.reduce_only:
                t.sell_ro += delta
        if now:
            self._counted[coid] = now
        else:
            self._counted.pop(coid, None)
            self._pending.pop(coid, None)
            if not (t.buy or t.sell):
                # an account keeps its (then empty) dict: accounts are few, and one order at a
                # time would otherwise build and drop it per order
                del by_sym[sym]
                t.buy_ro = t.sell_ro = ZERO
                self._spare = t
