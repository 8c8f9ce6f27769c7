"""What the checks read: prices, positions, exposures, open orders, return statistics.

One object per engine, fed by the bus (quotes and fills), so every check is a few dict
lookups. Exposures are valued in the base currency through the portfolio's FX rates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Final

import numpy as np

from tradecore.engine.core import Engine
from tradecore.errors import FxRateMissing
from tradecore.model.denial import Denial
from tradecore.model.enums import OrderType, Side
from tradecore.model.enums import ReasonCode as R
from tradecore.model.identifiers import ClientOrderId
from tradecore.model.market import Quote
from tradecore.model.orders import Order
from tradecore.portfolio.fx import FxRates
from tradecore.positions.keeper import PositionKeeper
from tradecore.risk.config import RiskConfig, Warmup
from tradecore.risk.events import RiskAlert
from tradecore.risk.exposure import ExposureView, Extra
from tradecore.risk.stats import (
    ReturnSampler,
    VarMethod,
    horizon_scale,
    var_historical,
    var_monte_carlo,
    var_parametric,
)
from tradecore.risk.working import Totals, WorkingOrders

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_BUY: Final = Side.BUY
_LIMIT: Final = OrderType.LIMIT


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
        self._memo: dict[tuple[str, Extra | None], ExposureView] = {}
        self.working = WorkingOrders(engine.bus, engine.state._by_id.get)  # a dict's get: hot
        self.replacing: ClientOrderId | None = None  # set while an amendment is checked
        self._units: dict[str, tuple[Decimal, Decimal]] = {}  # symbol -> (mid, unit value)
        self._memoizing = False
        # returns of every symbol sampled on one clock of var_bar_ms bars (risk/stats.py)
        self.sampler = ReturnSampler(config.var_bar_ms * 1_000_000, config.var_window)
        self.returns = self.sampler.returns
        self._cov: tuple[int, list[str], Any, Any] | None = None
        self._scale = horizon_scale(config.var_horizon_ms, config.var_bar_ms)
        self._warned: set[tuple[str, str]] = set()
        # self-trade prevention: the price of our own resting order that a direct order would
        # reach at its venue, or None (set by bootstrap to the execution module's probe)
        self.self_trade_probe: Callable[[Order], Decimal | None] | None = None
        self.now_ns = engine.clock.now_ns
        # the order being checked (between begin and end) and what the checks worked out
        # for it once: its added quantity, (gross, net) with it and without it, equity
        self._order: Order | None = None
        self._added: Decimal | None = None
        self._after: tuple[Decimal, Decimal] | None = None
        self._before: tuple[Decimal, Decimal] | None = None
        self._equity: Decimal | None = None
        engine.bus.subscribe(Quote, self._on_quote)

    # ------------------------------------------------------------------ market
    def _on_quote(self, q: Quote) -> None:
        sym = q.instrument_id.symbol
        mid = (q.bid + q.ask) / 2
        self.mid[sym] = mid
        self.sampler.on_price(sym, q.ts, float(mid))

    def reference_price(self, symbol: str) -> Decimal | None:
        return self.mid.get(symbol)

    # ------------------------------------------------------------------ valuation
    def to_base(self, amount: Decimal, ccy: str) -> Decimal:
        return self.fx.convert(amount, ccy, self.base)

    def order_price(self, order: Order) -> Decimal | None:
        if order.order_type is _LIMIT and order.price is not None:
            return order.price
        return self.mid.get(order.instrument_id.symbol)

    def exposures(self, account: str, extra: Extra | None = None) -> ExposureView:
        """Open-order exposure of ``account`` (filled plus working orders, worst case per
        side), optionally with ``extra`` = (symbol, side, quantity) added on that side.
        Memoised only while one order is being checked (between :meth:`begin` and
        :meth:`end`), so several checks share one computation and nothing goes stale."""
        if not self._memoizing:
            return self._exposures(account, extra)
        key = (account, extra)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._exposures(account, extra)
            self._memo[key] = hit
        return hit

    def begin(self, order: Order) -> None:
        """``order`` is being checked: what the checks work out for it is kept until
        :meth:`end` (several checks share one computation; nothing outlives the check)."""
        if self._memo:
            self._memo.clear()
        self._memoizing = True
        self._order = order
        self._added = self._after = self._before = self._equity = None

    def end(self) -> None:
        if self._memo:
            self._memo.clear()
        self._memoizing = False
        self._order = None
        self._added = self._after = self._before = self._equity = None

    # ------------------------------------------------------------------ the order checked
    def added(self, order: Order) -> Decimal:
        """What ``order`` adds on its side: its unfilled quantity, less what the order it
        amends already counts (a replace is checked as the order it becomes)."""
        if order is self._order:
            got = self._added
            if got is None:
                got = self._added = self._added_by(order)
            return got
        return self._added_by(order)

    def _added_by(self, order: Order) -> Decimal:
        if self.replacing is None:
            return order.leaves_qty
        return order.leaves_qty - self.working.counted(self.replacing)

    def after(self, order: Order) -> tuple[Decimal, Decimal]:
        """(gross, net) open-order exposure of ``order``'s account with ``order`` added."""
        if order is self._order:
            got = self._after
            if got is None:
                got = self._after = self.measures(order.account, self.extra(order))
            return got
        return self.measures(order.account, self.extra(order))

    def before(self, account: str) -> tuple[Decimal, Decimal]:
        """(gross, net) open-order exposure of ``account`` as it stands."""
        o = self._order
        if o is not None and o.account == account:
            got = self._before
            if got is None:
                got = self._before = self.measures(account, None)
            return got
        return self.measures(account, None)

    def extra(self, order: Order) -> Extra:
        return (order.instrument_id.symbol, order.side, self.added(order))

    def warmup_denial(self, check: str, account: str, cap: Decimal) -> Denial | None:
        """Fewer than ``var_min_obs`` returns for ``check`` yet: ``var_warmup = "deny"``
        denies; ``"warn"`` lets the order through and publishes one WARN alert (per account
        and check) until the history is long enough."""
        n, need = self.sampler.observations(), self.config.var_min_obs
        if self.config.var_warmup is Warmup.DENY:
            code = R.VAR_LIMIT if check == "max_var" else R.CORRELATED_EXPOSURE
            msg = f"{check} warming up: {n} of {need} returns (var_warmup = deny)"
            return Denial(code, msg, check, str(cap), f"{n} obs")
        key = (account, check)
        if key not in self._warned:
            self._warned.add(key)
            pct = (Decimal(n) / Decimal(need) * 100).quantize(Decimal("0.01"))
            alert = RiskAlert(
                self.engine.clock.now_ns(), account, "WARN", f"{check}:warmup", Decimal(n),
                Decimal(need), pct,
            )  # fmt: skip
            self.engine.bus.publish(alert)
        return None

    def worst_quantity(self, account: str, symbol: str, side: Side, add: Decimal) -> Decimal:
        """Signed position if every working order on ``side`` filled, plus ``add`` more."""
        pos = self.positions.signed_quantity(account, symbol)
        t = self.working.totals(account, symbol)
        if side is _BUY:
            return pos + t.buy + add
        return pos - t.sell - add

    def measures(self, account: str, extra: Extra | None = None) -> tuple[Decimal, Decimal]:
        """(gross, net) of :meth:`exposures` (the same rows, added in the same order),
        without building the per-symbol view: what the gross, net and leverage checks and
        the monitor read."""
        g = nl = ns = ZERO
        for _, lv, sv in self._rows(account, extra):
            a, b = abs(lv), abs(sv)
            g += a if a >= b else b
            nl += lv
            ns += sv
        return g, (nl if abs(nl) >= abs(ns) else ns)

    def _rows(self, account: str, extra: Extra | None) -> Iterator[tuple[str, Decimal, Decimal]]:
        """Per symbol (those with a position, then those with working orders only, then the
        extra's), the base-currency value of the long worst case (filled + working buys) and
        of the short worst case (filled - working sells), ``extra`` added on its side.
        Symbols without a price or FX rate are left out (the checks that need them deny on
        their own)."""
        working = self.working.by_symbol(account)
        positions = self.positions
        xsym = None if extra is None else extra[0]
        xdone = False
        rows: list[tuple[str, Decimal, Totals | None]] = []
        for p in positions.positions(account):
            if p.quantity:
                rows.append((p.symbol, p.quantity, working.get(p.symbol)))
        for sym, totals in working.items():
            if not positions.signed_quantity(account, sym):  # else counted with its position
                rows.append((sym, ZERO, totals))
        for sym, pos, t in rows:
            if sym == xsym:
                xdone = True
            row = self._row(sym, pos, t, extra if sym == xsym else None)
            if row is not None:
                yield sym, row[0], row[1]
        if extra is not None and not xdone:
            row = self._row(extra[0], ZERO, None, extra)
            if row is not None:
                yield extra[0], row[0], row[1]

    def _row(
        self, sym: str, pos: Decimal, t: Totals | None, extra: Extra | None
    ) -> tuple[Decimal, Decimal] | None:
        """(long, short) worst-case value of one symbol, or None without a price/rate."""
        unit = self._unit_value(sym)
        if unit is None:
            return None
        buy, sell = (ZERO, ZERO) if t is None else (t.buy, t.sell)
        if extra is not None:
            if extra[1] is _BUY:
                buy += extra[2]
            else:
                sell += extra[2]
        return (pos + buy) * unit, (pos - sell) * unit

    def _exposures(self, account: str, extra: Extra | None) -> ExposureView:
        """The per-symbol view of :meth:`_rows`."""
        longs: dict[str, Decimal] = {}
        shorts: dict[str, Decimal] = {}
        for sym, lv, sv in self._rows(account, extra):
            longs[sym] = lv
            shorts[sym] = sv
        return ExposureView(longs, shorts)

    def _unit_value(self, symbol: str) -> Decimal | None:
        """Base-currency value of one unit of ``symbol`` at its mark (None: no price/rate).
        Cached per mid for instruments quoted in the base currency (no FX rate involved)."""
        mark = self.mid.get(symbol)
        hit = self._units.get(symbol)
        if hit is not None and hit[0] is mark:
            return hit[1]
        inst = self.engine.instruments.any_for(symbol)
        if mark is None:
            p = next((p for p in self.positions.positions_in(symbol) if p.mark), None)
            mark = None if p is None else p.mark
        if inst is None or mark is None:
            return None
        ccy = inst.quote.code
        try:
            unit = self.to_base(mark * inst.multiplier, ccy)
        except FxRateMissing:
            return None
        if ccy == self.base and mark is self.mid.get(symbol):
            self._units[symbol] = (mark, unit)
        return unit

    def equity(self, account: str) -> Decimal:
        """Initial equity + realized + unrealized - fees, in the base currency. Amounts in a
        currency without an FX rate yet are left out (and reported by the portfolio view)."""
        o = self._order
        if o is not None and o.account == account:
            got = self._equity
            if got is None:
                got = self._equity = self._equity_of(account)
            return got
        return self._equity_of(account)

    def _equity_of(self, account: str) -> Decimal:
        init = self.initial_equity
        eq = init.get(account)
        if eq is None:
            eq = init.get("*", ZERO)
        k = self.positions
        realized = k.realized_total.get(account)
        if realized:
            eq += self._in_base(realized)
        unrealized = k._unreal_by_account.get(account)
        if unrealized:
            eq += self._in_base(unrealized)
        fees = k.fees_total.get(account)
        if fees:
            eq -= self._in_base(fees)
        return eq

    def _in_base(self, amounts: dict[str, Decimal]) -> Decimal:
        """The sum of per-currency ``amounts`` in the base currency, leaving out currencies
        without an FX rate yet (one currency, the base: a dict read)."""
        base = self.base
        if len(amounts) == 1:
            amt = amounts.get(base)
            if amt is not None:
                return amt
        total = ZERO
        for ccy, amt in amounts.items():
            if ccy != base:
                try:
                    amt = self.to_base(amt, ccy)
                except FxRateMissing:
                    continue
            total += amt
        return total

    # ------------------------------------------------------------------ statistics
    def _stats(self) -> tuple[int, list[str], Any, Any] | None:
        """(version, symbols, returns matrix, sample covariance), cached per bar close."""
        c = self._cov
        ver = self.sampler.version
        if c is not None and c[0] == ver:
            return c
        got = self.sampler.matrix(self.config.var_min_obs)
        if got is None:
            return None
        syms, m = got
        cov = np.atleast_2d(np.cov(m, rowvar=False, ddof=1))
        self._cov = (ver, syms, m, cov)
        return self._cov

    def covariance(self) -> tuple[list[str], Any] | None:
        """Sample covariance of the symbols with enough aligned history (cached)."""
        c = self._stats()
        return None if c is None else (c[1], c[3])

    def var(self, exposure: Mapping[str, Decimal]) -> float | None:
        """VaR over ``var_horizon_ms`` (positive, base currency) of the exposure vector, by
        ``var_method``; None while fewer than ``var_min_obs`` returns exist."""
        c = self._stats()
        if c is None:
            return None
        _, syms, m, cov = c
        w = np.array([float(exposure.get(s, ZERO)) for s in syms], dtype=np.float64)
        cfg = self.config
        if cfg.var_method is VarMethod.HISTORICAL:
            one = var_historical(w, m, cfg.var_confidence)
        elif cfg.var_method is VarMethod.MONTE_CARLO:
            one = var_monte_carlo(w, cov, cfg.var_confidence, cfg.var_mc_paths, cfg.var_mc_seed)
        else:
            one = var_parametric(w, cov, cfg.var_confidence)
        return one * self._scale

    def correlated_exposure(self, exposure: Mapping[str, Decimal]) -> float | None:
        """sqrt(w' C w) with C the correlation matrix: gross exposure net of diversification."""
        c = self.covariance()
        if c is None:
            return None
        syms, cov = c
        sd = np.sqrt(np.diag(cov))
        sd[sd == 0] = 1.0
        corr = cov / np.outer(sd, sd)
        w = np.array([float(exposure.get(s, ZERO)) for s in syms], dtype=np.float64)
        return math.sqrt(max(float(w @ corr @ w), 0.0))
