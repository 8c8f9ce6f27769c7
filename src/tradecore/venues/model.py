"""Venue *model*: the rules and fees of a venue, apart from the client that talks to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from tradecore.model.enums import LiquiditySide
from tradecore.model.identifiers import InstrumentId, Venue
from tradecore.model.instrument import Instrument
from tradecore.model.values import Money

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_MAKER: Final = LiquiditySide.MAKER


BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Maker/taker fees in basis points of notional (negative maker = rebate)."""

    maker_bps: Decimal = Decimal(0)
    taker_bps: Decimal = Decimal(0)

    def rate(self, liquidity: LiquiditySide) -> Decimal:
        """Fee as a fraction of notional (exact)."""
        bps = self.maker_bps if liquidity is _MAKER else self.taker_bps
        return bps / BPS

    def fee(
        self, instrument: Instrument, qty: Decimal, price: Decimal, liq: LiquiditySide
    ) -> Money:
        """Exact fee in the quote currency: notional x bps / 10,000 (no rounding)."""
        bps = self.maker_bps if liq is _MAKER else self.taker_bps
        return Money(qty * price * instrument.multiplier * bps / BPS, instrument.quote)


@dataclass(frozen=True, slots=True)
class VenueModel:
    """What a venue lists and what it charges."""

    venue: Venue
    fees: FeeSchedule
    instruments: dict[InstrumentId, Instrument] = field(default_factory=dict)

    def instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        return self.instruments.get(instrument_id)
