"""Our own resting limit orders per (account, venue instrument, side), best price first.

What self-trade prevention asks: "at which price does this account rest on the other side of
this venue's book?". Entries are added when a limit order is handed to its venue and dropped
lazily once the order is no longer open, so a query costs O(1) amortised and memory stays
bounded by the open orders (plus a compaction every few hundred entries).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from decimal import Decimal

from tradecore.model.enums import OrderType, Side
from tradecore.model.identifiers import ClientOrderId, InstrumentId
from tradecore.model.orders import Order
from tradecore.oms.store import OrderStore

_Key = tuple[str, InstrumentId, Side]


class RestingIndex:
    def __init__(self, orders: OrderStore) -> None:
        self._orders = orders
        self._heaps: dict[_Key, list[tuple[Decimal, ClientOrderId]]] = {}

    def add(self, order: Order) -> None:
        """Note a limit order handed to its venue (it may rest there)."""
        if order.order_type is not OrderType.LIMIT or order.price is None:
            return
        key = (order.account, order.instrument_id, order.side)
        heap = self._heaps.setdefault(key, [])
        px = -order.price if order.side is Side.BUY else order.price
        heapq.heappush(heap, (px, order.client_order_id))
        if len(heap) % 256 == 0:  # bounded: drop what closed since
            live = [x for x in heap if self._open(x[1])]
            heapq.heapify(live)
            self._heaps[key] = live

    def rebuild(self, orders: Iterable[Order]) -> None:
        """After recovery: the open orders, as they are."""
        self._heaps.clear()
        for o in orders:
            if o.parent_id is not None or o.instrument_id.venue != "SMART":
                self.add(o)

    def _open(self, coid: ClientOrderId) -> bool:
        o = self._orders.get(coid)
        return o is not None and o.is_open

    def best(self, account: str, instrument_id: InstrumentId, side: Side) -> Decimal | None:
        """The best price at which ``account`` rests on ``side`` of that venue's book."""
        heap = self._heaps.get((account, instrument_id, side))
        while heap:
            px, coid = heap[0]
            o = self._orders.get(coid)
            if o is not None and o.is_open:
                return -px if side is Side.BUY else px
            heapq.heappop(heap)
        return None
