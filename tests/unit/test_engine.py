"""The sequencer: idempotency, denials as data, ordered gap-free events, replay."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from tests.fakes import ScriptedVenue
from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import attach
from tradecore.model import (
    AccountId,
    CancelOrder,
    ClientOrderId,
    Event,
    Instrument,
    InstrumentId,
    OrderDenied,
    OrderFilled,
    OrderInitialized,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    ReasonCode,
    ReplaceOrder,
    Side,
    SubmitOrder,
    TimeInForce,
    Venue,
    codec,
    spot,
)
from tradecore.model.denial import Denial
from tradecore.model.orders import Order

ACC = AccountId("acc")


def limit(
    coid: str, qty: str = "1", px: str = "100", side: Side = Side.BUY, venue: str = "FAKE"
) -> SubmitOrder:
    return SubmitOrder(
        client_order_id=ClientOrderId(coid),
        account=ACC,
        instrument_id=InstrumentId.parse(f"BTC/USD@{venue}"),
        side=side,
        order_type=OrderType.LIMIT,
        quantity=Decimal(qty),
        price=Decimal(px),
    )


def record(engine: Engine) -> list[Event]:
    seen: list[Event] = []
    engine.bus.subscribe_all(seen.append)
    return seen


def test_submit_accept_fill_publishes_ordered_gap_free_events(
    engine: Engine, venue: ScriptedVenue
) -> None:
    seen = record(engine)
    res = engine.submit(limit("a", "2"))
    assert res.ok and res.order is not None
    assert res.order.status is OrderStatus.SUBMITTED
    assert venue.submitted == [res.order]
    engine.sink.on_accepted(ClientOrderId("a"), venue.next_vid())
    venue.fill("a", "0.5", "100")
    venue.fill("a", "1.5", "99.5", fee="0.12")
    assert res.order.status is OrderStatus.FILLED
    assert res.order.avg_px == Decimal("99.625")
    assert [e.seq for e in seen] == list(range(1, len(seen) + 1))
    assert [type(e).__name__ for e in seen] == [
        "OrderInitialized",  # with submitted: one event where two said nothing more
        "OrderAccepted",
        "OrderFilled",
        "OrderFilled",
    ]
    first = seen[0]
    assert isinstance(first, OrderInitialized) and first.submitted


def test_a_denied_order_keeps_its_order_event_then_the_denial(
    engine: Engine, venue: ScriptedVenue
) -> None:
    seen = record(engine)
    res = engine.submit(limit("bad", px="1.001"))  # off the tick: static check
    assert res.order is not None and res.order.status is OrderStatus.DENIED
    assert [type(e).__name__ for e in seen] == ["OrderInitialized", "OrderDenied"]
    first = seen[0]
    assert isinstance(first, OrderInitialized) and not first.submitted
    assert venue.submitted == []


def test_a_gateway_refusal_after_the_submit_denies_and_sends_nothing(
    engine: Engine, venue: ScriptedVenue
) -> None:
    seen = record(engine)
    order = engine.submit(limit("x")).order
    assert order is not None
    # the gateway refuses (an unknown venue): SUBMITTED -> DENIED, nothing reached a venue
    iid = InstrumentId.parse("BTC/USD@NOWHERE")
    engine.instruments.add(spot("BTC/USD", "NOWHERE", tick="0.01", lot="0.001"))
    res = engine.submit(
        SubmitOrder(
            client_order_id=ClientOrderId("y"), account=ACC, instrument_id=iid, side=Side.BUY,
            order_type=OrderType.LIMIT, quantity=Decimal(1), price=Decimal(100),
        )
    )  # fmt: skip
    assert res.denial is not None and res.denial.reason is ReasonCode.UNKNOWN_VENUE
    assert res.order is not None and res.order.status is OrderStatus.DENIED
    assert [type(e).__name__ for e in seen][-2:] == ["OrderInitialized", "OrderDenied"]
    assert [o.client_order_id for o in venue.submitted] == ["x"]


def test_journals_written_before_the_one_event_submit_replay_the_same(
    engine: Engine, venue: ScriptedVenue, btc: Instrument
) -> None:
    """An old journal says OrderInitialized + OrderSubmitted: it rebuilds the same order."""
    seen = record(engine)
    engine.submit(limit("a", "2"))
    engine.sink.on_accepted(ClientOrderId("a"), venue.next_vid())
    venue.fill("a", "2", "100")
    first = seen[0]
    assert isinstance(first, OrderInitialized)
    old = [
        msgspec.structs.replace(first, submitted=False),
        OrderSubmitted(first.seq, first.ts, first.client_order_id, first.account, Venue("FAKE")),
        *seen[1:],
    ]
    replayed = Engine(SimClock(), InstrumentRegistry([btc]))
    for e in old:
        replayed.apply_event(e)
    a, b = replayed.orders.get(ClientOrderId("a")), engine.orders.get(ClientOrderId("a"))
    assert a is not None and b is not None and a.snapshot() == b.snapshot()


def test_resubmitting_a_client_order_id_returns_the_original(
    engine: Engine, venue: ScriptedVenue
) -> None:
    first = engine.submit(limit("dup"))
    again = engine.submit(limit("dup", qty="5"))
    assert again.duplicate and again.order is first.order
    assert len(venue.submitted) == 1
    assert len(engine.orders) == 1


def test_validation_denials_carry_reason_codes(engine: Engine, venue: ScriptedVenue) -> None:
    cases = {
        "tick": (limit("t1", px="100.005"), ReasonCode.OFF_TICK_PRICE),
        "lot": (limit("t2", qty="0.0015"), ReasonCode.OFF_LOT_QUANTITY),
        "venue": (limit("t3", venue="NOPE"), ReasonCode.UNKNOWN_INSTRUMENT),
    }
    for name, (cmd, code) in cases.items():
        res = engine.submit(cmd)
        assert res.denial is not None and res.denial.reason is code, name
        assert res.order is not None and res.order.status is OrderStatus.DENIED
    assert venue.submitted == []


def test_market_order_with_a_price_is_denied(engine: Engine) -> None:
    cmd = SubmitOrder(
        client_order_id=ClientOrderId("m"),
        account=ACC,
        instrument_id=InstrumentId.parse("BTC/USD@FAKE"),
        side=Side.SELL,
        order_type=OrderType.MARKET,
        quantity=Decimal("1"),
        price=Decimal("1"),
    )
    res = engine.submit(cmd)
    assert res.denial is not None and res.denial.reason is ReasonCode.INVALID_ORDER


class DenyAll:
    def check(self, order: Order) -> Denial | None:
        return Denial(ReasonCode.MAX_ORDER_QUANTITY, "too big", "max_qty", "1", str(order.quantity))

    def check_replace(
        self, order: Order, new_quantity: Decimal, new_price: Decimal | None
    ) -> Denial | None:
        return self.check(order)


def test_risk_denial_is_an_event_with_check_limit_and_value(
    btc: Instrument, venue: ScriptedVenue
) -> None:
    eng = Engine(SimClock(), InstrumentRegistry([btc]), risk=DenyAll())
    attach(eng, [venue])
    seen = record(eng)
    eng.submit(limit("r", qty="2"))
    denied = [e for e in seen if isinstance(e, OrderDenied)]
    assert len(denied) == 1
    assert (denied[0].reason, denied[0].check, denied[0].limit, denied[0].value) == (
        ReasonCode.MAX_ORDER_QUANTITY,
        "max_qty",
        "1",
        "2",
    )
    assert venue.submitted == []


def test_cancel_flow_and_cancel_of_closed_order(engine: Engine, venue: ScriptedVenue) -> None:
    engine.submit(limit("c"))
    engine.sink.on_accepted(ClientOrderId("c"), venue.next_vid())
    res = engine.cancel(CancelOrder(client_order_id=ClientOrderId("c"), account=ACC))
    assert res.ok and res.order is not None and res.order.status is OrderStatus.PENDING_CANCEL
    engine.sink.on_canceled(ClientOrderId("c"))
    assert res.order.status is OrderStatus.CANCELED
    again = engine.cancel(CancelOrder(client_order_id=ClientOrderId("c"), account=ACC))
    assert again.denial is not None and again.denial.reason is ReasonCode.ORDER_NOT_OPEN
    other = engine.cancel(CancelOrder(client_order_id=ClientOrderId("c"), account=AccountId("x")))
    assert other.denial is not None and other.order is None  # another account cannot see it


def test_replace_carries_cumulative_fill_to_the_new_order(
    engine: Engine, venue: ScriptedVenue
) -> None:
    engine.submit(limit("r1", qty="3"))
    engine.sink.on_accepted(ClientOrderId("r1"), venue.next_vid())
    venue.fill("r1", "1", "100")
    res = engine.replace(
        ReplaceOrder(
            client_order_id=ClientOrderId("r1"),
            new_client_order_id=ClientOrderId("r2"),
            account=ACC,
            quantity=Decimal("5"),
            price=Decimal("101"),
        )
    )
    assert res.ok
    engine.sink.on_replaced(ClientOrderId("r1"), venue.next_vid())
    old, new = engine.orders.get(ClientOrderId("r1")), engine.orders.get(ClientOrderId("r2"))
    assert old is not None and new is not None
    assert old.status is OrderStatus.REPLACED and old.replaced_by == "r2"
    assert new.status is OrderStatus.PARTIALLY_FILLED
    assert (new.quantity, new.filled_qty, new.leaves_qty, new.price) == (
        Decimal(5),
        Decimal(1),
        Decimal(4),
        Decimal(101),
    )


class SyncVenue(ScriptedVenue):
    """A client that reports synchronously from inside submit (re-entrant)."""

    def submit(self, order: Order) -> None:
        super().submit(order)
        assert self.sink is not None
        self.sink.on_accepted(order.client_order_id, self.next_vid())
        self.fill(order.client_order_id, str(order.quantity), "100")


def test_reentrant_reports_are_applied_after_the_command_in_order(btc: Instrument) -> None:
    v = SyncVenue("FAKE")
    eng = Engine(SimClock(), InstrumentRegistry([btc]))
    attach(eng, [v])
    seen = record(eng)
    res = eng.submit(limit("s"))
    assert res.order is not None and res.order.status is OrderStatus.FILLED
    assert [type(e).__name__ for e in seen] == [
        "OrderInitialized",
        "OrderAccepted",
        "OrderFilled",
    ]


def test_journaled_events_replay_to_the_same_state(
    engine: Engine, venue: ScriptedVenue, btc: Instrument
) -> None:
    log: list[bytes] = []
    engine.bus.subscribe_all(lambda e: log.append(codec.dumps(e)))
    for i in range(5):
        engine.submit(limit(f"o{i}", qty="2", px=str(100 + i)))
        engine.sink.on_accepted(ClientOrderId(f"o{i}"), venue.next_vid())
    venue.fill("o1", "2", "101", fee="0.5")
    venue.fill("o2", "1", "102")
    engine.cancel(CancelOrder(client_order_id=ClientOrderId("o3"), account=ACC))
    engine.sink.on_canceled(ClientOrderId("o3"))
    engine.submit(limit("bad", px="1.001"))

    replayed = Engine(SimClock(), InstrumentRegistry([btc]))
    for raw in log:
        replayed.apply_event(codec.loads(raw))
    assert replayed.state_digest() == engine.state_digest()
    assert replayed.seq == engine.seq


def test_every_event_type_round_trips_through_the_codec(
    engine: Engine, venue: ScriptedVenue
) -> None:
    seen = record(engine)
    engine.submit(limit("x", qty="2"))
    engine.sink.on_accepted(ClientOrderId("x"), venue.next_vid())
    venue.fill("x", "1", "100", fee="0.01")
    engine.submit(limit("y", px="0.001"))
    for e in seen:
        assert codec.loads(codec.dumps(e)) == e
    assert any(isinstance(e, OrderFilled) for e in seen)


def test_fok_and_ioc_time_in_force_pass_through(engine: Engine, venue: ScriptedVenue) -> None:
    cmd = SubmitOrder(
        client_order_id=ClientOrderId("f"),
        account=ACC,
        instrument_id=InstrumentId.parse("BTC/USD@FAKE"),
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=Decimal("1"),
        price=Decimal("100"),
        time_in_force=TimeInForce.FOK,
    )
    assert engine.submit(cmd).ok
    assert venue.submitted[0].time_in_force is TimeInForce.FOK


def test_a_command_issued_from_a_bus_handler_runs_at_once_and_events_stay_ordered(
    engine: Engine, venue: ScriptedVenue
) -> None:
    """A risk monitor that cancels inside a fill handler must get its answer immediately."""
    answers: list[bool] = []

    def on_fill(e: OrderFilled) -> None:
        if e.client_order_id == "h1":
            res = engine.cancel(CancelOrder(client_order_id=ClientOrderId("h2"), account=ACC))
            answers.append(res.ok)

    engine.bus.subscribe(OrderFilled, on_fill)
    seen = record(engine)
    engine.submit(limit("h1"))
    engine.submit(limit("h2"))
    engine.sink.on_accepted(ClientOrderId("h2"), venue.next_vid())
    venue.fill("h1", "1", "100")
    assert answers == [True]
    assert [e.seq for e in seen] == sorted(e.seq for e in seen)
    assert engine.orders.get(ClientOrderId("h2")).status is OrderStatus.PENDING_CANCEL  # type: ignore[union-attr]


def test_closed_orders_are_evicted_but_their_ids_stay_idempotent(btc: Instrument) -> None:
    v = SyncVenue("FAKE")
    eng = Engine(SimClock(), InstrumentRegistry([btc]), retain_closed=3)
    attach(eng, [v])
    for i in range(10):
        assert eng.submit(limit(f"e{i}")).ok
    assert len(eng.orders) == 3  # memory bounded: only the newest closed orders stay
    assert eng.orders.evicted == 7
    again = eng.submit(limit("e0"))
    assert again.duplicate and again.order is None
    assert again.denial is not None
    assert again.denial.reason is ReasonCode.DUPLICATE_CLIENT_ORDER_ID
    assert len(v.submitted) == 10  # never a second order for an old id


def test_late_cancel_reject_after_the_fill_is_tolerated(
    engine: Engine, venue: ScriptedVenue
) -> None:
    """A fill races the cancel: the venue's cancel-reject arrives for a FILLED order."""
    engine.submit(limit("race", qty="1"))
    engine.sink.on_accepted(ClientOrderId("race"), venue.next_vid())
    engine.cancel(CancelOrder(client_order_id=ClientOrderId("race"), account=ACC))
    venue.fill("race", "1", "100")
    engine.sink.on_cancel_rejected(ClientOrderId("race"), ReasonCode.ORDER_NOT_OPEN, "too late")
    engine.sink.on_canceled(ClientOrderId("race"), "late confirm")
    order = engine.orders.get(ClientOrderId("race"))
    assert order is not None and order.status is OrderStatus.FILLED
    assert engine.anomalies == {"LATE": 2}  # journaled as ReportAnomaly, never raised


def test_a_cancel_refused_before_the_ack_leaves_the_order_submitted(
    engine: Engine, venue: ScriptedVenue
) -> None:
    """The cancel overtakes the order on the way to the venue: the venue refuses the cancel,
    then acknowledges the order. The order must be able to take that ack."""
    engine.submit(limit("overtaken", qty="1"))
    engine.cancel(CancelOrder(client_order_id=ClientOrderId("overtaken"), account=ACC))
    engine.sink.on_cancel_rejected(ClientOrderId("overtaken"), ReasonCode.ORDER_NOT_OPEN, "unknown")
    order = engine.orders.get(ClientOrderId("overtaken"))
    assert order is not None and order.status is OrderStatus.SUBMITTED
    engine.sink.on_accepted(ClientOrderId("overtaken"), venue.next_vid())
    assert order.status is OrderStatus.ACCEPTED
