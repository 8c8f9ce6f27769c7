"""Every field of a command is checked at the engine's boundary, not only the quantity: an
empty account, an instrument given as text, an order type of the wrong type, an off-lot or
out-of-range quantity, an unknown instrument, a bad replace (the wrong-type rows of the other
fields, and of cancel, are in test_field_types.py). Each is a denial naming the field with a
reason code; a malformed command leaves no event, one the instrument's rules refuse is
journaled as initialized and denied, and the engine goes on."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from tests.fakes import ScriptedVenue
from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import attach
from tradecore.model import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    OrderStatus,
    OrderType,
    ReasonCode,
    ReplaceOrder,
    Side,
    SubmitOrder,
    Venue,
)
from tradecore.model.instrument import spot
from tradecore.model.validation import multiple_of

D = Decimal
R = ReasonCode


def _engine(*, auto_accept: bool = False) -> Engine:
    inst = dataclasses.replace(
        spot("BTC/USD", "FAKE", tick="0.01", lot="0.001", min_quantity="0.01"),
        max_quantity=D(5),
    )
    eng = Engine(SimClock(1_000), InstrumentRegistry([inst]))
    attach(eng, [ScriptedVenue(auto_accept=auto_accept)])
    return eng


def _cmd(**over: Any) -> SubmitOrder:
    base = SubmitOrder(
        client_order_id=ClientOrderId("c1"), account=AccountId("acct"),
        instrument_id=InstrumentId("BTC/USD", Venue("FAKE")), side=Side.BUY,
        order_type=OrderType.LIMIT, quantity=D("0.5"), price=D(100),
    )  # fmt: skip
    return msgspec.structs.replace(base, **over)


@pytest.mark.parametrize(
    ("over", "reason", "text", "journaled"),
    [
        # a field of the wrong type: no event at all (the field-type rows of every field are
        # in test_field_types.py; these are the fields it leaves out)
        ({"account": "  "}, R.INVALID_ORDER, "account: must not be empty", False),
        ({"instrument_id": "BTC/USD@FAKE"}, R.INVALID_ORDER, "instrument_id: must be an", False),
        ({"order_type": 1}, R.INVALID_ORDER, "order_type: must be a OrderType", False),
        # refused by the instrument's rules: initialized and denied, both journaled
        ({"quantity": D("0.0005")}, R.OFF_LOT_QUANTITY, "not a multiple of lot 0.001", True),
        ({"quantity": D("0.005")}, R.BELOW_MIN_QUANTITY, "below minimum 0.01", True),
        ({"quantity": D("6")}, R.ABOVE_MAX_QUANTITY, "above maximum 5", True),
        ({"quantity": D("-1")}, R.INVALID_ORDER, "must be > 0", True),
        (
            {"instrument_id": InstrumentId("ETH/USD", Venue("FAKE"))},
            R.UNKNOWN_INSTRUMENT, "unknown instrument ETH/USD", True,
        ),
    ],
)  # fmt: skip
def test_a_bad_field_is_refused_by_name_and_leaves_nothing(
    over: dict[str, Any], reason: ReasonCode, text: str, journaled: bool
) -> None:
    eng = _engine()
    res = eng.submit(_cmd(**over))
    assert res.denial is not None, res
    assert res.denial.reason is reason and text in res.denial.message
    if journaled:
        assert res.order is not None and res.order.status is OrderStatus.DENIED
    else:
        assert res.order is None and len(eng.orders) == 0 and eng.seq == 0
    assert eng.submit(_cmd(client_order_id=ClientOrderId("c2"))).ok  # the engine goes on


def test_int_and_string_quantities_are_taken_exactly() -> None:
    eng = _engine()
    res = eng.submit(_cmd(quantity=2, price=" 100.25 "))
    assert res.ok and res.order is not None
    assert res.order.quantity == D(2) and type(res.order.quantity) is Decimal
    assert res.order.price == D("100.25")


def _replace(**over: Any) -> ReplaceOrder:
    base = ReplaceOrder(
        client_order_id=ClientOrderId("c1"), new_client_order_id=ClientOrderId("c1b"),
        account=AccountId("acct"), quantity=D("0.4"), price=None,
    )  # fmt: skip
    return msgspec.structs.replace(base, **over)


@pytest.mark.parametrize(
    ("over", "text"),
    [
        ({"new_client_order_id": ""}, "new_client_order_id: must not be empty"),
        ({"quantity": 0.4}, "quantity: must be a Decimal, got float"),
        ({"quantity": None, "price": D("NaN")}, "price: must be finite"),
        ({"quantity": None, "price": None}, "a replace needs a new quantity or a new price"),
    ],
)
def test_a_bad_replace_is_refused_and_the_order_stays_as_it_was(
    over: dict[str, Any], text: str
) -> None:
    eng = _engine()
    order = eng.submit(_cmd()).order
    assert order is not None
    seq = eng.seq
    res = eng.replace(_replace(**over))
    assert res.denial is not None and res.denial.reason is R.INVALID_ORDER
    assert text in res.denial.message
    assert eng.seq == seq and order.status is OrderStatus.SUBMITTED and len(eng.orders) == 1


def test_a_replace_given_as_strings_is_taken_exactly() -> None:
    eng = _engine(auto_accept=True)  # acknowledged: a replace needs an open order
    eng.submit(_cmd())
    res = eng.replace(_replace(quantity="0.3", price="101"))
    assert res.ok, res.denial
    assert eng.state.pending_replace[ClientOrderId("c1")].quantity == D("0.3")


def test_a_quotient_out_of_range_is_not_a_multiple() -> None:
    assert multiple_of(D("1E+70"), D("0.001")) is False  # the quotient has more than 60 digits
    assert multiple_of(D("0.003"), D("0.001")) is True
