"""Direct execution: each order goes to the venue its instrument id names."""

from __future__ import annotations

from collections.abc import Iterable

from tradecore.model.denial import Denial
from tradecore.model.enums import ReasonCode
from tradecore.model.identifiers import SMART, Venue
from tradecore.model.orders import Order
from tradecore.venues.protocol import VenueClient


class DirectGateway:
    """An :class:`~tradecore.engine.ports.ExecutionGateway` without smart routing."""

    def __init__(self, clients: Iterable[VenueClient]) -> None:
        self.clients: dict[Venue, VenueClient] = {c.venue: c for c in clients}

    def _client(self, order: Order) -> VenueClient | Denial:
        venue = order.instrument_id.venue
        if venue == SMART:
            return Denial(ReasonCode.NO_ROUTE, "SMART orders need the router")
        client = self.clients.get(venue)
        if client is None:
            return Denial(ReasonCode.UNKNOWN_VENUE, f"no client for venue {venue}")
        return client

    def send(self, order: Order) -> Denial | None:
        c = self._client(order)
        if isinstance(c, Denial):
            return c
        c.submit(order)
        return None

    def cancel(self, order: Order) -> Denial | None:
        c = self._client(order)
        if isinstance(c, Denial):
            return c
        c.cancel(order)
        return None

    def replace(self, order: Order, new_order: Order) -> Denial | None:
        c = self._client(order)
        if isinstance(c, Denial):
            return c
        c.replace(order, new_order)
        return None
