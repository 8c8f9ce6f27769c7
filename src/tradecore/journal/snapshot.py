"""Engine state snapshots, so a restart replays only the journal's tail."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Protocol

from tradecore.engine.core import Engine
from tradecore.model.enums import OrderStatus, OrderType, Side, StpMode, TimeInForce
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, VenueOrderId
from tradecore.model.orders import Order
from tradecore.positions.keeper import PositionKeeper


def _d(x: Any) -> Decimal | None:
    return None if x is None else Decimal(x)


class StateHolder(Protocol):
    """A component with state of its own in the snapshot (risk: the emergency states)."""

    def export_state(self) -> dict[str, Any]: ...

    def import_state(self, state: dict[str, Any]) -> None: ...


def take(
    engine: Engine, keeper: PositionKeeper | None = None, risk: StateHolder | None = None
) -> bytes:
    orders = []
    for o in engine.orders:
        s = o.snapshot()
        s["notional"] = str(o.notional)
        orders.append(s)
    state: dict[str, Any] = {
        "seq": engine.seq,
        "orders": sorted(orders, key=lambda s: s["client_order_id"]),
        "open": sorted(o.client_order_id for o in engine.orders.open_orders()),
        "positions": keeper.export_state() if keeper is not None else [],
    }
    if risk is not None:
        state["risk"] = risk.export_state()
    return json.dumps(state, sort_keys=True, separators=(",", ":")).encode()


def restore(
    engine: Engine,
    blob: bytes,
    keeper: PositionKeeper | None = None,
    risk: StateHolder | None = None,
) -> int:
    state = json.loads(blob)
    opens = set(state["open"])
    for s in state["orders"]:
        o = Order(
            ClientOrderId(s["client_order_id"]), AccountId(s["account"]),
            InstrumentId.parse(s["instrument_id"]), Side(s["side"]), OrderType(s["type"]),
            Decimal(s["quantity"]), _d(s["price"]), TimeInForce(s["time_in_force"]),
            post_only=s["post_only"], reduce_only=s["reduce_only"],
            parent_id=None if s["parent_id"] is None else ClientOrderId(s["parent_id"]),
            created_ns=s["created_ns"], tag=s["tag"],
            trigger_price=_d(s.get("trigger_price")), expire_ns=s.get("expire_ns"),
            display_qty=_d(s.get("display_qty")),
            stp=None if s.get("stp") is None else StpMode(s["stp"]),
        )  # fmt: skip
        o.status = OrderStatus(s["status"])
        o.filled_qty = Decimal(s["filled_qty"])
        o.avg_px = _d(s["avg_px"])
        o.notional = Decimal(s["notional"])
        o.venue_order_id = (
            None if s["venue_order_id"] is None else VenueOrderId(s["venue_order_id"])
        )
        o.replaced_by = None if s["replaced_by"] is None else ClientOrderId(s["replaced_by"])
        o.last_event_ns = s["last_event_ns"]
        o.trade_ids = set(s.get("trade_ids", ()))
        o.timed_out = bool(s.get("timed_out", False))
        engine.orders.add(o)
        if o.client_order_id in opens:
            engine.orders.mark_open(o)
    engine.seq = int(state["seq"])
    if keeper is not None:
        keeper.import_state(state["positions"])
    if risk is not None:
        risk.import_state(state.get("risk", {}))
    return engine.seq
