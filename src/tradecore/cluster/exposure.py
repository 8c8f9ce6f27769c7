"""Exposure of one or many shards, rebuilt from their events (the same code on both sides).

A shard keeps an :class:`ExposureBook` of its own events (from its bus) for the credit check;
the risk aggregator keeps one of every shard's events (from the stream). Each event is
applied at most once: per shard a watermark of contiguous sequence numbers plus the few seen
above it, and every fill once by ``(shard, venue, trade id)``.

Exposure is gross notional: ``|position| x mark`` plus ``leaves x price`` of working
top-level orders (a SMART parent counts once; its children's fills reduce it). The mark of a
symbol is its last fill price (the stream carries no quotes). Amounts in another quote
currency are converted with fixed rates (``fx``: currency -> units of the base currency),
missing rates count 1. All sums are exact Decimals; only VaR's returns divide (``DIVISION``).
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradecore.model.enums import Side
from tradecore.model.events import (
    Event,
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderRejected,
    OrderReplaced,
)
from tradecore.model.values import DIVISION

ZERO = Decimal(0)
ShardAccount = tuple[int, str]


@dataclass
class Working:
    account: str
    symbol: str
    side: Side
    quantity: Decimal
    filled: Decimal
    price: Decimal | None

    @property
    def leaves(self) -> Decimal:
        return self.quantity - self.filled


def quote_of(symbol: str, default: str = "USD") -> str:
    return symbol.rsplit("/", 1)[1] if "/" in symbol else default


class ExposureBook:
    def __init__(
        self,
        *,
        fx: dict[str, Decimal] | None = None,
        currency_of: Callable[[str], str] = quote_of,
        history: int = 250,
        reference: Callable[[str], Decimal | None] | None = None,
    ) -> None:
        self.fx = dict(fx or {})
        self.reference = reference  # a price for a symbol not filled yet (a shard's mid)
        self.currency_of = currency_of
        self.positions: dict[tuple[int, str, str], Decimal] = defaultdict(lambda: ZERO)
        self.working: dict[tuple[int, str], Working] = {}
        self.marks: dict[str, Decimal] = {}
        self.history: dict[str, deque[Decimal]] = defaultdict(lambda: deque(maxlen=history))
        self.trades: set[tuple[int, str, str]] = set()
        self.watermark: dict[int, int] = defaultdict(int)
        self._above: dict[int, set[int]] = defaultdict(set)
        self.applied = 0
        self.duplicates = 0  # events seen again (same shard and seq)
        self.duplicate_fills = 0  # fills seen again under another seq (same trade id)
        self.fills = 0
        self.unreadable = 0  # events of a type this process does not know (seen, not applied)
        self._apply: dict[type[Event], Callable[[int, Any], None]] = {
            OrderInitialized: self._initialized,
            OrderFilled: self._filled,
            OrderReplaced: self._replaced,
            OrderDenied: self._closed,
            OrderRejected: self._closed,
            OrderCanceled: self._closed,
            OrderExpired: self._closed,
        }

    # ------------------------------------------------------------------ applying
    def _first_time(self, shard: int, seq: int) -> bool:
        wm = self.watermark[shard]
        above = self._above[shard]
        if seq <= wm or seq in above:
            return False
        if seq == wm + 1:
            wm = seq
            while wm + 1 in above:
                wm += 1
                above.discard(wm)
            self.watermark[shard] = wm
        else:
            above.add(seq)
        return True

    def apply(self, shard: int, event: Event) -> bool:
        """Apply one event of ``shard``; False if it was applied before (a duplicate)."""
        if not self._first_time(shard, event.seq):
            self.duplicates += 1
            return False
        self.applied += 1
        fn = self._apply.get(type(event))
        if fn is not None:
            fn(shard, event)
        return True

    def skip(self, shard: int, seq: int) -> bool:
        """Mark an event this book cannot read as seen (it changes no exposure)."""
        if not self._first_time(shard, seq):
            self.duplicates += 1
            return False
        self.unreadable += 1
        return True

    def _initialized(self, shard: int, e: OrderInitialized) -> None:
        if e.parent_id is None:
            self.working[(shard, e.client_order_id)] = Working(
                e.account, e.instrument_id.symbol, e.side, e.quantity, ZERO, e.price
            )

    def _filled(self, shard: int, e: OrderFilled) -> None:
        key = (shard, str(e.instrument_id.venue), str(e.trade_id))
        if key in self.trades:
            self.duplicate_fills += 1
            return
        self.trades.add(key)
        self.fills += 1
        sym = e.instrument_id.symbol
        signed = e.quantity if e.side is Side.BUY else -e.quantity
        self.positions[(shard, e.account, sym)] += signed
        self.marks[sym] = e.price
        self.history[sym].append(e.price)
        w = self.working.get((shard, e.parent_id or e.client_order_id))
        if w is not None:
            w.filled += e.quantity
            if w.leaves <= 0:
                del self.working[(shard, e.parent_id or e.client_order_id)]

    def _replaced(self, shard: int, e: OrderReplaced) -> None:
        w = self.working.pop((shard, e.client_order_id), None)
        if w is not None and e.quantity > w.filled:
            w.quantity = e.quantity
            w.price = e.price if e.price is not None else w.price
            self.working[(shard, e.new_client_order_id)] = w

    def _closed(self, shard: int, e: Any) -> None:
        self.working.pop((shard, e.client_order_id), None)

    # ------------------------------------------------------------------ values
    def _value(self, symbol: str, qty: Decimal, price: Decimal | None = None) -> Decimal:
        px = price if price is not None else self.marks.get(symbol)
        if px is None:
            ref = self.reference(symbol) if self.reference is not None else None
            px = ref if ref is not None else ZERO
        return abs(qty) * px * self.fx.get(self.currency_of(symbol), Decimal(1))

    def gross(self, shard: int | None = None) -> Decimal:
        """Gross exposure (base currency) of one shard, or of all of them."""
        total = ZERO
        for (s, _, sym), qty in self.positions.items():
            if shard is None or s == shard:
                total += self._value(sym, qty)
        for (s, _), w in self.working.items():
            if shard is None or s == shard:
                total += self._value(w.symbol, w.leaves, w.price)
        return total

    def is_working(self, shard: int, coid: str) -> bool:
        """Is that order of ``shard`` counted as working already?"""
        return (shard, coid) in self.working

    def order_value(self, symbol: str, qty: Decimal, price: Decimal | None) -> Decimal:
        return self._value(symbol, qty, price)

    def net_by_instrument(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for (_, _, sym), qty in self.positions.items():
            out[sym] += qty
        return dict(sorted(out.items()))

    def net_by_currency(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for sym, qty in self.net_by_instrument().items():
            out[self.currency_of(sym)] += qty * self.marks.get(sym, ZERO)
        return dict(sorted(out.items()))

    def positions_of(self, shard: int) -> dict[str, dict[str, Decimal]]:
        out: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for (s, acct, sym), qty in sorted(self.positions.items()):
            if s == shard and qty != 0:
                out[acct][sym] = qty
        return dict(out)

    def shards(self) -> list[int]:
        return sorted({s for s, _, _ in self.positions} | {s for s, _ in self.working})

    def var(self, confidence: Decimal = Decimal("0.99")) -> Decimal:
        """Historical VaR of the combined book: the loss the net positions would have had
        over each past step of every symbol's mark series, at ``confidence``."""
        nets = self.net_by_instrument()
        returns: dict[str, list[Decimal]] = {}
        for sym, qty in nets.items():
            h = list(self.history.get(sym, ()))
            if qty == 0 or len(h) < 2:
                continue
            returns[sym] = [DIVISION.divide(b - a, a) for a, b in itertools.pairwise(h)]
        if not returns:
            return ZERO
        n = min(len(r) for r in returns.values())
        pnl = []
        for t in range(n):
            total = ZERO
            for sym, r in returns.items():
                total += self._signed_value(sym, nets[sym]) * r[-n + t]
            pnl.append(total)
        pnl.sort()
        k = int((Decimal(1) - confidence) * len(pnl))
        return max(-pnl[min(k, len(pnl) - 1)], ZERO)

    def _signed_value(self, sym: str, qty: Decimal) -> Decimal:
        v = self._value(sym, qty)
        return v if qty >= 0 else -v

    def totals(self) -> dict[str, Any]:
        return {
            "gross": str(self.gross()),
            "gross_by_shard": {str(s): str(self.gross(s)) for s in self.shards()},
            "net_by_instrument": {k: str(v) for k, v in self.net_by_instrument().items()},
            "net_by_currency": {k: str(v) for k, v in self.net_by_currency().items()},
            "var99": str(self.var()),
            "working_orders": len(self.working),
            "fills": self.fills,
            "events": self.applied,
            "duplicates": self.duplicates,
            "duplicate_fills": self.duplicate_fills,
            "unreadable": self.unreadable,
            "positions": {
                str(s): {
                    a: {k: str(v) for k, v in p.items()} for a, p in self.positions_of(s).items()
                }
                for s in self.shards()
            },
        }
