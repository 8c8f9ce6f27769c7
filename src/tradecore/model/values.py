"""Exact value types: Currency, Price, Quantity, Money.

No binary float ever becomes a price, a quantity or an amount: constructing one from a
``float`` raises :class:`~tradecore.errors.FloatNotAllowed`. Values are ``decimal.Decimal``
underneath; ``Price`` and ``Quantity`` *are* Decimals (subclasses), so arithmetic on them is
exact Decimal arithmetic and returns plain ``Decimal``. Re-wrap (``Price(x)``) where the type
matters. Arithmetic runs in :data:`EXACT`, a context with 60 significant digits that *traps*
inexact results, so an addition or multiplication that would round raises instead of
silently losing a cent. Divisions (averages) are the only rounding operations and say so.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Final

import msgspec

from tradecore.errors import CurrencyMismatch, FloatNotAllowed, ValidationError

#: Precision for every tradecore computation; inexact results trap.
EXACT: Final = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)
#: Context for quotients that cannot be exact (average prices): 40 digits, half-even.
DIVISION: Final = decimal.Context(prec=40, rounding=decimal.ROUND_HALF_EVEN)

# The process default context gets enough digits that sums and products of market-sized
# values are exact (28 digits could round a large notional). It never *lowers* precision.
if decimal.getcontext().prec < 60:
    decimal.getcontext().prec = 60
decimal.DefaultContext.prec = max(decimal.DefaultContext.prec, 60)

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)

DecimalLike = Decimal | int | str


def to_decimal(value: object, field: str = "value") -> Decimal:
    """Convert ``int``, ``str`` or ``Decimal`` to a finite Decimal; refuse floats and junk."""
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, bool):
        raise ValidationError(field, "a boolean is not a number")
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        raise FloatNotAllowed(field, f"binary float {value!r} refused; pass a str or Decimal")
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise ValidationError(field, f"{value!r} is not a decimal number") from None
    else:
        raise ValidationError(field, f"{type(value).__name__} is not a decimal number")
    if not d.is_finite():
        raise ValidationError(field, f"{value!r} is not finite")
    return d


class Price(Decimal):
    """An exact price. May be negative (spreads, some futures); never NaN or infinite."""

    __slots__ = ()

    def __new__(cls, value: object = "0", context: object = None) -> Price:
        return Decimal.__new__(cls, to_decimal(value, "price"))


class Quantity(Decimal):
    """An exact, non-negative quantity (order size, fill size). Direction lives in Side."""

    __slots__ = ()

    def __new__(cls, value: object = "0", context: object = None) -> Quantity:
        d = to_decimal(value, "quantity")
        if d < 0:
            raise ValidationError("quantity", f"{d} is negative")
        return Decimal.__new__(cls, d)


class Currency:
    """An ISO-4217 or crypto currency. ``precision`` is its settlement minor-unit digits.

    Immutable by convention (slots, no setters); equal and hashed by code and precision.
    """

    __slots__ = ("code", "precision")

    def __init__(self, code: str, precision: int = 2) -> None:
        if not code or not code.isalnum() or not code.isupper():
            raise ValidationError("currency", f"{code!r} is not an upper-case code")
        if not 0 <= precision <= 18:
            raise ValidationError("currency.precision", f"{precision} not in 0..18")
        self.code = code
        self.precision = precision

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Currency)
            and other.code == self.code
            and other.precision == self.precision
        )

    def __hash__(self) -> int:
        return hash(self.code)

    def __repr__(self) -> str:
        return f"Currency({self.code!r}, {self.precision})"

    def __str__(self) -> str:
        return self.code

    @staticmethod
    def of(code: str) -> Currency:
        """The well-known currency ``code`` (precision from the table), else precision 8."""
        known = _KNOWN.get(code)
        if known is not None:
            return known
        code = code.strip().upper()
        known = _KNOWN.get(code)
        if known is not None:
            return known
        return Currency(code, 8)


_KNOWN: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("USD", 2),
        Currency("EUR", 2),
        Currency("GBP", 2),
        Currency("CHF", 2),
        Currency("JPY", 0),
        Currency("CAD", 2),
        Currency("AUD", 2),
        Currency("HKD", 2),
        Currency("BTC", 8),
        Currency("ETH", 18),
        Currency("SOL", 9),
        Currency("USDT", 6),
        Currency("USDC", 6),
    )
}


class Money(msgspec.Struct, frozen=True, gc=False):
    """An exact amount in one currency. Adding or comparing two currencies raises."""

    amount: Decimal
    currency: Currency

    @staticmethod
    def of(amount: object, currency: Currency | str) -> Money:
        ccy = currency if isinstance(currency, Currency) else Currency.of(currency)
        return Money(to_decimal(amount, "amount"), ccy)

    @staticmethod
    def zero(currency: Currency | str) -> Money:
        ccy = currency if isinstance(currency, Currency) else Currency.of(currency)
        return Money(ZERO, ccy)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency.code, other.currency.code)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(EXACT.add(self.amount, other.amount), self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(EXACT.subtract(self.amount, other.amount), self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise FloatNotAllowed("factor", "binary float refused")
        return Money(EXACT.multiply(self.amount, Decimal(factor)), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def rounded(self) -> Money:
        """Rounded half-even to the currency's minor unit (for settlement and display)."""
        q = Decimal(1).scaleb(-self.currency.precision)
        return Money(self.amount.quantize(q, rounding=decimal.ROUND_HALF_EVEN), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency.code}"
