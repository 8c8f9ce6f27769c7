"""The execution-layer findings of the review, each reproduced (they failed before the change)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes import ScriptedVenue
from tests.unit.routing.conftest import ACC, SYMBOL, build_market
from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import attach
from tradecore.model import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    OrderStatus,
    OrderType,
    ReasonCode,
    Side,
    SubmitOrder,
    TimeInForce,
    Venue,
    VenueOrderId,
    spot,
)
from tradecore.model.events import OrderAdopted, ReportAnomaly
from tradecore.routing.config import RoutingConfig, Strategy
from tradecore.venues.sim.client import SimVenueConfig

D = Decimal
MS = 1_000_000


def _direct(venue: ScriptedVenue) -> tuple[Engine, SimClock]:
    clock = SimClock(1_000)
    eng = Engine(clock, InstrumentRegistry([spot("BTC/USD", "FAKE", tick="0.01", lot="0.001")]))
    attach(eng, [venue])
    return eng, clock


def _order(coid: str, qty: object, venue: str = "FAKE") -> SubmitOrder:
    return SubmitOrder(
        client_order_id=ClientOrderId(coid), account=AccountId("acct"),
        instrument_id=InstrumentId("BTC/USD", Venue(venue)), side=Side.BUY,
        order_type=OrderType.LIMIT, quantity=qty, price=D(100),  # type: ignore[arg-type]
    )  # fmt: skip


def test_late_ack_after_an_ack_timeout_adopts_the_order_instead_of_raising() -> None:
    venue = ScriptedVenue()
    eng, clock = _direct(venue)
    adopted: list[OrderAdopted] = []
    eng.bus.subscribe(OrderAdopted, adopted.append)
    o = eng.submit(_order("late", D("1"))).order
    assert o is not None
    clock.advance_to(clock.now_ns() + 1_001 * MS)  # the ack timeout: the venue knows nothing
    assert o.status is OrderStatus.REJECTED and venue.canceled  # and a cancel went out
    venue.sink.on_accepted(ClientOrderId("late"), VenueOrderId("FAKE-9"))  # type: ignore[union-attr]
    assert o.status is OrderStatus.ACCEPTED and len(adopted) == 1  # the venue's word wins
    venue.fill("late", "1", "100")
    assert o.status is OrderStatus.FILLED


def test_late_ack_of_a_child_whose_parent_is_done_cancels_the_child() -> None:
    m = build_market(
        RoutingConfig(latency_penalty_bps_per_ms=D(0), max_attempts=1),
        sim=lambda n: SimVenueConfig(
            ack_jitter_us=0, ack_latency_us=2_000_000 if n == "SIMA" else 300
        ),
    )
    m.submit("P", Side.BUY, "1")  # SIMA has the best all-in price, but acks after 2 s
    m.clock.run_all()
    parent = m.engine.orders.get(ClientOrderId("P"))
    assert parent is not None and parent.status.is_terminal
    child = m.engine.orders.children(ClientOrderId("P"))[0]
    assert child.instrument_id.venue == "SIMA"
    # timed out at 1 s (the venue did not know it yet), then acknowledged and traded at 2 s:
    # the fill is booked (the venue's word wins) on the child and on its parent
    assert child.filled_qty == parent.filled_qty
    assert child.status in (OrderStatus.FILLED, OrderStatus.CANCELED)


def test_smart_post_only_rests_post_only_on_the_rebate_venue() -> None:
    # SIMB pays a 2 bp maker rebate (and has the highest taker fee: the old code posted by
    # taker fee and so never on the rebate venue)
    m = build_market(RoutingConfig(latency_penalty_bps_per_ms=D(0)), maker_bps={"SIMB": D(-2)})
    m.engine.submit(
        SubmitOrder(
            client_order_id=ClientOrderId("PO"), account=ACC,
            instrument_id=InstrumentId(SYMBOL, Venue("SMART")), side=Side.BUY,
            order_type=OrderType.LIMIT, quantity=D(1), price=D("99.50"),
            time_in_force=TimeInForce.GTC, post_only=True,
        )
    )  # fmt: skip
    m.clock.run_all()
    parent = m.engine.orders.get(ClientOrderId("PO"))
    kids = m.engine.orders.children(ClientOrderId("PO"))
    assert parent is not None and parent.status is OrderStatus.ACCEPTED  # resting, not canceled
    assert [(k.instrument_id.venue, k.post_only, k.time_in_force) for k in kids] == [
        ("SIMB", True, TimeInForce.GTC)
    ]
    assert "lowest maker fee" in m.decisions[-1].reason


def test_smart_post_only_that_would_cross_everywhere_is_denied_with_a_reason() -> None:
    m = build_market(RoutingConfig(latency_penalty_bps_per_ms=D(0)))
    res = m.engine.submit(
        SubmitOrder(
            client_order_id=ClientOrderId("X"), account=ACC,
            instrument_id=InstrumentId(SYMBOL, Venue("SMART")), side=Side.BUY,
            order_type=OrderType.LIMIT, quantity=D(1), price=D("101.00"),
            time_in_force=TimeInForce.GTC, post_only=True,
        )
    )  # fmt: skip
    assert res.denial is not None and res.denial.reason is ReasonCode.POST_ONLY_WOULD_CROSS


def test_best_follows_the_venue_score() -> None:
    m = build_market(RoutingConfig(strategy=Strategy.BEST, latency_penalty_bps_per_ms=D(0)))
    m.submit("B", Side.BUY, "1")
    d = m.decisions[0]
    top = max((s for s in d.scores if not s.excluded), key=lambda s: (s.score, s.venue))
    assert [c.venue for c in d.children] == [top.venue]
    assert f"best score on {top.venue}" in d.reason


@pytest.mark.parametrize(
    ("qty", "field"),
    [
        (0.1, "quantity: must be a Decimal, got float"),
        (D("1." + "0" * 59 + "1"), "quantity: has more than 18 significant digits"),
        (D("NaN"), "quantity: must be finite"),
        (D("1e400"), "quantity: must be below"),
        ("abc", "quantity: is not a number"),
    ],
)
def test_bad_quantities_are_refused_before_any_order_exists(qty: object, field: str) -> None:
    venue = ScriptedVenue()
    eng, _ = _direct(venue)
    res = eng.submit(_order("ghost", qty))
    assert res.denial is not None and res.denial.reason is ReasonCode.INVALID_ORDER
    assert field in res.denial.message
    assert res.order is None and len(eng.orders) == 0 and eng.seq == 0  # no ghost, no event
    ok = eng.submit(_order("ghost", D("0.5")))  # the id is still free
    assert ok.ok and ok.order is not None and ok.order.status is OrderStatus.SUBMITTED


def test_unknown_and_duplicate_reports_are_journaled_anomalies_not_exceptions() -> None:
    venue = ScriptedVenue()
    eng, _ = _direct(venue)
    seen: list[ReportAnomaly] = []
    eng.bus.subscribe(ReportAnomaly, seen.append)
    eng.sink.on_accepted(ClientOrderId("nobody"), VenueOrderId("V1"))
    eng.submit(_order("a", D("2")))
    venue.sink.on_accepted(ClientOrderId("a"), VenueOrderId("V2"))  # type: ignore[union-attr]
    venue.sink.on_accepted(ClientOrderId("a"), VenueOrderId("V2"))  # type: ignore[union-attr]
    venue.fill("a", "1", "100")
    from tradecore.model import LiquiditySide, Money, TradeId

    tid = TradeId(f"T{venue._n}")
    venue.sink.on_filled(
        ClientOrderId("a"), tid, D(1), D(100), Money.of("0", "USD"), LiquiditySide.TAKER
    )  # type: ignore[union-attr]
    o = eng.orders.get(ClientOrderId("a"))
    assert o is not None and o.filled_qty == D(1)  # the repeated trade is not booked twice
    assert [a.kind for a in seen] == ["UNKNOWN_ORDER", "DUPLICATE", "DUPLICATE"]
    assert eng.anomalies == {"UNKNOWN_ORDER": 1, "DUPLICATE": 2}


@settings(max_examples=300)
@given(
    qty=st.decimals(allow_nan=True, allow_infinity=True)
    | st.decimals(min_value=-(10**20), max_value=10**20, places=12),
    price=st.none() | st.decimals(allow_nan=True, allow_infinity=True),
)
def test_the_fast_validation_path_agrees_with_the_exact_one(
    qty: Decimal, price: Decimal | None
) -> None:
    from tradecore.model.validation import _validate_submit, validate_submit

    cmd = SubmitOrder(
        client_order_id=ClientOrderId("v"), account=AccountId("a"),
        instrument_id=InstrumentId("BTC/USD", Venue("FAKE")), side=Side.BUY,
        order_type=OrderType.LIMIT, quantity=qty, price=price,
    )  # fmt: skip
    fast, exact = validate_submit(cmd), _validate_submit(cmd)
    assert (fast is cmd) == (exact is cmd)
    assert type(fast) is type(exact)


def test_a_leftover_is_never_posted_where_it_would_trade_with_our_own_order() -> None:
    """Found by the demo: depth cut before our own order left nothing marketable, and the
    leftover of a GTC limit was then posted on that very venue, crossing our own order."""
    m = build_market(RoutingConfig(latency_penalty_bps_per_ms=D(0), max_venues=1))
    own = SubmitOrder(
        client_order_id=ClientOrderId("OWN"), account=ACC,
        instrument_id=InstrumentId(SYMBOL, Venue("SIMC")), side=Side.SELL,
        order_type=OrderType.LIMIT, quantity=D(1), price=D("100.40"),
        time_in_force=TimeInForce.GTC,
    )  # fmt: skip
    assert m.engine.submit(own).ok
    m.clock.run_all()
    m.submit("P", Side.BUY, "5", "100.45", tif=TimeInForce.GTC)
    m.clock.run_all()
    kids = m.engine.orders.children(ClientOrderId("P"))
    resting = [k for k in kids if k.is_open]
    assert resting and all(k.instrument_id.venue != "SIMC" for k in resting)
    assert sum(v.self_matches for v in m.venues.values()) == 0
    assert m.engine.orders.get(ClientOrderId("OWN")).filled_qty == 0  # type: ignore[union-attr]
