"""What the checks read: prices, positions, exposures, open orders, return statistics.

One object per engine, fed by the bus (quotes and fills), so every check is a few dict
lookups. Exposures are valued in the base currency through the portfolio's FX rates.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tradecore.engine.core import Engine
from tradecore.errors import FxRateMissing
from tradecore.model.enums import OrderType
from tradecore.model.market import Quote
from tradecore.model.orders import Order
from tradecore.portfolio.fx import FxRates
from tradecore.positions.keeper import PositionKeeper
from tradecore.risk.config import RiskConfig

ZERO = Decimal(0)


class RiskContext:
    def __init__(
        self, engine: Engine, positions: PositionKeeper, fx: FxRates, config: RiskConfig,
        base_currency: str = "USD", equity: dict[str, Decimal] | None = None,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.positions = positions
        self.fx = fx
        self.config = config
        self.base = base_currency
        self.initial_equity = dict(equity or {})
        self.mid: dict[str, Decimal] = {}  # by symbol, latest mid of any venue
        self._memo: dict[tuple[str, tuple[str, Decimal] | None], dict[str, Decimal]] = {}
        self._memoizing = False
        # returns per symbol sampled every var_bar_ms (floats: statistics)
        self._bar_ns = config.var_bar_ms * 1_000_000
        self._last_bar: dict[str, tuple[int, float]] = {}
        self.returns: dict[str, deque[float]] = {}
        self._cov: tuple[list[str], Any] | None = None
        # self-trade prevention: the price of our own resting order that a direct order would
        # reach at its venue, or None (set by bootstrap to the execution module's probe)
        self.self_trade_probe: Callable[[Order], Decimal | None] | None = None
        engine.bus.subscribe(Quote, self._on_quote)

    # ------------------------------------------------------------------ market
    def _on_quote(self, q: Quote) -> None:
        sym = q.instrument_id.symbol
        mid = (q.bid + q.ask) / 2
        self.mid[sym] = mid
        bar = q.ts // self._bar_ns
        last = self._last_bar.get(sym)
        if last is None:
            self._last_bar[sym] = (bar, float(mid))
        elif bar > last[0]:
            r = float(mid) / last[1] - 1.0
            d = self.returns.setdefault(sym, deque(maxlen=self.config.var_window))
            d.append(r)
            self._last_bar[sym] = (bar, float(mid))
            self._cov = None

    def reference_price(self, symbol: str) -> Decimal | None:
        return self.mid.get(symbol)

    # ------------------------------------------------------------------ valuation
    def to_base(self, amount: Decimal, ccy: str) -> Decimal:
        return self.fx.convert(amount, ccy, self.base)

    def order_price(self, order: Order) -> Decimal | None:
        if order.order_type is OrderType.LIMIT and order.price is not None:
            return order.price
        return self.mid.get(order.instrument_id.symbol)

    def exposures(
        self, account: str, extra: tuple[str, Decimal] | None = None
    ) -> dict[str, Decimal]:
        """Memoised only while one order is being checked (between :meth:`begin` and
        :meth:`end`), so several checks share one computation and nothing goes stale."""
        if not self._memoizing:
            return self._exposures(account, extra)
        key = (account, extra)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._exposures(account, extra)
            self._memo[key] = hit
        return hit

    def begin(self) -> None:
        self._memo.clear()
        self._memoizing = True

    def end(self) -> None:
        self._memo.clear()
        self._memoizing = False

    def _exposures(self, account: str, extra: tuple[str, Decimal] | None) -> dict[str, Decimal]:
        """Signed base-currency exposure per symbol, optionally with ``extra`` = (symbol,
        signed quantity) added at the reference price. Symbols without a price or FX rate are
        left out (the checks that need them deny on their own)."""
        out: dict[str, Decimal] = {}
        for p in self.positions.positions(account):
            if p.quantity == 0:
                continue
            mark = self.mid.get(p.symbol, p.mark)
            if mark is None:
                continue
            try:
                out[p.symbol] = self.to_base(p.quantity * mark * p.multiplier, p.currency.code)
            except FxRateMissing:
                continue
        if extra is not None:
            sym, signed = extra
            inst = self.engine.instruments.any_for(sym)
            mark = self.mid.get(sym)
            if inst is not None and mark is not None:
                add = self.to_base(signed * mark * inst.multiplier, inst.quote.code)
                out[sym] = out.get(sym, ZERO) + add
        return out

    def equity(self, account: str) -> Decimal:
        """Initial equity + realized + unrealized - fees, in the base currency. Amounts in a
        currency without an FX rate yet are left out (and reported by the portfolio view)."""
        init = self.initial_equity
        eq = init.get(account)
        if eq is None:
            eq = init.get("*", ZERO)
        k = self.positions
        base = self.base
        for totals, sign in (
            (k.realized_total.get(account), False),
            (k._unreal_by_account.get(account), False),
            (k.fees_total.get(account), True),
        ):
            if not totals:
                continue
            for ccy, amt in totals.items():
                if ccy != base:
                    try:
                        amt = self.to_base(amt, ccy)
                    except FxRateMissing:
                        continue
                eq = eq - amt if sign else eq + amt
        return eq

    # ------------------------------------------------------------------ statistics
    def covariance(self) -> tuple[list[str], Any] | None:
        """Sample covariance of the symbols with enough aligned history (cached)."""
        if self._cov is not None:
            return self._cov
        syms = sorted(s for s, d in self.returns.items() if len(d) >= self.config.var_min_obs)
        if not syms:
            return None
        import numpy as np  # here, not at import: serve starts ~0.2 s sooner without it

        n = min(len(self.returns[s]) for s in syms)
        m = np.array([list(self.returns[s])[-n:] for s in syms], dtype=np.float64)
        cov = np.atleast_2d(np.cov(m, ddof=1))
        self._cov = (syms, cov)
        return self._cov

    def var(self, exposure: dict[str, Decimal]) -> float | None:
        """1-day parametric VaR (positive number, base currency) of the exposure vector."""
        c = self.covariance()
        if c is None:
            return None
        syms, cov = c
        import numpy as np

        w = np.array([float(exposure.get(s, ZERO)) for s in syms], dtype=np.float64)
        from scipy.stats import norm

        z = -float(norm.ppf(1.0 - self.config.var_confidence))
        return z * math.sqrt(max(float(w @ cov @ w), 0.0))

    def correlated_exposure(self, exposure: dict[str, Decimal]) -> float | None:
        """sqrt(w' C w) with C the correlation matrix: gross exposure net of diversification."""
        c = self.covariance()
        if c is None:
            return None
        syms, cov = c
        import numpy as np

        sd = np.sqrt(np.diag(cov))
        sd[sd == 0] = 1.0
        corr = cov / np.outer(sd, sd)
        w = np.array([float(exposure.get(s, ZERO)) for s in syms], dtype=np.float64)
        return math.sqrt(max(float(w @ corr @ w), 0.0))
