"""A replace the engine cannot take is refused with its reason code before anything is sent
or journaled: an unknown order or another account's, a new id already used, a closed order,
a quantity at or below what is filled, a price off the tick grid."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.fakes import ScriptedVenue
from tests.unit.engine.test_report_edges import _submit
from tradecore.engine import Engine
from tradecore.model import AccountId, ClientOrderId, ReasonCode, ReplaceOrder, VenueOrderId

D = Decimal


@pytest.fixture
def setup(engine: Engine, venue: ScriptedVenue) -> tuple[Engine, ScriptedVenue]:
    """The shared engine and scripted venue (tests/conftest.py; tick 0.01): a working order
    partly filled, a filled one, and one whose id a replace may try to reuse."""
    assert venue.sink is not None
    for coid, qty in (("live", "2"), ("done", "1"), ("other", "1")):
        _submit(engine, coid, qty)
        venue.sink.on_accepted(ClientOrderId(coid), VenueOrderId(f"V-{coid}"))
    venue.fill("live", "1.5", "100")
    venue.fill("done", "1", "100")
    return engine, venue


@pytest.mark.parametrize(
    ("coid", "new", "account", "qty", "price", "reason", "message"),
    [
        ("ghost", "n1", "acct", "3", None, ReasonCode.INVALID_ORDER, "unknown order ghost"),
        ("live", "n1", "someone", "3", None, ReasonCode.INVALID_ORDER, "unknown order live"),
        (
            "live",
            "other",
            "acct",
            "3",
            None,
            ReasonCode.DUPLICATE_CLIENT_ORDER_ID,
            "new id already used",
        ),
        ("done", "n1", "acct", "3", None, ReasonCode.ORDER_NOT_OPEN, "order is FILLED"),
        ("live", "n1", "acct", "1.5", None, ReasonCode.INVALID_ORDER, "quantity 1.5 <= filled 1.5"),
        (
            "live",
            "n1",
            "acct",
            "3",
            "100.005",
            ReasonCode.OFF_TICK_PRICE,
            "not a multiple of tick 0.01",
        ),
    ],
)
def test_a_replace_that_cannot_be_taken_is_refused_before_anything_happens(
    setup: tuple[Engine, ScriptedVenue], coid: str, new: str, account: str, qty: str,
    price: str | None, reason: ReasonCode, message: str,
) -> None:  # fmt: skip
    eng, venue = setup
    seq = eng.seq
    res = eng.replace(
        ReplaceOrder(
            client_order_id=ClientOrderId(coid), new_client_order_id=ClientOrderId(new),
            account=AccountId(account), quantity=D(qty),
            price=None if price is None else D(price),
        )
    )  # fmt: skip
    assert res.denial is not None and res.denial.reason is reason
    assert message in res.denial.message
    assert eng.seq == seq and venue.replaced == []  # nothing journaled, nothing sent
    assert new == "other" or eng.orders.get(ClientOrderId(new)) is None
    live = eng.orders.get(ClientOrderId("live"))
    assert live is not None and live.quantity == D(2) and live.is_open
