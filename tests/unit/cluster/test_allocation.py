"""Credits: the targets share the headroom; the decrease-first re-balance never lets the
credits in force, together with what a shard already holds above its new credit, exceed
the firm limit, while shards keep trading within their old credits."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradecore.cluster import allocation

STEP = Decimal("0.01")
money = st.integers(0, 10_000_000).map(lambda c: Decimal(c) / 100)


@st.composite
def scenario(
    draw: st.DrawFn,
) -> tuple[Decimal, dict[int, Decimal], dict[int, Decimal], dict[int, Decimal]]:
    n = draw(st.integers(1, 6))
    limit = draw(money)
    # current credits summing to <= limit, usages within them, growth within them too
    weights = [draw(st.integers(0, 100)) for _ in range(n)]
    total = sum(weights) or 1
    credits = {
        i: (limit * w / total).quantize(STEP, rounding="ROUND_DOWN") for i, w in enumerate(weights)
    }
    usage = {i: (c * draw(st.integers(0, 100)) / 100).quantize(STEP, rounding="ROUND_DOWN")
             for i, c in credits.items()}  # fmt: skip
    later = {i: u + ((credits[i] - u) * draw(st.integers(0, 100)) / 100).quantize(STEP, rounding="ROUND_DOWN")
             for i, u in usage.items()}  # fmt: skip
    return limit, credits, usage, later


@given(scenario())
def test_rebalance_never_over_allocates(
    sc: tuple[Decimal, dict[int, Decimal], dict[int, Decimal], dict[int, Decimal]],
) -> None:
    limit, credits, usage, later = sc
    wanted = allocation.targets(limit, usage, STEP)
    assert sum(wanted.values()) <= limit
    assert all(wanted[s] >= usage[s] for s in usage)
    current: dict[int, Decimal | None] = dict(credits)
    dec, inc = allocation.split(current, wanted)
    force = dict(credits)
    excess = Decimal(0)
    for s, t in dec.items():  # phase 1: decreases; a shard answers with what it holds now
        force[s] = t
        excess += max(later[s] - t, Decimal(0))
        assert sum(max(force[i], later[i]) for i in force) <= limit
    for s, t in allocation.trim(inc, excess, current).items():  # phase 2: increases
        force[s] = t
        assert force[s] >= credits[s]
    assert sum(max(force[i], later[i]) for i in force) <= limit


def test_headroom_shared_and_breach_freezes() -> None:
    u = {1: Decimal(3000), 2: Decimal(3000)}
    assert allocation.targets(Decimal(10_000), u, STEP) == {1: Decimal(5000), 2: Decimal(5000)}
    assert allocation.targets(Decimal(1000), u, STEP) == u  # breach: nothing new
