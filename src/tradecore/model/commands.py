"""Commands: what a caller asks the engine to do (named as actions, frozen).

``seq``/``ts`` are 0 when a caller builds a command; the engine stamps them when it sequences
the command (its journal record carries the stamped copy).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from tradecore.model.enums import OrderType, Side, StpMode, TimeInForce
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId


class Command(msgspec.Struct, frozen=True, gc=False, kw_only=True, tag=True, tag_field="type"):
    seq: int = 0
    ts: int = 0


class SubmitOrder(Command, frozen=True, kw_only=True):
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
    #: STOP_MARKET / STOP_LIMIT: the price at which the venue's book triggers the order
    trigger_price: Decimal | None = None
    #: GTD: when the order expires (engine clock, int ns)
    expire_ns: int | None = None
    #: an iceberg: the quantity the book shows (the rest is hidden and refills it)
    display_qty: Decimal | None = None
    #: self-trade prevention at the venue; None: the venue's configured mode
    stp: StpMode | None = None


class CancelOrder(Command, frozen=True, kw_only=True):
    client_order_id: ClientOrderId
    account: AccountId


class ReplaceOrder(Command, frozen=True, kw_only=True):
    """Cancel/replace, FIX style: the original ends REPLACED and ``new_client_order_id``
    carries on with the new quantity/price (cumulative filled quantity carries over)."""

    client_order_id: ClientOrderId
    new_client_order_id: ClientOrderId
    account: AccountId
    quantity: Decimal | None = None
    price: Decimal | None = None
