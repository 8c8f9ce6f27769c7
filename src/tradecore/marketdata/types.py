"""Market data records flowing from a source (generator or file) into the simulated venues."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from tradecore.model.identifiers import InstrumentId


class MarketUpdate(msgspec.Struct, frozen=True, gc=False):
    """New market-maker depth for one instrument on one venue at ``ts`` (int ns).

    ``bids`` best (highest) first, ``asks`` best (lowest) first, as ``(price, size)``.
    ``up`` is False while the venue is in an outage (no quotes, orders rejected).
    """

    ts: int
    instrument_id: InstrumentId
    bids: tuple[tuple[Decimal, Decimal], ...]
    asks: tuple[tuple[Decimal, Decimal], ...]
    up: bool = True
