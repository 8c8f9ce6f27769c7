"""Degenerate return series (issue 15: constant returns gave a Sharpe of 8.68e16)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.portfolio.analytics import summary


@given(r=st.floats(-0.5, 0.5, allow_nan=False), n=st.integers(2, 400))
def test_constant_returns_have_no_volatility_and_no_sharpe(r: float, n: int) -> None:
    s = summary([r] * n, simulations=100)
    assert s["volatility"] == 0.0
    assert math.isnan(s["sharpe"])  # undefined, printed as null by --json
    assert s["value_at_risk"] == pytest.approx(r)


def test_explosive_growth_gives_an_infinite_cagr_not_a_traceback() -> None:
    s = summary([100.0] * 10, simulations=100)  # 101^10 compounded to 252 periods: > 1e308
    assert s["cagr"] == math.inf and s["total_return"] == pytest.approx(101.0**10 - 1)
