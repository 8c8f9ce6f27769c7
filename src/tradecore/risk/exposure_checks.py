"""Checks on open-order exposure: the filled position plus the worst case of the working
orders per side, with the order being checked added on its side (see risk/exposure.py).

An order is denied only if it takes a measure beyond its limit *and* makes that measure
worse: an order that reduces (or leaves unchanged) a measure already beyond its limit, after
a price move for instance, passes, so risk can always be reduced.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from tradecore.model.denial import Denial
from tradecore.model.enums import ReasonCode, Side
from tradecore.model.orders import Order
from tradecore.risk.checks import Check
from tradecore.risk.config import Limits
from tradecore.risk.context import RiskContext

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_BUY: Final = Side.BUY


R = ReasonCode
ZERO = Decimal(0)


class MaxPosition(Check):
    """|position| if every working order on the order's side filled, the order included."""

    name = "max_position"

    def applies(self, lim: Limits) -> bool:
        return bool(lim.max_position)

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        m = lim.max_position
        sym = o.instrument_id.symbol
        cap = m.get(sym, m.get("*"))
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


class Exposure(Check):
    """Gross and net exposure (base currency), working orders and the order included."""

    name = "exposure"

    def applies(self, lim: Limits) -> bool:
        return lim.max_gross_exposure is not None or lim.max_net_exposure is not None

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        g, n = lim.max_gross_exposure, lim.max_net_exposure
        exp = ctx.exposures(o.account, ctx.extra(o))
        if g is not None:
            gross = exp.gross()
            if gross > g and gross > ctx.exposures(o.account).gross():
                return Denial(
                    R.GROSS_EXPOSURE,
                    f"gross exposure with working orders {gross} > {g}",
                    "max_gross_exposure",
                    str(g),
                    str(gross),
                )
        if n is not None:
            net = exp.net()
            if abs(net) > n and abs(net) > abs(ctx.exposures(o.account).net()):
                return Denial(
                    R.NET_EXPOSURE,
                    f"net exposure with working orders {net} beyond {n}",
                    "max_net_exposure",
                    str(n),
                    str(net),
                )
        return None


class Concentration(Check):
    """The order's symbol as a share of gross (one name held is 100% of gross)."""

    name = "max_concentration_pct"

    def applies(self, lim: Limits) -> bool:
        return lim.max_concentration_pct is not None

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        cap = lim.max_concentration_pct
        assert cap is not None
        sym = o.instrument_id.symbol
        exp = ctx.exposures(o.account, ctx.extra(o))
        if exp.gross() <= lim.concentration_min_gross:
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
            share.quantize(Decimal("0.01")),
        )


class Leverage(Check):
    name = "max_leverage"

    def applies(self, lim: Limits) -> bool:
        return lim.max_leverage is not None

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        cap = lim.max_leverage
        assert cap is not None
        gross = ctx.exposures(o.account, ctx.extra(o)).gross()
        eq = ctx.equity(o.account)
        if eq <= 0:
            return self.deny(R.LEVERAGE, f"equity {eq} is not positive", cap, "inf")
        lev = gross / eq
        if lev > cap and gross > ctx.exposures(o.account).gross():
            return self.deny(
                R.LEVERAGE, f"leverage {lev:.4f} > {cap}", cap, lev.quantize(Decimal("0.0001"))
            )
        return None


class VarLimit(Check):
    """Portfolio VaR of the worst-case exposure vector with the order included."""

    name = "max_var"

    def applies(self, lim: Limits) -> bool:
        return lim.max_var is not None

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        cap = lim.max_var
        assert cap is not None
        v = ctx.var(ctx.exposures(o.account, ctx.extra(o)))
        if v is None:
            return ctx.warmup_denial(self.name, o.account, cap)
        val = Decimal(repr(round(v, 2)))
        if val > cap:
            before = ctx.var(ctx.exposures(o.account)) or 0.0
            if val > Decimal(repr(round(before, 2))):
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
        assert cap is not None
        ce = ctx.correlated_exposure(ctx.exposures(o.account, ctx.extra(o)))
        if ce is None:
            return ctx.warmup_denial(self.name, o.account, cap)
        val = Decimal(repr(round(ce, 2)))
        if val > cap:
            before = ctx.correlated_exposure(ctx.exposures(o.account)) or 0.0
            if val > Decimal(repr(round(before, 2))):
                return self.deny(
                    R.CORRELATED_EXPOSURE, f"correlation-adjusted exposure {val} > {cap}", cap, val
                )
        return None


class ReduceOnly(Check):
    """A reduce-only order (flagged, or any order of an account in reduce-only state) may
    only shrink the position: with every working order on its side filled, the position
    must not cross zero. And an order may not turn working reduce-only orders on its side
    into position increases (the same worst case, once reduce-only orders are working)."""

    name = "reduce_only"

    def check(self, o: Order, lim: Limits, ctx: RiskContext) -> Denial | None:
        ro = o.reduce_only or lim.reduce_only
        sym = o.instrument_id.symbol
        if not ro and not ctx.working.totals(o.account, sym).reduce_only(o.side):
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
