"""The planner's read-only view of the venues (:class:`~tradecore.routing.planner.RoutingView`).

Built and owned by the execution module, which alone talks to venue clients: books are read
from the clients' cached snapshots (no request per order), listings are built once per symbol,
health combines the client's own state with the breaker, and our own resting orders come from
the :class:`~tradecore.oms.resting.RestingIndex`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Final

from tradecore.engine.instruments import InstrumentRegistry
from tradecore.model.enums import Side
from tradecore.model.identifiers import InstrumentId, Venue
from tradecore.oms.resting import RestingIndex
from tradecore.routing.config import RoutingConfig
from tradecore.routing.fees import FeeSource
from tradecore.routing.health import BreakerState, CircuitBreaker, VenueStats
from tradecore.routing.planner import Levels, VenueListing, VenueNow
from tradecore.venues.protocol import VenueClient, VenueHealth

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_BUY: Final = Side.BUY
_CLOSED: Final = BreakerState.CLOSED
_DOWN: Final = VenueHealth.DOWN
_SELL: Final = Side.SELL


class VenueView:
    def __init__(
        self,
        clients: Mapping[Venue, VenueClient],
        instruments: InstrumentRegistry,
        fees: FeeSource,
        config: RoutingConfig,
        breakers: Mapping[Venue, CircuitBreaker],
        stats: Mapping[Venue, VenueStats],
        resting: RestingIndex,
    ) -> None:
        self._clients = clients
        self._instruments = instruments
        self._fees = fees
        self._config = config
        self._breakers = breakers
        self._stats = stats
        self._resting = resting
        self._listings: dict[str, tuple[VenueListing, ...]] = {}
        # one side of the book per venue client, when it offers it (no level objects built)
        self._sides = {v: getattr(c, "book_side", None) for v, c in clients.items()}

    def forget(self) -> None:
        """After instruments or fee schedules change."""
        self._listings.clear()

    def listings(self, symbol: str) -> Sequence[VenueListing]:
        got = self._listings.get(symbol)
        if got is None:
            rows = []
            for venue in sorted(self._clients):
                iid = InstrumentId(symbol, venue)
                inst = self._instruments.get(iid)
                if inst is None:
                    continue
                fees = self._fees
                rows.append(
                    VenueListing(
                        venue, inst.id, inst.lot_size, inst.min_quantity, inst.min_notional,
                        fees.taker_rate(venue, inst.id), fees.maker_rate(venue, inst.id),
                        venue in self._config.disabled_venues,
                    )
                )  # fmt: skip
            got = tuple(rows)
            self._listings[symbol] = got
        return got

    def now(self, venue: Venue) -> VenueNow:
        br = self._breakers[venue]
        st = self._stats[venue]
        state = br.state
        reason = ""
        if self._clients[venue].health() is _DOWN:
            reason = "venue DOWN"
        elif state is not _CLOSED and not br.allow():
            reason = f"circuit breaker {state.value}"
        return VenueNow(reason, state, st.latency_us, st.fill_rate)

    def depth(self, instrument_id: InstrumentId, side: Side) -> tuple[int, Levels] | None:
        venue = instrument_id.venue
        book_side = self._sides.get(venue)
        opposite = _SELL if side is _BUY else _BUY
        if book_side is not None:
            got: tuple[int, Levels] | None = book_side(instrument_id, opposite)
            return got
        book = self._clients[venue].book(instrument_id)
        if book is None:
            return None
        levels = book.asks if side is _BUY else book.bids
        return book.version, tuple((lv.price, lv.size) for lv in levels)

    def rests(self, account: str) -> bool:
        return self._resting.rests(account)

    def own_best(self, account: str, instrument_id: InstrumentId, side: Side) -> Decimal | None:
        return self._resting.best(account, instrument_id, side)
