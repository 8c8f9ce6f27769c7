"""An amendment goes through the same pre-trade gate as a submit, checked as the order it
becomes; the decision (allowed or denied) is in the audit trail with check, limit, value."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.unit.risk.conftest import ACC, Desk, desk
from tradecore.model import ClientOrderId, OrderStatus, ReasonCode, ReplaceOrder, Side
from tradecore.risk.events import ReplaceChecked

D = Decimal


def replace(d: Desk, coid: str, qty: str | None = None, price: str | None = None):  # type: ignore[no-untyped-def]
    d.n += 1
    return d.engine.replace(
        ReplaceOrder(
            client_order_id=ClientOrderId(coid),
            new_client_order_id=ClientOrderId(f"r{d.n}"),
            account=ACC,
            quantity=None if qty is None else D(qty),
            price=None if price is None else D(price),
        )
    )


def records(d: Desk) -> list[ReplaceChecked]:
    seen: list[ReplaceChecked] = []
    d.engine.bus.subscribe(ReplaceChecked, seen.append)
    return seen


def test_replace_under_the_kill_switch_is_denied_and_cancel_still_works() -> None:
    d = desk({"max_order_quantity": {"*": "60"}})
    o = d.submit(Side.BUY, "0.01", "99").order
    assert o is not None and o.status is OrderStatus.ACCEPTED
    seen = records(d)
    d.pipeline.engage("acct", "ops", "runaway algo")
    assert o.status is OrderStatus.PENDING_CANCEL  # HALTED cancels working orders
    # the venue refuses the cancel: the order is working again, under the kill switch
    d.venue.sink.on_cancel_rejected(o.client_order_id, ReasonCode.VENUE_REJECT, "too late")  # type: ignore[union-attr]
    assert o.status is OrderStatus.ACCEPTED
    res = replace(d, o.client_order_id, qty="500", price="101")
    assert res.denial is not None and res.denial.reason is ReasonCode.KILL_SWITCH
    assert o.status is OrderStatus.ACCEPTED and o.quantity == D("0.01")
    assert d.venue.replaced == []  # nothing reached the venue
    assert [(r.allowed, r.reason, r.check) for r in seen] == [(False, "KILL_SWITCH", "kill_switch")]
    from tradecore.model import CancelOrder

    assert d.engine.cancel(CancelOrder(client_order_id=o.client_order_id, account=ACC)).ok


def test_replace_over_max_order_quantity_is_denied_with_check_limit_value() -> None:
    d = desk({"max_order_quantity": {"BTC/USD": "5"}})
    o = d.submit(Side.BUY, "0.1", "99").order
    assert o is not None
    seen = records(d)
    res = replace(d, o.client_order_id, qty="100")
    assert res.denial is not None and res.denial.reason is ReasonCode.MAX_ORDER_QUANTITY
    assert (res.denial.check, res.denial.limit, res.denial.value) == (
        "max_order_quantity",
        "5",
        "100",
    )
    assert seen[-1].allowed is False and seen[-1].value == "100" and seen[-1].limit == "5"
    # an amendment within the limits passes, and is recorded as allowed
    assert replace(d, o.client_order_id, qty="5").ok
    assert o.status is OrderStatus.PENDING_REPLACE
    assert seen[-1].allowed is True and seen[-1].quantity == D(5)


def test_replace_of_the_price_outside_the_band_is_denied() -> None:
    d = desk({"price_band_bps": "50"})
    o = d.submit(Side.BUY, "1", "99.5").order  # exactly 50 bps from 100
    assert o is not None and o.status is OrderStatus.ACCEPTED
    res = replace(d, o.client_order_id, price="50")  # 50% of mid
    assert res.denial is not None and res.denial.reason is ReasonCode.PRICE_BAND
    assert res.denial.check == "price_band" and res.denial.limit == "50"


def test_replace_up_counts_the_order_it_becomes_against_max_position() -> None:
    d = desk({"max_position": {"BTC/USD": "3"}})
    o = d.submit(Side.BUY, "2", "99").order
    assert o is not None
    assert replace(d, o.client_order_id, qty="3").ok  # 3 working: at the limit
    d.venue.sink.on_replaced(o.client_order_id, d.venue.next_vid())  # type: ignore[union-attr]
    new = d.engine.orders.get(ClientOrderId(f"r{d.n}"))
    assert new is not None and new.quantity == D(3)
    res = replace(d, new.client_order_id, qty="3.5")
    assert res.denial is not None and res.denial.reason is ReasonCode.MAX_POSITION
    assert res.denial.value == "3.5"  # the old 3 replaced by 3.5, not added to it
    assert replace(d, new.client_order_id, qty="1").ok  # down is always fine


def test_denied_replace_is_in_the_journal_audit(tmp_path: Path) -> None:
    from tradecore.bootstrap import build_system, market_source, pump
    from tradecore.config import load_config
    from tradecore.journal import Durability, Journal
    from tradecore.journal.audit import order_history
    from tradecore.journal.store import SQLiteStore
    from tradecore.model import (
        AccountId,
        InstrumentId,
        OrderType,
        SubmitOrder,
        Venue,
    )

    cfg = load_config(None)
    store = SQLiteStore(tmp_path / "j.db")
    jr = Journal(store, Durability.BATCH)
    system = build_system(cfg, journal=jr)
    eng = system.engine
    pump(system, market_source(cfg, seconds=1))
    bid = next(q.bid for i, q in eng.last_quotes.items() if str(i) == "BTC/USD@SIMA")
    res = eng.submit(
        SubmitOrder(
            client_order_id=ClientOrderId("a1"),
            account=AccountId("A"),
            instrument_id=InstrumentId.of("BTC/USD", Venue("SIMA")),
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            quantity=D("0.01"),
            price=bid - 1,
        )
    )
    assert res.ok, res.denial
    system.clock.run_all()
    assert res.order is not None and res.order.is_open
    system.risk.engage("A", "ops", "test")  # type: ignore[union-attr]
    eng.sink.on_cancel_rejected(ClientOrderId("a1"), ReasonCode.VENUE_REJECT, "too late")
    denied = eng.replace(
        ReplaceOrder(
            client_order_id=ClientOrderId("a1"),
            new_client_order_id=ClientOrderId("a1b"),
            account=AccountId("A"),
            quantity=D("500"),
        )
    )
    assert denied.denial is not None and denied.denial.reason is ReasonCode.KILL_SWITCH
    jr.flush()
    rows = [r for r in order_history(store, "a1") if r["type"] == "ReplaceChecked"]
    assert len(rows) == 1
    data = rows[0]["data"]
    assert (data["allowed"], data["reason"], data["check"], data["quantity"]) == (
        False,
        "KILL_SWITCH",
        "kill_switch",
        "500",
    )
