"""Routing decisions: every choice the router makes, with its inputs and the reason."""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Any

import msgspec

from tradecore.model import codec
from tradecore.model.identifiers import ClientOrderId, Venue


class VenueScore(msgspec.Struct, frozen=True, gc=False):
    venue: Venue
    available: Decimal  # size at or better than the limit on the opposite side
    fee_rate: Decimal
    latency_us: int
    fill_rate: Decimal
    health: str
    score: Decimal
    excluded: str = ""  # why the venue was not used ("" = eligible)


class ChildRoute(msgspec.Struct, frozen=True, gc=False):
    child_id: ClientOrderId
    venue: Venue
    quantity: Decimal
    limit: Decimal | None


class RoutingDecision(msgspec.Struct, frozen=True, gc=False, tag=True, tag_field="type"):
    """One routing decision; published on the engine bus and kept for the API/audit."""

    ts: int
    seq: int  # engine sequence number when the decision was taken
    parent_id: ClientOrderId
    symbol: str
    side: str
    quantity: Decimal
    limit: Decimal | None
    strategy: str
    attempt: int
    scores: tuple[VenueScore, ...]
    children: tuple[ChildRoute, ...]
    unrouted: Decimal
    reason: str
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        return codec.encode(self)


codec.register(RoutingDecision)


class DecisionLog:
    """The last ``size`` decisions, newest last, and by parent id."""

    def __init__(self, size: int = 10_000) -> None:
        self._ring: deque[RoutingDecision] = deque(maxlen=size)

    def add(self, d: RoutingDecision) -> None:
        self._ring.append(d)

    def recent(self, n: int = 100) -> list[RoutingDecision]:
        return list(self._ring)[-n:]

    def for_parent(self, parent_id: str) -> list[RoutingDecision]:
        return [d for d in self._ring if d.parent_id == parent_id]
