"""Return statistics for VaR and correlation (floats: statistics, never money).

Sampling on a common clock: time is cut into bars of ``var_bar_ms``; when a bar ends, every
instrument seen so far is sampled at its last mid (carried forward if it did not quote in
that bar), and its return over the bar is appended. Every instrument thus gets one return
per bar from its first close on, so the last ``n`` returns of any two instruments are the
same ``n`` bars: aligned in time, not paired by index.

VaR over a horizon: the one-bar VaR of the chosen method times ``sqrt(horizon / bar)``
(square-root-of-time: returns assumed independent and identically distributed from bar to
bar). Methods, for an exposure vector ``w`` (base currency) and confidence ``c``:

* parametric   z_c * sqrt(w' S w), S the sample covariance (ddof=1), z_c the normal quantile
* historical   minus the (1 - c) quantile (numpy's linear interpolation) of the profit and
  loss series ``R w`` over the sampled bars
* monte_carlo  minus the (1 - c) quantile of ``X w`` for ``paths`` draws ``X`` from
  N(0, S), with a fixed seed (the same inputs give the same number)
"""

from __future__ import annotations

import math
from collections import deque
from enum import StrEnum
from typing import Any

import numpy as np


class VarMethod(StrEnum):
    PARAMETRIC = "parametric"
    HISTORICAL = "historical"
    MONTE_CARLO = "monte_carlo"


class ReturnSampler:
    def __init__(self, bar_ns: int, window: int) -> None:
        self.bar_ns = bar_ns
        self.window = window
        self.bar: int | None = None
        self.last: dict[str, float] = {}  # latest mid in the current bar
        self.closes: dict[str, float] = {}  # mid at the last bar close
        self.returns: dict[str, deque[float]] = {}
        self.version = 0  # bumped at every bar close (caches key on it)

    def on_price(self, symbol: str, ts: int, price: float) -> None:
        bar = ts // self.bar_ns
        if self.bar is None:
            self.bar = bar
        elif bar > self.bar:
            self._close(min(bar - self.bar, self.window))
            self.bar = bar
        self.last[symbol] = price

    def _close(self, bars: int) -> None:
        """``bars`` bars ended (a quiet gap: the later ones have unchanged prices)."""
        returns = self.returns
        for sym, px in self.last.items():
            prev = self.closes.get(sym)
            if prev is not None or bars > 1:
                d = returns.get(sym)
                if d is None:
                    d = returns[sym] = deque(maxlen=self.window)
                if prev is not None:
                    d.append(px / prev - 1.0)
                d.extend([0.0] * (bars - 1))  # the quiet bars after this one
            self.closes[sym] = px
        self.version += 1

    def observations(self) -> int:
        return max((len(d) for d in self.returns.values()), default=0)

    def matrix(self, min_obs: int) -> tuple[list[str], Any] | None:
        """(symbols, n x k matrix of their last n aligned returns), symbols with at least
        ``min_obs`` returns, n the shortest of their histories."""
        syms = sorted(s for s, d in self.returns.items() if len(d) >= min_obs)
        if not syms:
            return None
        n = min(len(self.returns[s]) for s in syms)
        m = np.array([list(self.returns[s])[-n:] for s in syms], dtype=np.float64).T
        return syms, m


def horizon_scale(horizon_ms: int, bar_ms: int) -> float:
    return math.sqrt(horizon_ms / bar_ms)


def normal_quantile(p: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(p))


def var_parametric(w: Any, cov: Any, confidence: float) -> float:
    return -normal_quantile(1.0 - confidence) * math.sqrt(max(float(w @ cov @ w), 0.0))


def var_historical(w: Any, returns: Any, confidence: float) -> float:
    pnl = returns @ w
    return -float(np.quantile(pnl, 1.0 - confidence))


def var_monte_carlo(w: Any, cov: Any, confidence: float, paths: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(np.zeros(len(w)), cov, size=paths, method="eigh")
    return -float(np.quantile(draws @ w, 1.0 - confidence))
