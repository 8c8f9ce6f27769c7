"""Market steps over NATS: exact round trip of the depth; a shard applying them reaches the
same books as one generating the market itself; a step not after its clock is skipped."""

from __future__ import annotations

from tradecore.bootstrap import build_system, market_source, pump
from tradecore.cluster.marketdata import StepApplier, decode_step, encode_step, steps


def test_steps_round_trip_exactly_and_drive_a_shard_like_its_own_feed() -> None:
    local = build_system()
    remote = build_system()
    feed = list(market_source(local.config, seconds=2))
    pump(local, feed)
    apply = StepApplier(remote)
    for batch in steps(feed):
        raw = encode_step(batch)
        assert decode_step(raw) == batch  # decimals as written, ids parsed back
        apply(raw)
    remote.clock.run_all()
    assert apply.applied == len(list(steps(feed))) and apply.skipped == 0
    assert remote.clock.now_ns() == local.clock.now_ns()
    assert remote.engine.last_quotes == local.engine.last_quotes
    first = next(steps(feed))
    apply(encode_step(first))  # old: the shard's time never goes back
    assert apply.skipped == 1
