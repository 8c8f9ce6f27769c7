"""Venue scoring: liquidity, fees, latency, fill rate and health, each in [0, 1], weighted.

``score = Σ weight_i · s_i / Σ weight_i`` with

* liquidity ``min(available / quantity, 1)`` (available = size at or better than the limit),
* fees ``(max_rate - rate) / (max_rate - min_rate)`` across eligible venues (1 if all equal),
* latency ``min_latency / latency`` (the fastest venue scores 1),
* fill rate: filled child orders / all child orders in the rolling window,
* health 1 (breaker closed) or 0.5 (half-open probe).

The score ranks venues for the BEST and PASSIVE strategies and is recorded with every
decision; the SPLIT strategy sweeps by all-in price, so the score there is an explanation.
"""

from __future__ import annotations

from decimal import Decimal

from tradecore.routing.config import Weights

ONE = Decimal(1)
ZERO = Decimal(0)
Q = Decimal("0.000001")


def venue_score(
    w: Weights,
    *,
    available: Decimal,
    quantity: Decimal,
    fee_rate: Decimal,
    fee_min: Decimal,
    fee_max: Decimal,
    latency_us: int,
    latency_min_us: int,
    fill_rate: Decimal,
    half_open: bool,
) -> Decimal:
    liq = min(available / quantity, ONE) if quantity > 0 else ZERO
    fee = (fee_max - fee_rate) / (fee_max - fee_min) if fee_max > fee_min else ONE
    lat = Decimal(max(latency_min_us, 1)) / Decimal(max(latency_us, 1))
    health = Decimal("0.5") if half_open else ONE
    total = (
        w.liquidity * liq
        + w.fees * fee
        + w.latency * lat
        + w.fill_rate * fill_rate
        + w.health * health
    )
    return (total / w.total).quantize(Q)
