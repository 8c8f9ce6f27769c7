"""Portfolio views over live positions: exposure, allocation, leverage, equity curve.

Everything is valued in the account's base currency through :class:`FxRates`; a missing rate
is reported in ``missing_fx`` and the affected position is left out of the totals (never
converted at 1).
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Any

from tradecore.errors import FxRateMissing
from tradecore.model.values import ZERO
from tradecore.portfolio.fx import FxRates
from tradecore.positions.keeper import PositionKeeper


class Portfolio:
    def __init__(
        self,
        keeper: PositionKeeper,
        fx: FxRates,
        *,
        base_currency: str = "USD",
        cash: dict[str, Decimal] | None = None,
        curve_points: int = 10_000,
    ) -> None:
        self.keeper = keeper
        self.fx = fx
        self.base = base_currency
        self.initial_cash = dict(cash or {})
        self.curve: deque[tuple[int, Decimal]] = deque(maxlen=curve_points)

    def snapshot(self, account: str) -> dict[str, Any]:
        gross = net = realized = unrealized = fees = ZERO
        by_instrument: dict[str, Decimal] = {}
        by_asset: dict[str, Decimal] = {}
        by_venue: dict[str, Decimal] = {}
        by_currency: dict[str, Decimal] = {}
        missing: set[str] = set()
        for p in self.keeper.positions(account):
            ccy = p.currency.code
            try:
                rate = self.fx.rate(ccy, self.base)
            except FxRateMissing:
                missing.add(f"{ccy}/{self.base}")
                continue
            realized += p.realized * rate
            for fccy, amt in p.fees.items():
                try:
                    fees += amt * self.fx.rate(fccy, self.base)
                except FxRateMissing:
                    missing.add(f"{fccy}/{self.base}")
            value = p.notional()
            if value is None or p.quantity == 0:
                continue
            u = p.unrealized() or ZERO
            unrealized += u * rate
            v = value * rate
            gross += abs(v)
            net += v
            by_instrument[p.symbol] = by_instrument.get(p.symbol, ZERO) + v
            asset = p.symbol.partition("/")[0]
            by_asset[asset] = by_asset.get(asset, ZERO) + v
            by_currency[ccy] = by_currency.get(ccy, ZERO) + v
            mark = p.mark or ZERO
            for venue, q in p.venue_qty.items():
                if q:
                    by_venue[venue] = by_venue.get(venue, ZERO) + q * mark * p.multiplier * rate
        cash = ZERO
        for ccy, amt in self.initial_cash.items():
            try:
                cash += self.fx.convert(amt, ccy, self.base)
            except FxRateMissing:
                missing.add(f"{ccy}/{self.base}")
        equity = cash + realized + unrealized - fees
        leverage = gross / equity if equity > 0 else None

        def share(d: dict[str, Decimal]) -> dict[str, str]:
            if gross == 0:
                return {}
            return {
                k: str((abs(v) / gross * 100).quantize(Decimal("0.01")))
                for k, v in sorted(d.items())
            }

        return {
            "account": account,
            "base_currency": self.base,
            "equity": str(equity),
            "realized_pnl": str(realized),
            "unrealized_pnl": str(unrealized),
            "fees": str(fees),
            "gross_exposure": str(gross),
            "net_exposure": str(net),
            "leverage": None if leverage is None else str(leverage.quantize(Decimal("0.0001"))),
            "allocation_pct": {
                "instrument": share(by_instrument),
                "asset": share(by_asset),
                "venue": share(by_venue),
                "currency": share(by_currency),
            },
            "cash": {c: str(a) for c, a in self.keeper.cash(account, self.initial_cash).items()},
            "missing_fx": sorted(missing),
        }

    def record_equity(self, ts: int, account: str) -> Decimal:
        eq = Decimal(self.snapshot(account)["equity"])
        self.curve.append((ts, eq))
        return eq
