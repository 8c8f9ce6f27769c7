"""What the execution module refuses, each with its reason code and the order left as it was:
a replace of a SMART parent or of a stop the engine holds (cancel and resubmit instead)."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.engine.test_held_stops import _market, _stop
from tests.unit.routing.conftest import ACC, SYMBOL
from tradecore.model import (
    ClientOrderId,
    InstrumentId,
    OrderStatus,
    OrderType,
    ReasonCode,
    ReplaceOrder,
    Side,
    SubmitOrder,
    TimeInForce,
    Venue,
)

D = Decimal


def _replace(coid: str, new: str, qty: str) -> ReplaceOrder:
    return ReplaceOrder(
        client_order_id=ClientOrderId(coid), new_client_order_id=ClientOrderId(new),
        account=ACC, quantity=D(qty),
    )  # fmt: skip


def test_a_resting_smart_parent_is_not_replaced_but_refused_with_a_reason() -> None:
    m = _market()
    res = m.engine.submit(
        SubmitOrder(
            client_order_id=ClientOrderId("P"), account=ACC,
            instrument_id=InstrumentId(SYMBOL, Venue("SMART")), side=Side.BUY,
            order_type=OrderType.LIMIT, quantity=D(1), price=D("90.00"),
            time_in_force=TimeInForce.GTC,
        )
    )  # fmt: skip
    assert res.ok, res.denial
    m.clock.run_all()
    parent = m.engine.orders.get(ClientOrderId("P"))
    assert parent is not None and parent.is_open
    out = m.engine.replace(_replace("P", "P2", "2"))
    assert out.denial is not None and out.denial.reason is ReasonCode.INVALID_ORDER
    assert "SMART parent" in out.denial.message
    assert parent.quantity == D(1) and parent.is_open
    assert m.engine.orders.get(ClientOrderId("P2")) is None


def test_a_held_stop_is_not_replaced_but_refused_with_a_reason() -> None:
    m = _market()
    assert m.engine.submit(_stop("S", Side.BUY, "150.00", "151.00")).ok  # far from the book
    m.clock.run_all()
    stop = m.engine.orders.get(ClientOrderId("S"))
    assert stop is not None and stop.status is OrderStatus.ACCEPTED  # held, waiting
    out = m.engine.replace(_replace("S", "S2", "2"))
    assert out.denial is not None and out.denial.reason is ReasonCode.INVALID_ORDER
    assert "held stop" in out.denial.message
    assert stop.quantity == D(1) and stop.status is OrderStatus.ACCEPTED
