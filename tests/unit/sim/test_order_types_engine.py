"""The new order types through the engine: direct orders on one simulated venue, the
engine's static checks, snapshots, the journal codec and replay."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import attach
from tradecore.model import (
    AccountId,
    ClientOrderId,
    Event,
    InstrumentId,
    OrderDenied,
    OrderInitialized,
    OrderStatus,
    OrderType,
    ReasonCode,
    Side,
    StpMode,
    SubmitOrder,
    TimeInForce,
    codec,
    spot,
)
from tradecore.venues.model import FeeSchedule, VenueModel
from tradecore.venues.sim.client import SimVenueClient, SimVenueConfig

D = Decimal
IID = InstrumentId.parse("BTC/USD@SIMA")
T0 = 1_000_000_000
R = ReasonCode


def make(stp: StpMode = StpMode.NONE) -> tuple[Engine, SimVenueClient, SimClock, list[Event]]:
    clock = SimClock(T0)
    inst = spot("BTC/USD", "SIMA", tick="0.5", lot="0.1")
    model = VenueModel(IID.venue, FeeSchedule(maker_bps=D("-1"), taker_bps=D("7.5")), {IID: inst})
    v = SimVenueClient(model, clock, SimVenueConfig(ack_jitter_us=0, stp=stp))
    eng = Engine(clock, InstrumentRegistry([inst]))
    attach(eng, [v])
    v.on_market(IID, ((D(99), D(1)),), ((D(101), D(1)), (D(103), D(5))))
    log: list[Event] = []
    eng.bus.subscribe_all(log.append)
    return eng, v, clock, log


def cmd(coid: str = "o", **kw: Any) -> SubmitOrder:
    base: dict[str, Any] = dict(
        client_order_id=ClientOrderId(coid), account=AccountId("acc"), instrument_id=IID,
        side=Side.BUY, order_type=OrderType.LIMIT, quantity=D(1), price=D(100),
    )  # fmt: skip
    base.update(kw)
    return SubmitOrder(**base)


def test_a_stop_market_order_rests_accepted_until_the_book_triggers_it() -> None:
    eng, v, clock, _ = make()
    res = eng.submit(cmd(order_type=OrderType.STOP_MARKET, price=None, trigger_price=D(102)))
    assert res.ok
    clock.run_all()
    o = eng.orders.get(ClientOrderId("o"))
    assert o is not None and o.status is OrderStatus.ACCEPTED
    assert o.snapshot()["trigger_price"] == "102"
    v.on_market(IID, ((D(100), D(1)),), ((D("102.5"), D(3)),))
    clock.run_all()
    assert o.status is OrderStatus.FILLED and o.avg_px == D("102.5")


def test_gtd_order_expires_in_the_engine_at_its_time() -> None:
    eng, _v, clock, _ = make()
    at = T0 + 60_000_000_000
    eng.submit(cmd(time_in_force=TimeInForce.GTD, expire_ns=at))
    clock.advance_to(at - 1)
    o = eng.orders.get(ClientOrderId("o"))
    assert o is not None and o.status is OrderStatus.ACCEPTED and o.expire_ns == at
    clock.advance_to(at)
    assert o.status is OrderStatus.EXPIRED


def test_an_iceberg_through_the_engine_shows_only_its_display_quantity() -> None:
    eng, v, clock, _ = make()
    eng.submit(cmd(side=Side.SELL, quantity=D(4), display_qty=D("0.5")))
    clock.run_all()
    assert v.books[IID].depth(Side.SELL, 1) == [(D(100), D("0.5"))]
    eng.submit(cmd("t", account=AccountId("other"), quantity=D("1.5"), price=D(100)))
    clock.run_all()
    ice = eng.orders.get(ClientOrderId("o"))
    assert ice is not None and ice.filled_qty == D("1.5") and ice.status.is_open
    assert ice.snapshot()["display_qty"] == "0.5"


def test_the_engine_books_both_legs_or_the_stp_expiry_of_a_self_match() -> None:
    eng, v, clock, _ = make(StpMode.EXPIRE_MAKER)
    eng.submit(cmd("rest", side=Side.SELL))
    clock.run_all()
    eng.submit(cmd("take", stp=StpMode.NONE))  # this order's own mode: trade
    clock.run_all()
    for coid in ("rest", "take"):
        o = eng.orders.get(ClientOrderId(coid))
        assert o is not None and o.status is OrderStatus.FILLED
    eng.submit(cmd("rest2", side=Side.SELL))
    clock.run_all()
    eng.submit(cmd("take2"))  # the venue's mode: EXPIRE_MAKER
    clock.run_all()
    rest2, take2 = eng.orders.get(ClientOrderId("rest2")), eng.orders.get(ClientOrderId("take2"))
    assert rest2 is not None and rest2.status is OrderStatus.CANCELED
    assert take2 is not None and take2.status is OrderStatus.ACCEPTED  # rests in place of it
    assert (v.self_matches, v.self_matches_prevented) == (1, 1)


BAD: list[tuple[str, dict[str, Any], ReasonCode, str]] = [
    ("stop limit without trigger", dict(order_type=OrderType.STOP_LIMIT), R.INVALID_ORDER, "trigger_price"),
    ("stop limit without price", dict(order_type=OrderType.STOP_LIMIT, price=None, trigger_price=D(102)), R.INVALID_ORDER, "price"),
    ("trigger off tick", dict(order_type=OrderType.STOP_LIMIT, trigger_price=D("102.3")), R.OFF_TICK_PRICE, "trigger_price"),
    ("stop market with price", dict(order_type=OrderType.STOP_MARKET, trigger_price=D(102)), R.INVALID_ORDER, "price"),
    ("trigger on a limit", dict(trigger_price=D(102)), R.INVALID_ORDER, "trigger_price"),
    ("post-only stop", dict(order_type=OrderType.STOP_LIMIT, trigger_price=D(102), post_only=True), R.INVALID_COMBINATION, "post_only"),
    ("post-only IOC", dict(post_only=True, time_in_force=TimeInForce.IOC), R.INVALID_COMBINATION, "post_only"),
    ("post-only FOK", dict(post_only=True, time_in_force=TimeInForce.FOK), R.INVALID_COMBINATION, "post_only"),
    ("post-only market", dict(order_type=OrderType.MARKET, price=None, post_only=True), R.INVALID_COMBINATION, "post_only"),
    ("GTD without expiry", dict(time_in_force=TimeInForce.GTD), R.INVALID_EXPIRY, "expire_ns"),
    ("GTD in the past", dict(time_in_force=TimeInForce.GTD, expire_ns=T0), R.INVALID_EXPIRY, "expire_ns"),
    ("expiry on GTC", dict(expire_ns=T0 + 10**9), R.INVALID_COMBINATION, "expire_ns"),
    ("display zero", dict(display_qty=D(0)), R.INVALID_ORDER, "display_qty"),
    ("display above quantity", dict(display_qty=D(2)), R.INVALID_ORDER, "display_qty"),
    ("display off lot", dict(display_qty=D("0.25")), R.OFF_LOT_QUANTITY, "display_qty"),
    ("iceberg IOC", dict(display_qty=D("0.5"), time_in_force=TimeInForce.IOC), R.INVALID_COMBINATION, "display_qty"),
    ("iceberg market", dict(order_type=OrderType.MARKET, price=None, display_qty=D("0.5")), R.INVALID_COMBINATION, "display_qty"),
    ("GTD on SMART", dict(time_in_force=TimeInForce.GTD, expire_ns=10**19, instrument_id=InstrumentId.parse("BTC/USD@SMART")), R.INVALID_ORDER, "SMART"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "kw", "reason", "field"), BAD, ids=[b[0] for b in BAD])
def test_the_engine_refuses_impossible_order_shapes_naming_the_field(
    name: str, kw: dict[str, Any], reason: ReasonCode, field: str
) -> None:
    eng, v, clock, log = make()
    res = eng.submit(cmd(**kw))
    assert res.denial is not None and res.denial.reason is reason, res.denial
    assert field in res.denial.message
    assert res.order is not None and res.order.status is OrderStatus.DENIED
    assert isinstance(log[-1], OrderDenied)
    clock.run_all()
    assert not v.order_status(ClientOrderId("o")).known  # nothing reached the venue


def test_new_fields_survive_the_journal_codec_and_old_records_still_decode() -> None:
    eng, _v, clock, log = make()
    eng.submit(
        cmd("a", order_type=OrderType.STOP_LIMIT, trigger_price=D(102), display_qty=D("0.5"))
    )
    eng.submit(
        cmd("b", time_in_force=TimeInForce.GTD, expire_ns=T0 + 10**12, stp=StpMode.EXPIRE_BOTH)
    )
    clock.run_all()
    inits = [e for e in log if isinstance(e, OrderInitialized)]
    assert [codec.loads(codec.dumps(e)) for e in inits] == inits
    old = (
        b'{"type":"OrderInitialized","seq":1,"ts":5,"client_order_id":"x","account":"acc",'
        b'"instrument_id":"BTC/USD@SIMA","side":"BUY","order_type":"LIMIT","quantity":"1",'
        b'"price":"100","time_in_force":"GTC","post_only":false,"reduce_only":false,'
        b'"parent_id":null,"tag":""}'
    )
    e = codec.loads(old)
    assert isinstance(e, OrderInitialized) and e.trigger_price is None and e.stp is None
    replayed = Engine(SimClock(), InstrumentRegistry(list(eng.instruments)))
    for ev in log:
        replayed.apply_event(codec.loads(codec.dumps(ev)))
    assert replayed.state_digest() == eng.state_digest()
    b = replayed.orders.get(ClientOrderId("b"))
    assert b is not None and b.stp is StpMode.EXPIRE_BOTH and b.expire_ns == T0 + 10**12


def test_a_day_order_on_an_equity_expires_in_the_engine_at_the_exchange_close() -> None:
    placed = 1_767_344_400_000_000_000  # 2026-01-02 09:00 UTC, XETR open
    close = 1_767_371_400_000_000_000  # 2026-01-02 16:30 UTC, XETR close
    clock = SimClock(placed)
    sap = spot("SAP", "SIMA", tick="0.01", lot="1", quote="EUR", calendar="XETR")
    model = VenueModel(sap.venue, FeeSchedule(), {sap.id: sap})
    v = SimVenueClient(model, clock, SimVenueConfig(ack_jitter_us=0))
    eng = Engine(clock, InstrumentRegistry([sap]))
    attach(eng, [v])
    v.on_market(sap.id, ((D(179), D(100)),), ((D(181), D(100)),))
    res = eng.submit(
        cmd(instrument_id=sap.id, price=D(178), quantity=D(5), time_in_force=TimeInForce.DAY)
    )
    assert res.order is not None
    clock.advance_to(close - 1)
    assert res.order.status is OrderStatus.ACCEPTED
    clock.advance_to(close)
    assert res.order.status is OrderStatus.EXPIRED
