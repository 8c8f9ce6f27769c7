"""A book of positions by (account, instrument), and its JSON view (docs/positions.md)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from tradecore.model.enums import Side
from tradecore.model.values import Currency
from tradecore.positions.csvio import FillRow
from tradecore.positions.position import Method, Position


def quote_currency(symbol: str, default: str = "USD") -> Currency:
    """``BASE/QUOTE`` symbols are quoted in QUOTE; anything else in ``default``."""
    _, sep, quote = symbol.partition("/")
    if sep and quote.isalnum():
        return Currency.of(quote)
    return Currency.of(default)


def fmt(d: Decimal) -> str:
    """Exact text of ``d``. A value carrying a long division tail (more than 20 decimal
    places) loses only its trailing zeros, so ``300.000...0`` prints as ``300``."""
    exp = d.as_tuple().exponent
    if isinstance(exp, int) and exp < -20:
        d = d.normalize()
    return format(d, "f")


def _s(d: Decimal | None) -> str | None:
    return None if d is None else fmt(d)


class PositionLedger:
    def __init__(self, method: Method = Method.AVERAGE, default_currency: str = "USD") -> None:
        self.method = method
        self.default_currency = default_currency
        self._positions: dict[tuple[str, str], Position] = {}
        self._by_account: dict[str, list[Position]] = {}

    def position(self, account: str, symbol: str, multiplier: Decimal = Decimal(1)) -> Position:
        key = (account, symbol)
        p = self._positions.get(key)
        if p is None:
            p = Position(
                account,
                symbol,
                quote_currency(symbol, self.default_currency),
                self.method,
                multiplier,
            )
            self._positions[key] = p
            acct = self._by_account.setdefault(account, [])
            acct.append(p)
            acct.sort(key=lambda x: x.symbol)
        return p

    def get(self, account: str, symbol: str) -> Position | None:
        return self._positions.get((account, symbol))

    def apply(
        self,
        account: str,
        symbol: str,
        side: Side,
        qty: Decimal,
        price: Decimal,
        fee: Decimal = Decimal(0),
        fee_currency: str | None = None,
        venue: str = "",
    ) -> Position:
        p = self.position(account, symbol)
        p.apply(side, qty, price, fee, fee_currency, venue)
        return p

    def apply_rows(self, rows: Iterable[FillRow]) -> None:
        for r in rows:
            self.apply(
                r.account, r.instrument, r.side, r.quantity, r.price, r.fee, r.fee_currency or None
            )

    def __iter__(self) -> Iterator[Position]:
        return iter(sorted(self._positions.values(), key=lambda p: (p.account, p.symbol)))

    def for_account(self, account: str) -> list[Position]:
        return self._by_account.get(account, [])

    def to_json(self, marks: dict[str, Decimal] | None = None) -> dict[str, Any]:
        """The ``tradecore positions --json`` shape: decimals as exact strings."""
        out = []
        for p in self:
            mark = (marks or {}).get(p.symbol, p.mark)
            out.append(
                {
                    "account": p.account,
                    "instrument": p.symbol,
                    "quantity": fmt(p.quantity),
                    "avg_price": _s(p.avg_price),
                    "realized_pnl": fmt(p.realized),
                    "unrealized_pnl": _s(p.unrealized(mark)),
                    "mark": _s(mark),
                    "currency": p.currency.code,
                    "fees": {k: fmt(v) for k, v in sorted(p.fees.items())},
                    "method": p.method.value,
                }
            )
        return {"positions": out}
