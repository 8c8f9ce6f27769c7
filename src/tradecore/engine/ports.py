"""What the engine plugs into: risk, execution (router or direct venues), journal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from tradecore.model.denial import Denial
from tradecore.model.events import Event
from tradecore.model.orders import Order


class RiskGate(Protocol):
    """Pre-trade risk. Holds references to whatever state it needs (positions, prices)."""

    def check(self, order: Order) -> Denial | None: ...

    def check_replace(
        self, order: Order, new_quantity: Decimal, new_price: Decimal | None
    ) -> Denial | None:
        """An amendment of ``order``, checked as the order it would become."""
        ...


class ExecutionGateway(Protocol):
    """Sends orders on. The execution module (:mod:`tradecore.engine.execution`) implements it.

    ``send`` runs right after the order's one event made it SUBMITTED, in the same step:
    returning a Denial (nothing was sent: no route, breaker open) denies it.
    """

    def send(self, order: Order) -> Denial | None: ...

    def cancel(self, order: Order) -> Denial | None: ...

    def replace(self, order: Order, new_order: Order) -> Denial | None: ...


class ChildEventListener(Protocol):
    """Optional on a gateway: told of every event of a child order after it is applied."""

    def on_child_event(self, parent: Order, child: Order, event: Event) -> None: ...


class EventJournal(Protocol):
    """Durable append. Called for every event before subscribers see it."""

    def append(self, event: Event) -> None: ...


class Publisher(Protocol):
    def publish(self, message: Any) -> None: ...
