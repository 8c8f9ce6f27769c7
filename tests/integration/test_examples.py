"""The three examples/ strategies backtested, each report's figures checked against a
recomputation from the report's fills and market marks with plain arithmetic and numpy,
never with tradecore's analytics."""

from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.strategy import backtest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
YEAR_S = 365 * 86_400
D = Decimal


def signed(f: dict[str, Any]) -> Decimal:
    return D(f["quantity"]) if f["side"] == "BUY" else -D(f["quantity"])


def recompute_equity(report: dict[str, Any]) -> list[Decimal]:
    """cash + cash flows of the fills seen so far + position x mark, at every sample."""
    cash0 = D(report["meta"]["initial_cash"])
    fills = report["fills"]
    out = []
    for s in report["samples"]:
        seen = fills[: s["fills"]]
        cash = cash0 - sum((signed(f) * D(f["price"]) + D(f["fee_exact"]) for f in seen), D(0))
        pos: dict[str, Decimal] = defaultdict(D)
        for f in seen:
            pos[f["instrument"].split("@")[0]] += signed(f)
        value = sum((q * D(s["marks"][sym]) for sym, q in pos.items() if q), D(0))
        out.append(cash + value)
    return out


def check_report(report: dict[str, Any]) -> None:
    st = report["stats"]
    fills = report["fills"]
    cents = D("0.01")
    # fills, fees, turnover
    assert st["fills"] == len(fills) > 0
    assert D(st["fees"]) == sum(D(f["fee_exact"]) for f in fills).quantize(cents)
    assert D(st["turnover"]) == sum(D(f["quantity"]) * D(f["price"]) for f in fills).quantize(cents)
    # the equity curve is the engine's; it must equal cash flows plus marked positions
    eq = recompute_equity(report)
    engine_eq = [D(r["equity"]) for r in report["equity"]]
    assert len(eq) == len(engine_eq)
    assert max(abs(a - b) for a, b in zip(eq, engine_eq, strict=True)) < D("1e-20")
    assert D(st["pnl"]) == (eq[-1] - eq[0]).quantize(cents)
    # curve statistics, recomputed with numpy / statistics
    e = np.array([float(x) for x in eq])
    r = e[1:] / e[:-1] - 1.0
    ann = math.sqrt(YEAR_S / (report["meta"]["sample_ms"] / 1000))
    assert st["max_drawdown"] == pytest.approx(float((e / np.maximum.accumulate(e) - 1).min()))
    sd = statistics.stdev(r.tolist())
    if sd == 0:
        assert st["sharpe"] is None
    else:
        assert st["sharpe"] == pytest.approx(statistics.fmean(r.tolist()) / sd * ann, rel=1e-9)
    downside = math.sqrt(float(np.sum(r[r < 0] ** 2)) / len(r))
    if downside == 0:
        assert st["sortino"] is None
    else:
        assert st["sortino"] == pytest.approx(float(r.mean()) / downside * ann, rel=1e-9)
    q5 = float(np.percentile(r, 5))
    assert st["var_95"] == pytest.approx(-q5)
    assert st["es_95"] == pytest.approx(-float(r[r <= q5].mean()))
    # fill ratio: filled over asked, from the fills and the orders' quantities
    by_order: dict[str, Decimal] = defaultdict(D)
    for f in fills:
        by_order[f["order_id"]] += D(f["quantity"])
    sent = [o for o in report["orders"] if o["status"] != "DENIED"]
    asked = sum(D(o["quantity"]) for o in sent)
    assert st["fill_ratio"] == pytest.approx(float(sum(by_order.values()) / asked))
    # execution quality per venue against the arrival mid
    arrival = {o["order_id"]: o["arrival_mid"] for o in report["orders"]}
    venues: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in fills:
        venues[f["instrument"].split("@")[1]].append(f)
    assert set(st["venues"]) == set(venues)
    for v, fs in venues.items():
        got = st["venues"][v]
        assert got["fills"] == len(fs)
        assert D(got["quantity"]) == sum(D(f["quantity"]) for f in fs)
        num = den = D(0)
        for f in fs:
            mid = D(arrival[f["order_id"]])
            px = D(f["price"])
            bps = ((mid - px) if f["side"] == "BUY" else (px - mid)) / mid * 10_000
            num += bps * D(f["quantity"])
            den += D(f["quantity"])
        assert got["vs_arrival_mid_bps"] == pytest.approx(float(num / den), rel=1e-9)


