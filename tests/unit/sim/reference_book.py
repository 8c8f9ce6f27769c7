"""The previous matching engine, kept as an executable reference: synthetic depth lives in the
same FIFO queues as our orders (one Resting per level), which is slow to replace on every market
update but simple enough to trust. tests/unit/sim/test_book_reference.py checks that the fast
book (separate synthetic depth) behaves identically."""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from tradecore.model.enums import Side

ZERO = Decimal(0)


class Resting:
    """One resting order in a level queue."""

    __slots__ = ("owner", "price", "qty", "ref", "side", "stamp")

    def __init__(self, ref: str, owner: str, side: Side, price: Decimal, qty: Decimal, stamp: int):
        self.ref = ref
        self.owner = owner
        self.side = side
        self.price = price
        self.qty = qty
        self.stamp = stamp

    @property
    def synthetic(self) -> bool:
        return self.owner == ""


@dataclass(frozen=True, slots=True)
class Match:
    """A fill between an incoming (taker) order and a resting (maker) one."""

    maker_ref: str
    maker_owner: str
    price: Decimal
    qty: Decimal


class _Side:
    """One side of the book: price levels (sorted) of FIFO queues."""

    __slots__ = ("is_bid", "keys", "levels", "totals")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.levels: dict[Decimal, deque[Resting]] = {}
        self.totals: dict[Decimal, Decimal] = {}  # resting size per level, kept incrementally
        self.keys: list[Decimal] = []  # ascending; best is last for bids, first for asks

    def best(self) -> Decimal | None:
        if not self.keys:
            return None
        return self.keys[-1] if self.is_bid else self.keys[0]

    def add(self, r: Resting) -> None:
        q = self.levels.get(r.price)
        if q is None:
            q = deque()
            self.levels[r.price] = q
            self.totals[r.price] = ZERO
            bisect.insort(self.keys, r.price)
        q.append(r)
        self.totals[r.price] += r.qty

    def remove(self, r: Resting) -> None:
        q = self.levels[r.price]
        q.remove(r)
        self.totals[r.price] -= r.qty
        if not q:
            self._drop(r.price)

    def _drop(self, price: Decimal) -> None:
        del self.levels[price]
        del self.totals[price]
        i = bisect.bisect_left(self.keys, price)
        del self.keys[i]

    def prices_best_first(self) -> list[Decimal]:
        return list(reversed(self.keys)) if self.is_bid else list(self.keys)

    def size_at(self, price: Decimal) -> Decimal:
        return self.totals.get(price, ZERO)

    def crosses(self, price: Decimal, limit: Decimal | None) -> bool:
        """Whether a level at ``price`` is marketable for an incoming order limited at ``limit``."""
        if limit is None:
            return True
        return price >= limit if self.is_bid else price <= limit


