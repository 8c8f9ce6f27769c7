"""Splitting a firm limit into shard credits (pure; the aggregator does the messaging).

Each shard's pre-trade check keeps its gross exposure within its credit, so the firm stays
within ``limit`` as long as the credits in force never sum above it. A re-balance:

1. asks each shard its usage ``u_i`` (its own exact figure, not the stream's lagging view);
2. targets ``t_i = u_i + (limit - sum u) / n`` (rounded down to ``step``): the headroom
   shared equally; a shard with no headroom left gets exactly its usage;
3. sends the *decreases* first and waits for their answers: a shard may have grown between
   steps 1 and 3 (never beyond its old credit); what it reports above its target is taken
   off the increases, so the sum of credits in force stays <= ``limit`` at every moment;
4. then the increases.

If ``sum u > limit`` (prices moved, or the limit was lowered) the firm is in breach: every
credit becomes the shard's usage (nothing new may add exposure) and the aggregator engages
the emergency state on the shards that hold exposure.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from tradecore.model.values import DIVISION

ZERO = Decimal(0)


def targets(limit: Decimal, usage: dict[int, Decimal], step: Decimal) -> dict[int, Decimal]:
    if not usage:
        return {}
    headroom = limit - sum(usage.values(), ZERO)
    if headroom <= 0:
        return dict(usage)
    share = DIVISION.divide(headroom, Decimal(len(usage))).quantize(step, rounding=ROUND_DOWN)
    return {s: u + share for s, u in usage.items()}


def split(
    current: dict[int, Decimal | None], wanted: dict[int, Decimal]
) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """(decreases, increases): a shard without a credit yet counts as an increase."""
    dec: dict[int, Decimal] = {}
    inc: dict[int, Decimal] = {}
    for s, t in sorted(wanted.items()):
        c = current.get(s)
        if c is not None and t < c:
            dec[s] = t
        elif c is None or t > c:
            inc[s] = t
    return dec, inc


def trim(
    increases: dict[int, Decimal], excess: Decimal, current: dict[int, Decimal | None]
) -> dict[int, Decimal]:
    """Take ``excess`` (what decreased shards reported above their targets) off the
    increases, largest first, never below a shard's current credit (or zero)."""
    out = dict(increases)
    left = excess
    for s in sorted(out, key=lambda k: (-out[k], k)):
        if left <= 0:
            break
        floor = current.get(s) or ZERO
        room = out[s] - floor
        cut = min(room, left)
        out[s] -= cut
        left -= cut
    return {s: v for s, v in out.items() if v != current.get(s)}
