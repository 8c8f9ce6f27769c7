"""Our own resting limit orders per (account, venue instrument, side), best price first.

What self-trade prevention asks: "at which price does this account rest on the other side of
this venue's book?". Entries are added when a limit order that can rest (not IOC/FOK) is handed
to its venue and dropped lazily once the order is no longer open, so a query costs O(1)
amortised and memory stays bounded by the open orders (plus a compaction every few hundred
entries). ``rests(account)`` lets a caller skip the per-venue questions for an account that has
nothing resting (the common case on a taker's order path).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from tradecore.model.enums import OrderType, Side, TimeInForce
from tradecore.model.identifiers import SMART, ClientOrderId, InstrumentId
from tradecore.model.orders import Order
from tradecore.oms.store import OrderStore

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_LIMIT: Final = OrderType.LIMIT


_Heap = list[tuple[Decimal, ClientOrderId]]
_NEVER_REST = frozenset({TimeInForce.IOC, TimeInForce.FOK})


class RestingIndex:
    def __init__(self, orders: OrderStore) -> None:
        self._orders = orders
        self._heaps: dict[str, dict[tuple[InstrumentId, Side], _Heap]] = {}

    def add(self, order: Order) -> None:
        """Note a limit order handed to its venue (it may rest there)."""
        if (
            order.order_type is not _LIMIT
            or order.price is None
            or order.time_in_force in _NEVER_REST
        ):
            return
        books = self._heaps.setdefault(order.account, {})
        key = (order.instrument_id, order.side)
        heap = books.setdefault(key, [])
        px = -order.price if order.side is Side.BUY else order.price
        heapq.heappush(heap, (px, order.client_order_id))
        if len(heap) % 256 == 0:  # bounded: drop what closed since
            live = [x for x in heap if self._open(x[1])]
            heapq.heapify(live)
            books[key] = live

    def rebuild(self, orders: Iterable[Order]) -> None:
        """After recovery: the open orders, as they are."""
        self._heaps.clear()
        for o in orders:
            if o.instrument_id.venue != SMART:  # children and direct orders rest at venues
                self.add(o)

    def _open(self, coid: ClientOrderId) -> bool:
        o = self._orders.get(coid)
        return o is not None and o.is_open

    def rests(self, account: str) -> bool:
        """Whether ``account`` may have a resting order anywhere (False: surely none)."""
        return account in self._heaps

    def best(self, account: str, instrument_id: InstrumentId, side: Side) -> Decimal | None:
        """The best price at which ``account`` rests on ``side`` of that venue's book."""
        books = self._heaps.get(account)
        if books is None:
            return None
        key = (instrument_id, side)
        heap = books.get(key)
        while heap:
            px, coid = heap[0]
            o = self._orders.get(coid)
            if o is not None and o.is_open:
                return -px if side is Side.BUY else px
            heapq.heappop(heap)
        if heap is not None:  # emptied: forget it, and the account once it rests nowhere
            del books[key]
            if not books:
                del self._heaps[account]
        return None
