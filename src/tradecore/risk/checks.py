"""Pre-trade checks: one small class each, ``check(order, limits, ctx) -> Denial | None``.

Each denial names the check, the limit and the value that broke it. A check whose limit is
not configured costs one attribute test.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import ClassVar

from tradecore.errors import FxRateMissing
from tradecore.model.denial import Denial
from tradecore.model.enums import AssetClass, ReasonCode, Side
from tradecore.model.orders import Order
from tradecore.risk.config import Limits
from tradecore.risk.context import RiskContext

R = ReasonCode
ZERO = Decimal(0)
HUNDRED = Decimal(100)
TEN_K = Decimal(10_000)


def _signed(order: Order) -> Decimal:
    return order.leaves_qty if order.side is Side.BUY else -order.leaves_qty


class Check:
    name: ClassVar[str] = "check"

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        raise NotImplementedError

    def applies(self, lim: Limits) -> bool:
        """Whether ``lim`` configures this check at all (the pipeline skips it otherwise)."""
        return True

    def deny(self, code: ReasonCode, msg: str, limit: object, value: object) -> Denial:
        return Denial(code, msg, self.name, str(limit), str(value))


class MaxOrderQuantity(Check):
    name = "max_order_quantity"

    def applies(self, lim: Limits) -> bool:
        return bool(lim.max_order_quantity)

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        m = lim.max_order_quantity
        if not m:
            return None
        cap = m.get(o.instrument_id.symbol, m.get("*"))
        if cap is not None and o.quantity > cap:
            return self.deny(
                R.MAX_ORDER_QUANTITY, f"quantity {o.quantity} > max {cap}", cap, o.quantity
            )
        return None


class MaxOrderNotional(Check):
    name = "max_order_notional"

    def applies(self, lim: Limits) -> bool:
        return lim.max_order_notional is not None

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        cap = lim.max_order_notional
        if cap is None:
            return None
        px = ctx.order_price(o)
        inst = ctx.engine.instrument_for(o)
        if px is None or inst is None:
            return self.deny(R.NO_REFERENCE_PRICE, "no price to value the order", cap, "n/a")
        try:
            notional = ctx.to_base(o.quantity * px * inst.multiplier, inst.quote.code)
        except FxRateMissing as e:
            return self.deny(R.NO_REFERENCE_PRICE, str(e), cap, "n/a")
        if notional > cap:
            return self.deny(
                R.MAX_ORDER_NOTIONAL, f"notional {notional} {ctx.base} > max {cap}", cap, notional
            )
        return None


class PriceBand(Check):
    """Fat-finger guard: a limit price at most ``price_band_bps`` away from the reference mid."""

    name = "price_band"

    def applies(self, lim: Limits) -> bool:
        return lim.price_band_bps is not None

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        band = lim.price_band_bps
        if band is None or o.price is None:
            return None
        ref = ctx.reference_price(o.instrument_id.symbol)
        if ref is None:
            return self.deny(R.NO_REFERENCE_PRICE, "no reference price", band, "n/a")
        dev = abs(o.price - ref) / ref * TEN_K
        if dev > band:
            return self.deny(
                R.PRICE_BAND, f"price {o.price} is {dev:.2f} bps from reference {ref}", band, dev
            )
        return None


class MaxPosition(Check):
    name = "max_position"

    def applies(self, lim: Limits) -> bool:
        return bool(lim.max_position)

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        m = lim.max_position
        if not m:
            return None
        sym = o.instrument_id.symbol
        cap = m.get(sym, m.get("*"))
        if cap is None:
            return None
        after = ctx.positions.signed_quantity(o.account, sym) + _signed(o)
        if abs(after) > cap:
            return self.deny(
                R.MAX_POSITION, f"position after order {after} exceeds {cap}", cap, after
            )
        return None


class Exposure(Check):
    """Gross and net exposure (base currency) with the order included."""

    name = "exposure"

    def applies(self, lim: Limits) -> bool:
        return lim.max_gross_exposure is not None or lim.max_net_exposure is not None

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        g, n = lim.max_gross_exposure, lim.max_net_exposure
        if g is None and n is None:
            return None
        exp = ctx.exposures(o.account, (o.instrument_id.symbol, _signed(o)))
        if g is not None:
            gross = sum((abs(v) for v in exp.values()), ZERO)
            if gross > g:
                return Denial(
                    R.GROSS_EXPOSURE,
                    f"gross exposure {gross} > {g}",
                    "max_gross_exposure",
                    str(g),
                    str(gross),
                )
        if n is not None:
            net = sum(exp.values(), ZERO)
            if abs(net) > n:
                return Denial(
                    R.NET_EXPOSURE,
                    f"net exposure {net} beyond {n}",
                    "max_net_exposure",
                    str(n),
                    str(net),
                )
        return None


class Concentration(Check):
    name = "max_concentration_pct"

    def applies(self, lim: Limits) -> bool:
        return lim.max_concentration_pct is not None

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        cap = lim.max_concentration_pct
        if cap is None:
            return None
        exp = ctx.exposures(o.account, (o.instrument_id.symbol, _signed(o)))
        gross = sum((abs(v) for v in exp.values()), ZERO)
        if gross == 0:
            return None
        share = abs(exp.get(o.instrument_id.symbol, ZERO)) / gross * HUNDRED
        if share > cap and len(exp) > 1:
            return self.deny(
                R.CONCENTRATION,
                f"{o.instrument_id.symbol} would be {share:.2f}% of gross",
                cap,
                share.quantize(Decimal("0.01")),
            )
        return None


class Leverage(Check):
    name = "max_leverage"

    def applies(self, lim: Limits) -> bool:
        return lim.max_leverage is not None

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        cap = lim.max_leverage
        if cap is None:
            return None
        exp = ctx.exposures(o.account, (o.instrument_id.symbol, _signed(o)))
        gross = sum((abs(v) for v in exp.values()), ZERO)
        eq = ctx.equity(o.account)
        if eq <= 0:
            return self.deny(R.LEVERAGE, f"equity {eq} is not positive", cap, "inf")
        lev = gross / eq
        if lev > cap:
            return self.deny(
                R.LEVERAGE, f"leverage {lev:.4f} > {cap}", cap, lev.quantize(Decimal("0.0001"))
            )
        return None


class RateLimit(Check):
    """Orders per sliding window per account (cancels are counted by :meth:`on_cancel`)."""

    name = "order_rate"

    def applies(self, lim: Limits) -> bool:
        return lim.max_orders_per_window is not None

    def __init__(self) -> None:
        self._orders: dict[str, deque[int]] = {}
        self._cancels: dict[str, deque[int]] = {}

    def _hit(
        self, book: dict[str, deque[int]], acct: str, now: int, window_ns: int, cap: int
    ) -> int | None:
        d = book.setdefault(acct, deque())
        horizon = now - window_ns
        while d and d[0] <= horizon:
            d.popleft()
        if len(d) >= cap:
            return len(d)
        d.append(now)
        return None

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        cap = lim.max_orders_per_window
        if cap is None:
            return None
        n = self._hit(
            self._orders, o.account, ctx.engine.clock.now_ns(), lim.rate_window_ms * 1_000_000, cap
        )
        if n is not None:
            return self.deny(R.ORDER_RATE, f"{n} orders in {lim.rate_window_ms} ms", cap, n + 1)
        return None

    def cancel_denial(self, account: str, lim: Limits, now: int) -> Denial | None:
        cap = lim.max_cancels_per_window
        if cap is None:
            return None
        n = self._hit(self._cancels, account, now, lim.rate_window_ms * 1_000_000, cap)
        if n is not None:
            return Denial(
                R.CANCEL_RATE,
                f"{n} cancels in {lim.rate_window_ms} ms",
                "cancel_rate",
                str(cap),
                str(n + 1),
            )
        return None


class DuplicateOrder(Check):
    name = "duplicate_order"

    def applies(self, lim: Limits) -> bool:
        return lim.duplicate_window_ms is not None

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, Side, Decimal, Decimal | None], int] = {}

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        w = lim.duplicate_window_ms
        if w is None:
            return None
        now = ctx.engine.clock.now_ns()
        key = (o.account, o.instrument_id.symbol, o.side, o.quantity, o.price)
        last = self._seen.get(key)
        self._seen[key] = now
        if len(self._seen) > 100_000:  # bounded memory: forget entries older than the window
            horizon = now - w * 1_000_000
            self._seen = {k: t for k, t in self._seen.items() if t > horizon}
        if last is not None and now - last < w * 1_000_000:
            return self.deny(
                R.DUPLICATE_ORDER,
                f"same order {(now - last) // 1_000_000} ms ago",
                f"{w}ms",
                f"{(now - last) // 1_000_000}ms",
            )
        return None


class SelfTrade(Check):
    name = "self_trade_prevention"

    def applies(self, lim: Limits) -> bool:
        return lim.self_trade_prevention

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        if not lim.self_trade_prevention:
            return None
        # SMART orders never reach our own orders (the planner cuts depth before them); a
        # direct order is denied only if it would reach one at its venue (no false positives)
        probe = ctx.self_trade_probe
        opp = None if probe is None else probe(o)
        if opp is None:
            return None
        return self.deny(
            R.SELF_TRADE,
            f"would trade against our own resting order at {opp} on {o.instrument_id.venue}",
            opp,
            o.price or "MARKET",
        )


class TradingHours(Check):
    """Equities only trade in their exchange session (exchange-calendars); crypto is 24/7."""

    name = "trading_hours"

    def applies(self, lim: Limits) -> bool:
        return lim.trading_hours

    def __init__(self, calendars: dict[str, str]) -> None:
        self._names = calendars
        self._cals: dict[str, object] = {}
        self._minute: dict[tuple[str, int], bool] = {}

    def _open(self, cal_name: str, ts_ns: int) -> bool:
        minute = ts_ns // 60_000_000_000
        key = (cal_name, minute)
        hit = self._minute.get(key)
        if hit is None:
            import exchange_calendars as xcals
            import pandas as pd

            cal = self._cals.get(cal_name)
            if cal is None:
                cal = xcals.get_calendar(cal_name)
                self._cals[cal_name] = cal
            t = pd.Timestamp(minute * 60, unit="s", tz="UTC")
            hit = bool(cal.is_open_on_minute(t, ignore_breaks=False))  # type: ignore[attr-defined]
            if len(self._minute) > 50_000:
                self._minute.clear()
            self._minute[key] = hit
        return hit

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        if not lim.trading_hours:
            return None
        inst = ctx.engine.instrument_for(o)
        if inst is None or inst.asset_class is not AssetClass.EQUITY:
            return None
        cal = self._names.get(inst.symbol)
        if cal is None:
            return None
        if not self._open(cal, ctx.engine.clock.now_ns()):
            return self.deny(R.MARKET_CLOSED, f"{inst.symbol} ({cal}) is closed", cal, "closed")
        return None


class VarLimit(Check):
    """Portfolio VaR with the order included (incremental VaR, rolling covariance)."""

    name = "max_var"

    def applies(self, lim: Limits) -> bool:
        return lim.max_var is not None

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        cap = lim.max_var
        if cap is None:
            return None
        exp = ctx.exposures(o.account, (o.instrument_id.symbol, _signed(o)))
        v = ctx.var(exp)
        if v is None:
            return None  # not enough history yet: documented in docs/risk.md
        val = Decimal(repr(round(v, 2)))
        if val > cap:
            before = ctx.var(ctx.exposures(o.account)) or 0.0
            return self.deny(
                R.VAR_LIMIT, f"VaR with order {val} > {cap} (before {before:.2f})", cap, val
            )
        return None


class CorrelatedExposure(Check):
    name = "max_correlated_exposure"

    def applies(self, lim: Limits) -> bool:
        return lim.max_correlated_exposure is not None

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        cap = lim.max_correlated_exposure
        if cap is None:
            return None
        ce = ctx.correlated_exposure(ctx.exposures(o.account, (o.instrument_id.symbol, _signed(o))))
        if ce is None:
            return None
        val = Decimal(repr(round(ce, 2)))
        if val > cap:
            return self.deny(
                R.CORRELATED_EXPOSURE, f"correlation-adjusted exposure {val} > {cap}", cap, val
            )
        return None


class ReduceOnly(Check):
    """An order flagged reduce-only, or any order of an account in reduce-only state, may only
    shrink the position (no increase, no flip)."""

    name = "reduce_only"

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        if not (o.reduce_only or lim.reduce_only):
            return None
        pos = ctx.positions.signed_quantity(o.account, o.instrument_id.symbol)
        after = pos + _signed(o)
        if pos == 0 or abs(after) > abs(pos) or (after != 0 and (after > 0) != (pos > 0)):
            return self.deny(
                R.REDUCE_ONLY, f"position {pos} would become {after}", "reduce-only", after
            )
        return None
