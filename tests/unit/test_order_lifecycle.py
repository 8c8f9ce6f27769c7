"""The order state machine: a table, strictly enforced; overfill impossible."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.errors import InvalidOrderTransition, OverfillError
from tradecore.model import (
    TRANSITIONS,
    AccountId,
    ClientOrderId,
    InstrumentId,
    Order,
    OrderStatus,
    OrderType,
    Side,
    Trigger,
)

S = OrderStatus


def new_order(qty: str = "10") -> Order:
    return Order(
        ClientOrderId("o1"),
        AccountId("acc"),
        InstrumentId.parse("BTC/USD@X"),
        Side.BUY,
        OrderType.LIMIT,
        Decimal(qty),
        Decimal("100"),
    )


def test_happy_path_submit_accept_partial_then_full() -> None:
    o = new_order()
    assert o.apply(Trigger.SUBMIT) is S.SUBMITTED
    assert o.apply(Trigger.ACCEPT) is S.ACCEPTED
    assert o.fill(Decimal("4"), Decimal("100")) is S.PARTIALLY_FILLED
    assert o.fill(Decimal("6"), Decimal("101")) is S.FILLED
    assert o.avg_px == Decimal("100.6")
    assert o.leaves_qty == 0
    assert o.is_terminal


def test_illegal_transition_names_both_states() -> None:
    o = new_order()
    with pytest.raises(InvalidOrderTransition) as err:
        o.apply(Trigger.ACCEPT)
    assert err.value.state == "INITIALIZED"
    assert err.value.event == "ACCEPT"
    assert "INITIALIZED" in str(err.value) and "ACCEPT" in str(err.value)


def test_overfill_is_refused_and_changes_nothing() -> None:
    o = new_order("1")
    o.apply(Trigger.SUBMIT)
    with pytest.raises(OverfillError):
        o.fill(Decimal("1.5"), Decimal("100"))
    assert o.filled_qty == 0 and o.status is S.SUBMITTED


def test_cancel_reject_returns_to_the_working_state() -> None:
    o = new_order()
    o.apply(Trigger.SUBMIT)
    o.apply(Trigger.ACCEPT)
    o.fill(Decimal("1"), Decimal("100"))
    o.apply(Trigger.REQUEST_CANCEL)
    assert o.apply(Trigger.CANCEL_REJECT) is S.PARTIALLY_FILLED


def test_fill_racing_a_cancel_request_is_applied() -> None:
    o = new_order("2")
    o.apply(Trigger.SUBMIT)
    o.apply(Trigger.ACCEPT)
    o.apply(Trigger.REQUEST_CANCEL)
    assert o.fill(Decimal("1"), Decimal("100")) is S.PENDING_CANCEL
    assert o.fill(Decimal("1"), Decimal("100")) is S.FILLED


# the venue's word wins: a fill reported after the cancel/expiry was confirmed is booked, and
# an order we rejected after an ack timeout is adopted back when the venue acknowledges it
LATE_REPORT_EXITS = {
    (S.CANCELED, Trigger.FILL_PARTIAL): S.CANCELED,
    (S.CANCELED, Trigger.FILL_FULL): S.FILLED,
    (S.EXPIRED, Trigger.FILL_PARTIAL): S.EXPIRED,
    (S.EXPIRED, Trigger.FILL_FULL): S.FILLED,
    (S.REJECTED, Trigger.ADOPT): S.ACCEPTED,
}


@pytest.mark.parametrize("terminal", [s for s in S if s.is_terminal])
def test_terminal_states_have_no_way_out_but_late_reports(terminal: OrderStatus) -> None:
    exits = {k: v for k, v in TRANSITIONS.items() if k[0] is terminal}
    assert exits == {k: v for k, v in LATE_REPORT_EXITS.items() if k[0] is terminal}


def test_every_state_is_reachable_from_initialized() -> None:
    reached = {S.INITIALIZED}
    frontier = [S.INITIALIZED]
    while frontier:
        s = frontier.pop()
        for (src, _), dst in TRANSITIONS.items():
            if src is s and dst not in reached:
                reached.add(dst)
                frontier.append(dst)
    assert reached == set(S)


events = st.one_of(
    st.sampled_from([t for t in Trigger if t not in (Trigger.FILL_FULL, Trigger.FILL_PARTIAL)]),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("15"), places=3),
)


@given(st.lists(events, max_size=40))
def test_no_event_sequence_reaches_an_undefined_state_or_overfills(seq: list[object]) -> None:
    o = new_order("10")
    for ev in seq:
        before = (o.status, o.filled_qty)
        try:
            if isinstance(ev, Decimal):
                o.fill(ev, Decimal("100"))
            else:
                assert isinstance(ev, Trigger)
                o.apply(ev)
        except (InvalidOrderTransition, OverfillError):
            assert (o.status, o.filled_qty) == before  # a refused event changes nothing
        assert o.status in set(S)
        assert Decimal(0) <= o.filled_qty <= o.quantity
        assert o.filled_qty + o.leaves_qty == o.quantity
        if o.status is S.FILLED:
            assert o.leaves_qty == 0
        if o.filled_qty == o.quantity and o.filled_qty > 0:
            assert o.status is S.FILLED