def running_position(fills: list[dict[str, Any]]) -> list[Decimal]:
    pos, out = D(0), []
    for f in fills:
        pos += signed(f)
        out.append(pos)
    return out


def test_market_maker_quotes_both_sides_within_its_inventory_limit(tmp_path: Path) -> None:
    res = backtest(EXAMPLES / "market_maker.py", seconds=90)
    check_report(res.report)
    fills = res.report["fills"]
    assert {f["side"] for f in fills} == {"BUY", "SELL"}
    assert max(abs(p) for p in running_position(fills)) <= D("0.2")
    assert sum(f["liquidity"] == "MAKER" for f in fills) > len(fills) / 2
    j, h = res.write(tmp_path, "mm")
    assert json.loads(j.read_text()) == json.loads(res.to_json())
    html = h.read_text()
    assert "<svg" in html and "<script" not in html and "src=" not in html


def test_twap_slices_the_parent_through_the_router_and_completes() -> None:
    res = backtest(EXAMPLES / "twap.py", seconds=70)
    check_report(res.report)
    fills = res.report["fills"]
    assert sum(D(f["quantity"]) for f in fills) == D("2")
    assert all(f["side"] == "BUY" for f in fills)
    assert len({f["instrument"] for f in fills}) >= 2  # the router used several venues
    assert all(o["instrument"] == "BTC/USD@SMART" for o in res.report["orders"])
    # the slices are spread over the schedule, not sent at once
    assert len({f["ts"] // 5_000_000_000 for f in fills}) >= 10


def test_momentum_stays_within_its_size_and_trades_both_ways() -> None:
    res = backtest(EXAMPLES / "momentum.py", seconds=120)
    check_report(res.report)
    fills = res.report["fills"]
    assert max(abs(p) for p in running_position(fills)) <= D("2")
    assert {f["side"] for f in fills} == {"BUY", "SELL"}


def test_a_backtest_is_reproducible_byte_for_byte_from_seed_and_data() -> None:
    a = backtest(EXAMPLES / "market_maker.py", seconds=20, seed=11)
    b = backtest(EXAMPLES / "market_maker.py", seconds=20, seed=11)
    c = backtest(EXAMPLES / "market_maker.py", seconds=20, seed=12)
    assert a.to_json() == b.to_json() and a.to_html() == b.to_html()
    assert a.to_json() != c.to_json()


def test_twap_with_a_volume_profile_follows_the_vwap_schedule() -> None:
    profile = (D(4), D(1), D(1), D(1), D(1), D(4))
    res = backtest(EXAMPLES / "twap.py", seconds=40, params={"profile": profile, "slices": 6})
    check_report(res.report)
    orders = res.report["orders"]
    assert [D(o["quantity"]) for o in orders][:2] == [D("0.6666"), D("0.1666")]
    assert sum(D(f["quantity"]) for f in res.report["fills"]) == D("2")


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    size=st.sampled_from(["0.01", "0.05", "0.1"]),
    limit=st.sampled_from(["0.1", "0.2", "0.35"]),
    half_spread=st.sampled_from(["0.5", "1.5", "3"]),
)
def test_market_maker_inventory_limit_and_report_hold_for_any_seed(
    seed: int, size: str, limit: str, half_spread: str
) -> None:
    params = {"size": size, "max_inventory": limit, "half_spread_bps": half_spread}
    res = backtest(EXAMPLES / "market_maker.py", seconds=15, seed=seed, params=params)
    fills = res.report["fills"]
    assert max((abs(p) for p in running_position(fills)), default=D(0)) <= D(limit)
    if len(res.report["equity"]) > 2 and fills:
        check_report(res.report)
