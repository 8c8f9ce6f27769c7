"""Parent / child aggregation: a SMART parent's state follows from its children's events.

Called by the engine's appliers (inside ``_apply_*``, also during replay), so a parent's
state changes only where every other order's does: when an event is applied. A parent is
accepted when its first child is; its fills are its children's fills (the same quantities
and prices, so its exact notional is their sum). The venues' word wins: a child filled after
its parent was closed, or beyond it (a child the venue executed after we had given up on it),
is still booked on the parent.
"""

from __future__ import annotations

from typing import Final

from tradecore.model.enums import OrderStatus
from tradecore.model.events import Event, OrderAccepted, OrderAdopted, OrderFilled
from tradecore.model.orders import Order, Trigger

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_ACCEPT: Final = Trigger.ACCEPT
_SUBMITTED: Final = OrderStatus.SUBMITTED


def _accepted(parent: Order, event: Event) -> None:
    if parent.status is _SUBMITTED:
        parent.apply(_ACCEPT, event.ts)


def _filled(parent: Order, event: Event) -> None:
    assert isinstance(event, OrderFilled)
    parent.fill(event.quantity, event.price, event.ts, overfill=True)


#: what a child's event does to its parent (events not listed do nothing to it)
CHILD_EFFECTS = {
    OrderAccepted: _accepted,
    OrderAdopted: _accepted,
    OrderFilled: _filled,
}


def apply_child_event(parent: Order, event: Event) -> None:
    effect = CHILD_EFFECTS.get(type(event))
    if effect is not None:
        effect(parent, event)
