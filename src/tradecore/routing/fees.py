"""Where the router learns each venue's fee rates."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

from tradecore.model.enums import LiquiditySide
from tradecore.model.identifiers import InstrumentId, Venue
from tradecore.venues.model import VenueModel


class FeeSource(Protocol):
    def taker_rate(self, venue: Venue, instrument_id: InstrumentId) -> Decimal: ...

    def maker_rate(self, venue: Venue, instrument_id: InstrumentId) -> Decimal: ...


class ModelFees:
    """Fee rates from each venue's :class:`~tradecore.venues.model.VenueModel`."""

    def __init__(self, models: Mapping[Venue, VenueModel]) -> None:
        self.models = dict(models)

    def taker_rate(self, venue: Venue, instrument_id: InstrumentId) -> Decimal:
        m = self.models.get(venue)
        return m.fees.rate(LiquiditySide.TAKER) if m else Decimal(0)

    def maker_rate(self, venue: Venue, instrument_id: InstrumentId) -> Decimal:
        m = self.models.get(venue)
        return m.fees.rate(LiquiditySide.MAKER) if m else Decimal(0)
