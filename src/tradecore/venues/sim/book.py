"""A price-time priority limit order book: the matching engine of one simulated venue.

Pure and synchronous (no clock, no I/O). It holds two kinds of liquidity on the same queues:
*synthetic* liquidity (the market makers the data generator quotes, owner ``""``) and *our*
resting orders (owner = client order id, with their account). Matching walks the opposite
side level by level, oldest first within a level; every fill reports who was the maker.

Self-trade prevention: an incoming order that carries an ``account`` and a :class:`StpMode`
other than NONE never trades with a resting order of that account; the book reports the
encounter as a ``prevented`` match and expires the maker, stops the taker, or both. The check
is one attribute compare per *own* resting order the taker reaches: nothing when only market
makers are on the book.

Icebergs: a resting order with a ``display`` size shows only that much; when the shown part is
used up, the next slice (up to ``display``) is shown from the hidden rest and goes to the
back of its price level's queue, with a new time stamp.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from tradecore.model.enums import Side, StpMode
from tradecore.venues.sim.levels import ZERO, Ladder, Match, Resting, _Side, is_ladder

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_BUY: Final = Side.BUY


__all__ = ["Match", "OrderBook", "Resting"]


class OrderBook:
    """Price-time priority book for one instrument on one venue."""

    def __init__(self) -> None:
        self.bids = _Side(True)
        self.asks = _Side(False)
        self._refs: dict[str, Resting] = {}
        self._stamp = 0
        self._syn_stamp = 0  # when the synthetic depth was last replaced
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
        return (self.bids if side is _BUY else self.asks).depth(levels)

    def get(self, ref: str) -> Resting | None:
        return self._refs.get(ref)

    def available(self, side: Side, limit: Decimal | None) -> Decimal:
        """Quantity an incoming ``side`` order limited at ``limit`` could take right now."""
        opp = self.asks if side is _BUY else self.bids
        total = ZERO
        for p in opp.prices_best_first():
            if not opp.crosses(p, limit):
                break
            total += opp.size_at(p)
        return total

    def fillable(
        self, side: Side, limit: Decimal | None, account: str = "", stp: StpMode = StpMode.NONE
    ) -> Decimal:
        """What an incoming order could take now (for FOK): hidden iceberg size included, and
        only up to where self-trade prevention would stop it (``account`` given)."""
        opp = self.asks if side is _BUY else self.bids
        if not opp.keys:
            return self.available(side, limit)
        total = ZERO
        syn_stamp = self._syn_stamp
        for p in opp.prices_best_first():
            if not opp.crosses(p, limit):
                break
            syn = opp.syn.get(p, ZERO)
            hidden = ZERO
            for r in opp.levels.get(p, ()):
                if syn and r.stamp > syn_stamp:
                    total += syn
                    syn = ZERO
                if account and r.account == account:
                    if stp is StpMode.EXPIRE_MAKER:
                        continue
                    return total
                total += r.qty
                hidden += r.hidden
            total += syn + hidden
        return total

    def would_cross(self, side: Side, price: Decimal) -> bool:
        opp = self.asks if side is _BUY else self.bids
        best = opp.best()
        return best is not None and opp.crosses(best, price)

    # ---------------------------------------------------------------- mutation
    def _side(self, side: Side) -> _Side:
        return self.bids if side is _BUY else self.asks

    def add(
        self,
        ref: str,
        owner: str,
        side: Side,
        price: Decimal,
        qty: Decimal,
        account: str = "",
        display: Decimal | None = None,
    ) -> Resting:
        """Rest a limit order at the back of its price level (no matching); with ``display``,
        an iceberg that shows at most that much."""
        if ref in self._refs:
            raise ValueError(f"duplicate book ref {ref}")
        self._stamp += 1
        r = Resting(ref, owner, side, price, qty, self._stamp, account, display)
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
        if price == r.price and qty <= r.qty + r.hidden:
            shown = r.qty if r.qty <= qty else qty
            self._side(r.side).totals[price] -= r.qty - shown
            r.qty, r.hidden = shown, qty - shown
            del self._refs[ref]
            r.ref = new_ref  # the owner stays: the venue finds its ticket by ref
            self._refs[new_ref] = r
            self.version += 1
            return r
        self.cancel(ref)
        owner = r.owner if r.owner != ref else new_ref
        return self.add(new_ref, owner, r.side, price, qty, r.account, r.display)

    def match(
        self,
        side: Side,
        qty: Decimal,
        limit: Decimal | None,
        taker: str = "",
        account: str = "",
        stp: StpMode = StpMode.NONE,
    ) -> list[Match]:
        """Take liquidity for an incoming order; returns the fills, best price first. With an
        ``account`` (and ``stp`` not NONE), resting orders of that account never trade: each
        one reached gives a ``prevented`` match, then ``stp`` decides who is expired."""
        opp = self.asks if side is _BUY else self.bids
        fills: list[Match] = []
        if opp._ladder is not None and not opp.keys:  # only market makers: walk their ladder
            opp.take_ladder(qty, limit, fills)
            if fills:
                self.version += 1
            return fills
        remaining = qty
        if stp is StpMode.NONE:
            account = ""
        while remaining > 0:
            best = opp.best()
            if best is None or not opp.crosses(best, limit):
                break
            remaining = self._consume(opp, best, remaining, fills, taker, account, stp)
            if remaining > 0 and (best in opp.levels or best in opp.syn):
                break  # the rest of the level is behind our own order: never self-match
            if account and fills and fills[-1].prevented and stp is not StpMode.EXPIRE_MAKER:
                break  # self-trade prevention stopped the taker
        if fills:
            self.version += 1
        return fills

    def replace_synthetic(
        self, bids: Iterable[tuple[Decimal, Decimal]], asks: Iterable[tuple[Decimal, Decimal]]
    ) -> list[Match]:
        """Swap the market makers' quotes for new ones. Our resting orders stay in place; new
        quotes that cross them trade against them first (ours are the makers, at our price).
        Returns those passive fills. The book is never left crossed.

        No per-level work in the usual case: none of our orders on the book, and each side
        a ladder (best first, one level per price, sizes > 0) that does not cross the other.
        Then each side keeps the ladder as given and indexes it when first needed
        (:meth:`_Side.set_ladder`). Otherwise the depth is rebuilt level by level, trading as
        it goes; both give the same book."""
        self._stamp += 1
        self._syn_stamp = self._stamp  # every order resting now is older than this depth
        b, a = self.bids, self.asks
        bl = bids if type(bids) is tuple else tuple(bids)
        al = asks if type(asks) is tuple else tuple(asks)
        if (
            not b.keys
            and not a.keys
            and (not bl or not al or bl[0][0] < al[0][0])
            and is_ladder(bl, True)
            and is_ladder(al, False)
        ):
            b.set_ladder(bl)
            a.set_ladder(al)
            self.version += 1
            return []
        return self._rebuild_synthetic(bl, al)

    def _rebuild_synthetic(self, bl: Ladder, al: Ladder) -> list[Match]:
        """:meth:`replace_synthetic` level by level (the general case: the quotes may trade,
        come in any order, repeat a price or carry empty levels)."""
        b, a = self.bids, self.asks
        b.syn, b.syn_keys, a.syn, a.syn_keys = {}, [], {}, []
        fills: list[Match] = []
        own_bids = b.keys
        for price, size in al:
            if own_bids and own_bids[-1] >= price:
                size = self._hit_resting(b, price, size, fills)
            if size > 0:
                self._put_syn(a, price, size)
        own_asks = a.keys
        syn_asks = a.syn_keys
        for price, size in bl:
            if (own_asks and own_asks[0] <= price) or (syn_asks and syn_asks[0] <= price):
                size = self._hit_resting(a, price, size, fills)
            if size > 0:
                self._put_syn(b, price, size)
        self.version += 1
        return fills

    @staticmethod
    def _put_syn(s: _Side, price: Decimal, size: Decimal) -> None:
        syn = s.syn
        if price in syn:
            syn[price] += size
            return
        syn[price] = size
        keys = s.syn_keys
        if not keys or price > keys[-1]:
            keys.append(price)
        else:
            bisect.insort(keys, price)

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
        self,
        opp: _Side,
        price: Decimal,
        qty: Decimal,
        fills: list[Match],
        taker: str = "",
        account: str = "",
        stp: StpMode = StpMode.NONE,
    ) -> Decimal:
        """Take up to ``qty`` from the level at ``price`` in time order (our orders older than
        the synthetic depth, the synthetic size, our newer orders), stopping at the ``taker``'s
        own order or where self-trade prevention (``account``) stops it; returns what is left.
        Drops what empties; an emptied iceberg slice is refilled at the back of the queue."""
        queue = opp.levels.get(price)
        syn = opp.syn.get(price)
        syn_stamp = self._syn_stamp
        while qty > 0:
            maker = queue[0] if queue else None
            if syn is not None and (maker is None or maker.stamp > syn_stamp):
                take = syn if syn <= qty else qty
                fills.append(Match("~syn", "", price, take))
                qty -= take
                syn -= take
                if syn == 0:
                    opp._drop_syn(price)
                    syn = None
                else:
                    opp.syn[price] = syn
                continue
            if maker is None or (taker and maker.owner == taker):
                break
            assert queue is not None
            if account and maker.account == account:  # a self-trade: prevented
                fills.append(Match(maker.ref, maker.owner, price, maker.qty + maker.hidden, True))
                if stp is StpMode.EXPIRE_TAKER:
                    break
                queue.popleft()  # the maker is expired
                opp.totals[price] -= maker.qty
                del self._refs[maker.ref]
                if stp is StpMode.EXPIRE_BOTH:
                    break
                continue
            take = maker.qty if maker.qty <= qty else qty
            fills.append(Match(maker.ref, maker.owner, price, take))
            qty -= take
            maker.qty -= take
            opp.totals[price] -= take
            if maker.qty == 0:
                queue.popleft()
                if maker.hidden:  # iceberg: show the next slice, at the back of the queue
                    d = maker.display or maker.hidden
                    shown = d if d < maker.hidden else maker.hidden
                    maker.qty, maker.hidden = shown, maker.hidden - shown
                    self._stamp += 1
                    maker.stamp = self._stamp
                    queue.append(maker)
                    opp.totals[price] += shown
                else:
                    del self._refs[maker.ref]
        if queue is not None and not queue:
            opp._drop(price)
        return qty
