"""Position keeping for one (account, instrument): average cost or FIFO lots, exact.

Conventions (docs/positions.md):

* quantity is signed (long > 0, short < 0); ``cost`` is the signed cost of the open quantity.
* Average cost: a reduction realizes against the average and leaves it unchanged; a fill that
  crosses zero closes everything at its price and opens the remainder at that price.
* FIFO: a fill consumes opposite lots oldest first; the average is that of the open lots.
* realized PnL excludes fees; fees are kept per currency.
* unrealized = quantity x mark x multiplier - cost.

Exactness: sums and products are exact. A partial reduction under average cost removes
``cost x closed / quantity`` from the cost basis; if that quotient does not terminate it is
rounded at 40 significant digits, and the *same* amount leaves the basis and enters realized
PnL, so ``realized + unrealized`` always equals the exact cash-flow PnL.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from enum import StrEnum

from tradecore.model.enums import Side
from tradecore.model.values import DIVISION, ZERO, Currency


class Method(StrEnum):
    AVERAGE = "average"
    FIFO = "fifo"


# bound once: an ``Enum.MEMBER`` read costs an EnumType.__getattr__ call on Python 3.11
_BUY, _FIFO = Side.BUY, Method.FIFO


class Position:
    __slots__ = (
        "account",
        "cost",
        "currency",
        "fees",
        "lots",
        "mark",
        "method",
        "multiplier",
        "quantity",
        "realized",
        "symbol",
        "venue_qty",
    )

    def __init__(
        self,
        account: str,
        symbol: str,
        currency: Currency,
        method: Method = Method.AVERAGE,
        multiplier: Decimal = Decimal(1),
    ) -> None:
        self.account = account
        self.symbol = symbol
        self.currency = currency
        self.method = method
        self.multiplier = multiplier
        self.quantity: Decimal = ZERO
        self.cost: Decimal = ZERO
        self.realized: Decimal = ZERO
        self.fees: dict[str, Decimal] = {}
        self.lots: deque[list[Decimal]] = deque()  # FIFO: [signed qty, price]
        self.mark: Decimal | None = None
        self.venue_qty: dict[str, Decimal] = {}

    # ------------------------------------------------------------------ fills
    def apply(
        self,
        side: Side,
        qty: Decimal,
        price: Decimal,
        fee: Decimal = ZERO,
        fee_currency: str | None = None,
        venue: str = "",
    ) -> Decimal:
        """Apply a fill; returns the realized PnL it produced."""
        if fee:
            ccy = fee_currency or self.currency.code
            self.fees[ccy] = self.fees.get(ccy, ZERO) + fee
        signed = qty if side is _BUY else -qty
        if venue:
            self.venue_qty[venue] = self.venue_qty.get(venue, ZERO) + signed
        if self.method is _FIFO:
            return self._fifo(signed, price)
        return self._average(signed, price)

    def _average(self, signed: Decimal, price: Decimal) -> Decimal:
        q = self.quantity
        m = self.multiplier
        if q == 0 or (q > 0) == (signed > 0):
            self.quantity = q + signed
            self.cost += signed * price * m
            return ZERO
        closing = min(abs(signed), abs(q))
        full = closing == abs(q)
        removed = self.cost if full else DIVISION.divide(self.cost * closing, abs(q))
        direction = 1 if q > 0 else -1
        pnl = direction * closing * price * m - removed
        self.realized += pnl
        self.cost -= removed
        self.quantity = q + signed
        if closing < abs(signed):  # crossed zero: the remainder opens at this price
            self.cost = self.quantity * price * m
        if self.quantity == 0:
            self.cost = ZERO
        return pnl

    def _fifo(self, signed: Decimal, price: Decimal) -> Decimal:
        m = self.multiplier
        pnl = ZERO
        remaining = signed
        lots = self.lots
        while remaining != 0 and lots and (lots[0][0] > 0) != (remaining > 0):
            lot = lots[0]
            take = min(abs(remaining), abs(lot[0]))
            direction = 1 if lot[0] > 0 else -1
            pnl += direction * take * (price - lot[1]) * m
            lot[0] -= direction * take
            remaining += direction * take
            if lot[0] == 0:
                lots.popleft()
        if remaining != 0:
            lots.append([remaining, price])
        self.quantity += signed
        self.cost = sum((lot[0] * lot[1] * m for lot in lots), ZERO)
        self.realized += pnl
        return pnl

    # ------------------------------------------------------------------ views
    @property
    def avg_price(self) -> Decimal | None:
        if self.quantity == 0:
            return None
        return DIVISION.divide(self.cost, self.quantity * self.multiplier)

    def unrealized(self, mark: Decimal | None = None) -> Decimal | None:
        m = self.mark if mark is None else mark
        if self.quantity == 0:
            return ZERO
        if m is None:
            return None
        return self.quantity * m * self.multiplier - self.cost

    def notional(self, mark: Decimal | None = None) -> Decimal | None:
        m = self.mark if mark is None else mark
        if m is None:
            return None
        return self.quantity * m * self.multiplier

    def __repr__(self) -> str:
        avg = self.avg_price
        avg_s = "-" if avg is None else str(avg.quantize(Decimal("1e-8")).normalize())
        return (
            f"Position({self.account} {self.symbol} {self.quantity} @ {avg_s} "
            f"realized={self.realized} {self.currency.code})"
        )
