"""Instruments and their trading rules (tick, lot, min/max quantity, min notional)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradecore.errors import OffLotQuantity, OffTickPrice, ValidationError
from tradecore.model.enums import AssetClass
from tradecore.model.identifiers import InstrumentId, Venue
from tradecore.model.values import ONE, ZERO, Currency, Money, Price, Quantity, to_decimal


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable instrument on one venue.

    ``quote`` is the currency prices and PnL are in; ``base`` is what a quantity counts
    (a coin, a share). ``multiplier`` scales notional (contracts); 1 for spot. ``calendar``
    names its exchange sessions (DAY orders expire at the session close); None is 24/7.
    """

    id: InstrumentId
    base: Currency
    quote: Currency
    tick_size: Decimal
    lot_size: Decimal
    min_quantity: Decimal = ZERO
    max_quantity: Decimal | None = None
    min_notional: Decimal = ZERO
    multiplier: Decimal = ONE
    asset_class: AssetClass = AssetClass.CRYPTO
    #: the exchange-calendars name of its trading sessions (e.g. ``XETR``); None: 24/7
    calendar: str | None = None

    def __post_init__(self) -> None:
        if self.tick_size <= 0:
            raise ValidationError("tick_size", f"{self.tick_size} must be > 0")
        if self.lot_size <= 0:
            raise ValidationError("lot_size", f"{self.lot_size} must be > 0")
        if self.min_quantity < 0:
            raise ValidationError("min_quantity", f"{self.min_quantity} must be >= 0")
        if self.max_quantity is not None and self.max_quantity < self.min_quantity:
            raise ValidationError("max_quantity", "must be >= min_quantity")
        if self.multiplier <= 0:
            raise ValidationError("multiplier", f"{self.multiplier} must be > 0")

    @property
    def symbol(self) -> str:
        return self.id.symbol

    @property
    def venue(self) -> Venue:
        return self.id.venue

    def on_tick(self, price: Decimal) -> bool:
        return (price % self.tick_size) == 0

    def on_lot(self, quantity: Decimal) -> bool:
        return (quantity % self.lot_size) == 0

    def price(self, value: object) -> Price:
        """A Price on this instrument's tick grid, or :class:`OffTickPrice`."""
        p = Price(to_decimal(value, "price"))
        if not self.on_tick(p):
            raise OffTickPrice("price", f"{p} is not a multiple of tick size {self.tick_size}")
        return p

    def quantity(self, value: object) -> Quantity:
        """A Quantity on the lot grid within [min, max], or :class:`OffLotQuantity`."""
        q = Quantity(to_decimal(value, "quantity"))
        if q <= 0:
            raise OffLotQuantity("quantity", f"{q} must be > 0")
        if not self.on_lot(q):
            raise OffLotQuantity("quantity", f"{q} is not a multiple of lot size {self.lot_size}")
        if q < self.min_quantity:
            raise OffLotQuantity("quantity", f"{q} is below the minimum {self.min_quantity}")
        if self.max_quantity is not None and q > self.max_quantity:
            raise OffLotQuantity("quantity", f"{q} is above the maximum {self.max_quantity}")
        return q

    def notional(self, quantity: Decimal, price: Decimal) -> Money:
        """Exact quantity x price x multiplier, in the quote currency."""
        return Money(quantity * price * self.multiplier, self.quote)

    def round_down_lot(self, quantity: Decimal) -> Decimal:
        """The largest lot multiple not above ``quantity`` (for splitting)."""
        return (quantity // self.lot_size) * self.lot_size

    def on(self, venue: Venue | str) -> Instrument:
        """This instrument's rules on another venue (same symbol)."""
        from dataclasses import replace

        return replace(self, id=self.id.on(venue))


def spot(
    symbol: str,
    venue: str,
    *,
    tick: str,
    lot: str,
    min_quantity: str = "0",
    min_notional: str = "0",
    asset_class: AssetClass = AssetClass.CRYPTO,
    quote: str | None = None,
    calendar: str | None = None,
) -> Instrument:
    """Convenience constructor: ``spot("BTC/USD", "SIMA", tick="0.01", lot="0.0001")``.

    For ``BASE/QUOTE`` symbols the currencies come from the symbol; otherwise ``quote`` must
    be given and the base is the symbol itself (an equity).
    """
    base_code, sep, quote_code = symbol.partition("/")
    if not sep:
        if quote is None:
            raise ValidationError("quote", f"symbol {symbol!r} has no /QUOTE; pass quote=")
        base_code, quote_code = symbol, quote
    return Instrument(
        id=InstrumentId.of(symbol, Venue(venue)),
        base=Currency.of(base_code) if base_code.isalnum() else Currency("UNIT", 0),
        quote=Currency.of(quote_code),
        tick_size=Decimal(tick),
        lot_size=Decimal(lot),
        min_quantity=Decimal(min_quantity),
        min_notional=Decimal(min_notional),
        asset_class=asset_class,
        calendar=calendar,
    )
