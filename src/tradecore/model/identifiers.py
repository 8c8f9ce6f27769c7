"""Typed identifiers. Plain ``str`` at run time (zero cost); distinct types for mypy."""

from __future__ import annotations

from typing import NewType

from tradecore.errors import InvalidIdentifier

ClientOrderId = NewType("ClientOrderId", str)
VenueOrderId = NewType("VenueOrderId", str)
AccountId = NewType("AccountId", str)
Venue = NewType("Venue", str)
TradeId = NewType("TradeId", str)

#: The pseudo-venue of a parent order that the smart order router splits across venues.
SMART = Venue("SMART")


def _check_token(field: str, value: str) -> str:
    if not value or value != value.strip() or "@" in value or any(c.isspace() for c in value):
        raise InvalidIdentifier(field, f"{value!r} must be non-empty, without spaces or '@'")
    return value


class InstrumentId:
    """``symbol@venue``, e.g. ``BTC/USD@SIMA``. ``BTC/USD@SMART`` asks the router to choose.

    Immutable by convention (slots, no setters). Equal, hashed and ordered by its text.
    """

    __slots__ = ("_hash", "_text", "symbol", "venue")

    def __init__(self, symbol: str, venue: Venue | str) -> None:
        _check_token("instrument_id.symbol", symbol)
        _check_token("instrument_id.venue", venue)
        self.symbol = symbol
        self.venue = Venue(venue)
        self._text = f"{symbol}@{venue}"
        self._hash = hash(self._text)

    @staticmethod
    def parse(text: str) -> InstrumentId:
        cached = _INTERNED.get(text)
        if cached is not None:
            return cached
        symbol, sep, venue = text.partition("@")
        if not sep:
            raise InvalidIdentifier("instrument_id", f"{text!r} is not of the form symbol@venue")
        return InstrumentId.of(symbol, venue)

    @staticmethod
    def of(symbol: str, venue: Venue | str) -> InstrumentId:
        """An interned id: validated once, then shared (cheap on the hot path)."""
        iid = _INTERNED.get(f"{symbol}@{venue}")
        if iid is None:
            iid = InstrumentId(symbol, venue)
            if len(_INTERNED) < 100_000:
                _INTERNED[iid._text] = iid
        return iid

    def on(self, venue: Venue | str) -> InstrumentId:
        """The same symbol on another venue."""
        return InstrumentId.of(self.symbol, venue)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InstrumentId) and other._text == self._text

    def __lt__(self, other: InstrumentId) -> bool:
        return self._text < other._text

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"InstrumentId({self._text!r})"

    def __str__(self) -> str:
        return self._text


_INTERNED: dict[str, InstrumentId] = {}
