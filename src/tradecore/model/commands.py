"""Commands: what a caller asks the engine to do (named as actions, frozen).

``seq``/``ts`` are 0 when a caller builds a command; the engine stamps them when it sequences
the command (its journal record carries the stamped copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradecore.model.enums import OrderType, Side, TimeInForce
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    seq: int = 0
    ts: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitOrder(Command):
    client_order_id: ClientOrderId
    account: AccountId
    instrument_id: InstrumentId
    side: Side
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    reduce_only: bool = False
    tag: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder(Command):
    client_order_id: ClientOrderId
    account: AccountId


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaceOrder(Command):
    """Cancel/replace, FIX style: the original ends REPLACED and ``new_client_order_id``
    carries on with the new quantity/price (cumulative filled quantity carries over)."""

    client_order_id: ClientOrderId
    new_client_order_id: ClientOrderId
    account: AccountId
    quantity: Decimal | None = None
    price: Decimal | None = None
