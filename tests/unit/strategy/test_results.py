"""Backtest results as a user reads them: DataFrames, the report, the Python entry point."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tradecore.strategy import Strategy, backtest

SEC = 1_000_000_000
START = 1_767_225_600_000_000_000


class TwoTrades(Strategy):
    def on_start(self) -> None:
        self.at(START + SEC + 50_000_000, lambda: self.buy("ETH/USD@SIMA", "1"))
        self.at(START + 2 * SEC + 50_000_000, lambda: self.sell("ETH/USD@SIMB", "0.5"))


def test_dataframe_exports_hold_exact_decimals() -> None:
    pd = pytest.importorskip("pandas")
    res = backtest(TwoTrades, seconds=4)
    fills = res.fills_df()
    assert isinstance(fills, pd.DataFrame) and len(fills) == len(res.fills) >= 2
    assert list(fills["side"][:2]) == ["BUY", "SELL"]
    assert all(isinstance(x, Decimal) for x in fills["price"])
    assert sum(fills["quantity"]) == sum(f.quantity for f in res.fills)
    pos = res.positions_df()
    assert list(pos["symbol"]) == ["ETH/USD"] and pos["quantity"][0] == Decimal("0.500")
    eq = res.equity_df()
    assert len(eq) == len(res.equity) and eq["equity"][0] == res.equity[0][1]


def test_without_pandas_the_export_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    res = backtest(TwoTrades, seconds=3)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"tradecore\[pandas\]"):
        res.fills_df()


def test_the_report_is_computed_on_the_engines_equity_curve() -> None:
    # found: analytics ran only on a returns CSV, never on the engine's own equity curve
    res = backtest(TwoTrades, seconds=5)
    eq = [e for _, e in res.equity]
    assert eq[0] == Decimal("1000000")  # initial cash, before any trade
    assert len(eq) == 6  # at the start, one a second through the data, after the settle
    assert Decimal(res.stats["pnl"]) == (eq[-1] - eq[0]).quantize(Decimal("0.01"))
    assert res.stats["fills"] == len(res.fills) and res.stats["orders"] == 2


def test_the_guide_example_in_strategies_md_runs(tmp_path: Path) -> None:
    import re

    doc = (Path(__file__).resolve().parents[3] / "docs" / "strategies.md").read_text()
    code = re.search(r"```python\n(.*?)```", doc, re.S)
    assert code is not None
    f = tmp_path / "my_strategy.py"
    f.write_text(code.group(1))
    res = backtest(f, seconds=120, seed=7)
    assert res.strategies[0].name == "Dip" and res.alerts == []
    # the figures the guide shows are the ones this run gives
    assert f"pnl {res.stats['pnl']} USD" in doc and f"{len(res.fills)} fills" in doc
    assert repr(res.strategies[0].orders[0]) in doc and repr(res.positions[0]) in doc


def test_every_public_strategy_method_is_in_the_api_reference() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "strategies.md").read_text()
    public = [n for n in dir(Strategy) if not n.startswith("_")]
    missing = [n for n in public if f"`{n}" not in doc]
    assert missing == []
