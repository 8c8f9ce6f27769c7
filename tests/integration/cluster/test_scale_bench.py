"""``tradecore bench scale`` (tradecore.cluster.bench) on a small burst: a private NATS
server, one and then two shard processes and the risk aggregator, orders over NATS
request-reply. What the benchmark reports must be true of the run: every order accepted
(201; none timed out), the aggregator applied every shard's events (up to each shard's sequence
number) and saw no fill twice."""

from __future__ import annotations

import pytest

from tradecore.cluster.bench import _pct, run_scale

pytest.importorskip("nats")
pytestmark = pytest.mark.timeout(240)


def test_percentiles_of_the_report() -> None:
    assert _pct([], 0.5) == 0.0
    assert _pct([3.0, 1.0, 2.0], 0.5) == 2.0
    assert _pct([1.0, 2.0, 3.0, 4.0], 0.99) == 4.0  # never past the last sample


def test_scale_bench_answers_every_order_and_the_aggregator_applies_every_event() -> None:
    lines = run_scale((1, 2), orders=40, window=4)
    assert [ln["shards"] for ln in lines] == [1, 2]
    for ln in lines:
        assert ln["orders"] == 40 * ln["shards"]
        assert ln["answers"] == {"201": ln["orders"]}  # every one accepted: none timed out
        assert ln["orders_per_s"] > 0 and ln["rtt_ms_p50"] <= ln["rtt_ms_p99"]
        # each accepted order leaves at least its submit event on its shard's journal
        assert ln["events"] >= ln["orders"]
        assert ln["aggregator_duplicate_fills"] == 0
        assert ln["lag_ms_p50"] is not None
