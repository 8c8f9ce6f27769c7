"""Pre-trade checks: one small class each. ``bind(limits)`` returns the check for those limit
values, ``check(order, ctx) -> Denial | None``, or None when the limits do not configure it:
the pipeline compiles, per account, the list of bound checks its limits switch on, so an order
pays only for the checks that apply and no check reads its limit per order.

Each denial names the check, the limit and the value that broke it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar, Final

from tradecore.errors import FxRateMissing
from tradecore.model.denial import Denial
from tradecore.model.enums import AssetClass, ReasonCode, Side
from tradecore.model.orders import Order
from tradecore.risk.config import ALWAYS_OPEN, Limits
from tradecore.risk.context import RiskContext

R = ReasonCode
ZERO = Decimal(0)
HUNDRED = Decimal(100)
TEN_K = Decimal(10_000)
_CRYPTO: Final = AssetClass.CRYPTO

#: a check bound to one account's limit values
Bound = Callable[[Order, RiskContext], Denial | None]


class Check:
    name: ClassVar[str] = "check"

    def bind(self, lim: Limits) -> Bound | None:
        """This check for ``lim``'s values, or None when ``lim`` does not configure it."""
        raise NotImplementedError

    def deny(self, code: ReasonCode, msg: str, limit: object, value: object) -> Denial:
        return Denial(code, msg, self.name, str(limit), str(value))


class MaxOrderQuantity(Check):
    name = "max_order_quantity"

    def bind(self, lim: Limits) -> Bound | None:
        caps = lim.max_order_quantity
        if not caps:
            return None
        default = caps.get("*")

        def check(o: Order, ctx: RiskContext) -> Denial | None:
            cap = caps.get(o.instrument_id.symbol, default)
            if cap is not None and o.quantity > cap:
                return self.deny(
                    R.MAX_ORDER_QUANTITY, f"quantity {o.quantity} > max {cap}", cap, o.quantity
                )
            return None

        return check


class MaxOrderNotional(Check):
    name = "max_order_notional"

    def bind(self, lim: Limits) -> Bound | None:
        cap = lim.max_order_notional
        if cap is None:
            return None

        def check(o: Order, ctx: RiskContext) -> Denial | None:
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
                    R.MAX_ORDER_NOTIONAL,
                    f"notional {notional} {ctx.base} > max {cap}",
                    cap,
                    notional,
                )
            return None

        return check


class PriceBand(Check):
    """Fat-finger guard: a limit price at most ``price_band_bps`` away from the reference mid."""

    name = "price_band"

    def bind(self, lim: Limits) -> Bound | None:
        band = lim.price_band_bps
        if band is None:
            return None

        def check(o: Order, ctx: RiskContext) -> Denial | None:
            price = o.price
            if price is None:
                return None
            ref = ctx.mid.get(o.instrument_id.symbol)
            if ref is None:
                return self.deny(R.NO_REFERENCE_PRICE, "no reference price", band, "n/a")
            dev = abs(price - ref) / ref * TEN_K
            if dev > band:
                return self.deny(
                    R.PRICE_BAND, f"price {price} is {dev:.2f} bps from reference {ref}", band, dev
                )
            return None

        return check


class RateLimit(Check):
    """Orders per sliding window per account (cancels are counted by :meth:`cancel_denial`)."""

    name = "order_rate"

    def __init__(self) -> None:
        self._orders: dict[str, deque[int]] = {}
        self._cancels: dict[str, deque[int]] = {}

    def _hit(
        self, book: dict[str, deque[int]], acct: str, now: int, window_ns: int, cap: int
    ) -> int | None:
        d = book.get(acct)
        if d is None:
            d = book[acct] = deque()
        horizon = now - window_ns
        while d and d[0] <= horizon:
            d.popleft()
        if len(d) >= cap:
            return len(d)
        d.append(now)
        return None

    def bind(self, lim: Limits) -> Bound | None:
        cap = lim.max_orders_per_window
        if cap is None:
            return None
        window_ms = lim.rate_window_ms
        window_ns = window_ms * 1_000_000
        orders = self._orders

        def check(o: Order, ctx: RiskContext) -> Denial | None:
            n = self._hit(orders, o.account, ctx.now_ns(), window_ns, cap)
            if n is not None:
                return self.deny(R.ORDER_RATE, f"{n} orders in {window_ms} ms", cap, n + 1)
            return None

        return check

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

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, Side, Decimal, Decimal | None], int] = {}

    def bind(self, lim: Limits) -> Bound | None:
        w = lim.duplicate_window_ms
        if w is None:
            return None
        window_ns = w * 1_000_000

        def check(o: Order, ctx: RiskContext) -> Denial | None:
            now = ctx.now_ns()
            key = (o.account, o.instrument_id.symbol, o.side, o.quantity, o.price)
            last = self._seen.get(key)
            self._seen[key] = now
            if len(self._seen) > 100_000:  # bounded memory: forget entries older than the window
                horizon = now - window_ns
                self._seen = {k: t for k, t in self._seen.items() if t > horizon}
            if last is not None and now - last < window_ns:
                return self.deny(
                    R.DUPLICATE_ORDER,
                    f"same order {(now - last) // 1_000_000} ms ago",
                    f"{w}ms",
                    f"{(now - last) // 1_000_000}ms",
                )
            return None

        return check


class SelfTrade(Check):
    name = "self_trade_prevention"

    def bind(self, lim: Limits) -> Bound | None:
        if not lim.self_trade_prevention:
            return None

        def check(o: Order, ctx: RiskContext) -> Denial | None:
            # SMART orders never reach our own orders (the planner cuts depth before them); a
            # direct order is denied only if it would reach one at its venue (no false
            # positives)
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

        return check


class TradingHours(Check):
    """Equities, FX and futures trade in their calendar's sessions (exchange-calendars, or
    "24/7"); crypto trades at every minute."""

    name = "trading_hours"

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

    def bind(self, lim: Limits) -> Bound | None:
        if not lim.trading_hours:
            return None

        def check(o: Order, ctx: RiskContext) -> Denial | None:
            inst = ctx.engine.instrument_for(o)
            if inst is None or inst.asset_class is _CRYPTO:
                return None
            cal = inst.calendar or self._names.get(inst.symbol)
            if cal is None or cal == ALWAYS_OPEN:  # a missing one is refused at start
                return None
            if not self._open(cal, ctx.now_ns()):
                return self.deny(R.MARKET_CLOSED, f"{inst.symbol} ({cal}) is closed", cal, "closed")
            return None

        return check
