"""Splitting: sweep the consolidated book by all-in price.

All-in price of one unit at a level, for a taker order::

    buy:  price x (1 + taker fee rate) + latency penalty
    sell: price x (1 - taker fee rate) - latency penalty
    latency penalty = price x latency_ms x penalty_bps_per_ms / 10,000

Levels of every venue are ranked by all-in price (ties: venue name, then raw price) and taken
best first until the order is covered or the parent's limit stops it. Each venue's share is then
rounded down to its lot size and dropped if below the venue's minimum quantity, minimum notional
or the router's minimum child size, and the sweep is repeated without that venue so the
quantity goes elsewhere. The result is exact (Decimal) and deterministic.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import msgspec

from tradecore.model.enums import Side
from tradecore.model.identifiers import Venue

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_BUY: Final = Side.BUY


ZERO = Decimal(0)
ONE = Decimal(1)
TEN_K = Decimal(10_000)


class VenueInput(msgspec.Struct, frozen=True, gc=False):
    """What the sweep needs to know of one venue: its opposite-side depth and its rules."""

    venue: Venue
    levels: tuple[tuple[Decimal, Decimal], ...]  # (price, size) a taker trades against, best first
    fee_rate: Decimal  # taker fee as a fraction of notional
    latency_us: int
    lot: Decimal
    min_qty: Decimal = ZERO
    min_notional: Decimal = ZERO
    version: int = -1  # the book version the levels come from (cache key)


class ChildPlan(msgspec.Struct, frozen=True, gc=False):
    venue: Venue
    quantity: Decimal
    limit: Decimal  # the worst raw price planned on this venue (the child's limit)
    notional: Decimal  # sum of quantity x price over the planned levels
    fee: Decimal  # taker fee on that notional

    def all_in_total(self, side: Side) -> Decimal:
        """Cash out (buy) or in (sell) including fees."""
        return self.notional + self.fee if side is _BUY else self.notional - self.fee


def all_in_price(
    side: Side, price: Decimal, fee_rate: Decimal, latency_us: int, penalty_bps_per_ms: Decimal
) -> Decimal:
    penalty = price * Decimal(latency_us) * penalty_bps_per_ms / (Decimal(1000) * TEN_K)
    if side is _BUY:
        return price * (ONE + fee_rate) + penalty
    return price * (ONE - fee_rate) - penalty


def _within(side: Side, price: Decimal, limit: Decimal | None) -> bool:
    return limit is None or (price <= limit if side is _BUY else price >= limit)


_SCALE = Decimal(1000) * TEN_K
#: (taker fee, latency, penalty, buy) -> all-in price factor: a few venues' worth, bounded
_FACTORS: dict[tuple[Decimal, int, Decimal, bool], Decimal] = {}


def _factor(fee_rate: Decimal, latency_us: int, penalty: Decimal, buy: bool) -> Decimal:
    drag = Decimal(latency_us) * penalty / _SCALE if penalty else ZERO
    return ONE + fee_rate + drag if buy else ONE - fee_rate - drag


def _allocate(
    side: Side, qty: Decimal, limit: Decimal | None, venues: list[VenueInput], penalty: Decimal
) -> dict[Venue, list[tuple[Decimal, Decimal]]]:
    buy = side is _BUY
    cands: list[tuple[Decimal, str, Decimal, Decimal]] = []
    for vi in venues:
        # all_in_price(p) = p x factor exactly (buy: 1 + fee + lat.penalty/1e7; sell: 1 - ...)
        fkey = (vi.fee_rate, vi.latency_us, penalty, buy)
        factor = _FACTORS.get(fkey)
        if factor is None:
            factor = _factor(*fkey)
            if len(_FACTORS) >= 4096:
                _FACTORS.clear()
            _FACTORS[fkey] = factor
        covered = ZERO
        for price, size in vi.levels:
            if limit is not None and (price > limit if buy else price < limit):
                break  # levels come best first
            if size <= 0:
                continue
            key = price * factor
            cands.append((key if buy else -key, vi.venue, price if buy else -price, size))
            covered += size
            if covered >= qty:
                break  # deeper levels of this venue are worse than these and never needed
    cands.sort()
    alloc: dict[Venue, list[tuple[Decimal, Decimal]]] = {}
    remaining = qty
    for _, venue, signed_price, size in cands:
        if remaining <= 0:
            break
        take = size if size < remaining else remaining
        alloc.setdefault(Venue(venue), []).append((signed_price if buy else -signed_price, take))
        remaining -= take
    return alloc


def sweep(
    side: Side,
    qty: Decimal,
    limit: Decimal | None,
    venues: list[VenueInput],
    *,
    penalty_bps_per_ms: Decimal = ZERO,
    max_venues: int = 10,
    min_child_qty: Decimal = ZERO,
) -> list[ChildPlan]:
    """Child orders per venue, best all-in first. May cover less than ``qty`` (thin books)."""
    pool = list(venues)
    by_name = {v.venue: v for v in venues}
    for _ in range(len(venues) + 1):
        alloc = _allocate(side, qty, limit, pool, penalty_bps_per_ms)
        if len(alloc) > max_venues:
            keep = sorted(alloc, key=lambda v: (-sum(q for _, q in alloc[v]), v))[:max_venues]
            pool = [v for v in pool if v.venue in keep]
            continue
        plans: list[ChildPlan] = []
        dropped: Venue | None = None
        for venue, fills in alloc.items():
            vi = by_name[venue]
            total = sum((q for _, q in fills), ZERO)
            lots = (total // vi.lot) * vi.lot
            if lots <= 0 or lots < vi.min_qty or lots < min_child_qty:
                dropped = venue
                break
            left, notional, worst = lots, ZERO, fills[0][0]
            for price, q in fills:
                if left <= 0:
                    break
                take = q if q < left else left
                notional += take * price
                worst = price
                left -= take
            if notional < vi.min_notional:
                dropped = venue
                break
            plans.append(ChildPlan(venue, lots, worst, notional, notional * vi.fee_rate))
        if dropped is None:
            return plans
        pool = [v for v in pool if v.venue != dropped]
    return []
