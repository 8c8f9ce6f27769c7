"""Return-series analytics (NumPy floats are fine here: these are statistics, not money).

Conventions (rf = 0, 252 periods a year; they match quantstats 0.0.86 for cross-checking):

* volatility = std(ddof=1) x sqrt(252)
* sharpe = mean / std(ddof=1) x sqrt(252)
* sortino = mean / sqrt(sum(r^2 for r < 0) / n) x sqrt(252)     (n = all periods)
* max_drawdown: on equity compounded from 1.0 *before* the first return; a negative fraction
* cagr = prod(1 + r)^(252 / n) - 1
* value_at_risk (parametric, daily, negative) = mean + sigma x Phi^-1(0.05)
* conditional_value_at_risk = mean - sigma x phi(Phi^-1(0.05)) / 0.05
* historical_var: the 5% empirical quantile (linear interpolation);
  historical_cvar: the mean of returns at or below it
* monte_carlo_var: the 5% quantile of ``simulations`` normal draws with the sample mean and
  sigma, seeded (deterministic)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from scipy.stats import norm

PERIODS = 252


def _arr(returns: Sequence[float | Decimal]) -> np.ndarray[Any, np.dtype[np.float64]]:
    a = np.asarray([float(r) for r in returns], dtype=np.float64)
    if a.size < 2:
        raise ValueError("need at least two returns")
    return a


def equity_curve(returns: Sequence[float | Decimal]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Compounded equity, starting at 1.0 before the first return (length n + 1)."""
    a = _arr(returns)
    return np.concatenate(([1.0], np.cumprod(1.0 + a)))


def drawdown(returns: Sequence[float | Decimal]) -> np.ndarray[Any, np.dtype[np.float64]]:
    return _drawdown(_arr(returns))


def _drawdown(a: np.ndarray[Any, np.dtype[np.float64]]) -> np.ndarray[Any, np.dtype[np.float64]]:
    eq = np.concatenate(([1.0], np.cumprod(1.0 + a)))
    return eq / np.maximum.accumulate(eq) - 1.0


def _cagr(growth: float, n: int) -> float:
    if not growth > 0:
        return float("nan")
    try:
        return float(growth ** (PERIODS / n) - 1.0)
    except OverflowError:  # a float power raises where it would overflow
        return float("inf")


def summary(
    returns: Sequence[float | Decimal],
    *,
    confidence: float = 0.95,
    simulations: int = 100_000,
    seed: int = 42,
) -> dict[str, float]:
    a = _arr(returns)
    n = a.size
    mean = float(a.mean())
    # identical returns have no spread: computed, their std is rounding noise (~1e-19) and
    # would give a Sharpe of ~1e16; it is exactly 0, so sharpe is undefined (NaN, JSON null)
    std = 0.0 if float(np.ptp(a)) == 0.0 else float(a.std(ddof=1))
    alpha = 1.0 - confidence
    z = float(norm.ppf(alpha))
    downside = math.sqrt(float(np.sum(np.square(a[a < 0]))) / n)
    growth = float(np.prod(1.0 + a))
    hist_var = float(np.quantile(a, alpha))
    tail = a[a <= hist_var]
    rng = np.random.default_rng(seed)
    sims = rng.normal(mean, std, simulations)
    return {
        "periods": float(n),
        "mean": mean,
        "volatility": std * math.sqrt(PERIODS),
        "sharpe": mean / std * math.sqrt(PERIODS) if std > 0 else float("nan"),
        "sortino": mean / downside * math.sqrt(PERIODS) if downside > 0 else float("nan"),
        "max_drawdown": float(_drawdown(a).min()),
        "cagr": _cagr(growth, n),
        "value_at_risk": mean + std * z,
        "conditional_value_at_risk": mean - std * float(norm.pdf(z)) / alpha,
        "historical_var": hist_var,
        "historical_cvar": float(tail.mean()) if tail.size else hist_var,
        "monte_carlo_var": float(np.quantile(sims, alpha)),
        "total_return": growth - 1.0,
    }
