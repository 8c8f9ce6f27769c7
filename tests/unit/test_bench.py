"""The benchmark workloads run end to end (tiny sizes) and print JSON lines with percentiles."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from typer.testing import CliRunner

from tradecore.cli import app


def test_every_workload_prints_a_json_line_with_percentiles() -> None:
    res = CliRunner().invoke(app, ["bench", "all", "--scale", "0.001"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.output.splitlines() if x.startswith("{")]
    names = [x["workload"] for x in lines]
    assert names[:4] == ["W1", "W1-pnl-only", "W2", "W2-direct"]
    assert names[-2:] == ["W4", "recovery"]
    assert sum(n.startswith("W3") for n in names) == 7
    for x in lines:
        assert x["python"] and x["peak_rss_mb"] > 0
    w3 = next(x for x in lines if x["workload"].startswith("W3-router-3venues-risk"))
    assert w3["p50_us"] <= w3["p99_us"] <= w3["p99_9_us"] <= w3["max_us"]
    split = next(x for x in lines if x["workload"].startswith("W3-router-3venues-split"))
    # every split order really went to two venues, and each venue's child filled
    assert split["multi_venue_orders"] == split["orders"] > 0
    assert split["fills"] > 2 * split["orders"]
    assert next(x for x in lines if x["workload"] == "recovery")["digest_matches"] is True


def test_w2_direct_sends_every_tenth_quote_s_order_to_one_venue_and_reports_its_rates() -> None:
    res = CliRunner().invoke(app, ["bench", "W2-direct", "--scale", "0.002"])
    assert res.exit_code == 0, res.output
    (x,) = [json.loads(line) for line in res.output.splitlines() if line.startswith("{")]
    assert x["workload"] == "W2-direct" and x["journal"] == "group"
    assert x["quotes"] == 2000 and x["orders"] == 200 and x["accepted"] == 200
    assert x["fills"] == 200  # one venue, no router: one fill per market order
    # BUY 0.4, then SELL 0.2 / BUY 0.2: after an even number of orders the position is 0.2
    assert D(x["position"]) == D("0.2")
    assert x["orders_per_s"] > 0 and x["quotes_per_s"] == pytest.approx(
        10 * x["orders_per_s"], rel=0.01
    )
