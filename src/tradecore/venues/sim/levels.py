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


#: the market makers' depth of one side as the feed gives it: (price, size), best first
Ladder = tuple[tuple[Decimal, Decimal], ...]


def is_ladder(levels: Ladder, descending: bool) -> bool:
    """Whether ``levels`` is best first with one level per price and every size > 0: what
    :meth:`_Side.set_ladder` keeps as it is."""
    prev: Decimal | None = None
    for p, s in levels:
        if not s > ZERO:
            return False
        if prev is not None and (p >= prev if descending else p <= prev):
            return False
        prev = p
    return True


class _Side:
    """One side of the book.

    Our own resting orders: price levels (sorted) of FIFO queues, with their totals. The market
    makers' (synthetic) depth: one size per price, replaced on every market update and stamped
    with the time of that update, so at a shared price our orders that rested before the update
    come first, then the synthetic size, then ours that rested after it.

    A market update is kept as the feed's ladder (:meth:`set_ladder`: no per-level work); the
    price index (``syn``, ``syn_keys``) is built from it only when something needs more than
    the ladder itself gives (matching, our own orders on the book), so quotes nobody trades
    against cost one check of the ladder each.
    """

    __slots__ = ("_ladder", "_syn", "_syn_keys", "is_bid", "keys", "levels", "totals")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.levels: dict[Decimal, deque[Resting]] = {}
        self.totals: dict[Decimal, Decimal] = {}  # our resting size per level, kept incrementally
        self.keys: list[Decimal] = []  # ascending; best is last for bids, first for asks
        self._syn: dict[Decimal, Decimal] = {}  # synthetic size per price
        self._syn_keys: list[Decimal] = []  # ascending, like keys
        self._ladder: Ladder | None = None  # the synthetic depth, when not indexed yet

    # ------------------------------------------------------------ synthetic depth
    def set_ladder(self, ladder: Ladder) -> None:
        """The new synthetic depth, as given (an :func:`is_ladder`): indexed when first needed."""
        self._ladder = ladder

    def _index(self) -> None:
        lad = self._ladder
        assert lad is not None
        self._ladder = None
        self._syn = dict(lad)
        keys = [p for p, _ in lad]
        if self.is_bid:
            keys.reverse()
        self._syn_keys = keys

    @property
    def syn(self) -> dict[Decimal, Decimal]:
        """Synthetic size per price (mutable: matching takes from it)."""
        if self._ladder is not None:
            self._index()
        return self._syn

    @syn.setter
    def syn(self, value: dict[Decimal, Decimal]) -> None:
        self._ladder = None
        self._syn = value

    @property
    def syn_keys(self) -> list[Decimal]:
        """The synthetic prices, ascending."""
        if self._ladder is not None:
            self._index()
        return self._syn_keys

    @syn_keys.setter
    def syn_keys(self, value: list[Decimal]) -> None:
        self._ladder = None
        self._syn_keys = value

    def take_ladder(self, qty: Decimal, limit: Decimal | None, fills: list[Match]) -> Decimal:
        """Match ``qty`` against the ladder alone (call only while it is pending and none of
        our orders rests on this side), best first up to ``limit``; what is left stays a
        ladder. Returns the quantity not matched."""
        lad = self._ladder
        assert lad is not None and not self.keys
        i, n = 0, len(lad)
        while i < n:
            p, s = lad[i]
            if limit is not None and not self.crosses(p, limit):
                break
            if s > qty:
                fills.append(Match("~syn", "", p, qty))
                self._ladder = ((p, s - qty), *lad[i + 1 :])
                return ZERO
            fills.append(Match("~syn", "", p, s))
            qty -= s
            i += 1
            if qty == 0:
                break
        self._ladder = lad[i:]
        return qty

    def top(self) -> tuple[Decimal, Decimal] | None:
        """The best level (price, total size), or None for an empty side."""
        lad = self._ladder
        if lad is not None and not self.keys:
            return lad[0] if lad else None
        p = self.best()
        return None if p is None else (p, self.size_at(p))

    # ------------------------------------------------------------ queries
    def best(self) -> Decimal | None:
        lad = self._ladder
        if lad is not None and not self.keys:
            return lad[0][0] if lad else None
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
        lad = self._ladder
        if lad is not None and not self.keys:
            return [p for p, _ in lad]
        if not self.syn_keys:
            keys = self.keys
        elif not self.keys:
            keys = self.syn_keys
        else:
            keys = sorted(set(self.keys).union(self.syn_keys))
        return list(reversed(keys)) if self.is_bid else list(keys)

    def size_at(self, price: Decimal) -> Decimal:
        lad = self._ladder
        if lad is not None and not self.keys:
            for p, s in lad:
                if p == price:
                    return s
            return ZERO
        own = self.totals.get(price)
        syn = self.syn.get(price)
        if own is None:
            return ZERO if syn is None else syn
        return own if syn is None else own + syn

    def depth(self, n: int) -> list[tuple[Decimal, Decimal]]:
        """The best ``n`` levels, (price, total size), best first."""
        if not self.keys:  # only market makers: no merge needed
            lad = self._ladder
            if lad is not None:
                return list(lad[:n])
            syn, keys = self._syn, self._syn_keys
            picked = keys[: -n - 1 : -1] if self.is_bid else keys[:n]
            return [(p, syn[p]) for p in picked]
        return [(p, self.size_at(p)) for p in self.prices_best_first()[:n]]

    def crosses(self, price: Decimal, limit: Decimal | None) -> bool:
        """Whether a level at ``price`` is marketable for an incoming order limited at ``limit``."""
        if limit is None:
            return True
        return price >= limit if self.is_bid else price <= limit
