"""Checks on open-order exposure: the filled position plus the worst case of the working
orders per side, with the order being checked added on its side (see risk/exposure.py).

An order is denied only if it takes a measure beyond its limit *and* makes that measure
worse: an order that reduces (or leaves unchanged) a measure already beyond its limit, after
a price move for instance, passes, so risk can always be reduced.

Gross and net come from :meth:`RiskContext.after` / :meth:`RiskContext.before`, worked out
once per order for all the checks that read them; concentration, VaR and correlation read
the per-symbol view (:meth:`RiskContext.exposures`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

from tradecore.model.denial import Denial
from tradecore.model.enums import ReasonCode, Side
from tradecore.model.orders import Order
from tradecore.risk.checks import Bound, Check
from tradecore.risk.config import Limits
from tradecore.risk.context import RiskContext

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_BUY: Final = Side.BUY


R = ReasonCode
ZERO = Decimal(0)
Q2 = Decimal("0.01")
Q4 = Decimal("0.0001")


class MaxPosition(Check):
    """|position| if every working order on the order's side filled, the order included."""

    name = "max_position"

    def bind(self, lim: Limits) -> Bound | None:
        caps = lim.max_position
        if not caps:
            return None
        default = caps.get("*")

        def check(o: Order, ctx: RiskContext) -> Denial | None:
            sym = o.instrument_id.symbol
            cap = caps.get(sym, default)
            if cap is None:
                return None
            add = ctx.added(o)
            after = ctx.worst_quantity(o.account, sym, o.side, add)
            beyond = after > cap if o.side is _BUY else after < -cap
            if beyond and add > 0:
                return self.deny(
                    R.MAX_POSITION,
                    f"position with working orders and this order {after} exceeds {cap}",
                    cap,
                    after,
                )
            return None

        return check


class Exposure(Check):
    """Gross and net exposure (base currency), working orders and the order included."""

    name = "exposure"

    def bind(self, lim: Limits) -> Bound | None:
        g, n = lim.max_gross_exposure, lim.max_net_exposure
        if g is None and n is None:
            return None

        def check(o: Order, ctx: RiskContext) -> Denial | None:
            gross, net = ctx.after(o)
            if g is not None and gross > g and gross > ctx.before(o.account)[0]:
                return Denial(
                    R.GROSS_EXPOSURE,
                    f"gross exposure with working orders {gross} > {g}",
                    "max_gross_exposure",
                    str(g),
                    str(gross),
                )
            if n is not None and abs(net) > n and abs(net) > abs(ctx.before(o.account)[1]):
                return Denial(
                    R.NET_EXPOSURE,
                    f"net exposure with working orders {net} beyond {n}",
                    "max_net_exposure",
                    str(n),
                    str(net),
                )
            return None

        return check


class Concentration(Check):
    """The order's symbol as a share of gross (one name held is 100% of gross)."""

    name = "max_concentration_pct"

    def bind(self, lim: Limits) -> Bound | None:
        cap = lim.max_concentration_pct
        if cap is None:
            return None
        floor = lim.concentration_min_gross

        def check(o: Order, ctx: RiskContext) -> Denial | None:
            sym = o.instrument_id.symbol
            exp = ctx.exposures(o.account, ctx.extra(o))
            if exp.gross() <= floor:
                return None
            share = exp.share_pct(sym)
            if share <= cap:
                return None
            before = ctx.exposures(o.account)
            if abs(exp.get(sym, ZERO)) <= abs(before.get(sym, ZERO)):
                return None  # the order does not add to this name
            return self.deny(
                R.CONCENTRATION,
                f"{sym} would be {share:.2f}% of gross (working orders included)",
                cap,
                share.quantize(Q2),
            )

        return check


class Leverage(Check):
    name = "max_leverage"

    def bind(self, lim: Limits) -> Bound | None:
        cap = lim.max_leverage
        if cap is None:
            return None

        def check(o: Order, ctx: RiskContext) -> Denial | None:
            gross = ctx.after(o)[0]
            eq = ctx.equity(o.account)
            if eq <= 0:
                return self.deny(R.LEVERAGE, f"equity {eq} is not positive", cap, "inf")
            lev = gross / eq
            if lev > cap and gross > ctx.before(o.account)[0]:
                return self.deny(R.LEVERAGE, f"leverage {lev:.4f} > {cap}", cap, lev.quantize(Q4))
            return None

        return check


