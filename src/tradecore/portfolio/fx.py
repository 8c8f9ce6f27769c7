"""FX rates from market data, with triangulation through a pivot currency.

A missing rate raises :class:`~tradecore.errors.FxRateMissing`; it is never taken as 1.
Direct rates are exact; an inverse or a cross is a quotient (40 significant digits).
"""

from __future__ import annotations

from decimal import Decimal

from tradecore.errors import FxRateMissing, ValidationError
from tradecore.model.market import Quote
from tradecore.model.values import DIVISION, ONE


def _ccy(code: str) -> bool:
    """A currency-looking leg: USD, EUR, or a stablecoin such as USDT."""
    return 3 <= len(code) <= 5 and code.isalnum() and code[0].isalpha() and code.isupper()


class FxRates:
    def __init__(self, pivot: str = "USD") -> None:
        self.pivot = pivot
        self._rates: dict[tuple[str, str], Decimal] = {}
        self._pairs: dict[str, tuple[str, str] | None] = {}  # symbol -> legs, parsed once

    def set(self, base: str, quote: str, rate: Decimal) -> None:
        """1 ``base`` = ``rate`` ``quote``."""
        if rate <= 0:
            raise ValidationError(f"fx.{base}/{quote}", f"rate {rate} must be > 0")
        self._rates[(base, quote)] = rate

    def on_quote(self, q: Quote) -> None:
        """Use the mid of any ``XXX/YYY`` quote whose both legs look like currencies."""
        sym = q.instrument_id.symbol
        try:
            legs = self._pairs[sym]
        except KeyError:
            base, sep, quote = sym.partition("/")
            ok = sep and _ccy(base) and _ccy(quote)
            legs = self._pairs[sym] = (base, quote) if ok else None
        if legs is not None:
            mid = (q.bid + q.ask) / 2
            if mid > 0:
                self._rates[legs] = mid

    def _direct(self, a: str, b: str) -> Decimal | None:
        if a == b:
            return ONE
        r = self._rates.get((a, b))
        if r is not None:
            return r
        inv = self._rates.get((b, a))
        if inv is not None:
            return DIVISION.divide(ONE, inv)
        return None

    def rate(self, from_ccy: str, to_ccy: str) -> Decimal:
        r = self._direct(from_ccy, to_ccy)
        if r is not None:
            return r
        a = self._direct(from_ccy, self.pivot)
        b = self._direct(self.pivot, to_ccy)
        if a is not None and b is not None:
            return DIVISION.multiply(a, b)
        raise FxRateMissing(from_ccy, to_ccy)

    def convert(self, amount: Decimal, from_ccy: str, to_ccy: str) -> Decimal:
        if from_ccy == to_ccy:
            return amount
        return amount * self.rate(from_ccy, to_ccy)
