"""A command field of the wrong type is a denial naming the field, in both builds.

The compiled build (``make fast``) checks a declared ``str``/``bool`` as it reads it: a field
holding an int there must still come back as the same denial as in pure Python, never as a
``TypeError`` from inside the engine.
"""

from __future__ import annotations

from decimal import Decimal as D

import msgspec
import pytest

from tests.fakes import ScriptedVenue
from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import attach
from tradecore.model import (
    AccountId,
    CancelOrder,
    ClientOrderId,
    InstrumentId,
    OrderType,
    ReasonCode,
    Side,
    SubmitOrder,
    Venue,
    spot,
)


def _engine() -> Engine:
    eng = Engine(
        SimClock(1_000), InstrumentRegistry([spot("BTC/USD", "FAKE", tick="0.01", lot="0.001")])
    )
    attach(eng, [ScriptedVenue()])
    return eng


GOOD = SubmitOrder(
    client_order_id=ClientOrderId("c1"), account=AccountId("acct"),
    instrument_id=InstrumentId("BTC/USD", Venue("FAKE")), side=Side.BUY,
    order_type=OrderType.LIMIT, quantity=D(1), price=D(100),
)  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("client_order_id", 7, "client_order_id: must be a string, got int"),
        ("account", 5, "account: must be a string, got int"),
        ("tag", 3, "tag: must be a string, got int"),
        ("post_only", "yes", "post_only: must be true or false"),
        ("reduce_only", 1, "reduce_only: must be true or false"),
        ("quantity", 0.5, "quantity: must be a Decimal, got float 0.5"),
        ("price", 1.5, "price: must be a Decimal, got float 1.5"),
        ("side", "BUY", "side: must be a Side, got 'BUY'"),
    ],
)
def test_a_field_of_the_wrong_type_is_denied_by_name(
    field: str, value: object, message: str
) -> None:
    eng = _engine()
    res = eng.submit(msgspec.structs.replace(GOOD, **{field: value}))
    assert res.denial is not None and res.denial.reason is ReasonCode.INVALID_ORDER
    assert res.denial.message.startswith(message)
    assert res.order is None and len(eng.orders) == 0
    assert eng.submit(GOOD).ok  # nothing was left half-done


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("client_order_id", 7, "unknown order 7"), ("account", 5, "unknown order c1")],
)
def test_a_cancel_with_an_id_of_the_wrong_type_names_no_order(
    field: str, value: object, message: str
) -> None:
    eng = _engine()
    assert eng.submit(GOOD).ok
    cmd = CancelOrder(client_order_id=ClientOrderId("c1"), account=AccountId("acct"))
    res = eng.cancel(msgspec.structs.replace(cmd, **{field: value}))
    assert res.denial is not None and res.denial.reason is ReasonCode.INVALID_ORDER
    assert res.denial.message == message
    assert eng.cancel(cmd).ok  # the order was left as it was
