"""The pieces of a simulated book: a resting order, a match, and one side of the book
(our queues per price level and the market makers' size per price). See
:mod:`tradecore.venues.sim.book`."""

from __future__ import annotations

import bisect
from collections import deque
from decimal import Decimal

import msgspec

from tradecore.model.enums import Side

ZERO = Decimal(0)


class Resting:
    """One resting order in a level queue."""

    __slots__ = ("account", "display", "hidden", "owner", "price", "qty", "ref", "side", "stamp")

    def __init__(
        self,
        ref: str,
        owner: str,
        side: Side,
        price: Decimal,
        qty: Decimal,
        stamp: int,
        account: str = "",
        display: Decimal | None = None,
    ):
        self.ref = ref
        self.owner = owner
        self.side = side
        self.price = price
        self.stamp = stamp
        self.account = account
        self.display = display
        if display is not None and display < qty:
            self.qty, self.hidden = display, qty - display  # qty is the shown part
        else:
            self.qty, self.hidden = qty, ZERO

    @property
    def synthetic(self) -> bool:
        return self.owner == ""


class Match(msgspec.Struct, frozen=True, gc=False):
    """A fill between an incoming (taker) order and a resting (maker) one; or, when
    ``prevented``, a self-trade the book refused (``qty``: the maker's leaves then)."""

    maker_ref: str
    maker_owner: str
    price: Decimal
    qty: Decimal
    prevented: bool = False


class _Side:
    """One side of the book.

    Our own resting orders: price levels (sorted) of FIFO queues, with their totals. The market
    makers' (synthetic) depth: one size per price, swapped wholesale on every market update and
    stamped with the time of that update, so at a shared price our orders that rested before
    the update come first, then the synthetic size, then ours that rested after it.
    """

    __slots__ = ("is_bid", "keys", "levels", "syn", "syn_keys", "totals")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.levels: dict[Decimal, deque[Resting]] = {}
        self.totals: dict[Decimal, Decimal] = {}  # our resting size per level, kept incrementally
        self.keys: list[Decimal] = []  # ascending; best is last for bids, first for asks
        self.syn: dict[Decimal, Decimal] = {}  # synthetic size per price
        self.syn_keys: list[Decimal] = []  # ascending, like keys

    def best(self) -> Decimal | None:
        own, syn = self.keys, self.syn_keys
        if self.is_bid:
            a = own[-1] if own else None
            b = syn[-1] if syn else None
            if a is None:
                return b
            return a if b is None or a >= b else b
        a = own[0] if own else None
        b = syn[0] if syn else None
        if a is None:
            return b
        return a if b is None or a <= b else b

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

    def _drop_syn(self, price: Decimal) -> None:
        del self.syn[price]
        i = bisect.bisect_left(self.syn_keys, price)
        del self.syn_keys[i]

    def prices_best_first(self) -> list[Decimal]:
        if not self.syn_keys:
            keys = self.keys
        elif not self.keys:
            keys = self.syn_keys
        else:
            keys = sorted(set(self.keys).union(self.syn_keys))
        return list(reversed(keys)) if self.is_bid else list(keys)

    def size_at(self, price: Decimal) -> Decimal:
        own = self.totals.get(price)
        syn = self.syn.get(price)
        if own is None:
            return ZERO if syn is None else syn
        return own if syn is None else own + syn

    def depth(self, n: int) -> list[tuple[Decimal, Decimal]]:
        """The best ``n`` levels, (price, total size), best first."""
        if not self.keys:  # only market makers: no merge needed
            syn, keys = self.syn, self.syn_keys
            picked = keys[: -n - 1 : -1] if self.is_bid else keys[:n]
            return [(p, syn[p]) for p in picked]
        return [(p, self.size_at(p)) for p in self.prices_best_first()[:n]]

    def crosses(self, price: Decimal, limit: Decimal | None) -> bool:
        """Whether a level at ``price`` is marketable for an incoming order limited at ``limit``."""
        if limit is None:
            return True
        return price >= limit if self.is_bid else price <= limit
