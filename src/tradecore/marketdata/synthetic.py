"""A seeded synthetic market: several venues quoting the same instruments.

One fair-value random walk per instrument, correlated through a common factor; each venue
quotes around it with its own spread, a small per-venue offset, a depth profile, and occasional
outages. Prices are exact: the walk moves in whole ticks (the random draw only picks how many
ticks), so every price is ``start + k * tick`` as a Decimal.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tradecore.marketdata.types import MarketUpdate
from tradecore.model.identifiers import InstrumentId, Venue


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    symbol: str
    start_price: Decimal
    tick: Decimal
    lot: Decimal
    vol_ticks: float = 3.0  # std-dev of the fair value step, in ticks
    beta: float = 0.7  # loading on the common factor (correlation between instruments)
    level_size: Decimal = Decimal(1)  # size of the first depth level (a lot multiple)


@dataclass(frozen=True, slots=True)
class VenueProfile:
    venue: Venue
    spread_ticks: int = 2
    depth_levels: int = 5
    size_scale: Decimal = Decimal(1)  # multiplies every level's size
    offset_ticks: int = 1  # max per-update deviation of this venue's mid from fair value
    spread_bps: Decimal = Decimal(0)  # if > 0: spread in basis points of price (overrides ticks)
    level_step_bps: Decimal = Decimal(0)  # if > 0: gap between depth levels in bps (else 1 tick)
    outage_prob: float = 0.0  # chance per update to start an outage
    outage_updates: int = 20  # outage length in updates


class SyntheticMarket:
    """Iterate to get :class:`MarketUpdate` s in time order, deterministic for a seed."""

    def __init__(
        self,
        instruments: Sequence[InstrumentSpec],
        venues: Sequence[VenueProfile],
        *,
        seed: int = 7,
        step_ns: int = 100_000_000,
        start_ns: int = 1_767_225_600_000_000_000,  # 2026-01-01T00:00:00Z
    ) -> None:
        if not instruments or not venues:
            raise ValueError("need at least one instrument and one venue")
        for v in venues:
            if v.spread_ticks < 1:
                raise ValueError(f"venue {v.venue}: spread_ticks must be >= 1")
        self.instruments = list(instruments)
        self.venues = list(venues)
        self.seed = seed
        self.step_ns = step_ns
        self.start_ns = start_ns

    def fair_values(self) -> dict[str, Decimal]:
        return {i.symbol: i.start_price for i in self.instruments}

    def updates(self, steps: int) -> Iterator[MarketUpdate]:
        rng = random.Random(self.seed)
        ticks = {i.symbol: int(i.start_price / i.tick) for i in self.instruments}
        outage_left = {v.venue: 0 for v in self.venues}
        for step in range(steps):
            ts = self.start_ns + step * self.step_ns
            common = rng.gauss(0.0, 1.0)
            for v in self.venues:
                if outage_left[v.venue] > 0:
                    outage_left[v.venue] -= 1
                elif v.outage_prob and rng.random() < v.outage_prob:
                    outage_left[v.venue] = v.outage_updates
            for spec in self.instruments:
                idio = rng.gauss(0.0, 1.0)
                z = spec.beta * common + math.sqrt(max(0.0, 1.0 - spec.beta**2)) * idio
                ticks[spec.symbol] = max(ticks[spec.symbol] + round(z * spec.vol_ticks), 10)
                fair = ticks[spec.symbol]
                for v in self.venues:
                    iid = InstrumentId.of(spec.symbol, v.venue)
                    spread, step_t = v.spread_ticks, 1
                    if v.spread_bps > 0:
                        spread = max(int(fair * v.spread_bps / 10_000), 1)
                    if v.level_step_bps > 0:
                        step_t = max(int(fair * v.level_step_bps / 10_000), 1)
                    off_max = v.offset_ticks * (step_t if v.level_step_bps > 0 else 1)
                    off = rng.randint(-off_max, off_max) if off_max else 0
                    bid_t = fair + off - spread // 2
                    ask_t = bid_t + spread
                    size0 = spec.level_size * v.size_scale
                    bids = tuple(
                        (spec.tick * (bid_t - k * step_t), size0 * (k + 1))
                        for k in range(v.depth_levels)
                    )
                    asks = tuple(
                        (spec.tick * (ask_t + k * step_t), size0 * (k + 1))
                        for k in range(v.depth_levels)
                    )
                    yield MarketUpdate(ts, iid, bids, asks, outage_left[v.venue] == 0)
