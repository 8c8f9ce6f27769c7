"""Fills and orders of one account, paged from the journal.

A page is ``{"items": [...], "next_cursor": seq | null}``: ``cursor`` is the journal seq to
continue from (exclusive), ``order=desc`` (default) newest first, ``order=asc`` oldest first.
Fills are the account's ``OrderFilled`` events; orders are its ``OrderInitialized`` events,
each shown in its current state: from the engine while it holds the order, else folded from
the order's journaled events (orders closed and evicted from memory stay listed). A
replacement order (cancel/replace) appears through its original's ``replaced_by``.

Rows appear once committed: with group durability, up to ``group_ms`` after the event. Without
a journal store (backend ``none``) the pages come from memory and the cursor is a position.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tradecore.model import codec
from tradecore.model.enums import ReasonCode
from tradecore.model.events import (
    OrderAccepted,
    OrderAdopted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    OrderSubmitted,
)
from tradecore.model.orders import Order, Trigger

Page = dict[str, Any]

_TRIGGERS: dict[type[Any], Trigger] = {
    OrderDenied: Trigger.DENY, OrderSubmitted: Trigger.SUBMIT, OrderAccepted: Trigger.ACCEPT,
    OrderRejected: Trigger.REJECT, OrderPendingCancel: Trigger.REQUEST_CANCEL,
    OrderCanceled: Trigger.CANCEL, OrderCancelRejected: Trigger.CANCEL_REJECT,
    OrderPendingReplace: Trigger.REQUEST_REPLACE, OrderReplaced: Trigger.REPLACE,
    OrderReplaceRejected: Trigger.REPLACE_REJECT, OrderExpired: Trigger.EXPIRE,
    OrderAdopted: Trigger.ADOPT,
}  # fmt: skip


def fold(events: list[Any]) -> Order | None:
    """An order rebuilt from its journaled events (the same transitions and fields as the
    engine's appliers in engine/state.py: a late ack after a timeout adopts the order, each
    fill books its trade id)."""
    if not events or type(events[0]) is not OrderInitialized:
        return None
    e = events[0]
    o = Order(
        e.client_order_id, e.account, e.instrument_id, e.side, e.order_type, e.quantity,
        e.price, e.time_in_force, post_only=e.post_only, reduce_only=e.reduce_only,
        parent_id=e.parent_id, created_ns=e.ts, tag=e.tag, trigger_price=e.trigger_price,
        expire_ns=e.expire_ns, display_qty=e.display_qty, stp=e.stp,
    )  # fmt: skip
    if e.submitted:
        o.apply(Trigger.SUBMIT, e.ts)
    for ev in events[1:]:
        t = type(ev)
        if t is OrderFilled:
            o.fill(ev.quantity, ev.price, ev.ts)
            o.book_trade(ev.trade_id)
            continue
        trigger = _TRIGGERS.get(t)
        if trigger is None:
            continue
        o.apply(trigger, ev.ts)
        if t is OrderAccepted or t is OrderAdopted:
            o.venue_order_id = ev.venue_order_id
            o.timed_out = False
        elif t is OrderRejected:
            o.timed_out = ev.reason is ReasonCode.TIMEOUT
        elif t is OrderReplaced:
            o.replaced_by = ev.new_client_order_id
    return o


class History:
    def __init__(self, engine: Any, live_fills: Callable[[str], list[dict[str, Any]]]) -> None:
        self.engine = engine
        self.live_fills = live_fills  # memory fallback without a journal store

    @property
    def store(self) -> Any:
        return getattr(getattr(self.engine, "journal", None), "store", None)

    def order(self, coid: str) -> Order | None:
        """An order the engine no longer holds (closed, evicted), folded from the journal."""
        store = self.store
        if store is None:
            return None
        evs = [codec.loads(r.payload) for r in store.order_rows([coid]) if r.kind == "event"]
        evs = [e for e in evs if str(e.client_order_id) == coid]
        try:
            return fold(evs)
        except Exception:  # a journal the fold cannot follow: show what it began as
            return fold(evs[:1])

    def fills(self, account: str, cursor: int | None, limit: int, newest_first: bool) -> Page:
        store = self.store
        if store is None:
            return _memory_page(self.live_fills(account), cursor, limit, newest_first)
        rows = store.account_page(
            account, ["OrderFilled"], cursor=cursor, limit=limit, newest_first=newest_first
        )
        items = [json.loads(p) for _, p in rows]
        return {"items": items, "next_cursor": rows[-1][0] if len(rows) == limit else None}

    def orders(self, account: str, cursor: int | None, limit: int, newest_first: bool) -> Page:
        store = self.store
        orders = self.engine.orders
        if store is None:
            mine = [o.snapshot() for o in orders if o.account == account]
            return _memory_page(mine, cursor, limit, newest_first)
        rows = store.account_page(
            account, ["OrderInitialized"], cursor=cursor, limit=limit, newest_first=newest_first
        )
        inits = [codec.loads(p) for _, p in rows]
        missing = [e.client_order_id for e in inits if orders.get(e.client_order_id) is None]
        folded: dict[str, Order | None] = {}
        if missing:
            by_coid: dict[str, list[Any]] = {c: [] for c in missing}
            for r in store.order_rows(missing):
                if r.kind == "event" and r.coid in by_coid:
                    by_coid[r.coid].append(codec.loads(r.payload))
            for coid, evs in by_coid.items():
                try:
                    folded[coid] = fold(evs)
                except Exception:  # a journal the fold cannot follow: show what it began as
                    folded[coid] = fold(evs[:1])
        items = []
        for (seq, _), e in zip(rows, inits, strict=True):
            o = orders.get(e.client_order_id) or folded.get(e.client_order_id)
            if o is None:
                continue
            snap: dict[str, Any] = o.snapshot()
            snap["seq"] = seq
            items.append(snap)
        return {"items": items, "next_cursor": rows[-1][0] if len(rows) == limit else None}


def _memory_page(
    rows: list[dict[str, Any]], cursor: int | None, limit: int, newest_first: bool
) -> Page:
    """Position cursors over an in-memory list (oldest at position 1)."""
    n = len(rows)
    if newest_first:
        end = n if cursor is None else max(0, min(n, cursor - 1))
        start = max(0, end - limit)
        items = rows[start:end][::-1]
        nxt = start + 1 if start > 0 else None
    else:
        start = 0 if cursor is None else max(0, min(n, cursor))
        items = rows[start : start + limit]
        nxt = start + limit if start + limit < n else None
    return {"items": items, "next_cursor": nxt}
