"""Order store: every order by client order id (idempotency), open orders by account."""

from __future__ import annotations

from collections.abc import Iterator

from tradecore.model.identifiers import AccountId, ClientOrderId
from tradecore.model.orders import Order


class OrderStore:
    __slots__ = ("_by_id", "_children", "_open_by_account")

    def __init__(self) -> None:
        self._by_id: dict[ClientOrderId, Order] = {}
        self._open_by_account: dict[AccountId, dict[ClientOrderId, Order]] = {}
        self._children: dict[ClientOrderId, list[ClientOrderId]] = {}

    def get(self, coid: ClientOrderId) -> Order | None:
        return self._by_id.get(coid)

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

    def open_orders(self, account: AccountId | None = None) -> list[Order]:
        if account is not None:
            return list(self._open_by_account.get(account, {}).values())
        return [o for acct in self._open_by_account.values() for o in acct.values()]

    def children(self, parent: ClientOrderId) -> list[Order]:
        return [self._by_id[c] for c in self._children.get(parent, ())]

    def __iter__(self) -> Iterator[Order]:
        return iter(self._by_id.values())
