"""Order store: orders by client order id (idempotency), open orders by account.

Memory stays flat on long runs: terminal orders are retained only for the newest
``retain_closed`` of them (they live on in the journal). Ids of evicted orders still count for
idempotency: through ``archived_lookup`` (the journal's index) when one is wired, else through an
in-memory set of ids (a few dozen bytes each, documented in docs/performance.md). With a
journal, evicted ids also go into a fixed-size Bloom filter (:mod:`tradecore.oms.idfilter`),
so a new id costs no journal lookup unless the filter says it may have been used.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator

from tradecore.model.identifiers import AccountId, ClientOrderId
from tradecore.model.orders import Order
from tradecore.oms.idfilter import IdFilter


class OrderStore:
    __slots__ = (
        "_archived_ids",
        "_by_id",
        "_children",
        "_closed",
        "_evicted_ids",
        "_open_by_account",
        "archive_prefilled",
        "archived_lookup",
        "evicted",
        "retain_closed",
    )

    def __init__(
        self,
        retain_closed: int = 200_000,
        archived_lookup: Callable[[ClientOrderId], bool] | None = None,
    ) -> None:
        self._by_id: dict[ClientOrderId, Order] = {}
        self._open_by_account: dict[AccountId, dict[ClientOrderId, Order]] = {}
        self._children: dict[ClientOrderId, list[ClientOrderId]] = {}
        self._closed: deque[ClientOrderId] = deque()
        self._archived_ids: set[ClientOrderId] = set()
        self.retain_closed = retain_closed
        self.archived_lookup = archived_lookup
        # the journal held events before this process started: ids not in RAM may be there
        self.archive_prefilled = False
        self.evicted = 0
        self._evicted_ids: IdFilter | None = None  # created at the first eviction

    def get(self, coid: ClientOrderId) -> Order | None:
        return self._by_id.get(coid)

    def was_archived(self, coid: ClientOrderId) -> bool:
        """Whether ``coid`` belonged to an order evicted from memory (idempotency).

        Nothing to look up (no I/O on the order path) until an order has been evicted or the
        journal came with history."""
        if not self.evicted and not self.archive_prefilled and self._evicted_ids is None:
            return False
        if coid in self._archived_ids:
            return True
        lookup = self.archived_lookup
        if lookup is None:
            return False
        seen = self._evicted_ids
        if not self.archive_prefilled and (seen is None or coid not in seen):
            return False  # not evicted, not in the journal's index: no journal lookup
        return lookup(coid)

    def note_archived(self, coids: Iterable[str]) -> int:
        """Mark ids as used by orders that live in the journal only (recovery from a
        snapshot). Returns how many were added to the filter."""
        if self._evicted_ids is None:
            self._evicted_ids = IdFilter()
        n = 0
        for coid in coids:
            self._evicted_ids.add(coid)
            n += 1
        return n

    def __contains__(self, coid: object) -> bool:
        return coid in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, order: Order) -> None:
        self._by_id[order.client_order_id] = order
        if order.parent_id is not None:
            self._children.setdefault(order.parent_id, []).append(order.client_order_id)

    def mark_open(self, order: Order) -> None:
        self._open_by_account.setdefault(order.account, {})[order.client_order_id] = order

    def mark_closed(self, order: Order) -> None:
        acct = self._open_by_account.get(order.account)
        if acct is not None:
            acct.pop(order.client_order_id, None)
        if order.parent_id is None:
            closed = self._closed
            closed.append(order.client_order_id)
            if len(closed) > self.retain_closed:
                self._evict(closed.popleft())

    def _evict(self, coid: ClientOrderId) -> None:
        order = self._by_id.get(coid)
        if order is None or not order.status.is_terminal:
            return
        for child in self._children.pop(coid, ()):
            self._by_id.pop(child, None)
        del self._by_id[coid]
        if self.archived_lookup is None:
            self._archived_ids.add(coid)
        else:
            if self._evicted_ids is None:
                self._evicted_ids = IdFilter()
            self._evicted_ids.add(coid)
        self.evicted += 1

    def open_orders(self, account: AccountId | None = None) -> list[Order]:
        if account is not None:
            return list(self._open_by_account.get(account, {}).values())
        return [o for acct in self._open_by_account.values() for o in acct.values()]

    def children(self, parent: ClientOrderId) -> list[Order]:
        return [self._by_id[c] for c in self._children.get(parent, ()) if c in self._by_id]

    def __iter__(self) -> Iterator[Order]:
        return iter(self._by_id.values())