class OrderBook:
    """Price-time priority book for one instrument on one venue."""

    def __init__(self) -> None:
        self.bids = _Side(True)
        self.asks = _Side(False)
        self._refs: dict[str, Resting] = {}
        self._stamp = 0
        self.version = 0

    # ---------------------------------------------------------------- queries
    def best_bid(self) -> Decimal | None:
        return self.bids.best()

    def best_ask(self) -> Decimal | None:
        return self.asks.best()

    def is_crossed(self) -> bool:
        b, a = self.best_bid(), self.best_ask()
        return b is not None and a is not None and b >= a

    def depth(self, side: Side, levels: int = 10) -> list[tuple[Decimal, Decimal]]:
        s = self.bids if side is Side.BUY else self.asks
        return [(p, s.size_at(p)) for p in s.prices_best_first()[:levels]]

    def get(self, ref: str) -> Resting | None:
        return self._refs.get(ref)

    def available(self, side: Side, limit: Decimal | None) -> Decimal:
        """Quantity an incoming ``side`` order limited at ``limit`` could take right now."""
        opp = self.asks if side is Side.BUY else self.bids
        total = ZERO
        for p in opp.prices_best_first():
            if not opp.crosses(p, limit):
                break
            total += opp.size_at(p)
        return total

    def would_cross(self, side: Side, price: Decimal) -> bool:
        opp = self.asks if side is Side.BUY else self.bids
        best = opp.best()
        return best is not None and opp.crosses(best, price)

    # ---------------------------------------------------------------- mutation
    def _side(self, side: Side) -> _Side:
        return self.bids if side is Side.BUY else self.asks

    def add(self, ref: str, owner: str, side: Side, price: Decimal, qty: Decimal) -> Resting:
        """Rest a limit order at the back of its price level (no matching)."""
        if ref in self._refs:
            raise ValueError(f"duplicate book ref {ref}")
        self._stamp += 1
        r = Resting(ref, owner, side, price, qty, self._stamp)
        self._side(side).add(r)
        self._refs[ref] = r
        self.version += 1
        return r

    def cancel(self, ref: str) -> Resting | None:
        r = self._refs.pop(ref, None)
        if r is not None:
            self._side(r.side).remove(r)
            self.version += 1
        return r

    def amend(self, ref: str, new_ref: str, qty: Decimal, price: Decimal) -> Resting | None:
        """Change a resting order. Keeps queue priority only for a size-down at the same price."""
        r = self._refs.get(ref)
        if r is None:
            return None
        if price == r.price and qty <= r.qty:
            self._side(r.side).totals[price] -= r.qty - qty
            r.qty = qty
            del self._refs[ref]
            r.ref = new_ref
            self._refs[new_ref] = r
            self.version += 1
            return r
        self.cancel(ref)
        return self.add(new_ref, r.owner if r.owner != ref else new_ref, r.side, price, qty)

    def match(
        self, side: Side, qty: Decimal, limit: Decimal | None, taker: str = ""
    ) -> list[Match]:
        """Take liquidity for an incoming order; returns the fills, best price first."""
        opp = self.asks if side is Side.BUY else self.bids
        fills: list[Match] = []
        remaining = qty
        while remaining > 0:
            best = opp.best()
            if best is None or not opp.crosses(best, limit):
                break
            remaining = self._consume(opp, best, remaining, fills, taker)
            if remaining > 0 and best in opp.levels:
                break  # the rest of the level is our own order: never self-match
        if fills:
            self.version += 1
        return fills

    def replace_synthetic(
        self, bids: Iterable[tuple[Decimal, Decimal]], asks: Iterable[tuple[Decimal, Decimal]]
    ) -> list[Match]:
        """Swap the market makers' quotes for new ones. Our resting orders stay in place; new
        quotes that cross them trade against them first (ours are the makers, at our price).
        Returns those passive fills. The book is never left crossed."""
        for ref in [r for r, x in self._refs.items() if x.synthetic]:
            self.cancel(ref)
        fills: list[Match] = []
        for price, size in asks:
            left = self._hit_resting(self.bids, price, size, fills)
            if left > 0:
                self.add(f"~a{self._stamp + 1}", "", Side.SELL, price, left)
        for price, size in bids:
            left = self._hit_resting(self.asks, price, size, fills)
            if left > 0:
                self.add(f"~b{self._stamp + 1}", "", Side.BUY, price, left)
        self.version += 1
        return fills

    def _hit_resting(
        self, opp: _Side, price: Decimal, size: Decimal, fills: list[Match]
    ) -> Decimal:
        while size > 0:
            best = opp.best()
            if best is None or not opp.crosses(best, price):
                break
            size = self._consume(opp, best, size, fills)
        return size

    def _consume(
        self, opp: _Side, price: Decimal, qty: Decimal, fills: list[Match], taker: str = ""
    ) -> Decimal:
        """Take up to ``qty`` from the level at ``price``, oldest first (stopping at the
        ``taker``'s own order); returns what is left. Drops the level when it empties."""
        queue = opp.levels[price]
        while queue and qty > 0:
            maker = queue[0]
            if taker and maker.owner == taker:
                break
            take = maker.qty if maker.qty <= qty else qty
            fills.append(Match(maker.ref, maker.owner, price, take))
            qty -= take
            maker.qty -= take
            opp.totals[price] -= take
            if maker.qty == 0:
                queue.popleft()
                del self._refs[maker.ref]
        if not queue:
            opp._drop(price)
        return qty
