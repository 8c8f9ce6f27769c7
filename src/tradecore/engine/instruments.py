"""The registry of tradable instruments, by id and by symbol across venues."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tradecore.model.identifiers import InstrumentId, Venue
from tradecore.model.instrument import Instrument


class InstrumentRegistry:
    __slots__ = ("_by_id", "_by_symbol")

    def __init__(self, instruments: Iterable[Instrument] = ()) -> None:
        self._by_id: dict[InstrumentId, Instrument] = {}
        self._by_symbol: dict[str, list[Instrument]] = {}
        for i in instruments:
            self.add(i)

    def add(self, instrument: Instrument) -> None:
        """Register ``instrument``, or replace the one with its id (refreshed rules)."""
        listed = self._by_symbol.setdefault(instrument.symbol, [])
        old = self._by_id.get(instrument.id)
        if old is None:
            listed.append(instrument)
        else:
            listed[listed.index(old)] = instrument
        self._by_id[instrument.id] = instrument

    def get(self, instrument_id: InstrumentId) -> Instrument | None:
        return self._by_id.get(instrument_id)

    def venues_for(self, symbol: str) -> list[Instrument]:
        """The instrument on every venue that lists ``symbol``, in registration order."""
        return list(self._by_symbol.get(symbol, ()))

    def any_for(self, symbol: str) -> Instrument | None:
        lst = self._by_symbol.get(symbol)
        return lst[0] if lst else None

    def venues(self) -> list[Venue]:
        seen: dict[Venue, None] = {}
        for i in self._by_id.values():
            seen.setdefault(i.venue, None)
        return list(seen)

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)
