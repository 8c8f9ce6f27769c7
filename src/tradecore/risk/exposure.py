"""Open-order exposure of one account: per symbol, the base-currency value of the long worst
case (filled position + every working BUY) and of the short worst case (filled position -
every working SELL). Each measure takes the worst corner:

* gross  = sum over symbols of max(|long|, |short|)
* net    = the larger in size of sum(long) and sum(short) (net is linear, so its extremes are
  these two corners)
* a symbol's exposure for concentration and VaR = its larger side, signed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

from tradecore.model.enums import Side

ZERO = Decimal(0)
Extra = tuple[str, Side, Decimal]  # (symbol, side, quantity) added on that side


class ExposureView(Mapping[str, Decimal]):
    """Also a mapping symbol -> worst signed exposure (the VaR / correlation vector)."""

    __slots__ = ("_gross", "_worst", "long", "short")

    def __init__(self, long: dict[str, Decimal], short: dict[str, Decimal]) -> None:
        self.long = long
        self.short = short
        self._worst: dict[str, Decimal] | None = None
        self._gross: Decimal | None = None

    def _vector(self) -> dict[str, Decimal]:
        w = self._worst
        if w is None:
            short = self.short
            w = {}
            for s, lv in self.long.items():
                sv = short[s]
                w[s] = lv if abs(lv) >= abs(sv) else sv
            self._worst = w
        return w

    def __getitem__(self, symbol: str) -> Decimal:
        return self._vector()[symbol]

    def __iter__(self) -> Iterator[str]:
        return iter(self.long)

    def __len__(self) -> int:
        return len(self.long)

    def gross(self) -> Decimal:
        g = self._gross
        if g is None:
            g = ZERO
            short = self.short
            for s, lv in self.long.items():
                a, b = abs(lv), abs(short[s])
                g += a if a >= b else b
            self._gross = g
        return g

    def net(self) -> Decimal:
        nl = sum(self.long.values(), ZERO)
        ns = sum(self.short.values(), ZERO)
        return nl if abs(nl) >= abs(ns) else ns

    def share_pct(self, symbol: str) -> Decimal:
        """``symbol``'s worst exposure as a percentage of gross (0 when gross is 0)."""
        g = self.gross()
        if g == 0:
            return ZERO
        return abs(self._vector().get(symbol, ZERO)) / g * 100
