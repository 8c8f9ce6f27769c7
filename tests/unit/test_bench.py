"""The benchmark workloads run end to end (tiny sizes) and print JSON lines with percentiles."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tradecore.cli import app


def test_every_workload_prints_a_json_line_with_percentiles() -> None:
    res = CliRunner().invoke(app, ["bench", "all", "--scale", "0.001"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.output.splitlines() if x.startswith("{")]
    names = [x["workload"] for x in lines]
    assert names[:3] == ["W1", "W1-pnl-only", "W2"] and names[-2:] == ["W4", "recovery"]
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