class _Statistical(Check):
    """A limit on a statistic of the worst-case exposure vector with the order included
    (VaR, correlation-adjusted exposure): denied while it warms up if so configured, and
    beyond its cap only when the order raises it."""

    def cap(self, lim: Limits) -> Decimal | None:
        raise NotImplementedError

    def measure(self, ctx: RiskContext, exposure: Mapping[str, Decimal]) -> float | None:
        raise NotImplementedError

    def denial(self, val: Decimal, cap: Decimal, before: float) -> Denial:
        raise NotImplementedError

    def bind(self, lim: Limits) -> Bound | None:
        cap = self.cap(lim)
        if cap is None:
            return None

        def check(o: Order, ctx: RiskContext) -> Denial | None:
            got = self.measure(ctx, ctx.exposures(o.account, ctx.extra(o)))
            if got is None:
                return ctx.warmup_denial(self.name, o.account, cap)
            val = Decimal(repr(round(got, 2)))
            if val > cap:
                before = self.measure(ctx, ctx.exposures(o.account)) or 0.0
                if val > Decimal(repr(round(before, 2))):
                    return self.denial(val, cap, before)
            return None

        return check


class VarLimit(_Statistical):
    """Portfolio VaR of the worst-case exposure vector with the order included."""

    name = "max_var"

    def cap(self, lim: Limits) -> Decimal | None:
        return lim.max_var

    def measure(self, ctx: RiskContext, exposure: Mapping[str, Decimal]) -> float | None:
        return ctx.var(exposure)

    def denial(self, val: Decimal, cap: Decimal, before: float) -> Denial:
        msg = f"VaR with order {val} > {cap} (before {before:.2f})"
        return self.deny(R.VAR_LIMIT, msg, cap, val)


class CorrelatedExposure(_Statistical):
    name = "max_correlated_exposure"

    def cap(self, lim: Limits) -> Decimal | None:
        return lim.max_correlated_exposure

    def measure(self, ctx: RiskContext, exposure: Mapping[str, Decimal]) -> float | None:
        return ctx.correlated_exposure(exposure)

    def denial(self, val: Decimal, cap: Decimal, before: float) -> Denial:
        msg = f"correlation-adjusted exposure {val} > {cap}"
        return self.deny(R.CORRELATED_EXPOSURE, msg, cap, val)


class ReduceOnly(Check):
    """A reduce-only order (flagged, or any order of an account in reduce-only state) may
    only shrink the position: with every working order on its side filled, the position
    must not cross zero. And an order may not turn working reduce-only orders on its side
    into position increases (the same worst case, once reduce-only orders are working).

    Always bound (an order may ask for reduce-only whatever the limits say)."""

    name = "reduce_only"

    def bind(self, lim: Limits) -> Bound:
        forced = lim.reduce_only

        def check(o: Order, ctx: RiskContext) -> Denial | None:
            ro = forced or o.reduce_only
            sym = o.instrument_id.symbol
            if not ro:
                w = ctx.working
                # no reduce-only order works for anyone (the common case: one integer test)
                if not w.reduce_only_orders or not w.totals(o.account, sym).reduce_only(o.side):
                    return None
            add = ctx.added(o)
            if add <= 0:
                return None  # a smaller amendment never adds risk
            pos = ctx.positions.signed_quantity(o.account, sym)
            after = ctx.worst_quantity(o.account, sym, o.side, add)
            reducing = pos < 0 and after <= 0 if o.side is _BUY else pos > 0 and after >= 0
            if reducing:
                return None
            why = "" if ro else " (a working reduce-only order could then flip it)"
            return self.deny(
                R.REDUCE_ONLY,
                f"position {pos} would become {after} with working orders{why}",
                "reduce-only",
                after,
            )

        return check
