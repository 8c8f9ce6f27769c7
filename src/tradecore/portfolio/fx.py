"""FX rates from market data, converted over any chain of available rates.

A direct rate (or its inverse) is used when there is one; otherwise the shortest chain of
known pairs (fewest hops, found by breadth-first search; ties go to the pivot currency, then
alphabetically, so the choice is deterministic): GBP->EUR->USD works with GBP/EUR and
EUR/USD quoted. The chain for a pair is cached until a new pair appears (a rate update does
not change the graph). A missing rate raises :class:`~tradecore.errors.FxRateMissing`; it is
never taken as 1. Direct rates are exact; an inverse or a cross is a quotient (40
significant digits).
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from tradecore.errors import FxRateMissing, ValidationError
from tradecore.model.market import Quote
from tradecore.model.values import DIVISION, ONE


class FxRates:
    def __init__(self, pivot: str = "USD") -> None:
        self.pivot = pivot
        self._rates: dict[tuple[str, str], Decimal] = {}
        self._pairs: dict[str, tuple[str, str] | None] = {}  # symbol -> legs, parsed once
        self._adj: dict[str, set[str]] = {}  # currency -> currencies with a known rate
        self._chains: dict[tuple[str, str], tuple[str, ...] | None] = {}  # cached paths

    def set(self, base: str, quote: str, rate: Decimal) -> None:
        """1 ``base`` = ``rate`` ``quote``."""
        if rate <= 0:
            raise ValidationError(f"fx.{base}/{quote}", f"rate {rate} must be > 0")
        self._store(base, quote, rate)

    def _store(self, base: str, quote: str, rate: Decimal) -> None:
        if (base, quote) not in self._rates:
            self._adj.setdefault(base, set()).add(quote)
            self._adj.setdefault(quote, set()).add(base)
            self._chains.clear()  # the graph changed
        self._rates[(base, quote)] = rate

    def on_quote(self, q: Quote) -> None:
        """Use the mid of any ``XXX/YYY`` quote whose both legs look like currencies."""
        sym = q.instrument_id.symbol
        try:
            legs = self._pairs[sym]
        except KeyError:
            base, sep, quote = sym.partition("/")
            ok = sep and len(base) == 3 and len(quote) == 3 and base.isalpha() and quote.isalpha()
            legs = self._pairs[sym] = (base, quote) if ok else None
        if legs is not None:
            mid = (q.bid + q.ask) / 2
            if mid > 0:
                if legs in self._rates:
                    self._rates[legs] = mid
                else:
                    self._store(legs[0], legs[1], mid)

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
        chain = self.chain(from_ccy, to_ccy)
        if chain is None:
            raise FxRateMissing(from_ccy, to_ccy)
        out = ONE
        for a, b in pairwise(chain):
            step = self._direct(a, b)
            assert step is not None
            out = DIVISION.multiply(out, step)
        return out

    def chain(self, from_ccy: str, to_ccy: str) -> tuple[str, ...] | None:
        """The shortest chain of currencies with known rates from one to the other."""
        key = (from_ccy, to_ccy)
        if key in self._chains:
            return self._chains[key]
        found: tuple[str, ...] | None = None
        prev: dict[str, str] = {from_ccy: from_ccy}
        frontier = [from_ccy]
        while frontier and found is None:
            nxt: list[str] = []
            for c in frontier:
                for n in sorted(self._adj.get(c, ()), key=lambda x: (x != self.pivot, x)):
                    if n in prev:
                        continue
                    prev[n] = c
                    if n == to_ccy:
                        path = [n]
                        while path[-1] != from_ccy:
                            path.append(prev[path[-1]])
                        found = tuple(reversed(path))
                        break
                    nxt.append(n)
                if found is not None:
                    break
            frontier = nxt
        self._chains[key] = found
        return found

    def convert(self, amount: Decimal, from_ccy: str, to_ccy: str) -> Decimal:
        if from_ccy == to_ccy:
            return amount
        return amount * self.rate(from_ccy, to_ccy)
